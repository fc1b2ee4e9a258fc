"""专项检查: an inspection and its sampled items (answers, findings, rectification)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.scoping import Rel
from zhijiao.core.validators import validate_plain_text

from ..choices import (
    FindingResult,
    InspectionStatus,
)
from .base import validate_attachment_size
from .placements import Placement


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
    # The sampled schools, and the cities whose schools a provincial inspection sampled, read it
    # through their items.
    scope_relations = {"view": (Rel.via("items"),)}

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-created_at"]

    def get_absolute_url(self) -> str:
        return reverse("internships:inspection_detail", args=[self.pk])

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def display_checklist(value) -> str:
        """The checklist as the change history and the audit log show it: codes and titles."""
        from django.utils.translation import gettext

        items = value if isinstance(value, list) else []
        return "；".join(
            f"{c.get('rule_id', '')} {gettext(c.get('title') or '')}".strip()
            for c in items
            if isinstance(c, dict)
        )

    @property
    def checklist_shown(self) -> list[dict]:
        """The checklist as users read it: each rule with its official citation (no web addresses)."""
        from zhijiao.internships.rules import citation

        return [{**c, "source": citation(c.get("rule_id", ""))} for c in self.checklist]


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
