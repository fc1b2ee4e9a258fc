"""Reminders before due dates and escalation of overdue work."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core import notifications
from zhijiao.core.audit import AuditAction, audit_record

from .. import rules
from ..choices import (
    CLOSED_STATUSES,
    AssignmentStatus,
    NotificationKind,
)
from ..models import (
    Assignment,
    Milestone,
    Task,
)
from .recipients import assignment_recipients, division_heads

# --- reminders and escalation --------------------------------------------------------------------


def _due_message(kind: str, what: str, due: datetime.date, days: int) -> str:
    if kind == NotificationKind.REMINDER:
        return _("%(what)s is due in %(days)s days (%(due)s).") % {"what": what, "days": days, "due": due}
    if kind == NotificationKind.DUE_TODAY:
        return _("%(what)s is due today (%(due)s).") % {"what": what, "due": due}
    return _("%(what)s is %(days)s days overdue (due %(due)s).") % {"what": what, "days": -days, "due": due}


def _due_kind(days_left: int) -> str | None:
    if days_left in rules.reminder_offsets():
        return NotificationKind.REMINDER
    if days_left == 0:
        return NotificationKind.DUE_TODAY
    if days_left < 0 and rules.overdue_reminder_due(-days_left):
        return NotificationKind.OVERDUE
    return None


@transaction.atomic
def reminders_send(*, actor=None, today: datetime.date | None = None) -> dict[str, int]:
    """给每项工作立下"倒计时牌" (key point 20, rule 6) — remind before, on and after each due date.

    - tasks and milestones: the task owner, ``WORKPLAN_REMINDER_DAYS`` days before (default 7, 1),
      on the due day, and when overdue (first day, then every ``WORKPLAN_OVERDUE_REPEAT_DAYS``);
    - overdue tasks escalate to the division head (``rules.escalation_due``);
    - open assignments: the colleague or the node's administrators; overdue ones also the assigner;
    - 事事有回音: owners with submissions unanswered beyond the limit get a daily count.
    Idempotent per day: every message carries a key with the date and is written once.
    """
    today = today or rules.local_today()
    counts = {"reminders": 0, "escalations": 0, "assignments": 0, "unanswered": 0}
    day = today.isoformat()

    def send(user, kind, text, link, key) -> bool:
        return bool(notifications.notify(user, kind, text, link=link, dedupe_key=f"{key}:{day}"))

    tasks = (
        Task.objects.select_related("owner", "plan", "plan__head", "plan__region")
        .exclude(status__in=CLOSED_STATUSES)
        .filter(due_date__isnull=False)
    )
    for task in tasks:
        days_left = (task.due_date - today).days
        kind = _due_kind(days_left)
        if kind and task.owner_id:
            if send(
                task.owner,
                kind,
                _due_message(kind, str(task), task.due_date, days_left),
                task.get_absolute_url(),
                f"task:{task.pk}:{kind}",
            ):
                counts["reminders"] += 1
        if days_left < 0 and rules.escalation_due(-days_left):
            text = _("Escalated: %(task)s (owner %(owner)s) is %(days)s days overdue, at %(progress)s%%.") % {
                "task": task,
                "owner": task.owner or "—",
                "days": -days_left,
                "progress": task.progress,
            }
            for head in division_heads(task.plan):
                if send(
                    head, NotificationKind.ESCALATION, text, task.get_absolute_url(), f"escalate:{task.pk}"
                ):
                    counts["escalations"] += 1

    milestones = (
        Milestone.objects.select_related("task__owner")
        .filter(done_on__isnull=True)
        .exclude(task__status__in=CLOSED_STATUSES)
        .filter(
            due_date__gte=today - datetime.timedelta(days=366),
            due_date__lte=today + datetime.timedelta(days=max(rules.reminder_offsets() or (0,))),
        )
    )
    for ms in milestones:
        days_left = (ms.due_date - today).days
        kind = _due_kind(days_left)
        if kind and ms.task.owner_id:
            what = _("Milestone “%(title)s” of %(task)s") % {"title": ms.title, "task": ms.task.label}
            if send(
                ms.task.owner,
                kind,
                _due_message(kind, what, ms.due_date, days_left),
                ms.task.get_absolute_url(),
                f"milestone:{ms.pk}:{kind}",
            ):
                counts["reminders"] += 1

    assignments = Assignment.objects.select_related(
        "task", "assignee", "assigned_by", "region", "institution"
    ).filter(status__in=[AssignmentStatus.OPEN, AssignmentStatus.RETURNED])
    for asg in assignments:
        days_left = (asg.due_date - today).days
        kind = _due_kind(days_left)
        if kind is None:
            continue
        text = _due_message(kind, _("Assignment “%(title)s”") % {"title": asg.title}, asg.due_date, days_left)
        for user in assignment_recipients(asg):
            if send(user, kind, text, asg.get_absolute_url(), f"assignment:{asg.pk}:{kind}"):
                counts["assignments"] += 1
        if kind == NotificationKind.OVERDUE and asg.assigned_by_id:
            note = _("%(node)s has not answered “%(title)s”, %(days)s days overdue.") % {
                "node": asg.assignee_label,
                "title": asg.title,
                "days": -days_left,
            }
            if send(
                asg.assigned_by,
                NotificationKind.ESCALATION,
                note,
                asg.get_absolute_url(),
                f"assignment-escalate:{asg.pk}",
            ):
                counts["escalations"] += 1

    from ..selectors import unanswered_counts  # selectors import services' models only

    for row in unanswered_counts(today=today):
        owner = row["owner"]
        text = _(
            "%(n)s submissions on your tasks have waited more than %(days)s working days for an answer."
        ) % {
            "n": row["n"],
            "days": rules.setting("ANSWER_WITHIN_WORKING_DAYS", 3),
        }
        from django.urls import reverse

        if send(
            owner,
            NotificationKind.UNANSWERED,
            text,
            reverse("workplan:board") + "?unanswered=1",
            "unanswered",
        ):
            counts["unanswered"] += 1

    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        object_type="workplan.reminders",
        object_id=day,
        object_repr=_("Work plan reminders %(day)s") % {"day": day},
        message=", ".join(f"{k}={v}" for k, v in counts.items()),
    )
    return counts
