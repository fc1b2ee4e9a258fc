"""Rules from the regulations, one named function each (source in the docstring; STYLE.md §5).

Each rule is in the platform's rule registry (``core.rules``, registered at the end of this module:
id, title, the citation users see, parameters). Limits marked [R] in ``shared/domain/students.md``
are rule parameters: settings with a default.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from zhijiao.core import rules as registry
from zhijiao.core.validators import resident_id_check_char

from .choices import ChangeKind, EnrolmentStatus, Grade, Term

S = EnrolmentStatus
STUDYING = frozenset({S.REGISTERED, S.RETAINED})
TERMINAL = frozenset({S.WITHDRAWN, S.GRADUATED, S.TRANSFERRED_OUT, S.INCOMPLETE})


# --- 电子注册 ------------------------------------------------------------------------------------
def registration_deadline(year: int, term: str) -> datetime.date:
    """XJ-REG: new students are e-registered by 11-20 (autumn) or 04-20 (spring) of the intake year.

    Source: students.md §2, 《中等职业学历教育学生学籍电子注册办法（试行）》(教职成〔2014〕12号).
    Configurable: ``settings.STUDENT_REGISTRATION_DEADLINES = {"autumn": (11, 20), "spring": (4, 20)}``.
    """
    deadlines = registry.param("STUDENT_REGISTRATION_DEADLINES")
    month, day = deadlines[term]
    return datetime.date(year, month, day)


def check_registration_on_time(
    *, deadline: datetime.date, today: datetime.date, override_reason: str
) -> None:
    """XJ-REG: a batch submitted after its deadline is blocked unless the province overrode it with a reason.

    Source: students.md §2 ("blocked, or needs a provincial override").
    """
    if today > deadline and not override_reason:
        raise ValidationError(
            _(
                "The registration deadline (%(date)s) has passed; the province must allow a late registration first."
            )
            % {"date": deadline.isoformat()}
        )


def registry_number_pattern() -> re.Pattern:
    """XJ-NO: the accepted 学籍号 forms, configurable (students.md §3 admits G, L and the [S] J form)."""
    return re.compile(registry.param("STUDENT_REGISTRY_NUMBER_PATTERN"))


def validate_registry_number(value: str) -> None:
    """XJ-NO: the pattern, and the GB 11643 MOD 11-2 check character of the embedded 18 characters.

    Source: students.md §3 (run the checksum on the embedded ID number).
    """
    if not registry_number_pattern().match(value or ""):
        raise ValidationError(_("“%(value)s” is not a valid student registry number.") % {"value": value})
    body = value[1:]
    if resident_id_check_char(body[:17]) != body[17]:
        raise ValidationError(_("The student registry number's check character is wrong."))


def registry_number_for(
    *,
    id_type: str,
    id_number: str,
    existing: str | None,
    temporary_serial: int | None,
    province_code: str,
    year: int,
) -> str:
    """XJ-NO: one number per person for life — reuse ``existing``; else G + resident ID number,
    else L + a temporary number (province code + year + 7-digit serial + MOD 11-2 check character).

    Source: students.md §3 (Hunan 实施办法 [V]; G/L forms [R]).
    """
    if existing:
        return existing
    if id_type == "resident_id":
        return "G" + id_number
    if temporary_serial is None:
        raise ValueError("a temporary number needs a serial")
    body = f"{province_code[:6]}{year:04d}{temporary_serial:07d}"
    return "L" + body + resident_id_check_char(body)


def check_one_registry_per_person(*, other_current_schools: list) -> None:
    """XJ-UNIQUE: a person holds at most one 学历教育学籍 in the province.

    Source: students.md §2 (教职成〔2014〕12号: 一人一籍, dedupe before registration).
    """
    if other_current_schools:
        raise ValidationError(
            _("This person already holds a student registration (%(where)s).")
            % {"where": "、".join(str(s) for s in other_current_schools)}
        )


# --- 学籍异动 state machine -------------------------------------------------------------------------
def allowed_transitions() -> dict[str, frozenset[str]]:
    """Which enrolment status may follow which. Nothing leaves WITHDRAWN or GRADUATED.

    Source: students.md §4 (statuses from public code citing 教职成〔2010〕7号); 结业 may later be
    swapped for 毕业 (§6); 保留学籍 exists for higher education only.
    """
    studying_next = frozenset(
        {
            S.SUSPENDED,
            S.RETAINED,
            S.WITHDRAWN,
            S.TRANSFERRED_OUT,
            S.GRADUATED,
            S.COMPLETED,
            S.INCOMPLETE,
            S.PRESERVED,
            S.REGISTERED,
        }
    )
    return {
        S.PENDING: frozenset({S.REGISTERED, S.WITHDRAWN}),
        S.REGISTERED: studying_next,
        S.RETAINED: studying_next,
        S.SUSPENDED: frozenset({S.REGISTERED, S.WITHDRAWN, S.INCOMPLETE}),
        S.PRESERVED: frozenset({S.REGISTERED, S.WITHDRAWN}),
        S.COMPLETED: frozenset({S.GRADUATED}),
        S.WITHDRAWN: frozenset(),
        S.GRADUATED: frozenset(),
        S.TRANSFERRED_OUT: frozenset(),
        S.INCOMPLETE: frozenset(),
    }


def check_transition(from_status: str, to_status: str) -> None:
    """Refuse a status change the state machine does not allow (clear message, nothing changed)."""
    if to_status not in allowed_transitions().get(from_status, frozenset()):
        raise ValidationError(
            _("A student whose status is “%(from)s” cannot become “%(to)s”.")
            % {"from": S(from_status).label, "to": S(to_status).label}
        )


# kind → status after (the status before is checked by ``check_transition``)
CHANGE_TARGET = {
    ChangeKind.TRANSFER: S.TRANSFERRED_OUT,
    ChangeKind.CHANGE_MAJOR: S.REGISTERED,
    ChangeKind.SUSPEND: S.SUSPENDED,
    ChangeKind.RESUME: S.REGISTERED,
    ChangeKind.RETAIN: S.RETAINED,
    ChangeKind.WITHDRAW: S.WITHDRAWN,
    ChangeKind.PRESERVE: S.PRESERVED,
    ChangeKind.RESTORE: S.REGISTERED,
}
CHANGE_FROM = {
    ChangeKind.TRANSFER: STUDYING,
    ChangeKind.CHANGE_MAJOR: STUDYING,
    ChangeKind.SUSPEND: STUDYING,
    ChangeKind.RESUME: frozenset({S.SUSPENDED}),
    ChangeKind.RETAIN: STUDYING,
    ChangeKind.WITHDRAW: STUDYING | {S.SUSPENDED, S.PRESERVED, S.PENDING},
    ChangeKind.PRESERVE: STUDYING,
    ChangeKind.RESTORE: frozenset({S.PRESERVED}),
}


def check_change_allowed(kind: str, from_status: str) -> str:
    """The status a change of ``kind`` leads to, if allowed from ``from_status`` (students.md §4)."""
    if from_status in (S.WITHDRAWN, S.GRADUATED):
        raise ValidationError(
            _("The student's status is “%(status)s”, which is final; no status change is possible.")
            % {"status": S(from_status).label}
        )
    if from_status not in CHANGE_FROM[kind]:
        raise ValidationError(
            _("A “%(kind)s” is not possible while the status is “%(status)s”.")
            % {"kind": ChangeKind(kind).label, "status": S(from_status).label}
        )
    to_status = CHANGE_TARGET[kind]
    if to_status != from_status:
        check_transition(from_status, to_status)
    return to_status


def suspension_limits(institution=None) -> tuple[int, int]:
    """XJ-XIUXUE: (months of one 休学, months of all together) — the school's rule.

    The province's default is ``STUDENT_SUSPENSION_SINGLE_MONTHS`` / ``STUDENT_SUSPENSION_TOTAL_MONTHS``;
    a school's own rule overrides it in ``STUDENT_SUSPENSION_SCHOOL_LIMITS`` (institution code →
    ``(single, total)``). Source: 教职成〔2010〕7号 第十七条 (休学期限按学校规定).
    """
    single = registry.param("STUDENT_SUSPENSION_SINGLE_MONTHS")
    total = registry.param("STUDENT_SUSPENSION_TOTAL_MONTHS")
    code = getattr(institution, "code", None)
    if code:
        single, total = registry.param("STUDENT_SUSPENSION_SCHOOL_LIMITS").get(code, (single, total))
    return single, total


def check_suspension_length(
    *, months: int | None, months_already: int, reason: str = "", institution=None
) -> None:
    """XJ-XIUXUE: a 休学 is within the school's limits (one at most ``single`` months, all together
    at most ``total``); a 休学 for military service lasts as long as the service and is outside
    both limits, and is not counted towards them.

    Source: 教职成〔2010〕7号 第十七条 ("因依法服兵役而休学，休学期限与其服役期限相当"; the length
    otherwise by the school's rules — students.md §5, default "一般1年，累计不超过2年").
    """
    from .choices import SuspensionReason

    if not reason:
        raise ValidationError({"suspension_reason": _("Choose the reason for the suspension.")})
    if not months or months < 1:
        raise ValidationError({"months": _("Give the length of the suspension in months.")})
    if reason == SuspensionReason.ARMY:
        return
    single, total = suspension_limits(institution)
    if months > single:
        raise ValidationError({"months": _("A suspension lasts at most %(n)d months.") % {"n": single}})
    if months_already + months > total:
        raise ValidationError(
            {
                "months": _("Suspensions may total at most %(n)d months; %(used)d are already used.")
                % {"n": total, "used": months_already}
            }
        )


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months (the last day of a shorter month)."""
    import calendar

    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def resume_reminder_days() -> tuple[int, ...]:
    """XJ-FUXUE: the days before a 休学 ends on which the school is reminded (0: the day it ends)."""
    return tuple(registry.param("STUDENT_SUSPENSION_REMINDER_DAYS"))


def withdrawal_proposal_due(*, ends_on: datetime.date, today: datetime.date) -> bool:
    """XJ-FUXUE: a student not back (no 复学) more than ``STUDENT_RESUME_GRACE_DAYS`` days (default
    14) after the 休学 ended may be proposed for 退学 — at the school's discretion, never automatically.

    Source: students.md §4 (休学期满未申请复学 → 退学 candidate), 教职成〔2010〕7号 第十七条; the two
    weeks are the school's rule (a parameter).
    """
    return (today - ends_on).days > registry.param("STUDENT_RESUME_GRACE_DAYS")


def term_registration_deadline(school_year: int, term: str) -> datetime.date:
    """XJ-TERM: the last day of a term's 学期注册 — the term's start (``STUDENT_TERM_STARTS``, month and
    day; the second term in the next calendar year) plus ``STUDENT_TERM_REGISTRATION_DAYS`` (default 30:
    "每学期开学后一个月内", students.md §5).
    """
    month, day = registry.param("STUDENT_TERM_STARTS")[term]
    start = datetime.date(school_year + (1 if term == "2" else 0), month, day)
    return start + datetime.timedelta(days=registry.param("STUDENT_TERM_REGISTRATION_DAYS"))


def check_term_registration(*, status: str, registered: bool, reason: str) -> None:
    """XJ-TERM: only a studying student registers for a term; a student not registered has a reason.

    Source: 教职成〔2010〕7号 (每学期注册; a suspended student does not register), students.md §4–§5.
    """
    if registered and status not in STUDYING:
        raise ValidationError(
            _("A student whose status is “%(status)s” cannot register for a term.")
            % {"status": S(status).label}
        )
    if not registered and not reason:
        raise ValidationError({"reason": _("Say why the student is not registered.")})


FILING_LEVELS = ("city", "province")


def change_filing_level(kind: str, *, cross_city: bool = False) -> str:
    """XJ-FILING: the highest authority a 学籍异动 of ``kind`` goes to — "city" (approved by the
    school, filed with the city) or "province". ``STUDENT_CHANGE_FILING_LEVELS`` maps each kind to a
    level, and ``"transfer_cross_city"`` a transfer to a school in another city (default: the province,
    the rest the city).

    Source: 教职成〔2010〕7号 (学籍变动 managed by the school, filed with the 学籍主管部门); students.md §5
    (a transfer across authorities is filed on both sides).
    """
    levels = registry.param("STUDENT_CHANGE_FILING_LEVELS")
    key = "transfer_cross_city" if kind == ChangeKind.TRANSFER and cross_city else kind
    level = levels.get(key, "city")
    if level not in FILING_LEVELS:
        raise ValueError(f"STUDENT_CHANGE_FILING_LEVELS[{key!r}] must be one of {FILING_LEVELS}")
    return level


def check_preserve_only_higher(institution) -> None:
    """保留学籍 exists in higher education only; the 2010 中职 办法 has none (students.md §1, §4)."""
    if institution.kind not in ("higher", "bachelor"):
        raise ValidationError(
            _("Preserving a student's status is possible at higher-education institutions only.")
        )


# --- graduation ------------------------------------------------------------------------------------
GRADE_RANK = {Grade.FAIL: 0, Grade.PASS: 1, Grade.GOOD: 2, Grade.EXCELLENT: 3}


def graduation_ineligibility(
    *, status: str, credits_complete: bool, internship_grade: str, conduct_grade: str
) -> list[str]:
    """Why a student may not graduate (empty: eligible). All four must hold:
    status registered, required credits earned, internship assessment ≥ 合格, conduct ≥ 合格.

    Source: students.md §6 (Hunan [V]; 岗位实习鉴定合格 required).
    """
    reasons = []
    if status not in STUDYING:
        reasons.append(_("status is “%(status)s”, not registered") % {"status": S(status).label})
    if not credits_complete:
        reasons.append(_("required credits are not complete"))
    if GRADE_RANK.get(internship_grade, -1) < GRADE_RANK[Grade.PASS]:
        reasons.append(_("internship assessment is below pass"))
    if GRADE_RANK.get(conduct_grade, -1) < GRADE_RANK[Grade.PASS]:
        reasons.append(_("conduct appraisal is below pass"))
    return reasons


def months_between(start: datetime.date, end: datetime.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def check_incomplete_one_year(*, entry_date: datetime.date, on: datetime.date) -> None:
    """XJ-YIYE: a 肄业 certificate needs at least one year of study.

    Source: students.md §6 (Hunan, 32336.cn [V]).
    """
    if months_between(entry_date, on) < 12:
        raise ValidationError(
            _("A certificate of study needs at least one year of study (entered %(date)s).")
            % {"date": entry_date.isoformat()}
        )


def check_completion_swap_window(*, completed_on: datetime.date, on: datetime.date) -> None:
    """XJ-JIEYE: a 结业 student may swap for 毕业 between half a year and two years after 结业.

    Source: students.md §6 (Zhejiang, etogether [V]); settings ``STUDENT_COMPLETION_SWAP_MONTHS = (6, 24)``.
    """
    low, high = registry.param("STUDENT_COMPLETION_SWAP_MONTHS")
    months = months_between(completed_on, on)
    if months < low or months > high:
        raise ValidationError(
            _(
                "A completion can be swapped for graduation between %(low)d and %(high)d months after it "
                "(%(date)s); it is %(n)d months now."
            )
            % {"low": low, "high": high, "date": completed_on.isoformat(), "n": months}
        )


# --- names ----------------------------------------------------------------------------------------
def name_private_use(name: str) -> list[str]:
    """Private Use Area code points in a name (a rare character typed with a vendor font): flag them.

    They display only with the font that made them and cannot be verified, so the record is
    kept but marked for checking (the name itself is normalised to NFC).
    """
    if not name or max(name) < "\ue000":  # every private-use code point is U+E000 or above
        return []
    return [f"U+{ord(c):04X}" for c in name if unicodedata.category(c) == "Co"]


# --- the rule registry ------------------------------------------------------------------------------
_REG_2010 = "《中等职业学校学生学籍管理办法》（教职成〔2010〕7号）"
_REG_2014 = "《中等职业学历教育学生学籍电子注册办法（试行）》（教职成〔2014〕12号）"
_REG_HIGHER = "《普通高等学校学生管理规定》（教育部令第41号）"
for _rule in (
    registry.Rule(
        id="XJ-REG",
        app="students",
        title=gettext_noop("Registration after the deadline"),
        citation=_REG_2014,
        params={"STUDENT_REGISTRATION_DEADLINES": {Term.AUTUMN: (11, 20), Term.SPRING: (4, 20)}},
        check=check_registration_on_time,
        source="students.md §2",
    ),
    registry.Rule(
        id="XJ-NO",
        app="students",
        title=gettext_noop("Student registry number malformed"),
        citation=f"{_REG_2014}；《公民身份号码》（GB 11643—1999）",
        params={"STUDENT_REGISTRY_NUMBER_PATTERN": r"^[GLJ]\d{17}[\dX]$"},
        check=validate_registry_number,
        source="students.md §3 (Hunan 实施办法 [V]; G/L forms [R])",
    ),
    registry.Rule(
        id="XJ-UNIQUE",
        app="students",
        title=gettext_noop("More than one student registration"),
        citation=f"{_REG_2014}（一人一籍）",
        check=check_one_registry_per_person,
        source="students.md §2",
    ),
    registry.Rule(
        id="XJ-STATUS",
        app="students",
        title=gettext_noop("Status change not allowed from the current status"),
        citation=_REG_2010,
        check=check_change_allowed,
        source="students.md §4 (statuses from public code citing 教职成〔2010〕7号)",
    ),
    registry.Rule(
        id="XJ-XIUXUE",
        app="students",
        title=gettext_noop("Suspension too long"),
        citation=f"{_REG_2010}第十七条",
        params={
            "STUDENT_SUSPENSION_SINGLE_MONTHS": 12,
            "STUDENT_SUSPENSION_TOTAL_MONTHS": 24,
            "STUDENT_SUSPENSION_SCHOOL_LIMITS": {},
        },
        check=check_suspension_length,
        source="students.md §5 (length by the school's rules, default 一般1年，累计不超过2年; army = service)",
    ),
    registry.Rule(
        id="XJ-FUXUE",
        app="students",
        title=gettext_noop("Not back after a suspension"),
        citation=f"{_REG_2010}第十七条",
        params={"STUDENT_SUSPENSION_REMINDER_DAYS": (14, 0), "STUDENT_RESUME_GRACE_DAYS": 14},
        check=withdrawal_proposal_due,
        source="students.md §4 (reminder when 休学 ends; 退学 candidate at the school's discretion)",
    ),
    registry.Rule(
        id="XJ-TERM",
        app="students",
        title=gettext_noop("Term registration"),
        citation=f"{_REG_2010}；{_REG_2014}",
        params={"STUDENT_TERM_STARTS": {"1": (9, 1), "2": (3, 1)}, "STUDENT_TERM_REGISTRATION_DAYS": 30},
        check=check_term_registration,
        source="students.md §5 (registration within the first month of every term [S])",
    ),
    registry.Rule(
        id="XJ-FILING",
        app="students",
        title=gettext_noop("Which status changes go to the province"),
        citation=_REG_2010,
        params={
            "STUDENT_CHANGE_FILING_LEVELS": {
                **{kind: "city" for kind in ChangeKind.values},
                "transfer_cross_city": "province",
            }
        },
        check=change_filing_level,
        source="issue 13 item 6; students.md §5 (cross-authority transfers filed on both sides)",
    ),
    registry.Rule(
        id="XJ-BAOLIU",
        app="students",
        title=gettext_noop("Status preserved outside higher education"),
        citation=_REG_HIGHER,
        check=check_preserve_only_higher,
        source="students.md §1, §4",
    ),
    registry.Rule(
        id="XJ-GRAD",
        app="students",
        title=gettext_noop("Not eligible to graduate"),
        citation=f"{_REG_2010}；省级实施细则",
        check=graduation_ineligibility,
        source="students.md §6 (Hunan [V]; 岗位实习鉴定合格 required)",
    ),
    registry.Rule(
        id="XJ-YIYE",
        app="students",
        title=gettext_noop("Certificate of study before one year"),
        citation=f"{_REG_2010}；省级实施细则",
        check=check_incomplete_one_year,
        source="students.md §6 (Hunan [V])",
    ),
    registry.Rule(
        id="XJ-JIEYE",
        app="students",
        title=gettext_noop("Completion swapped outside its window"),
        citation=f"{_REG_2010}；省级实施细则",
        params={"STUDENT_COMPLETION_SWAP_MONTHS": (6, 24)},
        check=check_completion_swap_window,
        source="students.md §6 (Zhejiang [V])",
    ),
):
    registry.register(_rule)
