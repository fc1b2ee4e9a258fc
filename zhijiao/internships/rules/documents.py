"""Rules on documents and people: agreement, insurance, grading, mentors, filing, eligibility, contact."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import gettext_lazy as _

from ..choices import ArrangedVia, PremiumPayer
from .base import PlacementFacts, Violation, _v, conf, version_reached
from .pay import (
    rule_duration,
    rule_fees,
    rule_guarantee,
    rule_id_documents,
    rule_major,
    rule_pay,
    rule_pay_cycle,
    rule_premium,
)
from .prohibitions import (
    rule_age,
    rule_agent,
    rule_female,
    rule_grade_one,
    rule_minor,
    rule_physical,
    rule_venue,
)
from .vetting import VETTING_RULES
from .working_time import rule_holidays, rule_hours, rule_night, rule_ratio_post, rule_ratio_unit

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
    if consent_required(f) and not (a.guardian_consent_on and a.has_guardian_file):
        if f.is_minor:
            return _v("INT-AGREE", _("The student is under 18: the guardian's informed consent is missing."))
        return _v(
            "INT-AGREE",
            _("The informed consent (知情同意书) signed by the student and the guardian is missing."),
        )
    return []


def consent_required(f: PlacementFacts) -> bool:
    """Whether a 岗位实习 needs the 知情同意书 of the student and the guardian: under 教职成〔2021〕4号 every
    school-arranged one (a self-arranged one rests on the application of student and guardian, INT-SELF);
    under 教职成〔2016〕3号 only a student under 18."""
    if not f.is_post:
        return False
    return f.is_minor or (version_reached(f, "2021") and f.arranged_via != ArrangedVia.SELF)


def rule_self_arranged(f: PlacementFacts) -> list[Violation]:
    """INT-SELF: a student and guardian may choose the host themselves — their application and the school's
    approval before the start; 认识实习 is organised by the school and cannot be self-arranged.

    Source: internships.md §9 and §11 (2016 Art. 8 summary; 2021 consent sentence).
    """
    if f.arranged_via != ArrangedVia.SELF:
        return []
    if not f.is_post:
        return _v(
            "INT-SELF", _("A cognitive internship is organised by the school and cannot be self-arranged.")
        )
    if f.self_application_on is None:
        return _v(
            "INT-SELF", _("The self-arranged internship has no application by the student and the guardian.")
        )
    if f.self_approved_on is None or f.self_approved_on > f.start_date:
        return _v(
            "INT-SELF", _("The self-arranged internship was not approved by the school before it started.")
        )
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
    "INT-ID-DOCS": rule_id_documents,
    "INT-GUARANTEE": rule_guarantee,
    "INT-PREMIUM": rule_premium,
    "INT-DUR": rule_duration,
    "INT-MAJOR": rule_major,
    "INT-AGREE": rule_agreement,
    "INT-SELF": rule_self_arranged,
    "INT-INS": rule_insurance,
    "INT-ASSESS": rule_assessment,
    "INT-MENTOR": rule_mentors,
    "INT-FILING": rule_plan_filed,
    "INT-STATUS": rule_student_status,
}

# Checked when a placement is checked or activated, and (all but the minors' health check) by the daily
# sweep too, whose single SQL pass mirrors them (sweep.FLAG_CONDITIONS): the host's vetting and the
# blacklist, training, approval outside the province. Kept apart from RULES because each exists only in
# the 2021 text: the sweep applies them where a day of the placement falls in it.
ACTIVATION_ONLY: dict[str, Callable[[PlacementFacts], list[Violation]]] = dict(VETTING_RULES)
SWEPT_READINESS: tuple[str, ...] = ("INT-HOST-VETTED", "INT-HOST-BLACKLIST", "INT-TRAINING", "INT-OUTSIDE")


# Checked by the daily sweep only (they read check-ins, which do not exist before activation).
SWEEP_ONLY: dict[str, Callable[[PlacementFacts], list[Violation]]] = {"INT-MISSING": rule_missing_checkins}

# A short title per rule id, stored on alerts in English and translated when shown.
