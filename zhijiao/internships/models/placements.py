"""Placements and what each needs: the three-party agreement, insurance and mentors."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from ..choices import (
    ArrangedVia,
    MentorKind,
    PayMethod,
    PlacementStatus,
    PremiumPayer,
    WorkKind,
)
from ..search import PlacementStudentSearch
from .base import validate_attachment_size
from .plans import InternshipPlan, Post


class Placement(ScopedModel):
    """One student (enrolment) on one post within a plan, for a period."""

    plan = models.ForeignKey(
        InternshipPlan, verbose_name=_("internship plan"), on_delete=models.PROTECT, related_name="placements"
    )
    enrolment = models.ForeignKey(
        "students.Enrolment", verbose_name=_("enrolment"), on_delete=models.PROTECT, related_name="placements"
    )
    post = models.ForeignKey(
        Post, verbose_name=_("post"), on_delete=models.PROTECT, related_name="placements", db_index=False
    )
    # Denormalised from plan and post: every scope filter, sweep and dashboard groups by them.
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="placements",
        editable=False,
        db_index=False,  # the (institution, …) indexes below
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="placements",
        editable=False,
        db_index=False,  # the (enterprise, …) indexes below
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PlacementStatus.choices,
        default=PlacementStatus.DRAFT,
        # No index of its own: (status, id) below serves every filter by status as well, and the
        # planner no longer picks the narrower one and sorts (test_list_indexes).
        db_index=False,
    )
    arranged_via = models.CharField(
        _("arranged via"), max_length=20, choices=ArrangedVia.choices, default=ArrangedVia.SCHOOL
    )
    # A student and guardian who decline the school's arrangement may choose a qualifying host
    # themselves: their application and the school's approval (教职成〔2021〕4号, 学生自行选择实习单位).
    self_application_on = models.DateField(
        _("self-arranged: applied for by the student and guardian on"), null=True, blank=True
    )
    self_approved_on = models.DateField(_("self-arranged: approved by the school on"), null=True, blank=True)
    work_kind = models.CharField(
        _("kind of work"),
        max_length=20,
        choices=WorkKind.choices,
        default=WorkKind.INDEPENDENT,
        help_text=_("Relatively independent work is paid at least the floor; assisting work appropriately."),
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
    # The student reads their own placement, a current mentor the placements assigned to them.
    scope_relations = {
        "view": (Rel.own_person("enrolment__student__user"), Rel.assigned("mentors", is_current=True))
    }

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-start_date", "-id"]
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
            # The placement list's sorts, province-wide (column, id) and per school; the (school / host /
            # post, id) ones replace the foreign keys' single-column indexes.
            models.Index(fields=["institution", "id"], name="internships_pl_inst"),
            models.Index(fields=["enterprise", "id"], name="internships_pl_ent"),
            models.Index(fields=["post", "id"], name="internships_pl_post"),
            models.Index(fields=["start_date", "id"], name="internships_pl_start"),
            models.Index(fields=["institution", "start_date", "id"], name="internships_pl_inst_start"),
            models.Index(fields=["end_date", "id"], name="internships_pl_end"),
            models.Index(fields=["status", "id"], name="internships_pl_status_id"),
        ]

    def get_absolute_url(self) -> str:
        return reverse("internships:placement_detail", args=[self.pk])

    def __str__(self) -> str:
        return f"{self.enrolment.student} · {self.post.name}"


#: What a placement's student and mentors read of its check-ins, reports, pay and evaluation.
PLACEMENT_PEOPLE = (
    Rel.own_person("placement__enrolment__student__user"),
    Rel.assigned("placement__mentors", is_current=True),
)


# ``id__studentsearch``: the student's name or number from the placement's own search columns
# (zhijiao.internships.search, migration 0022), in the list's order from the placement's indexes.
Placement._meta.get_field("id").register_lookup(PlacementStudentSearch)


class _PlacementChild(ScopedModel):
    scope_region_path = "placement__institution__region__path"
    scope_institution = "placement__institution_id"
    scope_enterprise = "placement__enterprise_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        abstract = True


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
    keeps_id_documents = models.BooleanField(
        _("the school or host keeps the student's ID card or student card"), default=False
    )
    guarantee_required = models.BooleanField(
        _("a guarantee or property is demanded from the student"), default=False
    )
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
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, validators=[validate_plain_text])
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    is_current = models.BooleanField(_("current"), default=True)

    sensitive_fields = {"phone": "phone"}
    person_name_fields = ("name",)

    # The host appoints its own mentor (as do the school and the authority), and a current mentor
    # hands over to the next one.
    scope_change_nodes = frozenset({"region", "institution", "enterprise"})
    scope_relations = {"change": PLACEMENT_PEOPLE[1:]}

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
