"""Art. 17 (holidays, nights, hours) and the caps of interns per host and per post."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from django.utils.translation import gettext_lazy as _

from .base import PlacementFacts, Violation, _v, conf


# --- Art. 17: working time ---------------------------------------------------------------------------
def rule_holidays(f: PlacementFacts) -> list[Violation]:
    """INT-HOL [S]: no work on statutory holidays unless a special arrangement is filed (备案).

    Checks the post's schedule and the check-ins seen on holidays of the calendar (make-up days
    count as working days). Source: Art. 17; http://gocodog.com/index.php?c=show&id=1874
    """
    if f.special_arrangement_ref:
        return []
    if f.works_holidays:
        return _v(
            "INT-HOL", _("The post schedules work on statutory holidays without a filed special arrangement.")
        )
    if f.holiday_work_days:
        return _v(
            "INT-HOL",
            _("Check-ins on %(n)s statutory holidays without a filed special arrangement.")
            % {"n": f.holiday_work_days},
        )
    return []


def _minutes(t: dt.time | str) -> int:
    if isinstance(t, str):
        h, m = t.split(":")[:2]
        return int(h) * 60 + int(m)
    return t.hour * 60 + t.minute


def shift_overlaps_night(start: dt.time, end: dt.time) -> bool:
    """Whether a shift (possibly across midnight) touches the night window."""
    ns, ne = _minutes(conf("INTERNSHIP_NIGHT_START")), _minutes(conf("INTERNSHIP_NIGHT_END"))
    s, e = _minutes(start), _minutes(end)
    if e <= s:
        e += 24 * 60
    windows = [(ns, ne + 24 * 60 if ne <= ns else ne)]
    windows += [(a - 24 * 60, b - 24 * 60) for a, b in windows]
    return any(s < b and e > a for a, b in windows)


def rule_night(f: PlacementFacts) -> list[Violation]:
    """INT-NIGHT [S/R]: no overtime or night shift (default 22:00–06:00, configurable) unless filed.

    Source: Art. 17; http://gocodog.com/index.php?c=show&id=1874, https://m.64365.com/ask/12816754.aspx
    """
    if f.special_arrangement_ref:
        return []
    if f.overtime:
        return _v("INT-NIGHT", _("The post schedules overtime without a filed special arrangement."))
    if shift_overlaps_night(f.shift_start, f.shift_end):
        return _v(
            "INT-NIGHT", _("The shift falls within the night hours without a filed special arrangement.")
        )
    if f.night_checkins:
        return _v("INT-NIGHT", _("%(n)s check-ins fall within the night hours.") % {"n": f.night_checkins})
    return []


def rule_hours(f: PlacementFacts) -> list[Violation]:
    """INT-HOURS [S/R]: at most 8 hours a day and 40 a week (both configurable; the legal weekly maximum is 44).

    Source: 《中等职业学校学生实习管理办法》 2007 (https://news.sohu.com/20070718/n251131939.shtml); 《劳动法》 Art. 36.
    """
    if f.special_arrangement_ref:
        # "除相关专业和实习岗位有特殊要求，并报上级主管部门备案的实习安排外" (Art. 17): a filed special
        # arrangement sets the national working-time rules aside, for hours as for nights and holidays.
        return []
    day, week = conf("INTERNSHIP_MAX_DAILY_HOURS"), conf("INTERNSHIP_MAX_WEEKLY_HOURS")
    if Decimal(f.daily_hours) > day or Decimal(f.weekly_hours) > week:
        return _v(
            "INT-HOURS",
            _("Working time exceeds %(day)s hours a day or %(week)s hours a week.")
            % {"day": day, "week": week},
        )
    # START→END spans the working time plus the break (internships.md §13).
    if f.max_observed_daily_hours > day + conf("INTERNSHIP_BREAK_HOURS"):
        return _v(
            "INT-HOURS",
            _("Check-ins show a working day longer than %(day)s hours plus the break.") % {"day": day},
            "warn",
        )
    return []


# --- caps --------------------------------------------------------------------------------------------
def _within(interns: int, staff: int, ratio: str) -> bool:
    """interns ≤ ratio × staff, compared exactly (internships.md §5: no rounding)."""
    return Fraction(interns) <= Fraction(str(ratio)) * staff


def rule_ratio_unit(f: PlacementFacts) -> list[Violation]:
    """INT-RATIO-UNIT [S]: interns from all schools at the same time ≤ 10 % of the host's on-duty staff.

    Source: 2016 Art. 9 (https://m.b15k.com/zzfl/86436.html); 2021 细则 (http://gocodog.com/index.php?c=show&id=1874).
    """
    ratio = conf("INTERNSHIP_UNIT_RATIO")
    if f.is_post and not f.enterprise_staff and f.enterprise_interns:
        # Unknown is unknown: without a recorded headcount the cap cannot be judged, nor broken.
        return _v(
            "INT-RATIO-UNIT",
            _("The host's headcount on duty is missing — record it (the 10 percent cap cannot be checked)."),
            "warn",
        )
    if not f.is_post or _within(f.enterprise_interns, f.enterprise_staff, ratio):
        return []
    return _v(
        "INT-RATIO-UNIT",
        _("%(n)s interns at the same time exceed %(pct)s%% of the host's %(staff)s staff on duty.")
        % {"n": f.enterprise_interns, "pct": int(Decimal(str(ratio)) * 100), "staff": f.enterprise_staff},
    )


def rule_ratio_post(f: PlacementFacts) -> list[Violation]:
    """INT-RATIO-POST [S]: interns on one post ≤ 20 % of the staff on duty in that post, all schools counted.

    Source: 2016 Art. 9 (https://m.b15k.com/zzfl/86436.html); 2021 细则 (http://gocodog.com/index.php?c=show&id=1874).
    """
    ratio = conf("INTERNSHIP_POST_RATIO")
    if f.is_post and not f.post_staff and f.post_interns:
        if f.post_staff_declared_on:
            message = _(
                "The post's headcount on duty is missing — record it (last reported on %(date)s, as zero)."
            ) % {"date": f.post_staff_declared_on.isoformat()}
        else:
            message = _("The post's headcount on duty is missing — record it (never reported).")
        return _v("INT-RATIO-POST", message, "warn")
    if not f.is_post or _within(f.post_interns, f.post_staff, ratio):
        return []
    return _v(
        "INT-RATIO-POST",
        _(
            "%(n)s interns on this post exceed %(pct)s%% of its %(staff)s staff on duty (reported on %(date)s)."
        )
        % {
            "n": f.post_interns,
            "pct": int(Decimal(str(ratio)) * 100),
            "staff": f.post_staff,
            "date": f.post_staff_declared_on.isoformat() if f.post_staff_declared_on else "—",
        },
    )
