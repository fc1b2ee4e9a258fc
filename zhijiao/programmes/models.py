"""项目库: programme types as versioned data, calls copied from a type (year, quotas, eligibility,
dates), applications with their attachments, the expert pool (专家库) with former employers, and
reviews with scores per rubric item."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel, TimeStampedModel
from zhijiao.core.scoping import Rel

from .choices import (
    ApplicantKind,
    ApplicationStatus,
    AwardStatus,
    CallStage,
    ExpertTitle,
    FollowUpKind,
    FundingSource,
    MajorField,
    ObjectionStatus,
    Outcome,
    ReportStatus,
    ReviewStatus,
    RoundStage,
)


class ProgrammeType(TimeStampedModel):
    """One version of a programme type's definition (phases, who acts, forms, attachments, rubric,
    transitions), loaded from YAML by ``definitions.type_load``. Reference data: every signed-in
    user reads it; a new definition is a new version and calls keep the version they copied."""

    code = models.SlugField(_("code"), max_length=50)
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    applicant_kind = models.CharField(_("applicant kind"), max_length=12, choices=ApplicantKind.choices)
    definition = models.JSONField(_("definition"), default=dict)
    form_version = models.ForeignKey(
        "reporting.DataSetVersion",
        verbose_name=_("application form"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("programme type")
        verbose_name_plural = _("programme types")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="programmes_type_unique",
                violation_error_message=_("This programme type already has a version with this number."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Call(ScopedModel):
    """A call for applications (申报通知) of one programme type: year, quotas, eligibility, dates.
    Every signed-in user reads calls; the organising authority (the province) changes them."""

    programme_type = models.ForeignKey(
        ProgrammeType, verbose_name=_("programme type"), on_delete=models.PROTECT, related_name="calls"
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("organising authority"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    basis = models.CharField(_("basis"), max_length=300, blank=True)
    total_quota = models.PositiveIntegerField(_("total quota"))
    eligibility = models.JSONField(_("eligibility rules"), default=list, blank=True)
    opens_on = models.DateField(_("opens on"))
    apply_deadline = models.DateField(_("application deadline"))
    recommend_deadline = models.DateField(_("recommendation deadline"))
    reviewers_per_application = models.PositiveSmallIntegerField(_("reviewers per application"), default=3)
    blind_review = models.BooleanField(_("blind review"), default=True)
    avoid_same_city = models.BooleanField(_("experts from the applicant's city withdraw"), default=False)
    max_reviews_per_expert = models.PositiveSmallIntegerField(
        _("applications per expert at most"),
        null=True,
        blank=True,
        help_text=_("Leave blank for no limit; the assignment then only evens out the load."),
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=CallStage.choices, default=CallStage.OPEN, db_index=True
    )
    budget_total = models.DecimalField(
        _("budget (10k yuan)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_(
            "Leave blank when the call has no budget ceiling; the funding of the list may not exceed it."
        ),
    )
    publicity_start = models.DateField(_("public notice from"), null=True, blank=True)
    publicity_end = models.DateField(_("objections until"), null=True, blank=True)
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "region__path"
    scope_public_view = True
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-year", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def rubric(self) -> list[dict]:
        return list(self.programme_type.definition.get("rubric") or [])

    @property
    def attachments(self) -> list[dict]:
        return list(self.programme_type.definition.get("attachments") or [])


class CityQuota(models.Model):
    """How many applications a city may recommend to a call."""

    call = models.ForeignKey(Call, verbose_name=_("call"), on_delete=models.CASCADE, related_name="quotas")
    city = models.ForeignKey(
        "orgs.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    quota = models.PositiveIntegerField(_("quota"))

    class Meta:
        verbose_name = _("city quota")
        verbose_name_plural = _("city quotas")
        ordering = ["call", "city__code"]
        constraints = [models.UniqueConstraint(fields=["call", "city"], name="programmes_quota_unique")]

    def __str__(self) -> str:
        return f"{self.city} {self.quota}"


class Application(ScopedModel):
    """An institution's application to a call: the form's values (the reporting form engine's
    elements), attachments, the city's ranking, the formal screening and the review result."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications"
    )
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("applicant institution"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    field = models.CharField(_("专业大类 of the application"), max_length=2, choices=MajorField.choices)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.DRAFT,
        db_index=True,
    )
    values = models.JSONField(_("form values"), default=dict, blank=True)  # element id → text
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    city_rank = models.PositiveIntegerField(_("city ranking"), null=True, blank=True)
    screening_note = models.CharField(_("screening note"), max_length=500, blank=True)
    score = models.DecimalField(_("average score"), max_digits=7, decimal_places=2, null=True, blank=True)
    rank = models.PositiveIntegerField(_("overall ranking"), null=True, blank=True)
    funding = models.DecimalField(
        _("funding (10k yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(
        _("source of funding"), max_length=12, choices=FundingSource.choices, blank=True
    )
    # Who applies, through the institution, by the type's applicant kind (``awards.applicant_clean``).
    offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("offered major"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team_name = models.CharField(_("team"), max_length=100, blank=True)
    person_name = models.CharField(_("teacher"), max_length=50, blank=True)
    student = models.ForeignKey(
        "students.Student",
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("partner enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    scope_relations = {"view": (Rel.assigned("reviews"),)}

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["call", "city_rank", "pk"]
        indexes = [models.Index(fields=["call", "status"], name="programmes_app_call_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(funding__isnull=True) | models.Q(funding__gte=0),
                name="programmes_app_funding_not_negative",
                violation_error_message=_("Funding is not negative."),
            )
        ]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance, filename: str) -> str:
    return f"programmes/{instance.application.call_id}/{instance.application_id}/{filename}"


class Attachment(models.Model):
    """A file of an application, of one of the kinds the programme type requires (checked by
    ``core.files.validate_upload``); read through its application."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="attachments"
    )
    kind = models.SlugField(_("kind"), max_length=50)
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["application", "kind", "pk"]

    def __str__(self) -> str:
        return self.name


class Expert(ScopedModel):
    """A member of the expert pool (专家库). A city keeps its own experts; the province all."""

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="programme_expert",
    )
    title = models.CharField(_("title"), max_length=12, choices=ExpertTitle.choices)
    employer = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("employer (institution)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    employer_name = models.CharField(_("employer"), max_length=200)
    city = models.ForeignKey(
        "orgs.Region", verbose_name=_("city"), on_delete=models.PROTECT, related_name="+"
    )
    specialties = models.JSONField(_("specialties (专业大类)"), default=list)
    active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "city__path"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["city__code", "name", "pk"]

    def __str__(self) -> str:
        return self.name


class FormerEmployment(models.Model):
    """An institution the expert worked at, with dates (for 回避 within the rule's years)."""

    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="former_employers"
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))

    class Meta:
        verbose_name = _("former employment")
        verbose_name_plural = _("former employments")
        ordering = ["expert", "-end"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")),
                name="programmes_employment_order",
                violation_error_message=_("An employment ends after it starts."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.expert} @ {self.institution}"


class RubricReview(ScopedModel):
    """What an expert's scoring of a document holds, whatever is scored (an application, a
    follow-up report): the reviewer's account, the state, a score and a comment per rubric item
    (both keyed by the item's place in the rubric, "1", "2", …), the total and when it was sent."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.ASSIGNED
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    comments = models.JSONField(_("comments"), default=dict, blank=True)
    total = models.DecimalField(_("total"), max_digits=7, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        abstract = True


class Review(RubricReview):
    """One expert's review of one application: a score per rubric item with a comment. The
    province sees every review; an expert the reviews of the applications assigned to them."""

    application = models.ForeignKey(
        Application, verbose_name=_("application"), on_delete=models.CASCADE, related_name="reviews"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="reviews"
    )

    scope_region_path = "application__call__region__path"
    scope_change_nodes = frozenset({"region"})
    scope_relations = {
        "view": (Rel.assigned("application__reviews"),),
        "change": (Rel.assigned("application__reviews"),),
    }

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        ordering = ["application", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "expert"],
                name="programmes_review_unique",
                violation_error_message=_("This expert already reviews this application."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.expert}"


class Objection(ScopedModel):
    """An objection lodged by anyone, without an account, on the public notice (公示) of a call's
    decision list; the province investigates and answers it. The answer is published with the
    notice; the objector's name and contact are kept for the province only."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="objections"
    )
    application = models.ForeignKey(
        Application,
        verbose_name=_("application concerned"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="objections",
    )
    content = models.TextField(_("objection"), max_length=2000)
    name = models.CharField(_("objector's name"), max_length=50, blank=True)
    contact = models.CharField(_("objector's contact"), max_length=100)
    lodged_at = models.DateTimeField(_("lodged at"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ObjectionStatus.choices,
        default=ObjectionStatus.OPEN,
        db_index=True,
    )
    finding = models.TextField(_("investigation finding (internal)"), max_length=2000, blank=True)
    answer = models.TextField(_("published answer"), max_length=2000, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    scope_region_path = "call__region__path"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["call", "lodged_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="answered") | ~models.Q(answer=""),
                name="programmes_objection_answered_has_answer",
                violation_error_message=_("An answered objection has its answer."),
            )
        ]

    def __str__(self) -> str:
        return _("Objection %(n)s") % {"n": self.pk}


# --- awards (立项) and follow-up rounds (中期检查, 验收, 期满考核) -------------------------------------


class Award(ScopedModel):
    """What 立项 gives: a record linked to what was awarded (the institution, and the offered
    major, team, teacher, student or partner enterprise the application named), used as
    eligibility in later calls (``rules.ELIG_AWARD``) and shown on the institution's page."""

    application = models.OneToOneField(
        Application, verbose_name=_("application"), on_delete=models.PROTECT, related_name="award"
    )
    programme_code = models.SlugField(_("programme"), max_length=50, db_index=True)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    applicant_kind = models.CharField(_("applicant kind"), max_length=12, choices=ApplicantKind.choices)
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    offering = models.ForeignKey(
        "majors.InstitutionMajor",
        verbose_name=_("offered major"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    team_name = models.CharField(_("team"), max_length=100, blank=True)
    person_name = models.CharField(_("teacher"), max_length=50, blank=True)
    student = models.ForeignKey(
        "students.Student",
        verbose_name=_("student"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("partner enterprise"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    funding = models.DecimalField(
        _("funding (10k yuan)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    funding_source = models.CharField(
        _("source of funding"), max_length=12, choices=FundingSource.choices, blank=True
    )
    awarded_on = models.DateField(_("approved on"))
    status = models.CharField(
        _("status"), max_length=10, choices=AwardStatus.choices, default=AwardStatus.ACTIVE, db_index=True
    )
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("award")
        verbose_name_plural = _("awards")
        ordering = ["-year", "programme_code", "pk"]
        indexes = [models.Index(fields=["institution", "programme_code"], name="programmes_award_inst_prog")]

    def __str__(self) -> str:
        return self.name

    @property
    def awardee(self) -> str:
        """What was awarded, as a person reads it."""
        if self.offering_id:
            return self.offering.major.name
        if self.student_id:
            return self.student.name
        if self.enterprise_id:
            return self.enterprise.name
        return self.team_name or self.person_name or self.institution.name


class FollowUpRound(ScopedModel):
    """A follow-up round (中期检查, 验收 or 期满考核) of a call's awards: its own form (the reporting
    form engine), a deadline, an optional expert review scored on its rubric."""

    call = models.ForeignKey(
        Call, verbose_name=_("call"), on_delete=models.PROTECT, related_name="followup_rounds"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=FollowUpKind.choices)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=200)
    form_version = models.ForeignKey(
        "reporting.DataSetVersion",
        verbose_name=_("report form"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rubric = models.JSONField(_("scoring rubric"), default=list, blank=True)
    due_date = models.DateField(_("reports due"))
    expert_review = models.BooleanField(_("expert review"), default=False)
    reviewers_per_report = models.PositiveSmallIntegerField(_("reviewers per report"), default=2)
    rectify_days = models.PositiveSmallIntegerField(_("days given for rectification"), default=30)
    stage = models.CharField(_("stage"), max_length=10, choices=RoundStage.choices, default=RoundStage.OPEN)
    is_demo = models.BooleanField(_("demo values"), default=False)

    scope_region_path = "call__region__path"
    scope_public_view = True
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("follow-up round")
        verbose_name_plural = _("follow-up rounds")
        ordering = ["call", "due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "kind", "name"],
                name="programmes_round_unique",
                violation_error_message=_("This call already has a round of this kind and name."),
            )
        ]

    def __str__(self) -> str:
        return self.name


class FollowUpReport(ScopedModel):
    """One award's report in a follow-up round: the form's values, the outcome, rectification."""

    round = models.ForeignKey(
        FollowUpRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="reports"
    )
    award = models.ForeignKey(
        Award, verbose_name=_("award"), on_delete=models.PROTECT, related_name="reports"
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.DRAFT, db_index=True
    )
    values = models.JSONField(_("form values"), default=dict, blank=True)  # element id → text
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    score = models.DecimalField(_("average score"), max_digits=7, decimal_places=2, null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.CharField(_("opinion"), max_length=500, blank=True)
    rectify_deadline = models.DateField(_("rectify by"), null=True, blank=True)
    rectify_count = models.PositiveSmallIntegerField(_("rectifications ordered"), default=0)
    concluded_at = models.DateTimeField(_("concluded at"), null=True, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    scope_relations = {"view": (Rel.assigned("followup_reviews"),)}

    class Meta:
        verbose_name = _("follow-up report")
        verbose_name_plural = _("follow-up reports")
        ordering = ["round", "institution__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["round", "award"],
                name="programmes_report_unique",
                violation_error_message=_("This award already has a report in this round."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.award}"

    @property
    def due(self):
        """The date the school must (re)submit by."""
        return self.rectify_deadline if self.status == ReportStatus.RECTIFYING else self.round.due_date


class FollowUpReview(RubricReview):
    """An expert's scores on a follow-up report (the round's rubric)."""

    report = models.ForeignKey(
        FollowUpReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="followup_reviews"
    )
    expert = models.ForeignKey(
        Expert, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="followup_reviews"
    )

    scope_region_path = "report__round__call__region__path"
    scope_change_nodes = frozenset({"region"})
    scope_relations = {
        "view": (Rel.assigned("report__followup_reviews"),),
        "change": (Rel.assigned("report__followup_reviews"),),
    }

    class Meta:
        verbose_name = _("follow-up review")
        verbose_name_plural = _("follow-up reviews")
        ordering = ["report", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "expert"],
                name="programmes_followup_review_unique",
                violation_error_message=_("This expert already reviews this report."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.report} · {self.expert}"
