"""INT-OVERLAP: one student, one placement at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from .base import Violation, _v

#: Placements that hold the student's time: drafts (planned), active and suspended ones (the
#: student returns to the same host). An ended placement — finished, or stopped early — no longer
#: does, so a student whose placement was stopped can be placed again for the rest of the period.
HOLDING_STATUSES = ("draft", "active", "suspended")


@dataclass(frozen=True)
class HeldPeriod:
    """Another placement of the same student: its dates, status label and host (for the message)."""

    start: dt.date
    end: dt.date
    status: str
    host: str


def periods_intersect(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    """Both ends inclusive: a placement ending on the 10th and one starting on the 10th overlap."""
    return a_start <= b_end and b_start <= a_end


def rule_no_overlap(start: dt.date, end: dt.date, held: list[HeldPeriod]) -> list[Violation]:
    """INT-OVERLAP [derived]: a student's placements may not overlap in time.

    A 岗位实习 is real work at the host for the host's working time — at most 8 hours a day and
    the national rules on rest (教职成〔2021〕4号, Art. 17) — under one three-party agreement and
    one liability insurance covering that period. Two placements at once would mean either double
    the permitted working time or a placement that exists only on paper, which also counts the
    student twice against the hosts' 10 %/20 % caps. No article says it in these words: it follows
    from the working-time article, which is why it is a refusal when a placement is written rather
    than a compliance flag.
    """
    clashes = [h for h in held if periods_intersect(start, end, h.start, h.end)]
    if not clashes:
        return []
    first = clashes[0]
    return _v(
        "INT-OVERLAP",
        _(
            "The student already has a placement from %(start)s to %(end)s at %(host)s (%(status)s); "
            "one student is on one internship at a time. End that placement first or choose other dates."
        )
        % {
            "start": first.start.isoformat(),
            "end": first.end.isoformat(),
            "host": first.host,
            "status": first.status,
        },
    )
