"""Targets measured through 数据报送: linked to a reporting indicator, their actual is the
indicator's latest approved value at the plan's region, as a decimal (a rate or an amount keeps its
fraction; four places, as reported) — carried in whenever reporting approves
or re-opens a submission of the indicator's data set (``reporting_listeners`` in apps.py), and
when the link is made. Reads go through ``zhijiao.reporting.selectors`` only."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.actors import system_actor
from zhijiao.core.services import ensure_in_scope, model_update
from zhijiao.reporting import selectors as reporting

from ..models import Target


def _reported(target: Target, indicator) -> dict:
    found = reporting.indicator_value(indicator=indicator, region=target.task.plan.region)
    if found is None:
        return {"actual": Decimal(0), "reported_period": ""}
    period, value = found
    return {
        "actual": max(Decimal(0), value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)),
        "reported_period": period.code,
    }


@transaction.atomic
def target_link_indicator(*, actor, target: Target, indicator) -> Target:
    """Link (or, with None, unlink) the target to a reporting indicator; a linked target's actual
    is at once the indicator's reported value. Unlinking keeps the last value, to be typed again."""
    ensure_in_scope(target, actor, "change")
    data = {"indicator": indicator}
    if indicator is not None:
        data.update(_reported(target, indicator))
    else:
        data["reported_period"] = ""
    instance, _changed = model_update(actor=actor, instance=target, data=data)
    return instance


@transaction.atomic
def targets_sync_reported(*, data_set_id: int, period_id: int | None = None) -> int:
    """Re-read the reported actual of every target linked to an indicator of the data set (the
    listener of reporting's approvals). Returns the number of targets changed."""
    actor = system_actor("reporting-rollup")
    changed = 0
    targets = Target.objects.filter(indicator__data_set_id=data_set_id).select_related(
        "indicator", "task__plan__region"
    )
    for target in targets:
        _instance, did = model_update(
            actor=actor,
            instance=target,
            data=_reported(target, target.indicator),
            message=_("Actual carried in from the approved reporting figures."),
        )
        changed += did
    return changed


def targets_sync_listener(*, data_set_id: int, period_id: int) -> None:
    targets_sync_reported(data_set_id=data_set_id, period_id=period_id)
