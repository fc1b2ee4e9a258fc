"""Every rule by id with its title, and ``evaluate``/``blocking`` over a facts snapshot."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from .base import PlacementFacts, Violation
from .documents import RULES

RULE_TITLES = {
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
    "INT-DUR": gettext_noop("Internship too long"),
    "INT-MAJOR": gettext_noop("Post outside the major category"),
    "INT-AGREE": gettext_noop("Agreement missing or incomplete"),
    "INT-INS": gettext_noop("Insurance missing or not covering the period"),
    "INT-ASSESS": gettext_noop("Internship not graded"),
    "INT-MENTOR": gettext_noop("Mentor missing"),
    "INT-FILING": gettext_noop("Plan not filed"),
    "INT-STATUS": gettext_noop("Student not eligible"),
    "INT-MISSING": gettext_noop("No check-ins (out of contact)"),
    "INT-OVERLAP": gettext_noop("Overlapping placements of one student"),
    "ANOM-SAME-COORD": gettext_noop("Identical coordinates day after day"),
    "ANOM-FAR": gettext_noop("Check-ins far from the workplace"),
    "ANOM-CLOCKWORK": gettext_noop("Check-in times exactly regular"),
    "ANOM-DUP-TEXT": gettext_noop("Near-duplicate report text"),
}


def evaluate(f: PlacementFacts, *, rules: dict | None = None) -> list[Violation]:
    """Every violation of every rule for one placement."""
    out: list[Violation] = []
    for check in (rules or RULES).values():
        out.extend(check(f))
    return out


def blocking(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "block"]
