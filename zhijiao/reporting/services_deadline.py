"""The entry window of a period and what happens at its deadline.

A school enters values from the period's ``opens_on`` (if set) up to and including its
``deadline`` (a Beijing date). After the deadline a form that was not submitted is closed and an
approved one is locked — by ``close_overdue``, run each night by the beat task
``reporting.close_overdue`` as the system actor ``reporting-deadline``; until it runs, saving is
refused all the same. Only the province re-opens one school's form (the ``reopen`` transition,
with a reason, audited); a re-opened form is open whatever the date.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire

from .choices import SubmissionStatus as S
from .models import Submission

KEY = "reporting.submission"


def entry_window_problem(submission, today: datetime.date | None = None) -> str | None:
    """Why values cannot be entered today (a Chinese sentence), or None."""
    if submission.status == S.REOPENED:
        return None
    today = today or timezone.localdate()
    period = submission.period
    if period.opens_on and today < period.opens_on:
        return _("Entry for this period opens on %(date)s.") % {"date": period.opens_on.isoformat()}
    if today > period.deadline:
        return _(
            "The deadline (%(date)s) has passed and entry is closed; the province may re-open the form "
            "for your organisation."
        ) % {"date": period.deadline.isoformat()}
    return None


def close_overdue(*, today: datetime.date | None = None) -> dict[str, int]:
    """Close the unsubmitted forms and lock the approved ones of every period whose deadline has
    passed. Each form is its own transaction; safe to run twice. Returns the counts."""
    today = today or timezone.localdate()
    actor = system_actor("reporting-deadline")
    overdue = Submission.objects.filter(period__deadline__lt=today)
    counts = {"closed": 0, "locked": 0}
    for transition, states, counter in (
        ("close", [S.DRAFT, S.RETURNED], "closed"),
        ("lock", [S.APPROVED], "locked"),
    ):
        for submission in overdue.filter(status__in=states).order_by("pk"):
            with transaction.atomic():
                fire(KEY, submission, transition, actor=actor)
            counts[counter] += 1
    return counts
