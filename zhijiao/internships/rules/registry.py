"""registry — part of rules (split from one module at ~600 lines, STYLE.md)."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

from .base import PlacementFacts, Violation
from .documents import RULES

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
