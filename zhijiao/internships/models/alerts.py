"""Compliance alerts raised by the rules."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..choices import (
    EscalationLevel,
    Severity,
)
from .placements import Placement


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
    rule_id = models.CharField(_("rule"), max_length=30)  # indexed with the id below
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
        ordering = ["-first_seen", "-id"]
        # Sorting the list by rule reads (rule, id) in order (a plain rule index sorted each rule's
        # thousands of alerts by id); it also serves the look-ups by rule.
        # A school's (or a city's schools') alerts in either order read their own part of
        # (school, first seen / rule, id): scope first, then the sort.
        indexes = [
            models.Index(fields=["rule_id", "id"], name="internships_alert_rule"),
            models.Index(fields=["institution", "first_seen", "id"], name="internships_alert_inst_seen"),
            models.Index(fields=["institution", "rule_id", "id"], name="internships_alert_inst_rule"),
        ]
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
