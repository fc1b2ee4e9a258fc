"""休学 ends: the school is reminded, and a student not back in time can be proposed for 退学 (XJ-FUXUE)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import notifications

from .. import rules
from ..choices import ChangeKind, EnrolmentStatus, NotificationKind
from ..models import StatusChange


def school_admins(institution) -> list:
    """Who answers for a school's 学籍: its school administrators."""
    from zhijiao.accounts.choices import Role
    from zhijiao.accounts.models import RoleAssignment

    qs = RoleAssignment.objects.select_related("user").filter(
        institution=institution, role=Role.SCHOOL_ADMIN, user__is_active=True
    )
    return list({ra.user_id: ra.user for ra in qs.order_by("user_id")}.values())


def current_suspensions():
    """The approved 休学 of every student who is suspended now (one each: the latest)."""
    changes = (
        StatusChange.objects.filter(
            kind=ChangeKind.SUSPEND,
            status=StatusChange.Status.APPROVED,
            enrolment__is_current=True,
            enrolment__status=EnrolmentStatus.SUSPENDED,
        )
        .select_related("student", "enrolment__institution")
        .order_by("enrolment_id", "-effective_date", "-id")
    )
    latest = {}
    for change in changes:
        latest.setdefault(change.enrolment_id, change)
    return list(latest.values())


def resume_overdue(today: datetime.date) -> list[StatusChange]:
    """Suspensions ended more than the grace period ago with no 复学 or 退学 filed since (XJ-FUXUE)."""
    out = []
    for change in current_suspensions():
        if change.ends_on is None or not rules.withdrawal_proposal_due(ends_on=change.ends_on, today=today):
            continue
        pending = StatusChange.objects.filter(
            enrolment_id=change.enrolment_id,
            kind__in=(ChangeKind.RESUME, ChangeKind.WITHDRAW),
            status=StatusChange.Status.IN_REVIEW,
        ).exists()
        if not pending:
            out.append(change)
    return out


@transaction.atomic
def suspensions_remind(*, today: datetime.date | None = None) -> dict[str, int]:
    """Daily (beat ``students.suspension_reminders``): remind the school ``STUDENT_SUSPENSION_REMINDER_DAYS``
    days before and on the day a 休学 ends, and once when a student is not back after the grace period
    (a 退学 candidate, at the school's discretion). Idempotent: each message has a dedupe key."""
    today = today or timezone.localdate()
    counts = {"ending": 0, "overdue": 0}
    days = rules.resume_reminder_days()
    for change in current_suspensions():
        ends_on = change.ends_on
        if ends_on is None:
            continue
        left = (ends_on - today).days
        if left in days:
            text = _("The suspension of %(name)s ends on %(date)s: file the resumption of study.") % {
                "name": change.student.name,
                "date": ends_on.isoformat(),
            }
            for user in school_admins(change.enrolment.institution):
                if notifications.notify(
                    user,
                    NotificationKind.SUSPENSION_ENDING,
                    text,
                    link=change.student.get_absolute_url(),
                    dedupe_key=f"students.suspension_ending:{change.pk}:{left}",
                ):
                    counts["ending"] += 1
    for change in resume_overdue(today):
        text = _(
            "%(name)s has not come back since the suspension ended on %(date)s; the school may propose "
            "withdrawal."
        ) % {"name": change.student.name, "date": change.ends_on.isoformat()}
        for user in school_admins(change.enrolment.institution):
            if notifications.notify(
                user,
                NotificationKind.RESUME_OVERDUE,
                text,
                link=change.student.get_absolute_url(),
                dedupe_key=f"students.resume_overdue:{change.pk}",
            ):
                counts["overdue"] += 1
    return counts


def withdrawal_propose(*, actor, student, today: datetime.date | None = None) -> StatusChange:
    """File a 退学 request for a student not back after a 休学 (XJ-FUXUE): only once the grace period
    has passed; it goes through the usual approval chain."""
    from .status_changes import status_change_request

    today = today or timezone.localdate()
    change = next((c for c in resume_overdue(today) if c.student_id == student.pk), None)
    if change is None:
        raise ValidationError(
            _("Withdrawal can be proposed only for a student not back %(n)d days after the suspension ended.")
            % {"n": rules.registry.param("STUDENT_RESUME_GRACE_DAYS")}
        )
    return status_change_request(
        actor=actor,
        student=student,
        kind=ChangeKind.WITHDRAW,
        reason=_("Not back after the suspension that ended on %(date)s.")
        % {"date": change.ends_on.isoformat()},
        effective_date=today,
    )
