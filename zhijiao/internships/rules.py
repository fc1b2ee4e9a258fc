"""Every rule of 《职业学校学生实习管理规定》 (教职成〔2021〕4号) the platform enforces, one named pure function each.

A rule takes a ``PlacementFacts`` snapshot (plain values, built from the database by
``facts.placement_facts`` or by the set-based sweep) and returns a list of ``Violation``. Nothing
here touches the database, so each rule is tested with a passing and a failing snapshot.

Numbers the domain notes (``shared/domain/internships.md``) mark [S] or [R] come from settings
``INTERNSHIP_*`` with the documented default; ``setting_names()`` lists them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop as N_

from .choices import ArrangedVia, InternshipKind, PayMethod, PremiumPayer, VenueKind

# --- settings ----------------------------------------------------------------------------------------
DEFAULTS: dict[str, object] = {
    "INTERNSHIP_MIN_AGE": 16,
    "INTERNSHIP_ADULT_AGE": 18,
    "INTERNSHIP_GRADE_ONE_MONTHS": 12,
    "INTERNSHIP_ENTERTAINMENT_KEYWORDS": (
        "酒吧",
        "夜总会",
        "歌厅",
        "KTV",
        "洗浴",
        "电子游戏",
        "游戏厅",
        "网吧",
    ),
    "INTERNSHIP_AGENCY_KEYWORDS": ("劳务派遣", "人力资源服务", "职业中介", "劳务中介"),
    "INTERNSHIP_MAX_PHYSICAL_LEVEL": 2,
    "INTERNSHIP_MAX_DAILY_HOURS": 8,
    "INTERNSHIP_MAX_WEEKLY_HOURS": 40,
    "INTERNSHIP_BREAK_HOURS": 1,
    "INTERNSHIP_NIGHT_START": "22:00",
    "INTERNSHIP_NIGHT_END": "06:00",
    "INTERNSHIP_UNIT_RATIO": "0.10",
    "INTERNSHIP_POST_RATIO": "0.20",
    "INTERNSHIP_PAY_RATIO": "0.80",
    "INTERNSHIP_MAX_PAY_INTERVAL_DAYS": 31,
    "INTERNSHIP_FEE_BLOCKLIST": (
        "deposit",
        "training",
        "commission",
        "management",
        "materials",
        "employment_service",
        "other",
    ),
    "INTERNSHIP_POST_MONTHS": 6,
    "INTERNSHIP_EXTENDED_MONTHS": 12,
    "INTERNSHIP_EXTENDED_CATEGORIES": ("医药卫生",),
    "INTERNSHIP_GRADING_DUE_DAYS": 30,
    "INTERNSHIP_MISSING_DAYS": 3,
}


def conf(name: str):
    """A rule's number: ``settings.<name>`` if set, else the documented default."""
    return getattr(settings, name, DEFAULTS[name])


def setting_names() -> list[str]:
    return sorted(DEFAULTS)


# --- snapshot ----------------------------------------------------------------------------------------
@dataclass
class AgreementFacts:
    fields: dict[str, object]  # the required contents (internships.md §9) by name
    school_signed_on: dt.date | None = None
    host_signed_on: dt.date | None = None
    student_signed_on: dt.date | None = None
    guardian_consent_on: dt.date | None = None
    has_guardian_file: bool = False
    fee_items: list = field(default_factory=list)


@dataclass
class PolicyFacts:
    policy_no: str
    start: dt.date
    end: dt.date
    premium_payer: str = PremiumPayer.SCHOOL


@dataclass
class PayFacts:
    period: dt.date
    paid_on: dt.date
    method: str = PayMethod.BANK_TRANSFER
    paid_to_student: bool = True


@dataclass
class PlacementFacts:
    """What the rules need to know about one placement, as plain values."""

    kind: str = InternshipKind.POST
    start_date: dt.date = dt.date(2026, 3, 1)
    end_date: dt.date = dt.date(2026, 8, 31)
    today: dt.date = dt.date(2026, 3, 1)
    status: str = "draft"
    # student
    birth_date: dt.date | None = None
    gender: str = "male"
    entry_date: dt.date | None = None
    student_category: str = ""  # 专业大类 name of the student's major
    student_eligible: bool = True
    # host and post
    enterprise_name: str = ""
    venue_kind: str = VenueKind.ORDINARY
    physical_labour_level: int = 1
    high_risk: bool = False
    minor_forbidden: bool = False
    female_forbidden: bool = False
    daily_hours: Decimal = Decimal(8)
    weekly_hours: Decimal = Decimal(40)
    shift_start: dt.time = dt.time(8, 30)
    shift_end: dt.time = dt.time(17, 30)
    works_holidays: bool = False
    overtime: bool = False
    wage_standard: Decimal = Decimal(0)
    lowest_grade_wage: Decimal = Decimal(0)
    post_category: str = ""
    # placement
    arranged_via: str = ArrangedVia.SCHOOL
    monthly_pay: Decimal = Decimal(0)
    pay_cycle_days: int = 30
    pay_method: str = PayMethod.BANK_TRANSFER
    paid_directly: bool = True
    special_arrangement_ref: str = ""
    training_plan_reference: str = ""
    plan_filed: bool = True
    # caps, counted over every school, including this placement
    enterprise_staff: int = 0
    enterprise_interns: int = 0
    post_staff: int = 0
    post_interns: int = 0
    # documents
    agreement: AgreementFacts | None = None
    policies: list[PolicyFacts] = field(default_factory=list)
    mentor_kinds: set[str] = field(default_factory=set)
    pay_records: list[PayFacts] = field(default_factory=list)
    school_grade: str = ""
    # observed from check-ins (the daily sweep fills these)
    holiday_work_days: int = 0
    night_checkins: int = 0
    max_observed_daily_hours: float = 0.0
    last_checkin_day: dt.date | None = None

    @property
    def is_post(self) -> bool:
        return self.kind == InternshipKind.POST

    @property
    def age_at_start(self) -> int | None:
        return age_on(self.birth_date, self.start_date) if self.birth_date else None

    @property
    def is_minor(self) -> bool:
        age = self.age_at_start
        return age is not None and age < conf("INTERNSHIP_ADULT_AGE")


@dataclass(frozen=True)
class Violation:
    rule_id: str
    message: str
    severity: str = "block"
    source: str = ""

    def as_dict(self) -> dict:
        return {
            "rule_id": self.rule_id,
            "message": str(self.message),
            "severity": self.severity,
            "source": self.source,
        }


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


SOURCES = {
    "INT-AGE": "教职成〔2021〕4号 Art. 16(2); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-GRADE1": "教职成〔2021〕4号 Art. 16(1); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-VENUE": "教职成〔2021〕4号 Art. 16(5); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-AGENT": "教职成〔2021〕4号 Art. 16(6); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-PHYS": "教职成〔2021〕4号 Art. 16(7); https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-MINOR": "教职成〔2021〕4号 Art. 16(3), 《未成年工特殊保护规定》; https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-FEMALE": "教职成〔2021〕4号 Art. 16(4), 《女职工劳动保护特别规定》; https://wechat.estsglobal.com/wechat/law_contents/348",
    "INT-HOL": "教职成〔2021〕4号 Art. 17 (secondary: http://gocodog.com/index.php?c=show&id=1874)",
    "INT-NIGHT": "教职成〔2021〕4号 Art. 17 (secondary: http://gocodog.com/index.php?c=show&id=1874)",
    "INT-HOURS": "《中等职业学校学生实习管理办法》(2007); 《劳动法》 Art. 36; https://news.sohu.com/20070718/n251131939.shtml",
    "INT-RATIO-UNIT": "2016 Art. 9 / 2021 细则; https://m.b15k.com/zzfl/86436.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-RATIO-POST": "2016 Art. 9 / 2021 细则; https://m.b15k.com/zzfl/86436.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-PAY": "教职成〔2021〕4号 Art. 18; https://wechat.estsglobal.com/wechat/law_contents/350",
    "INT-PAY-CYCLE": "教职成〔2021〕4号 Art. 18; https://wechat.estsglobal.com/wechat/law_contents/350",
    "INT-FEES": "Shaanxi 细则; http://tour.mbatrip.com/tour/2023/0104/52741.html",
    "INT-DUR": "Shaanxi/Hainan 细则; http://tour.mbatrip.com/tour/2023/0104/52741.html, http://gocodog.com/index.php?c=show&id=1874",
    "INT-MAJOR": "Shaanxi 细则 (不得跨专业大类); http://tour.mbatrip.com/tour/2023/0104/52741.html",
    "INT-AGREE": "2021 细则; http://gocodog.com/index.php?c=show&id=1874, http://www.cnhxjy.cn/zyjy/6010.html",
    "INT-INS": "教职成〔2010〕 student internship liability insurance; https://m.jiajiaoban.com/e/20101105/4cd36358d7f24.shtml",
    "INT-ASSESS": "2016 Art. 8 summary; https://m.64365.com/ask/12816754.aspx",
    "INT-MENTOR": "2016 Art. 8 summary; https://m.64365.com/ask/12816754.aspx",
    "INT-FILING": "provincial 细则 (实习方案备案) [R]",
    "INT-MISSING": "platform check (internships.md §13): no check-in for N days is 失联",
    "INT-STATUS": "students.md: a suspended, withdrawn or graduated student holds no active 学籍",
}


def _v(rule_id: str, message, severity: str = "block") -> list[Violation]:
    return [Violation(rule_id=rule_id, message=message, severity=severity, source=SOURCES[rule_id])]


# --- Art. 16: the seven prohibitions ----------------------------------------------------------------
def rule_age(f: PlacementFacts) -> list[Violation]:
    """INT-AGE [V]: no 岗位实习 for students under 16 on the start date.

    Source: 教职成〔2021〕4号 Art. 16(2), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if not f.is_post:
        return []
    if f.birth_date is None:
        return _v("INT-AGE", _("The student's birth date is unknown, so the minimum age cannot be checked."))
    minimum = conf("INTERNSHIP_MIN_AGE")
    if f.age_at_start < minimum:
        return _v("INT-AGE", _("The student is under %(age)s on the start date.") % {"age": minimum})
    return []


def rule_grade_one(f: PlacementFacts) -> list[Violation]:
    """INT-GRADE1 [V]: no 岗位实习 in grade one (the first 12 months after entry, configurable).

    Source: 教职成〔2021〕4号 Art. 16(1), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if not f.is_post or f.entry_date is None:
        return [] if not f.is_post else _v("INT-GRADE1", _("The student's entry date is unknown."))
    if f.start_date < add_months(f.entry_date, conf("INTERNSHIP_GRADE_ONE_MONTHS")):
        return _v("INT-GRADE1", _("Grade-one students may not take a post internship."))
    return []


def _has_keyword(text: str, keywords) -> bool:
    upper = (text or "").upper()
    return any(k.upper() in upper for k in keywords)


def rule_venue(f: PlacementFacts) -> list[Violation]:
    """INT-VENUE [V]: no bars, night clubs, KTV, bath centres, game halls, internet cafés or similar.

    Matched on the post's kind of venue and on keywords in the host's name (configurable).
    Source: 教职成〔2021〕4号 Art. 16(5), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.venue_kind != VenueKind.ORDINARY or _has_keyword(
        f.enterprise_name, conf("INTERNSHIP_ENTERTAINMENT_KEYWORDS")
    ):
        return _v("INT-VENUE", _("Students may not be placed in commercial entertainment venues."))
    return []


def rule_agent(f: PlacementFacts) -> list[Violation]:
    """INT-AGENT [V]: no intermediary or paid agent; labour-dispatch / HR-agency hosts are flagged.

    Source: 教职成〔2021〕4号 Art. 16(6), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.arranged_via in (ArrangedVia.INTERMEDIARY, ArrangedVia.PAID_AGENT):
        return _v("INT-AGENT", _("Internships may not be arranged through an intermediary or a paid agent."))
    if _has_keyword(f.enterprise_name, conf("INTERNSHIP_AGENCY_KEYWORDS")):
        return _v(
            "INT-AGENT",
            _("The host looks like a labour-dispatch or HR agency; a placement there is not allowed."),
        )
    return []


def rule_physical(f: PlacementFacts) -> list[Violation]:
    """INT-PHYS [V]: physical-labour intensity below level III; no high-risk posts (Art. 17(a)).

    Source: 教职成〔2021〕4号 Art. 16(7) and 17, https://wechat.estsglobal.com/wechat/law_contents/348
    """
    out = []
    if f.physical_labour_level > conf("INTERNSHIP_MAX_PHYSICAL_LEVEL"):
        out += _v("INT-PHYS", _("The post's physical-labour intensity is level III or above."))
    if f.high_risk and not f.special_arrangement_ref:
        out += _v(
            "INT-PHYS",
            _("The post is high-risk (height, underground, toxic, explosive) without a filed arrangement."),
        )
    return out[:1]


def rule_minor(f: PlacementFacts) -> list[Violation]:
    """INT-MINOR [V]: a student under 18 on the start date may not do minor-forbidden work.

    Source: 教职成〔2021〕4号 Art. 16(3), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.minor_forbidden and (f.birth_date is None or f.is_minor):
        return _v("INT-MINOR", _("The post is forbidden for minors and the student is under 18."))
    return []


def rule_female(f: PlacementFacts) -> list[Violation]:
    """INT-FEMALE [V]: female students may not do work forbidden for women.

    Source: 教职成〔2021〕4号 Art. 16(4), https://wechat.estsglobal.com/wechat/law_contents/348
    """
    if f.female_forbidden and f.gender == "female":
        return _v("INT-FEMALE", _("The post is forbidden for women."))
    return []


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
    if not f.is_post or _within(f.post_interns, f.post_staff, ratio):
        return []
    return _v(
        "INT-RATIO-POST",
        _("%(n)s interns on this post exceed %(pct)s%% of its %(staff)s staff on duty.")
        % {"n": f.post_interns, "pct": int(Decimal(str(ratio)) * 100), "staff": f.post_staff},
    )


# --- Art. 18: pay ------------------------------------------------------------------------------------
def rule_pay(f: PlacementFacts) -> list[Violation]:
    """INT-PAY [V]: pay ≥ 80 % of the post's wage standard, or ≥ its lowest wage grade.

    Source: 教职成〔2021〕4号 Art. 18, https://wechat.estsglobal.com/wechat/law_contents/350
    """
    if not f.is_post:
        return []
    ratio = Decimal(str(conf("INTERNSHIP_PAY_RATIO")))
    pay = Decimal(f.monthly_pay)
    if pay >= ratio * Decimal(f.wage_standard) or (
        f.lowest_grade_wage and pay >= Decimal(f.lowest_grade_wage)
    ):
        return []
    return _v(
        "INT-PAY",
        _("The pay is below %(pct)s%% of the post's wage and below its lowest wage grade.")
        % {"pct": int(ratio * 100)},
    )


def rule_pay_cycle(f: PlacementFacts) -> list[Violation]:
    """INT-PAY-CYCLE [V]: paid at least monthly, in money, directly to the student.

    Checks the agreed terms and the pay records (gaps between payments, method, payee).
    Source: 教职成〔2021〕4号 Art. 18, https://wechat.estsglobal.com/wechat/law_contents/350
    """
    if not f.is_post:
        return []
    limit = conf("INTERNSHIP_MAX_PAY_INTERVAL_DAYS")
    money = (PayMethod.BANK_TRANSFER, PayMethod.CASH)
    if f.pay_cycle_days > limit:
        return _v("INT-PAY-CYCLE", _("The payment cycle is longer than %(days)s days.") % {"days": limit})
    if f.pay_method not in money or not f.paid_directly:
        return _v("INT-PAY-CYCLE", _("Pay must be in money and go directly to the student."))
    for record in f.pay_records:
        if record.method not in money or not record.paid_to_student:
            return _v("INT-PAY-CYCLE", _("A payment was not made in money to the student's own account."))
    if f.status == "active":
        # The gap since the last payment (or the start): the daily sweep sees every gap as it opens.
        last = max([r.paid_on for r in f.pay_records], default=f.start_date)
        if (f.today - last).days > limit:
            return _v(
                "INT-PAY-CYCLE", _("No pay was recorded for more than %(days)s days.") % {"days": limit}
            )
    return []


def rule_fees(f: PlacementFacts) -> list[Violation]:
    """INT-FEES [S]: no deposit, training, commission, management, materials or employment-service fee.

    Source: Shaanxi 细则, http://tour.mbatrip.com/tour/2023/0104/52741.html
    """
    blocked = set(conf("INTERNSHIP_FEE_BLOCKLIST"))
    items = f.agreement.fee_items if f.agreement else []
    if any((item.get("code") if isinstance(item, dict) else item) in blocked for item in items):
        return _v("INT-FEES", _("Students may not be charged deposits or fees of any kind."))
    return []


# --- duration and major ------------------------------------------------------------------------------
def rule_duration(f: PlacementFacts) -> list[Violation]:
    """INT-DUR [S]: a post internship generally lasts 6 months; longer needs the training plan, and
    only majors on the extended list (medical, nursing) go up to 12 months (both configurable).

    Source: Shaanxi/Hainan 细则 (http://tour.mbatrip.com/tour/2023/0104/52741.html); gocodog 1874.
    """
    if not f.is_post:
        return []
    usual, extended = conf("INTERNSHIP_POST_MONTHS"), conf("INTERNSHIP_EXTENDED_MONTHS")
    is_extended = any(name in f.student_category for name in conf("INTERNSHIP_EXTENDED_CATEGORIES"))
    limit = extended if (is_extended and f.training_plan_reference) else usual
    if f.end_date < add_months(f.start_date, limit):
        return []
    if limit == extended:
        return _v("INT-DUR", _("The internship is longer than %(m)s months.") % {"m": extended})
    return _v(
        "INT-DUR",
        _(
            "A post internship longer than %(m)s months needs an extended-duration major and a reference to the training plan."
        )
        % {"m": usual},
    )


def rule_major(f: PlacementFacts) -> list[Violation]:
    """INT-MAJOR [S]: the post must be in the student's major category (不得跨专业大类).

    Categories are compared by name, since the same 大类 has different codes per level.
    Source: Shaanxi 细则, http://tour.mbatrip.com/tour/2023/0104/52741.html; internships.md §8.
    """
    if f.is_post and f.post_category and f.student_category and f.post_category != f.student_category:
        return _v("INT-MAJOR", _("The post is outside the student's major category."))
    return []


# --- documents ---------------------------------------------------------------------------------------
AGREEMENT_REQUIRED = (
    "location",
    "content",
    "hours_and_rest",
    "board_lodging",
    "safety_protection",
    "insurance_policy_no",
    "accident_handling",
    "assessment_method",
    "pay_amount",
    "pay_cycle",
    "breach_liability",
)


def rule_agreement(f: PlacementFacts) -> list[Violation]:
    """INT-AGREE [S]: a complete three-party agreement signed by all before the start; guardian consent under 18.

    Source: 2021 细则 "未按规定签订实习协议的，不得安排学生实习" (http://gocodog.com/index.php?c=show&id=1874);
    Guangxi (http://www.cnhxjy.cn/zyjy/6010.html); Shaanxi and Shenzhen on guardian consent.
    """
    if not f.is_post:
        return []  # 认识实习 is managed as an ordinary off-campus activity (internships.md §8)
    a = f.agreement
    if a is None:
        return _v("INT-AGREE", _("There is no internship agreement."))
    missing = [name for name in AGREEMENT_REQUIRED if a.fields.get(name) in (None, "")]
    if missing:
        return _v(
            "INT-AGREE",
            _("The agreement lacks required contents: %(fields)s.") % {"fields": ", ".join(missing)},
        )
    signatures = (a.school_signed_on, a.host_signed_on, a.student_signed_on)
    if any(s is None for s in signatures):
        return _v("INT-AGREE", _("The agreement is not signed by all three parties."))
    if any(s > f.start_date for s in signatures):
        return _v("INT-AGREE", _("The agreement was signed after the internship started."))
    if f.is_minor and not (a.guardian_consent_on and a.has_guardian_file):
        return _v("INT-AGREE", _("The student is under 18: the guardian's informed consent is missing."))
    return []


def rule_insurance(f: PlacementFacts) -> list[Violation]:
    """INT-INS [V 2010/R 2021]: liability insurance covering the whole period; never charged to the student.

    Policies may be chained; together they must cover every day from start to end.
    Source: https://m.jiajiaoban.com/e/20101105/4cd36358d7f24.shtml
    """
    if any(p.premium_payer == PremiumPayer.STUDENT for p in f.policies):
        return _v("INT-INS", _("The insurance premium may not be charged to the student."))
    covered_to = f.start_date - dt.timedelta(days=1)
    for p in sorted(f.policies, key=lambda p: p.start):
        if p.start > covered_to + dt.timedelta(days=1):
            break
        covered_to = max(covered_to, p.end)
    if covered_to < f.end_date:
        if not f.policies:
            return _v("INT-INS", _("There is no liability insurance policy."))
        return _v("INT-INS", _("The insurance does not cover the whole internship period."))
    return []


def rule_assessment(f: PlacementFacts) -> list[Violation]:
    """INT-ASSESS [S]: each post internship is graded 优秀/良好/合格/不合格 after it ends; 不合格 blocks graduation
    (read by the registry through ``selectors.internship_grade_for``).

    Source: https://m.64365.com/ask/12816754.aspx
    """
    if not f.is_post or f.school_grade:
        return []
    due = f.end_date + dt.timedelta(days=conf("INTERNSHIP_GRADING_DUE_DAYS"))
    if f.today > due:
        return _v("INT-ASSESS", _("The internship ended and has not been graded."), "warn")
    return []


def rule_mentors(f: PlacementFacts) -> list[Violation]:
    """INT-MENTOR [S]: every placement has a school mentor and an enterprise mentor.

    Source: 2016 Art. 8 summary, https://m.64365.com/ask/12816754.aspx
    """
    if {"school", "host"} <= set(f.mentor_kinds):
        return []
    return _v("INT-MENTOR", _("The placement needs both a school mentor and an enterprise mentor."))


def rule_plan_filed(f: PlacementFacts) -> list[Violation]:
    """INT-FILING [R]: the internship plan is filed (备案) with the authority before placements start.

    Source: provincial 细则 (internships.md §11); kept as a rule so a deployment may drop it.
    """
    return (
        []
        if f.plan_filed
        else _v("INT-FILING", _("The internship plan has not been filed with the authority."))
    )


def rule_student_status(f: PlacementFacts) -> list[Violation]:
    """INT-STATUS: a suspended, withdrawn or graduated student cannot be placed.

    Source: the registry's status rules (students.md §4).
    """
    return (
        []
        if f.student_eligible
        else _v("INT-STATUS", _("The student's enrolment does not allow an internship."))
    )


def rule_missing_checkins(f: PlacementFacts) -> list[Violation]:
    """INT-MISSING (platform check, internships.md §13): an active placement with no check-in for N days (default 3)
    is 失联 and alerts the school mentor. Not a regulation rule, so it never blocks activation.
    """
    days = conf("INTERNSHIP_MISSING_DAYS")
    if f.status != "active" or f.today - f.start_date < dt.timedelta(days=days):
        return []
    if f.last_checkin_day is None or (f.today - f.last_checkin_day).days >= days:
        return _v("INT-MISSING", _("No check-in for %(d)s days or more.") % {"d": days}, "warn")
    return []


RULES: dict[str, Callable[[PlacementFacts], list[Violation]]] = {
    "INT-AGE": rule_age,
    "INT-GRADE1": rule_grade_one,
    "INT-VENUE": rule_venue,
    "INT-AGENT": rule_agent,
    "INT-PHYS": rule_physical,
    "INT-MINOR": rule_minor,
    "INT-FEMALE": rule_female,
    "INT-HOL": rule_holidays,
    "INT-NIGHT": rule_night,
    "INT-HOURS": rule_hours,
    "INT-RATIO-UNIT": rule_ratio_unit,
    "INT-RATIO-POST": rule_ratio_post,
    "INT-PAY": rule_pay,
    "INT-PAY-CYCLE": rule_pay_cycle,
    "INT-FEES": rule_fees,
    "INT-DUR": rule_duration,
    "INT-MAJOR": rule_major,
    "INT-AGREE": rule_agreement,
    "INT-INS": rule_insurance,
    "INT-ASSESS": rule_assessment,
    "INT-MENTOR": rule_mentors,
    "INT-FILING": rule_plan_filed,
    "INT-STATUS": rule_student_status,
}


# Checked by the daily sweep only (they read check-ins, which do not exist before activation).
SWEEP_ONLY: dict[str, Callable[[PlacementFacts], list[Violation]]] = {"INT-MISSING": rule_missing_checkins}

# A short title per rule id, stored on alerts in English and translated when shown.
RULE_TITLES = {
    "INT-AGE": N_("Student under the minimum age"),
    "INT-GRADE1": N_("Grade-one student on a post internship"),
    "INT-VENUE": N_("Entertainment venue"),
    "INT-AGENT": N_("Intermediary or paid agent"),
    "INT-PHYS": N_("Heavy or high-risk work"),
    "INT-MINOR": N_("Work forbidden for minors"),
    "INT-FEMALE": N_("Work forbidden for women"),
    "INT-HOL": N_("Work on statutory holidays"),
    "INT-NIGHT": N_("Night shift or overtime"),
    "INT-HOURS": N_("Working hours over the limit"),
    "INT-RATIO-UNIT": N_("Interns over 10% of the host's staff"),
    "INT-RATIO-POST": N_("Interns over 20% of the post's staff"),
    "INT-PAY": N_("Pay below the minimum"),
    "INT-PAY-CYCLE": N_("Pay not monthly or not direct"),
    "INT-FEES": N_("Fees or deposits charged"),
    "INT-DUR": N_("Internship too long"),
    "INT-MAJOR": N_("Post outside the major category"),
    "INT-AGREE": N_("Agreement missing or incomplete"),
    "INT-INS": N_("Insurance missing or not covering the period"),
    "INT-ASSESS": N_("Internship not graded"),
    "INT-MENTOR": N_("Mentor missing"),
    "INT-FILING": N_("Plan not filed"),
    "INT-STATUS": N_("Student not eligible"),
    "INT-MISSING": N_("No check-ins (out of contact)"),
    "ANOM-SAME-COORD": N_("Identical coordinates day after day"),
    "ANOM-FAR": N_("Check-ins far from the workplace"),
    "ANOM-CLOCKWORK": N_("Check-in times exactly regular"),
    "ANOM-DUP-TEXT": N_("Near-duplicate report text"),
}


def evaluate(f: PlacementFacts, *, rules: dict | None = None) -> list[Violation]:
    """Every violation of every rule for one placement."""
    out: list[Violation] = []
    for check in (rules or RULES).values():
        out.extend(check(f))
    return out


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "block"]
