"""Host vetting (教职成〔2021〕4号第七条): the school's on-site assessment of a new host with its written
report, the school's approval and publication of its host list, and the province's blacklist."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from .base import validate_attachment_size


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved by the school")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


#: The seven aspects Art. 7 names, each scored 0–100 with a note (field prefix → label).
ASSESSMENT_ITEMS = (
    ("qualification", _("qualification (资质)")),
    ("integrity", _("integrity (诚信状况)")),
    ("management", _("management (管理水平)")),
    ("posts", _("nature and content of the posts")),
    ("hours", _("working time")),
    ("environment", _("working and living environment")),
    ("health_safety", _("health and safety protection")),
)


def _score(label):
    return models.PositiveSmallIntegerField(
        label, validators=[MinValueValidator(0), MaxValueValidator(100)], help_text=_("0–100")
    )


class HostAssessment(ScopedModel):
    """实地考察评估: one school's on-site assessment of one host, with the written report.

    Approved by the school (the 校级党组织会议 decision, a lifecycle transition) the host is on the
    school's list; published, the students, their parents and the authorities see it.
    """

    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="host_assessments",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("host enterprise"),
        on_delete=models.PROTECT,
        related_name="host_assessments",
    )
    assessed_on = models.DateField(_("assessed on site on"))
    assessors = models.CharField(_("assessors"), max_length=200, validators=[validate_plain_text])
    qualification_score = _score(_("qualification (资质)"))
    integrity_score = _score(_("integrity (诚信状况)"))
    management_score = _score(_("management (管理水平)"))
    posts_score = _score(_("nature and content of the posts"))
    hours_score = _score(_("working time"))
    environment_score = _score(_("working and living environment"))
    health_safety_score = _score(_("health and safety protection"))
    conclusion = models.TextField(_("conclusion of the report"), validators=[validate_plain_text])
    report_file = models.FileField(
        _("written report"), upload_to="internships/vetting/%Y/", validators=[validate_attachment_size]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    decision_reference = models.CharField(
        _("school decision (meeting and date)"), max_length=200, blank=True, validators=[validate_plain_text]
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )
    # The school whose published host list carries the host: set by the publication, cleared when the
    # host is withdrawn. Its students (and their parents, through the student's account) read the list.
    listed_by = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("on the published host list of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="published_hosts",
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    # The school records (the demo's system actor for it, through the province); the approval is a
    # transition only the school fires (lifecycles.HOST_ASSESSMENT).
    scope_change_nodes = frozenset({"region", "institution"})
    # 教职成〔2021〕4号第七条: the list is 对外公开 — a student of the school (a person acting as
    # themselves, through their student record at that school) reads the published hosts, nothing else.
    scope_relations = {"view": (Rel.own_person("listed_by__students__user"),)}

    class Meta:
        verbose_name = _("host assessment")
        verbose_name_plural = _("host assessments")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "enterprise"],
                condition=Q(status__in=["draft", "approved", "published"]),
                name="internships_hostassessment_one_current",
                violation_error_message=_("The school already has a current assessment of this host."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.institution}"

    def get_absolute_url(self) -> str:
        return reverse("internships:assessment_detail", args=[self.pk])

    @property
    def scores(self) -> list[tuple[object, int]]:
        return [(label, getattr(self, f"{key}_score")) for key, label in ASSESSMENT_ITEMS]

    @property
    def on_list(self) -> bool:
        return self.status in (AssessmentStatus.APPROVED, AssessmentStatus.PUBLISHED)


class BlacklistEntry(ScopedModel):
    """An enterprise the province bars from receiving interns, with the reason and the decision's 文号."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="blacklist_entries",
    )
    reason = models.TextField(_("reason"), validators=[validate_plain_text])
    document_number = models.CharField(
        _("document number (文号)"), max_length=100, validators=[validate_plain_text]
    )
    listed_on = models.DateField(_("listed on"))
    lifted_on = models.DateField(_("lifted on"), null=True, blank=True)
    lift_reason = models.CharField(
        _("reason for lifting"), max_length=500, blank=True, validators=[validate_plain_text]
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("listed by"), on_delete=models.PROTECT, related_name="+"
    )

    # The province's list: every school-side user reads all of it; only the province changes it
    # (the services check the province grant).
    scope_region_path = "enterprise__region__path"
    scope_public_view_nodes = frozenset({"region", "institution"})
    scope_change_nodes = frozenset({"region"})

    class Meta:
        verbose_name = _("blacklist entry")
        verbose_name_plural = _("blacklist entries")
        ordering = ["-listed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(lifted_on__isnull=True) | Q(lifted_on__gte=F("listed_on")),
                name="internships_blacklist_dates_ordered",
                violation_error_message=_("The entry cannot be lifted before it was listed."),
            ),
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=Q(lifted_on__isnull=True),
                name="internships_blacklist_one_open",
                violation_error_message=_("The enterprise is already on the blacklist."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.document_number}"

    def get_absolute_url(self) -> str:
        return reverse("internships:blacklist_list")
