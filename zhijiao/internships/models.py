"""Internships (实习): plans, posts, placements and everything hung on a placement.

Rules of 《职业学校学生实习管理规定》 (教职成〔2021〕4号) live in ``rules.py``; writes in ``services.py``.
Domain notes: ``shared/domain/internships.md``.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel, TimeStampedModel
from zhijiao.core.validators import validate_plain_text

from .choices import (
    ArrangedVia,
    CalendarDayKind,
    CheckInKind,
    DirectReportCategory,
    DirectReportStatus,
    EscalationLevel,
    FilingStatus,
    FindingResult,
    InspectionStatus,
    InternshipKind,
    MentorKind,
    PayMethod,
    PlacementStatus,
    PremiumPayer,
    ReportKind,
    ReviewStatus,
    Severity,
    VenueKind,
)

GRADE_CHOICES = [
    ("excellent", _("Excellent")),
    ("good", _("Good")),
    ("pass", _("Pass")),
    ("fail", _("Fail")),
]


def validate_attachment_size(file) -> None:
    limit_mb = getattr(settings, "INTERNSHIP_MAX_ATTACHMENT_MB", 10)
    if file and getattr(file, "size", 0) > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit_mb}, code="too_large"
        )


class InternshipPlan(ScopedModel):
    """实习方案: one batch of internships of a major and cohort, filed (备案) with the authority."""

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="internship_plans",
    )
    offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("offered major"),
        on_delete=models.PROTECT,
        related_name="internship_plans",
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    kind = models.CharField(_("kind of internship"), max_length=20, choices=InternshipKind.choices)
    legacy_type = models.CharField(
        _("legacy type"),
        max_length=20,
        blank=True,
        help_text=_("跟岗 or 顶岗 for records migrated from the 2016 rules."),
    )
    cohort_year = models.PositiveSmallIntegerField(
        _("cohort year"), validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    training_plan_reference = models.CharField(
        _("training plan reference"),
        max_length=200,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("Required when a post internship lasts longer than the usual duration."),
    )
    description = models.TextField(
        _("content and requirements"), blank=True, validators=[validate_plain_text]
    )
    school_mentors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("school mentors"),
        blank=True,
        related_name="internship_plans",
    )
    filing_status = models.CharField(
        _("filing status"),
        max_length=20,
        choices=FilingStatus.choices,
        default=FilingStatus.DRAFT,
        db_index=True,
    )
    filing_reference = models.CharField(_("filing number"), max_length=100, blank=True)
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)
    filing_comment = models.CharField(_("filing comment"), max_length=500, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("internship plan")
        verbose_name_plural = _("internship plans")
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="internships_plan_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
        ]

    def get_absolute_url(self) -> str:
        return reverse("internships:plan_detail", args=[self.pk])

    def __str__(self) -> str:
        return self.title

    def audit_scope_path(self) -> str:
        return self.institution.region.path


class Post(ScopedModel):
    """岗位: a kind of post at a host enterprise, with what the rules need to know about it."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="internship_posts",
    )
    registered_by = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("registered by school"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_posts",
    )
    name = models.CharField(_("post name"), max_length=100, validators=[validate_plain_text])
    major_category = models.ForeignKey(
        "majors.MajorCategory", verbose_name=_("major category"), on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField(_("work content"), blank=True, validators=[validate_plain_text])
    venue_kind = models.CharField(
        _("kind of venue"), max_length=30, choices=VenueKind.choices, default=VenueKind.ORDINARY
    )
    physical_labour_level = models.PositiveSmallIntegerField(
        _("physical-labour intensity level"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("GB 3869 level I–IV."),
    )
    hazards = models.JSONField(_("hazards"), default=list, blank=True)
    high_risk = models.BooleanField(
        _("high-risk post"),
        default=False,
        help_text=_("Work at height, underground, radioactive, toxic, flammable or explosive."),
    )
    minor_forbidden = models.BooleanField(_("forbidden for minors"), default=False)
    female_forbidden = models.BooleanField(_("forbidden for women"), default=False)
    daily_hours = models.DecimalField(
        _("hours per day"),
        max_digits=4,
        decimal_places=1,
        default=8,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
    )
    weekly_hours = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        default=40,
        validators=[MinValueValidator(0), MaxValueValidator(168)],
    )
    shift_start = models.TimeField(_("shift starts"), default="08:30")
    shift_end = models.TimeField(_("shift ends"), default="17:30")
    works_holidays = models.BooleanField(_("works on statutory holidays"), default=False)
    overtime = models.BooleanField(_("overtime scheduled"), default=False)
    wage_standard = models.DecimalField(
        _("monthly wage for the post"),
        max_digits=9,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )
    lowest_grade_wage = models.DecimalField(
        _("lowest wage grade"), max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    on_duty_staff = models.PositiveIntegerField(
        _("staff on duty in this post"),
        default=0,
        help_text=_("Drives the cap of 20 percent of the staff on a post."),
    )
    staff_declared_on = models.DateField(_("headcount declared on"), null=True, blank=True)
    headcount = models.PositiveIntegerField(_("intern places offered"), default=0)
    workplace = models.CharField(
        _("workplace address"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("open"), default=True)

    # Posts are like job listings: every signed-in user may read them; changes by the enterprise,
    # the school that registered the post, or the authority.
    scope_public_view = True
    scope_region_path = "enterprise__region__path"
    scope_enterprise = "enterprise_id"
    scope_institution = "registered_by_id"
    scope_change_nodes = frozenset({"region", "enterprise", "institution"})

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        ordering = ["enterprise_id", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["enterprise", "name"],
                name="internships_post_unique_name",
                violation_error_message=_("The enterprise already has a post with this name."),
            ),
            models.CheckConstraint(
                condition=Q(physical_labour_level__gte=1, physical_labour_level__lte=4),
                name="internships_post_labour_level_range",
                violation_error_message=_("The physical-labour level is between I and IV."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.name}"

    def audit_scope_path(self) -> str:
        return self.enterprise.region.path


class Placement(ScopedModel):
    """One student (enrolment) on one post within a plan, for a period."""

    plan = models.ForeignKey(
        InternshipPlan, verbose_name=_("internship plan"), on_delete=models.PROTECT, related_name="placements"
    )
    enrolment = models.ForeignKey(
        "students.Enrolment", verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="placements"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="placements"
    )
    # Denormalised from plan and post: every scope filter, sweep and dashboard groups by them.
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="placements",
        editable=False,
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="placements",
        editable=False,
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PlacementStatus.choices,
        default=PlacementStatus.DRAFT,
        db_index=True,
    )
    arranged_via = models.CharField(
        _("arranged via"), max_length=20, choices=ArrangedVia.choices, default=ArrangedVia.SCHOOL
    )
    monthly_pay = models.DecimalField(
        _("monthly pay"), max_digits=9, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    pay_cycle_days = models.PositiveSmallIntegerField(_("payment cycle (days)"), default=30)
    pay_method = models.CharField(
        _("payment method"), max_length=20, choices=PayMethod.choices, default=PayMethod.BANK_TRANSFER
    )
    paid_directly = models.BooleanField(_("paid directly to the student"), default=True)
    special_arrangement_ref = models.CharField(
        _("special working-time filing number"),
        max_length=100,
        blank=True,
        help_text=_("备案 with the higher authority allowing holiday, night or overtime work (Art. 17)."),
    )
    special_arrangement_authority = models.CharField(_("filed with"), max_length=100, blank=True)
    special_arrangement_date = models.DateField(_("filed on"), null=True, blank=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    status_reason = models.CharField(_("reason for the status"), max_length=500, blank=True)
    violations = models.JSONField(_("violations at the last check"), default=list, blank=True)
    checked_at = models.DateTimeField(_("last checked at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_enterprise = "enterprise_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="internships_placement_dates_ordered",
                violation_error_message=_("The end date must not be before the start date."),
            ),
            models.UniqueConstraint(
                fields=["enrolment"],
                condition=Q(status="active"),
                name="internships_one_active_placement",
                violation_error_message=_("The student already has an active placement."),
            ),
        ]
        indexes = [
            models.Index(fields=["enterprise", "status"], name="internships_pl_ent_status"),
            models.Index(fields=["post", "status"], name="internships_pl_post_status"),
            models.Index(fields=["institution", "status"], name="internships_pl_inst_status"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("internships:placement_detail", args=[self.pk])

    def __str__(self) -> str:
        return f"{self.enrolment.student} · {self.post.name}"

    def audit_scope_path(self) -> str:
        return self.institution.region.path


class _PlacementChild(ScopedModel):
    scope_region_path = "placement__institution__region__path"
    scope_institution = "placement__institution_id"
    scope_enterprise = "placement__enterprise_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        abstract = True

    def audit_scope_path(self) -> str:
        return self.placement.institution.region.path


class Agreement(_PlacementChild):
    """The three-party agreement (实习协议); the fields follow its minimum contents (internships.md §9)."""

    placement = models.OneToOneField(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="agreement"
    )
    location = models.CharField(
        _("place of internship"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    content = models.TextField(_("content and requirements"), blank=True, validators=[validate_plain_text])
    hours_and_rest = models.TextField(
        _("working hours, rest and leave"), blank=True, validators=[validate_plain_text]
    )
    board_lodging = models.TextField(_("food and lodging"), blank=True, validators=[validate_plain_text])
    safety_protection = models.TextField(
        _("labour protection and safety"), blank=True, validators=[validate_plain_text]
    )
    insurance_policy_no = models.CharField(_("insurance policy number"), max_length=100, blank=True)
    accident_handling = models.TextField(
        _("accident handling and liability"), blank=True, validators=[validate_plain_text]
    )
    assessment_method = models.TextField(_("assessment method"), blank=True, validators=[validate_plain_text])
    pay_amount = models.DecimalField(_("pay amount"), max_digits=9, decimal_places=2, null=True, blank=True)
    pay_cycle = models.CharField(
        _("payment cycle and method"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    breach_liability = models.TextField(
        _("liability for breach"), blank=True, validators=[validate_plain_text]
    )
    other_matters = models.TextField(_("other matters"), blank=True, validators=[validate_plain_text])
    fee_items = models.JSONField(
        _("fees or deposits charged"),
        default=list,
        blank=True,
        help_text=_("Any fee code listed here violates the no-fees rule."),
    )
    school_signed_on = models.DateField(_("signed by the school on"), null=True, blank=True)
    host_signed_on = models.DateField(_("signed by the enterprise on"), null=True, blank=True)
    student_signed_on = models.DateField(_("signed by the student on"), null=True, blank=True)
    guardian_consent_on = models.DateField(_("guardian consent given on"), null=True, blank=True)
    guardian_consent_file = models.FileField(
        _("guardian consent"),
        upload_to="internships/consent/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )
    attachment = models.FileField(
        _("signed agreement"),
        upload_to="internships/agreements/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )

    class Meta:
        verbose_name = _("internship agreement")
        verbose_name_plural = _("internship agreements")

    def __str__(self) -> str:
        return f"{self.placement} · {self._meta.verbose_name}"


class InsurancePolicy(_PlacementChild):
    """学生实习责任保险 covering a placement."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="policies"
    )
    policy_no = models.CharField(_("policy number"), max_length=100)
    insurer = models.CharField(_("insurer"), max_length=100, validators=[validate_plain_text])
    coverage_start = models.DateField(_("cover starts"))
    coverage_end = models.DateField(_("cover ends"))
    premium_payer = models.CharField(
        _("premium paid by"), max_length=20, choices=PremiumPayer.choices, default=PremiumPayer.SCHOOL
    )
    attachment = models.FileField(
        _("policy document"),
        upload_to="internships/insurance/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )

    class Meta:
        verbose_name = _("insurance policy")
        verbose_name_plural = _("insurance policies")
        ordering = ["coverage_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(coverage_end__gte=F("coverage_start")),
                name="internships_policy_dates_ordered",
                violation_error_message=_("The cover must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["placement", "policy_no"],
                name="internships_policy_unique",
                violation_error_message=_("This policy is already recorded for the placement."),
            ),
        ]

    def __str__(self) -> str:
        return self.policy_no


class MentorAssignment(_PlacementChild):
    """校内实习指导教师 or 企业指导教师 of a placement."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="mentors"
    )
    kind = models.CharField(_("kind of mentor"), max_length=10, choices=MentorKind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentorships",
    )
    name = models.CharField(_("name"), max_length=50, validators=[validate_plain_text])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_current = models.BooleanField(_("current"), default=True)

    sensitive_fields = {"phone": "phone"}

    class Meta:
        verbose_name = _("mentor assignment")
        verbose_name_plural = _("mentor assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "kind"],
                condition=Q(is_current=True),
                name="internships_one_current_mentor",
                violation_error_message=_("The placement already has a current mentor of this kind."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class CheckIn(models.Model):
    """签到: START/END with time and place. High volume: a plain model, written in bulk-friendly form."""

    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.CASCADE, related_name="checkins"
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

    scope_region_path = "placement__institution__region__path"
    scope_institution = "placement__institution_id"
    scope_enterprise = "placement__enterprise_id"
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["placement", "occurred_at"], name="internships_ci_pl_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="internships_checkin_coordinates",
                violation_error_message=_("The coordinates are impossible."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"

    def audit_scope_path(self) -> str:
        return self.placement.institution.region.path


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

    class Meta:
        verbose_name = _("direct report")
        verbose_name_plural = _("direct reports")
        ordering = ["-submitted_at"]

    def get_absolute_url(self) -> str:
        return reverse("internships:direct_report_detail", args=[self.pk])

    def __str__(self) -> str:
        return (
            f"{self.get_category_display()} · {self.submitted_at:%Y-%m-%d}"
            if self.submitted_at
            else self.category
        )

    def audit_scope_path(self) -> str:
        return self.institution.region.path


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
    confirmed_at = models.DateTimeField(_("confirmed by the student at"), null=True, blank=True)
    received_amount = models.DecimalField(
        _("amount received"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    student_note = models.CharField(
        _("student note"), max_length=500, blank=True, validators=[validate_plain_text]
    )

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


class Alert(models.Model):
    """A rule violation or an anomaly, open until the sweep sees it resolved."""

    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alerts",
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.CASCADE, related_name="+"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    rule_id = models.CharField(_("rule"), max_length=30, db_index=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    message = models.CharField(_("message"), max_length=500)
    first_seen = models.DateTimeField(_("first seen"), db_index=True)
    last_seen = models.DateTimeField(_("last changed"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel.choices, default=EscalationLevel.SCHOOL
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_enterprise = "enterprise_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-first_seen"]
        constraints = [
            models.UniqueConstraint(
                fields=["placement", "rule_id"],
                condition=Q(resolved_at__isnull=True),
                name="internships_one_open_alert",
                violation_error_message=_("This alert is already open."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule_id} · {self.message}"

    def audit_scope_path(self) -> str:
        return self.institution.region.path


class HolidayCalendar(TimeStampedModel):
    """Statutory holidays and 调休 make-up working days, loaded from the State Council notice each year."""

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind of day"), max_length=10, choices=CalendarDayKind.choices)
    name = models.CharField(_("name"), max_length=50)

    scope_public_view = True

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holiday calendar")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Inspection(ScopedModel):
    """专项检查 launched by an authority over a region."""

    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("scope"),
        on_delete=models.PROTECT,
        related_name="internship_inspections",
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=InspectionStatus.choices,
        default=InspectionStatus.OPEN,
        db_index=True,
    )
    answer_due = models.DateField(_("answers due"))
    launched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("launched by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    scope_region_path = "region__path"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at"]

    def get_absolute_url(self) -> str:
        return reverse("internships:inspection_detail", args=[self.pk])

    def __str__(self) -> str:
        return self.title

    def audit_scope_path(self) -> str:
        return self.region.path


class InspectionItem(ScopedModel):
    """One sampled placement of an inspection: the school's answer and the inspector's finding."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="items"
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    school_answer = models.TextField(_("school answer"), blank=True, validators=[validate_plain_text])
    evidence = models.FileField(
        _("evidence"),
        upload_to="internships/inspections/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    result = models.CharField(
        _("finding"), max_length=20, choices=FindingResult.choices, default=FindingResult.PENDING
    )
    finding_note = models.TextField(_("finding note"), blank=True, validators=[validate_plain_text])
    failed_rules = models.JSONField(_("rules not met"), default=list, blank=True)
    rectification_due = models.DateField(_("rectification deadline"), null=True, blank=True)
    rectified_at = models.DateTimeField(_("rectified at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("inspection item")
        verbose_name_plural = _("inspection items")
        ordering = ["inspection_id", "institution_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "placement"],
                name="internships_inspection_unique_placement",
                violation_error_message=_("The placement is already in this inspection's sample."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.inspection} · {self.institution}"

    def audit_scope_path(self) -> str:
        return self.institution.region.path
