"""Incident 直报: the school records a serious incident, reports it to the city and the province within
the time limit, and follows it up until it is closed; the hourly escalation (``tasks``) reminds the
school and alerts the authorities of what is overdue.

The time limits are parameters of the platform rule INT-INCIDENT (``INTERNSHIP_INCIDENT_REPORT_HOURS``,
``INTERNSHIP_INCIDENT_FOLLOWUP_DAYS``): the domain notes found no official time limit (internships.md
§15), so they are configurable defaults, not a regulation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import notifications
from zhijiao.core import rules as registry
from zhijiao.core.actors import system_actor
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update

from ..models import Incident, IncidentFollowUp, Placement
from ..models.incidents import IncidentStatus, NotificationKind

INCIDENT_FIELDS = (
    "placement",
    "kind",
    "occurred_at",
    "learned_at",
    "place",
    "summary",
    "people_affected",
    "measures",
)


def report_hours() -> int:
    return int(registry.param("INTERNSHIP_INCIDENT_REPORT_HOURS"))


def followup_days() -> int:
    return int(registry.param("INTERNSHIP_INCIDENT_FOLLOWUP_DAYS"))


def _authorities(incident: Incident):
    """The active users of the city and the province above the school (region grants on its path)."""
    from zhijiao.accounts.models import RoleAssignment, User

    path = incident.institution.region.path
    prefixes = [path[: i + 1] for i, ch in enumerate(path) if ch == "/"] + [path]
    ids = RoleAssignment.objects.filter(region__path__in=prefixes).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _school_users(incident: Incident):
    from zhijiao.accounts.models import RoleAssignment, User

    ids = RoleAssignment.objects.filter(institution_id=incident.institution_id).values("user")
    return list(User.objects.filter(pk__in=ids, is_active=True))


def _require_school(actor, institution_id: int) -> None:
    """直报 is the school's own duty: only a user holding a change grant at that school writes it."""
    from zhijiao.core.scoping import user_scope

    if not any(g.institution_id == institution_id for g in user_scope(actor).grants_for("change")):
        raise OutOfScope(_("Only the school itself reports its incidents."))


@transaction.atomic
def incident_record(*, actor, institution, data: dict[str, Any]) -> Incident:
    """The school records what happened; the report is due ``INTERNSHIP_INCIDENT_REPORT_HOURS`` after it
    learned of it."""
    _require_school(actor, institution.pk)
    data = {k: v for k, v in data.items() if k in INCIDENT_FIELDS}
    placement: Placement | None = data.get("placement")
    if placement is not None and placement.institution_id != institution.pk:
        raise ValidationError({"placement": [_("The placement is not one of the school's.")]})
    occurred, learned = data.get("occurred_at"), data.get("learned_at")
    if occurred and learned and learned < occurred:
        raise ValidationError({"learned_at": [_("The school cannot have learned of it before it happened.")]})
    if learned and learned > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"learned_at": [_("The time cannot be in the future.")]})
    incident = Incident(
        institution=institution,
        created_by=actor,
        report_due_at=(learned or timezone.now()) + dt.timedelta(hours=report_hours()),
        **data,
    )
    return model_create(actor=actor, instance=incident, event="incident.recorded")


@transaction.atomic
def incident_report(*, actor, incident: Incident) -> Incident:
    """直报: the school sends the report to the city and the province; follow-ups are due from now on."""
    _require_school(actor, incident.institution_id)
    ensure_in_scope(incident, actor, "change")
    if incident.status != IncidentStatus.DRAFT:
        raise ValidationError(_("The incident has already been reported."))
    now = timezone.now()
    incident, _changed = model_update(
        actor=actor,
        instance=incident,
        data={
            "status": IncidentStatus.REPORTED,
            "reported_at": now,
            "followup_due_at": now + dt.timedelta(days=followup_days()),
        },
        event="incident.reported",
    )
    late = _(" (after the time limit)") if incident.late else ""
    title = _("Serious incident at %(school)s: %(kind)s%(late)s") % {
        "school": incident.institution.name,
        "kind": incident.get_kind_display(),
        "late": late,
    }
    notifications.notify(
        _authorities(incident),
        NotificationKind.INCIDENT_REPORTED,
        title,
        incident.summary[:500],
        link=incident.get_absolute_url(),
        dedupe_key=f"incident-reported-{incident.pk}",
    )
    return incident


@transaction.atomic
def incident_follow_up(
    *, actor, incident: Incident, content: str, final: bool = False, attachment=None
) -> IncidentFollowUp:
    """A follow-up report; the final one closes the incident, any other sets the next due time."""
    _require_school(actor, incident.institution_id)
    ensure_in_scope(incident, actor, "change")
    if incident.status != IncidentStatus.REPORTED:
        raise ValidationError(_("Follow-ups are written on a reported, open incident."))
    if not content.strip():
        raise ValidationError({"content": [_("Write what has happened since the last report.")]})
    followup = model_create(
        actor=actor,
        instance=IncidentFollowUp(
            incident=incident, content=content.strip(), final=final, author=actor, attachment=attachment or ""
        ),
        event="incident.followed_up",
    )
    now = timezone.now()
    data = (
        {"status": IncidentStatus.CLOSED, "closed_at": now, "followup_due_at": None}
        if final
        else {"followup_due_at": now + dt.timedelta(days=followup_days())}
    )
    model_update(
        actor=actor,
        instance=incident,
        data=data,
        event="incident.closed" if final else "incident.followed_up",
    )
    return followup


def incidents_overdue(now: dt.datetime):
    """Unreported incidents past their time limit and open ones whose follow-up is late, not escalated in
    the last ``INTERNSHIP_INCIDENT_ESCALATE_HOURS``."""
    again = now - dt.timedelta(hours=int(registry.param("INTERNSHIP_INCIDENT_ESCALATE_HOURS")))
    due = Q(status=IncidentStatus.DRAFT, report_due_at__lt=now) | Q(
        status=IncidentStatus.REPORTED, followup_due_at__lt=now
    )
    return Incident.objects.filter(due).filter(Q(escalated_at__isnull=True) | Q(escalated_at__lt=again))


def incidents_escalate(*, now: dt.datetime | None = None) -> dict:
    """Escalate every overdue incident once per interval: audited as the sweep's system actor, the
    school reminded, the city and the province alerted. Safe to run twice."""
    now = now or timezone.now()
    actor = system_actor("sweep")
    count = 0
    for incident in incidents_overdue(now).select_related("institution__region"):
        with transaction.atomic():
            incident, _changed = model_update(
                actor=actor,
                instance=incident,
                data={"escalated_at": now, "escalations": incident.escalations + 1},
                event="incident.escalated",
            )
            what = (
                _("the report is overdue")
                if incident.status == IncidentStatus.DRAFT
                else _("the follow-up report is overdue")
            )
            title = _("Incident at %(school)s: %(what)s") % {
                "school": incident.institution.name,
                "what": what,
            }
            notifications.notify(
                _school_users(incident) + _authorities(incident),
                NotificationKind.INCIDENT_OVERDUE,
                title,
                str(incident),
                link=incident.get_absolute_url(),
                dedupe_key=f"incident-overdue-{incident.pk}-{incident.escalations}",
                now=now,
            )
            count += 1
    return {"escalated": count}
