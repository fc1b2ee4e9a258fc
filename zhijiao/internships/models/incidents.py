"""Incident 直报: a school reports a serious incident of an intern to the city and the province within
the time limit, then follow-up reports until it is closed; the sweep escalates overdue ones.

Not the students' own complaint channel (``DirectReport``, 学生反映): this is the school's duty to report.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import ScopedModel
from zhijiao.core.validators import validate_plain_text

from .base import validate_attachment_size


class IncidentKind(models.TextChoices):
    INJURY = "injury", _("Injury")
    DEATH = "death", _("Death")
    MASS_EVENT = "mass_event", _("Mass event")
    MISSING = "missing", _("Missing student")
    OTHER = "other", _("Other serious incident")


class NotificationKind(models.TextChoices):
    """Messages of incident 直报 (``InternshipsConfig.notification_kinds``)."""

    INCIDENT_REPORTED = "incident_reported", _("Serious incident reported by a school")
    INCIDENT_OVERDUE = "incident_overdue", _("Incident report or follow-up overdue")


class IncidentStatus(models.TextChoices):
    DRAFT = "draft", _("Recorded, not yet reported")
    REPORTED = "reported", _("Reported, follow-up open")
    CLOSED = "closed", _("Closed")


class Incident(ScopedModel):
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="+"
    )
    placement = models.ForeignKey(
        "internships.Placement",
        verbose_name=_("placement"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    kind = models.CharField(_("kind of incident"), max_length=20, choices=IncidentKind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    learned_at = models.DateTimeField(_("school learned of it at"))
    place = models.CharField(_("place"), max_length=200, validators=[validate_plain_text])
    summary = models.TextField(_("what happened"), validators=[validate_plain_text])
    people_affected = models.PositiveSmallIntegerField(_("students affected"), default=1)
    measures = models.TextField(_("measures taken"), blank=True, validators=[validate_plain_text])
    status = models.CharField(
        _("status"), max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.DRAFT
    )
    report_due_at = models.DateTimeField(_("report due by"))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    followup_due_at = models.DateTimeField(_("next follow-up due by"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("last escalated at"), null=True, blank=True)
    escalations = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    # Region grants reach it for the escalation's system actor; the services let only the school itself
    # record, report and follow up (services.incidents._require_school).
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("incident report")
        verbose_name_plural = _("incident reports")
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["status", "report_due_at"], name="internships_incident_due")]

    def __str__(self) -> str:
        from zhijiao.core.display import day

        return f"{self.get_kind_display()} · {day(self.occurred_at)}"

    def get_absolute_url(self) -> str:
        return reverse("internships:incident_detail", args=[self.pk])

    @property
    def late(self) -> bool:
        """Reported after the time limit (or not reported and past it)."""
        from django.utils import timezone

        return (self.reported_at or timezone.now()) > self.report_due_at


class IncidentFollowUp(ScopedModel):
    incident = models.ForeignKey(
        Incident, verbose_name=_("incident report"), on_delete=models.CASCADE, related_name="followups"
    )
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)
    content = models.TextField(_("follow-up"), validators=[validate_plain_text])
    attachment = models.FileField(
        _("attachment"),
        upload_to="internships/incidents/%Y/",
        blank=True,
        validators=[validate_attachment_size],
    )
    final = models.BooleanField(_("final report (closes the incident)"), default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )

    scope_region_path = "incident__institution__region__path"
    scope_institution = "incident__institution_id"
    scope_change_nodes = frozenset({"institution"})

    class Meta:
        verbose_name = _("incident follow-up")
        verbose_name_plural = _("incident follow-ups")
        ordering = ["written_at", "id"]

    def __str__(self) -> str:
        return f"{self.incident} · {self.pk}"

    def get_absolute_url(self) -> str:
        return self.incident.get_absolute_url()
