"""What happens during a placement: check-ins, reports, 直报, pay records and evaluations."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopeDeclared, ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from ..choices import (
    CheckInKind,
    DirectReportCategory,
    DirectReportStatus,
    PayMethod,
    ReportKind,
    ReviewStatus,
)
from .base import GRADE_CHOICES, validate_attachment_size
from .placements import PLACEMENT_PEOPLE, Placement, _PlacementChild


class CheckIn(ScopeDeclared, models.Model):
    """签到: START/END with time and place. High volume: a plain model, written in bulk-friendly form."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="checkins"
    )
    # The placement's school, copied on insert (a placement never changes school): a school's
    # check-ins — tens of thousands a month — are one range of (institution, occurred_at, id), where
    # through the placement they were found by walking every school's check-ins in time order.
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # internships_ci_inst_time leads with it
    )
    kind = models.CharField(_("kind"), max_length=5, choices=CheckInKind.choices)
    occurred_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6)
    accuracy_m = models.PositiveIntegerField(_("accuracy (m)"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    client_key = models.CharField(_("client idempotency key"), max_length=64, unique=True)
    distance_m = models.PositiveIntegerField(_("distance to the workplace (m)"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_enterprise = "placement__enterprise_id"
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})
    scope_relations = {"view": PLACEMENT_PEOPLE}
    sensitive_fields = {"address": "address"}  # where a student was (core.sensitive)

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-occurred_at"]
        indexes = [
            models.Index(fields=["placement", "occurred_at"], name="internships_ci_pl_time"),
            models.Index(fields=["occurred_at", "id"], name="internships_ci_time"),
            models.Index(fields=["institution", "occurred_at", "id"], name="internships_ci_inst_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="internships_checkin_coordinates",
                violation_error_message=_("The coordinates are impossible."),
            )
        ]

    def __str__(self) -> str:
        from zhijiao.core.display import when

        return f"{self.get_kind_display()} {when(self.occurred_at)}"

    def save(self, *args, **kwargs):
        # The ingest statements (internships.checkins) copy the school in SQL; a check-in saved
        # through the ORM takes its placement's here.
        if self.institution_id is None and self.placement_id is not None:
            self.institution_id = self.placement.institution_id
        super().save(*args, **kwargs)


class Report(_PlacementChild):
    """日报/周报/月报 written by the student, reviewed by a mentor."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField(_("kind of report"), max_length=10, choices=ReportKind.choices)
    period_start = models.DateField(_("period starts"))
    period_end = models.DateField(_("period ends"))
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    content = models.TextField(_("content"), validators=[validate_plain_text])
    fingerprint = models.BigIntegerField(_("text fingerprint"), null=True, blank=True, db_index=True)
    attachment = models.FileField(
        _("attachment"),
        upload_to="internships/reports/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    status = models.CharField(
        _("review status"),
        max_length=20,
        choices=ReviewStatus.choices,
        default=ReviewStatus.SUBMITTED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True, validators=[validate_plain_text])
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})
    scope_relations = {
        "view": PLACEMENT_PEOPLE,
        "submit": PLACEMENT_PEOPLE[:1],  # the student writes reports on their own placement
        "change": PLACEMENT_PEOPLE[1:],  # a mentor reviews them (so do the school and the host)
    }

    class Meta:
        verbose_name = _("internship report")
        verbose_name_plural = _("internship reports")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "kind", "period_start"],
                name="internships_report_unique_period",
                violation_error_message=_("A report for this period already exists."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="internships_report_period_ordered",
                violation_error_message=_("The period must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DirectReport(ScopedModel):
    """直报: an incident or problem reported by a student straight to the school and the authority.

    When ``anonymous_to_authority`` is set, authority users see the report without the reporter.
    """

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="direct_reports",
    )
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="internship_direct_reports",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reporter"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    anonymous_to_authority = models.BooleanField(_("anonymous to the authority"), default=False)
    category = models.CharField(_("category"), max_length=20, choices=DirectReportCategory.choices)
    occurred_on = models.DateField(_("occurred on"), null=True, blank=True)
    content = models.TextField(_("what happened"), validators=[validate_plain_text])
    attachment = models.FileField(
        _("attachment"), upload_to="internships/direct/%Y/", blank=True, validators=[validate_attachment_size]
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DirectReportStatus.choices,
        default=DirectReportStatus.OPEN,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    school_response = models.TextField(_("school response"), blank=True, validators=[validate_plain_text])
    school_responded_at = models.DateTimeField(_("school responded at"), null=True, blank=True)
    authority_response = models.TextField(
        _("authority response"), blank=True, validators=[validate_plain_text]
    )
    authority_responded_at = models.DateTimeField(_("authority responded at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    # The student who filed it reads it; a student files one on their own placement.
    scope_relations = {"view": (Rel.own_person("reporter"),), "file": (Rel.own_person("reporter"),)}

    class Meta:
        verbose_name = _("direct report")
        verbose_name_plural = _("direct reports")
        ordering = ["-submitted_at"]

    def get_absolute_url(self) -> str:
        return reverse("internships:direct_report_detail", args=[self.pk])

    def __str__(self) -> str:
        from zhijiao.core.display import day

        return (
            f"{self.get_category_display()} · {day(self.submitted_at)}"
            if self.submitted_at
            else str(self.get_category_display())
        )


class PayRecord(_PlacementChild):
    """Pay for one month, as the enterprise declares it and the student confirms it."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="pay_records"
    )
    period = models.DateField(_("month"), help_text=_("The first day of the month paid for."))
    amount = models.DecimalField(
        _("amount"), max_digits=9, decimal_places=2, validators=[MinValueValidator(0)]
    )
    paid_on = models.DateField(_("paid on"))
    method = models.CharField(
        _("payment method"), max_length=20, choices=PayMethod.choices, default=PayMethod.BANK_TRANSFER
    )
    paid_to_student = models.BooleanField(_("paid to the student's own account"), default=True)
    premium_deducted = models.BooleanField(_("insurance premium deducted from this pay"), default=False)
    confirmed_at = models.DateTimeField(_("confirmed by the student at"), null=True, blank=True)
    received_amount = models.DecimalField(
        _("amount received"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    student_note = models.CharField(
        _("student note"), max_length=500, blank=True, validators=[validate_plain_text]
    )

    # The host records pay (as do the school and the mentors); the student confirms what arrived.
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})
    scope_relations = {
        "view": PLACEMENT_PEOPLE,
        "change": PLACEMENT_PEOPLE[1:],
        "confirm": PLACEMENT_PEOPLE[:1],
    }

    class Meta:
        verbose_name = _("pay record")
        verbose_name_plural = _("pay records")
        ordering = ["-period"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "period"],
                name="internships_pay_unique_month",
                violation_error_message=_("Pay for this month is already recorded."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.amount}"


class Evaluation(_PlacementChild):
    """The enterprise mentor's evaluation and the school's grade (优秀/良好/合格/不合格)."""

    placement = models.OneToOneField(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="evaluation"
    )
    enterprise_score = models.PositiveSmallIntegerField(
        _("enterprise score"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    enterprise_comment = models.TextField(
        _("enterprise comment"), blank=True, validators=[validate_plain_text]
    )
    enterprise_evaluated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("evaluated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    enterprise_evaluated_at = models.DateTimeField(_("evaluated at"), null=True, blank=True)
    school_grade = models.CharField(_("school grade"), max_length=20, choices=GRADE_CHOICES, blank=True)
    school_comment = models.TextField(_("school comment"), blank=True, validators=[validate_plain_text])
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("graded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    graded_at = models.DateTimeField(_("graded at"), null=True, blank=True)

    # The host and the host mentor evaluate, the school and the school mentor grade.
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})
    scope_relations = {"view": PLACEMENT_PEOPLE, "change": PLACEMENT_PEOPLE[1:]}

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.CheckConstraint(
                condition=Q(enterprise_score__isnull=True) | Q(enterprise_score__lte=100),
                name="internships_eval_score_range",
                violation_error_message=_("The score is between 0 and 100."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.placement} · {self.get_school_grade_display() or '-'}"
