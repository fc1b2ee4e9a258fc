"""Every rule of 《职业学校学生实习管理规定》 (教职成〔2021〕4号) the platform enforces, one named pure function each.

A rule takes a ``PlacementFacts`` snapshot (plain values, built from the database by
``facts.placement_facts`` or by the set-based sweep) and returns a list of ``Violation``. Nothing
here touches the database, so each rule is tested with a passing and a failing snapshot.

Numbers the domain notes (``shared/domain/internships.md``) mark [S] or [R] come from settings
``INTERNSHIP_*`` with the documented default; ``setting_names()`` lists them.
"""

from .base import (
    CITATIONS,
    DEFAULTS,
    SOURCES,
    AgreementFacts,
    PayFacts,
    PlacementFacts,
    PolicyFacts,
    Violation,
    _v,
    add_months,
    age_on,
    citation,
    conf,
    setting_names,
)
from .documents import (
    AGREEMENT_REQUIRED,
    RULES,
    SWEEP_ONLY,
    rule_agreement,
    rule_assessment,
    rule_insurance,
    rule_mentors,
    rule_missing_checkins,
    rule_plan_filed,
    rule_student_status,
)
from .overlap import (
    HOLDING_STATUSES,
    HeldPeriod,
    periods_intersect,
    rule_no_overlap,
)
from .pay import (
    rule_duration,
    rule_fees,
    rule_major,
    rule_pay,
    rule_pay_cycle,
)
from .prohibitions import (
    _has_keyword,
    rule_age,
    rule_agent,
    rule_female,
    rule_grade_one,
    rule_minor,
    rule_physical,
    rule_venue,
)
from .registry import (
    RULE_TITLES,
    blocking,
    evaluate,
)
from .working_time import (
    _minutes,
    _within,
    rule_holidays,
    rule_hours,
    rule_night,
    rule_ratio_post,
    rule_ratio_unit,
    shift_overlaps_night,
)

__all__ = [
    "DEFAULTS",
    "conf",
    "setting_names",
    "AgreementFacts",
    "PolicyFacts",
    "PayFacts",
    "PlacementFacts",
    "Violation",
    "age_on",
    "add_months",
    "SOURCES",
    "CITATIONS",
    "citation",
    "_v",
    "rule_age",
    "rule_grade_one",
    "_has_keyword",
    "rule_venue",
    "rule_agent",
    "rule_physical",
    "rule_minor",
    "rule_female",
    "rule_holidays",
    "_minutes",
    "shift_overlaps_night",
    "rule_night",
    "rule_hours",
    "_within",
    "rule_ratio_unit",
    "rule_ratio_post",
    "rule_pay",
    "rule_pay_cycle",
    "rule_fees",
    "rule_duration",
    "rule_major",
    "AGREEMENT_REQUIRED",
    "rule_agreement",
    "rule_insurance",
    "rule_assessment",
    "rule_mentors",
    "rule_plan_filed",
    "rule_student_status",
    "rule_missing_checkins",
    "HOLDING_STATUSES",
    "HeldPeriod",
    "periods_intersect",
    "rule_no_overlap",
    "RULES",
    "SWEEP_ONLY",
    "RULE_TITLES",
    "evaluate",
    "blocking",
]
