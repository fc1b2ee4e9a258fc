"""The internship rules in the platform's rule registry (``core.rules``), and ``evaluate``/``blocking``
over a facts snapshot.

Each rule: its id, title, the official citation users see, the research trail (``SOURCES``, for
developers), its parameters (``INTERNSHIP_*`` settings with their defaults) and its check.
"""

from __future__ import annotations

from dataclasses import replace

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from zhijiao.core import rules as registry

from .base import (
    CITATIONS,
    CITATIONS_2016,
    DEFAULTS,
    OTHER_WINDOWS,
    REGULATION_2021_RULES,
    SOURCES,
    VERSION_SEP,
    VERSIONS,
    PlacementFacts,
    Violation,
    base_rule_id,
    citation,
)
from .documents import ACTIVATION_ONLY, RULES, SWEEP_ONLY
from .overlap import rule_no_overlap

_TITLES = {
    "INT-AGE": gettext_noop("Student under the minimum age"),
    "INT-GRADE1": gettext_noop("Grade-one student on a post internship"),
    "INT-VENUE": gettext_noop("Entertainment venue"),
    "INT-AGENT": gettext_noop("Intermediary or paid agent"),
    "INT-PHYS": gettext_noop("Heavy or high-risk work"),
    "INT-MINOR": gettext_noop("Work forbidden for minors"),
    "INT-FEMALE": gettext_noop("Work forbidden for women"),
    "INT-HOL": gettext_noop("Work on statutory holidays"),
    "INT-NIGHT": gettext_noop("Night shift or overtime"),
    "INT-HOURS": gettext_noop("Working hours over the limit"),
    "INT-RATIO-UNIT": gettext_noop("Interns over one tenth of the host's staff"),
    "INT-RATIO-POST": gettext_noop("Interns over one fifth of the post's staff"),
    "INT-PAY": gettext_noop("Pay below the minimum"),
    "INT-PAY-CYCLE": gettext_noop("Pay not monthly or not direct"),
    "INT-FEES": gettext_noop("Fees or deposits charged"),
    "INT-ID-DOCS": gettext_noop("ID card or student card kept"),
    "INT-GUARANTEE": gettext_noop("Guarantee demanded from the student"),
    "INT-PREMIUM": gettext_noop("Insurance premium deducted from pay"),
    "INT-DUR": gettext_noop("Internship too long"),
    "INT-MAJOR": gettext_noop("Post outside the major category"),
    "INT-AGREE": gettext_noop("Agreement missing or incomplete"),
    "INT-SELF": gettext_noop("Self-arranged internship not applied for or not approved"),
    "INT-INS": gettext_noop("Insurance missing or not covering the period"),
    "INT-ASSESS": gettext_noop("Internship not graded"),
    "INT-MENTOR": gettext_noop("Mentor missing"),
    "INT-FILING": gettext_noop("Plan not filed"),
    "INT-STATUS": gettext_noop("Student not eligible"),
    "INT-MISSING": gettext_noop("No check-ins (out of contact)"),
    "INT-OVERLAP": gettext_noop("Overlapping placements of one student"),
    "INT-INCIDENT": gettext_noop("Serious incident not reported or followed up in time"),
    "INT-HOST-VETTED": gettext_noop("Host not assessed or not on the school's list"),
    "INT-HOST-BLACKLIST": gettext_noop("Host on the province's blacklist"),
    "INT-TRAINING": gettext_noop("Safety training or test missing"),
    "INT-OUTSIDE": gettext_noop("Internship outside the province not approved or filed"),
    "INT-MINOR-HEALTH": gettext_noop("Minor's health check or registration missing"),
    "ANOM-SAME-COORD": gettext_noop("Identical coordinates day after day"),
    "ANOM-FAR": gettext_noop("Check-ins far from the workplace"),
    "ANOM-CLOCKWORK": gettext_noop("Check-in times exactly regular"),
    "ANOM-DUP-TEXT": gettext_noop("Near-duplicate report text"),
}

# The settings each rule reads (their defaults are ``base.DEFAULTS``).
_PARAMS = {
    "INT-AGE": ("INTERNSHIP_MIN_AGE",),
    "INT-GRADE1": ("INTERNSHIP_GRADE_ONE_MONTHS",),
    "INT-VENUE": ("INTERNSHIP_ENTERTAINMENT_KEYWORDS",),
    "INT-AGENT": ("INTERNSHIP_AGENCY_KEYWORDS",),
    "INT-PHYS": ("INTERNSHIP_MAX_PHYSICAL_LEVEL",),
    "INT-MINOR": ("INTERNSHIP_ADULT_AGE",),
    "INT-NIGHT": ("INTERNSHIP_NIGHT_START", "INTERNSHIP_NIGHT_END"),
    "INT-HOURS": ("INTERNSHIP_MAX_DAILY_HOURS", "INTERNSHIP_MAX_WEEKLY_HOURS", "INTERNSHIP_BREAK_HOURS"),
    "INT-RATIO-UNIT": ("INTERNSHIP_UNIT_RATIO",),
    "INT-RATIO-POST": ("INTERNSHIP_POST_RATIO",),
    "INT-PAY": ("INTERNSHIP_PAY_RATIO",),
    "INT-PAY-CYCLE": ("INTERNSHIP_MAX_PAY_INTERVAL_DAYS",),
    "INT-FEES": ("INTERNSHIP_FEE_BLOCKLIST",),
    "INT-DUR": ("INTERNSHIP_POST_MONTHS", "INTERNSHIP_EXTENDED_MONTHS", "INTERNSHIP_EXTENDED_CATEGORIES"),
    "INT-ASSESS": ("INTERNSHIP_GRADING_DUE_DAYS",),
    "INT-MISSING": ("INTERNSHIP_MISSING_DAYS",),
    "INT-INCIDENT": (
        "INTERNSHIP_INCIDENT_REPORT_HOURS",
        "INTERNSHIP_INCIDENT_FOLLOWUP_DAYS",
        "INTERNSHIP_INCIDENT_ESCALATE_HOURS",
    ),
}
_CHECKS = {**RULES, **SWEEP_ONLY, **ACTIVATION_ONLY}
_PLATFORM = {"INT-MISSING", "INT-INCIDENT"}


def _register(rule_id: str, title: str, *, version: str | None = None, cite: str = "") -> None:
    _, valid_from, valid_to = (
        VERSIONS[version] if version else (None, *OTHER_WINDOWS.get(rule_id, (None, None)))
    )
    registry.register(
        registry.Rule(
            id=f"{rule_id}{VERSION_SEP}{version}" if version and version != "2021" else rule_id,
            title=title,
            citation=cite,
            app="internships",
            params={name: DEFAULTS[name] for name in _PARAMS.get(rule_id, ())},
            check=_CHECKS.get(rule_id, rule_no_overlap if rule_id == "INT-OVERLAP" else None),
            source=SOURCES.get(rule_id, ""),
            kind="platform" if rule_id in _PLATFORM or rule_id.startswith("ANOM-") else "regulation",
            valid_from=valid_from,
            valid_to=valid_to,
        )
    )


for _rule_id, _title in _TITLES.items():
    _in_2021 = _rule_id in REGULATION_2021_RULES
    _register(_rule_id, _title, version="2021" if _in_2021 else None, cite=CITATIONS.get(_rule_id, ""))
    if _rule_id in CITATIONS_2016:
        _register(_rule_id, _title, version="2016", cite=CITATIONS_2016[_rule_id])

# A short title per rule id, stored on alerts in English and translated when shown (one per rule, not
# per version: a violation carries the plain id, its citation says which version).
RULE_TITLES = {
    rule.id: rule.title for rule in registry.all_rules(app="internships") if VERSION_SEP not in rule.id
}


def rule_title(rule_id: str) -> str:
    """A rule as people read it: its short title in their language (``INT-PAY`` → 实习报酬低于标准), for
    whatever version of it (``INT-PAY@2016``); an id the registry does not know is shown as stored."""
    title = RULE_TITLES.get(base_rule_id(rule_id or ""))
    return gettext(title) if title else (rule_id or "")


def rule_choices() -> list[tuple[str, str]]:
    """Every rule's id with its title, for filters (lazily translated, in the registry's order)."""
    return [(rid, gettext_lazy(title)) for rid, title in RULE_TITLES.items()]


def rules_in_force(start, end) -> dict:
    """The checks of the rules with a version in force on some day of ``start``–``end`` (by plain id)."""
    return {
        base_rule_id(r.id): r.check
        for r in registry.all_rules(app="internships")
        if (base_rule_id(r.id) in RULES or base_rule_id(r.id) in ACTIVATION_ONLY)
        and (r.valid_from is None or r.valid_from <= end)
        and (r.valid_to is None or start <= r.valid_to)
    }


def evaluate(f: PlacementFacts, *, rules: dict | None = None) -> list[Violation]:
    """Every violation of every rule in force on the placement's days (``start_date``–``end_date``)
    for one placement (the sweep-only and anomaly checks aside), each citing the version(s) of its rule
    in force on those days."""
    if rules is None:
        rules = rules_in_force(f.start_date, f.end_date)
    out: list[Violation] = []
    for check in rules.values():
        out.extend(
            _excepted(f, replace(v, source=citation(v.rule_id, f.start_date, f.end_date))) for v in check(f)
        )
    return out


EXCEPTED = "excepted"


def _excepted(f: PlacementFacts, v: Violation) -> Violation:
    """A violation of a "一般/原则上" rule with an approved exception passes, citing the exception."""
    basis = f.exceptions.get(v.rule_id)
    if basis is None or v.severity == EXCEPTED:
        return v
    return replace(v, severity=EXCEPTED, message=_excepted_message(basis, v.message))


# Lazy, like the rules' own messages: rendered in the language of whoever reads it.
_excepted_message = lazy(
    lambda basis, message: (
        gettext("Passes by the approved exception (%(basis)s): %(message)s")
        % {"basis": basis, "message": message}
    ),
    str,
)


def failing(violations: list[Violation]) -> list[Violation]:
    """The violations that stand (those passing by an approved exception aside)."""
    return [v for v in violations if v.severity != EXCEPTED]


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "block"]
