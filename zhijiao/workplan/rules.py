"""The division's working rules as code (key point 20 of the 2021 plan, 处室文化建设).

Every number here is read from settings with a default, so the division can tune them without a
code change: ``getattr(settings, "WORKPLAN_…", default)``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from zhijiao.core import workdays

from .choices import CLOSED_STATUSES, Health


def setting(name: str, default):
    return getattr(settings, f"WORKPLAN_{name}", default)


def time_zone() -> ZoneInfo:
    """Countdowns are counted in China Standard Time whatever the server's zone is."""
    return ZoneInfo(setting("TIME_ZONE", "Asia/Shanghai"))


def local_today(now: datetime.datetime | None = None) -> datetime.date:
    """Today's date in Asia/Shanghai (a UTC evening is already the next day there)."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now, datetime.UTC)
    return now.astimezone(time_zone()).date()


# --- working days (the kernel calendar, core.workdays) -------------------------------------------


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier).

    Saturdays, Sundays and statutory holidays are rest days; make-up days (调休) are working days —
    the State Council's notices, as ``core.workdays`` holds them.
    """
    return workdays.working_days_between(start, end)


# --- 倒计时牌 ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    due: datetime.date | None
    today: datetime.date
    days_left: int | None  # calendar days; negative = days overdue
    working_days_left: int | None

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def due_today(self) -> bool:
        return self.days_left == 0


def countdown(due: datetime.date | None, *, today: datetime.date) -> Countdown:
    """给每项工作立下"倒计时牌" (key point 20, rule 6): the countdown board of one task.

    Days are counted in Asia/Shanghai; the working-day count skips weekends and statutory holidays.
    """
    if due is None:
        return Countdown(None, today, None, None)
    return Countdown(due, today, (due - today).days, working_days_between(today, due))


def expected_progress(start: datetime.date | None, due: datetime.date | None, today: datetime.date) -> int:
    """The progress a task should show by ``today`` if its work were spread evenly."""
    if start is None or due is None or due <= start:
        return 0
    if today <= start:
        return 0
    if today >= due:
        return 100
    return round((today - start).days * 100 / (due - start).days)


def task_health(*, status: str, progress: int, start, due, today: datetime.date) -> str:
    """把工作做到前头，赢得主动 (key point 20, rule 7): flag a task before it is late.

    Overdue: past its due date and not closed. At risk: due within ``WORKPLAN_AT_RISK_DAYS`` days
    with less than ``WORKPLAN_AT_RISK_PROGRESS`` % done, or behind its even pace by more than
    ``WORKPLAN_AT_RISK_GAP`` percentage points.
    """
    if status in CLOSED_STATUSES:
        return Health.DONE
    if due is None:
        return Health.NO_DATE
    days_left = (due - today).days
    if days_left < 0:
        return Health.OVERDUE
    if days_left <= setting("AT_RISK_DAYS", 14) and progress < setting("AT_RISK_PROGRESS", 80):
        return Health.AT_RISK
    if expected_progress(start, due, today) - progress > setting("AT_RISK_GAP", 25):
        return Health.AT_RISK
    return Health.ON_TRACK


def is_unanswered(submitted_at: datetime.datetime, *, today: datetime.date) -> bool:
    """件件有着落，事事有回音 (key point 20, rule 2): a submission is overdue for an answer when no
    acknowledgement came within ``WORKPLAN_ANSWER_WITHIN_WORKING_DAYS`` working days (default 3).
    """
    limit = setting("ANSWER_WITHIN_WORKING_DAYS", 3)
    return working_days_between(local_today(submitted_at), today) > limit


def answer_deadline_cutoff(today: datetime.date) -> datetime.date:
    """The latest local submission date that is already unanswered as of ``today``."""
    limit = setting("ANSWER_WITHIN_WORKING_DAYS", 3)
    day = today
    counted = 0
    cal = workdays.calendar()
    # Walk back until more than ``limit`` working days lie between that day and today.
    while counted <= limit:
        if cal.is_working_day(day):
            counted += 1
        day -= datetime.timedelta(days=1)
    return day


def milestone_within_plan_year(due: datetime.date, plan_year: int) -> bool:
    """A plan is a year's plan: its milestones fall within that year (a later step belongs to the
    next year's plan, copied with ``plan_copy``)."""
    return due.year == plan_year


def reminder_offsets() -> tuple[int, ...]:
    """Days before a due date on which reminders go out (``WORKPLAN_REMINDER_DAYS``, default 7 and 1)."""
    return tuple(sorted(set(setting("REMINDER_DAYS", (7, 1))), reverse=True))


def overdue_reminder_due(days_overdue: int) -> bool:
    """Overdue items are re-sent on the first overdue day and every ``WORKPLAN_OVERDUE_REPEAT_DAYS``."""
    repeat = max(1, setting("OVERDUE_REPEAT_DAYS", 7))
    return days_overdue >= 1 and (days_overdue - 1) % repeat == 0


def escalation_due(days_overdue: int) -> bool:
    """An overdue task goes up to the division head once it is ``WORKPLAN_ESCALATE_AFTER_DAYS``
    days late (default 3), then every ``WORKPLAN_OVERDUE_REPEAT_DAYS``."""
    after = setting("ESCALATE_AFTER_DAYS", 3)
    repeat = max(1, setting("OVERDUE_REPEAT_DAYS", 7))
    return days_overdue >= after and (days_overdue - after) % repeat == 0
