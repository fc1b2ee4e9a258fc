"""The working-day calendar: one for the whole platform.

Working days are Monday to Friday, except the statutory holidays of the State Council's yearly
notice (国务院办公厅关于20XX年部分节假日安排的通知), plus the weekend days that notice makes working days
(调休上班). The notices for 2021–2026 ship as data (``holidays_cn.yaml``, with each 文号); the province
adds a year (or corrects one) with ``calendar_year_load`` — its ``core.CalendarDay`` rows replace the
shipped year. Years in neither have no holidays (only weekends rest).

Users: work-plan countdowns and answer deadlines (``workplan.rules``), the internship rule INT-HOL and
the sweep's holiday check-ins (``internships``).
"""

from __future__ import annotations

import datetime
import threading
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

DATA_FILE = Path(__file__).resolve().parent / "holidays_cn.yaml"
HOLIDAY, WORKDAY = "holiday", "workday"


@dataclass(frozen=True)
class Notice:
    year: int
    title: str
    number: str
    issued: datetime.date | None = None
    verified: bool = True


@dataclass
class WorkingDayCalendar:
    """Holidays and make-up working days by date (each with the holiday's name) and the notices."""

    holidays: dict[datetime.date, str] = field(default_factory=dict)
    workdays: dict[datetime.date, str] = field(default_factory=dict)
    notices: dict[int, Notice] = field(default_factory=dict)

    @property
    def years(self) -> frozenset[int]:
        return frozenset(self.notices)

    def is_holiday(self, day: datetime.date) -> bool:
        """A day off under a notice (weekends inside a holiday block included)."""
        return day in self.holidays

    def is_working_day(self, day: datetime.date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def working_days_between(self, start: datetime.date, end: datetime.date) -> int:
        """Working days after ``start`` up to and including ``end`` (negative when ``end`` is earlier)."""
        if end == start:
            return 0
        sign = 1 if end > start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        count, day = 0, lo + datetime.timedelta(days=1)
        while day <= hi:
            count += self.is_working_day(day)
            day += datetime.timedelta(days=1)
        return sign * count

    def add_working_days(self, day: datetime.date, n: int) -> datetime.date:
        """The ``n``-th working day after ``day`` (before it when ``n`` is negative); ``day`` for 0."""
        step = datetime.timedelta(days=1 if n >= 0 else -1)
        left = abs(n)
        while left:
            day += step
            left -= self.is_working_day(day)
        return day

    def holidays_between(self, lo: datetime.date, hi: datetime.date) -> list[datetime.date]:
        return sorted(d for d in self.holidays if lo <= d <= hi)

    def _add_year(self, year: int, notice: Notice, holidays: dict, workdays: dict) -> None:
        for d in [d for d in self.holidays if self.notices_year(d) == year]:
            del self.holidays[d]
        for d in [d for d in self.workdays if self.notices_year(d) == year]:
            del self.workdays[d]
        self.holidays.update(holidays)
        self.workdays.update(workdays)
        self.notices[year] = notice
        self._year_of.update(dict.fromkeys([*holidays, *workdays], year))

    def notices_year(self, day: datetime.date) -> int | None:
        """The notice a day comes from (2022-12-31 belongs to the 2023 notice's 元旦)."""
        return self._year_of.get(day)

    def __post_init__(self):
        self._year_of: dict[datetime.date, int] = {}


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


@lru_cache(maxsize=4)
def load_file(path: str) -> WorkingDayCalendar:
    """The calendar of a data file in the format of ``holidays_cn.yaml``."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    cal = WorkingDayCalendar()
    for year, entry in sorted(data.items()):
        holidays = {d: name for name, start, end in entry.get("holidays", []) for d in _days(start, end)}
        workdays = {day: name for name, day in entry.get("workdays", [])}
        notice = Notice(
            year=int(year),
            title=entry.get("notice", ""),
            number=entry.get("number", ""),
            issued=entry.get("issued"),
            verified=bool(entry.get("verified", True)),
        )
        cal._add_year(int(year), notice, holidays, workdays)
    return cal


# --- the calendar in use: the data file, then the province's years -------------------------------------
_lock = threading.Lock()
_cached: tuple[float, WorkingDayCalendar] | None = None


def clear_cache() -> None:
    global _cached
    with _lock:
        _cached = None


def _with_database_years(base: WorkingDayCalendar) -> WorkingDayCalendar | None:
    """The shipped calendar with the province's years; None when the database cannot be read
    (before ``migrate``, or a test without database access): then the shipped one serves, uncached."""
    from django.db import DatabaseError

    from zhijiao.core.models import CalendarDay

    cal = WorkingDayCalendar(dict(base.holidays), dict(base.workdays), dict(base.notices))
    cal._year_of = dict(base._year_of)
    try:
        rows = list(CalendarDay.objects.order_by("date").values_list("date", "kind", "name", "notice"))
    except (DatabaseError, RuntimeError):
        return None
    by_year: dict[int, list] = {}
    for day, kind, name, number in rows:
        year = _notice_year(day, name)
        by_year.setdefault(year, []).append((day, kind, name, number))
    for year, days in by_year.items():
        number = next((n for *_, n in days if n), "")
        cal._add_year(
            year,
            Notice(year=year, title=_notice_title(year), number=number),
            {d: n for d, k, n, _no in days if k == HOLIDAY},
            {d: n for d, k, n, _no in days if k == WORKDAY},
        )
    return cal


def _notice_year(day: datetime.date, name: str) -> int:
    # 元旦 on the last days of December belongs to the next year's notice (2022-12-31 → 2023).
    return day.year + 1 if day.month == 12 and day.day >= 29 and "元旦" in name else day.year


def _notice_title(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


def calendar() -> WorkingDayCalendar:
    """The calendar in use (cached per process for ``CALENDAR_CACHE_SECONDS``, default 300)."""
    global _cached
    ttl = float(getattr(settings, "CALENDAR_CACHE_SECONDS", 300))
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < ttl:
        return cached[1]
    base = load_file(str(getattr(settings, "CALENDAR_DATA_FILE", DATA_FILE)))
    cal = _with_database_years(base)
    if cal is None:
        return base
    with _lock:
        _cached = (now, cal)
    return cal


def is_working_day(day: datetime.date) -> bool:
    return calendar().is_working_day(day)


def is_holiday(day: datetime.date) -> bool:
    return calendar().is_holiday(day)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    return calendar().working_days_between(start, end)


def add_working_days(day: datetime.date, n: int) -> datetime.date:
    return calendar().add_working_days(day, n)


# --- the province adds a year ----------------------------------------------------------------------------
@transaction.atomic
def calendar_year_load(
    *,
    actor,
    year: int,
    number: str,
    holidays: list[tuple[str, datetime.date, datetime.date]],
    workdays: list[tuple[str, datetime.date]],
    system: bool = False,
) -> int:
    """Set one year of the calendar from its State Council notice (文号 ``number``): ``holidays`` as
    (name, first day, last day) blocks, ``workdays`` as (name, day) 调休 days. Replaces what the
    province loaded for that year before; only the province (or a system job) may do it. Returns the
    number of days written."""
    from zhijiao.core.audit import AuditAction, audit_record
    from zhijiao.core.models import CalendarDay
    from zhijiao.core.scoping import user_scope

    if not system and not user_scope(actor).is_province:
        raise PermissionDenied(_("Only the province maintains the holiday calendar."))
    rows: dict[datetime.date, tuple[str, str]] = {}
    for name, start, end in holidays:
        if end < start or (end - start).days > 15:
            raise ValidationError(_("A holiday block runs from its first to its last day, at most 16 days."))
        for day in _days(start, end):
            rows[day] = (HOLIDAY, name)
    for name, day in workdays:
        if day in rows:
            raise ValidationError(_("%(day)s cannot be both a holiday and a working day.") % {"day": day})
        if day.weekday() < 5:
            raise ValidationError(
                _("%(day)s is a weekday; a make-up working day falls on a weekend.") % {"day": day}
            )
        rows[day] = (WORKDAY, name)
    if any(_notice_year(d, n) != year for d, (_k, n) in rows.items()):
        raise ValidationError(_("Every day must belong to the year %(year)s.") % {"year": year})
    old = [d for d in CalendarDay.objects.values_list("date", "name") if _notice_year(*d) == year]
    CalendarDay.objects.filter(date__in=[d for d, _n in old]).delete()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=d, kind=k, name=n, notice=number) for d, (k, n) in sorted(rows.items())]
    )
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="core.calendarday",
        message=f"{year}: {len(rows)} days ({number})",
    )
    transaction.on_commit(clear_cache)
    clear_cache()
    return len(rows)


__all__ = [
    "HOLIDAY",
    "WORKDAY",
    "Notice",
    "WorkingDayCalendar",
    "add_working_days",
    "calendar",
    "calendar_year_load",
    "clear_cache",
    "is_holiday",
    "is_working_day",
    "load_file",
    "working_days_between",
]
