"""Writes of hosts' posts and their headcounts (which drive the caps)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import model_create, model_update

from .. import rules
from ..facts import concurrent_interns
from ..models import (
    Post,
)
from .base import _pick, _today

# --- posts and headcounts ---------------------------------------------------------------------------
POST_FIELDS = (
    "enterprise",
    "registered_by",
    "name",
    "major_category",
    "description",
    "venue_kind",
    "physical_labour_level",
    "hazards",
    "high_risk",
    "minor_forbidden",
    "female_forbidden",
    "daily_hours",
    "weekly_hours",
    "shift_start",
    "shift_end",
    "works_holidays",
    "overtime",
    "wage_standard",
    "lowest_grade_wage",
    "on_duty_staff",
    "staff_declared_on",
    "headcount",
    "workplace",
    "latitude",
    "longitude",
    "is_active",
)


@transaction.atomic
def post_create(*, actor, data: dict[str, Any]) -> Post:
    data = _pick(data, POST_FIELDS)
    scope = user_scope(actor)
    if not data.get("registered_by") and len(scope.institution_ids) == 1 and not scope.enterprise_ids:
        from zhijiao.orgs.models import Institution

        data["registered_by"] = Institution.objects.get(pk=scope.institution_ids[0])
    data.setdefault("staff_declared_on", _today())
    return model_create(actor=actor, instance=Post(**data))


def post_headcount_keeps_caps(*, post: Post, on_duty_staff: int, enterprise_staff: int | None = None) -> None:
    """A headcount change may not put the current interns over the 10 %/20 % caps (INT-RATIO-*)."""
    today = _today()
    ent_n, post_n = concurrent_interns(
        enterprise_id=post.enterprise_id, post_id=post.pk, start=today, end=today
    )
    facts = rules.PlacementFacts(
        enterprise_staff=enterprise_staff if enterprise_staff is not None else post.enterprise.headcount,
        enterprise_interns=ent_n,
        post_staff=on_duty_staff,
        post_interns=post_n,
    )
    broken = rules.blocking(rules.rule_ratio_post(facts) + rules.rule_ratio_unit(facts))
    if broken:
        raise ValidationError({"on_duty_staff": [str(v.message) for v in broken]})


@transaction.atomic
def post_update(*, actor, post: Post, data: dict[str, Any]) -> Post:
    data = _pick(data, POST_FIELDS)
    data.pop("enterprise", None)  # a post does not move between enterprises
    if "on_duty_staff" in data and data["on_duty_staff"] != post.on_duty_staff:
        post_headcount_keeps_caps(post=post, on_duty_staff=data["on_duty_staff"])
        data.setdefault("staff_declared_on", _today())
    instance, _changed = model_update(actor=actor, instance=post, data=data)
    return instance
