"""Countdown arithmetic: Asia/Shanghai dates, working days, the statutory-holiday calendar."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from zhijiao.core import workdays
from zhijiao.workplan import rules
from zhijiao.workplan.choices import Health

D = datetime.date
UTC = datetime.UTC


def test_today_is_counted_in_shanghai():
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai.
    assert rules.local_today(datetime.datetime(2021, 3, 1, 17, 30, tzinfo=UTC)) == D(2021, 3, 2)
    assert rules.local_today(datetime.datetime(2021, 3, 1, 15, 59, tzinfo=UTC)) == D(2021, 3, 1)
    ny = datetime.datetime(2021, 3, 1, 12, 0, tzinfo=ZoneInfo("America/New_York"))  # 17:00 UTC
    assert rules.local_today(ny) == D(2021, 3, 2)


def test_countdown_days():
    cd = rules.countdown(D(2021, 6, 30), today=D(2021, 6, 15))
    assert cd.days_left == 15 and not cd.overdue and not cd.due_today
    assert rules.countdown(D(2021, 6, 15), today=D(2021, 6, 15)).due_today
    late = rules.countdown(D(2021, 6, 10), today=D(2021, 6, 15))
    assert late.days_left == -5 and late.overdue
    assert rules.countdown(None, today=D(2021, 6, 15)).days_left is None


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2021, 2, 7), True),  # Sunday, make-up day before Spring Festival
        (D(2021, 2, 11), False),  # Spring Festival
        (D(2021, 2, 17), False),
        (D(2021, 2, 20), True),  # Saturday make-up day
        (D(2021, 2, 21), False),  # ordinary Sunday
        (D(2021, 4, 5), False),  # Qingming (Monday)
        (D(2021, 4, 25), True),  # Sunday make-up for Labour Day
        (D(2021, 5, 3), False),
        (D(2021, 6, 14), False),  # Dragon Boat (Monday)
        (D(2021, 9, 18), True),  # Saturday make-up for Mid-Autumn
        (D(2021, 10, 7), False),
        (D(2021, 10, 9), True),
        (D(2021, 10, 11), True),
        (D(2030, 1, 7), True),  # a year without data: weekdays work
        (D(2030, 1, 6), False),
    ],
)
def test_holiday_calendar(day, working):
    assert workdays.is_working_day(day) is working


def test_working_days_across_spring_festival():
    # From Wed 10 Feb: 11–17 off, Thu 18, Fri 19, Sat 20 (make-up), Mon 22 → 4 working days.
    assert rules.working_days_between(D(2021, 2, 10), D(2021, 2, 22)) == 4
    assert rules.working_days_between(D(2021, 2, 22), D(2021, 2, 10)) == -4
    assert rules.working_days_between(D(2021, 6, 15), D(2021, 6, 15)) == 0
    # National Day week: Thu 30 Sep → Sat 9 Oct: 1–7 Oct off, Fri 8 and Sat 9 (make-up) work.
    assert rules.working_days_between(D(2021, 9, 30), D(2021, 10, 9)) == 2
    cd = rules.countdown(D(2021, 10, 11), today=D(2021, 9, 30))
    assert cd.days_left == 11 and cd.working_days_left == 3


def test_unanswered_counts_working_days_not_calendar_days(settings):
    settings.WORKPLAN_ANSWER_WITHIN_WORKING_DAYS = 3
    tz = rules.time_zone()
    before_holiday = datetime.datetime(2021, 2, 10, 18, 0, tzinfo=tz)
    # Twelve calendar days later but only four working days: overdue for an answer.
    assert rules.is_unanswered(before_holiday, today=D(2021, 2, 22))
    # Eight calendar days but only two working days (18, 19 Feb): not yet.
    assert not rules.is_unanswered(before_holiday, today=D(2021, 2, 19))
    # The cutoff used by the database query agrees with the rule around the holiday.
    for today in (D(2021, 2, 19), D(2021, 2, 20), D(2021, 2, 22), D(2021, 6, 15), D(2021, 10, 8)):
        cutoff = rules.answer_deadline_cutoff(today)
        assert rules.is_unanswered(
            datetime.datetime.combine(cutoff, datetime.time(12), tzinfo=tz), today=today
        )
        next_day = cutoff + datetime.timedelta(days=1)
        assert not rules.is_unanswered(
            datetime.datetime.combine(next_day, datetime.time(12), tzinfo=tz), today=today
        )


def test_health():
    start, due = D(2021, 2, 26), D(2021, 12, 31)
    assert (
        rules.task_health(status="completed", progress=100, start=start, due=due, today=D(2022, 1, 5))
        == Health.DONE
    )
    assert (
        rules.task_health(
            status="in_progress", progress=90, start=start, due=D(2021, 6, 10), today=D(2021, 6, 15)
        )
        == Health.OVERDUE
    )
    assert (
        rules.task_health(status="in_progress", progress=40, start=start, due=due, today=D(2021, 6, 15))
        == Health.ON_TRACK
    )
    # Far behind an even pace (expected ~35 %).
    assert (
        rules.task_health(status="in_progress", progress=5, start=start, due=due, today=D(2021, 6, 15))
        == Health.AT_RISK
    )
    # Due within 14 days with less than 80 %.
    assert (
        rules.task_health(
            status="in_progress", progress=70, start=start, due=D(2021, 6, 25), today=D(2021, 6, 15)
        )
        == Health.AT_RISK
    )
    assert (
        rules.task_health(status="not_started", progress=0, start=start, due=None, today=D(2021, 6, 15))
        == Health.NO_DATE
    )


def test_thresholds_come_from_settings(settings):
    settings.WORKPLAN_AT_RISK_DAYS = 3
    start = D(2021, 2, 26)
    assert (
        rules.task_health(
            status="in_progress", progress=70, start=start, due=D(2021, 6, 25), today=D(2021, 6, 15)
        )
        == Health.ON_TRACK
    )


def test_escalation_and_overdue_schedules(settings):
    settings.WORKPLAN_ESCALATE_AFTER_DAYS = 3
    settings.WORKPLAN_OVERDUE_REPEAT_DAYS = 7
    assert [d for d in range(0, 20) if rules.escalation_due(d)] == [3, 10, 17]
    assert [d for d in range(0, 20) if rules.overdue_reminder_due(d)] == [1, 8, 15]
