"""Shared by the internship services: who the actor is to a placement, ``PlacementBlocked``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope

from .. import rules
from ..choices import (
    MentorKind,
)
from ..models import (
    Placement,
)

FILING_KIND = "internships.plan_filing"


class PlacementBlocked(ValidationError):
    """Activation refused; ``violations`` lists every failing rule."""

    def __init__(self, violations: list[rules.Violation]):
        self.violations = violations
        super().__init__([f"{v.rule_id}: {v.message}" for v in violations], code="blocked")


def _pick(data: dict[str, Any], names) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k in names}


def _today() -> dt.date:
    return timezone.localdate()


# --- who is the actor to a placement ----------------------------------------------------------------
def is_student_of(actor, placement: Placement) -> bool:
    return bool(actor and actor.is_authenticated) and placement.enrolment.student.user_id == actor.pk


def is_host_of(actor, placement: Placement) -> bool:
    """An enterprise user of the host, or the placement's enterprise mentor."""
    if placement.enterprise_id in user_scope(actor).enterprise_ids:
        return True
    return placement.mentors.filter(kind=MentorKind.HOST, user=actor, is_current=True).exists()


def is_school_side(actor, placement: Placement) -> bool:
    """A user who may change the placement (school or authority), or its school mentor."""
    if restrict(Placement.objects.filter(pk=placement.pk), actor, "change").exists():
        return True
    return placement.mentors.filter(kind=MentorKind.SCHOOL, user=actor, is_current=True).exists()


def _require(condition: bool) -> None:
    if not condition:
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
