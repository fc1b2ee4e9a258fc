"""Writes of tasks, milestones, targets and dependencies."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope, model_create, model_update

from .. import rules
from ..choices import (
    CLOSED_STATUSES,
    TaskStatus,
)
from ..models import (
    Dependency,
    Milestone,
    Plan,
    Target,
    Task,
)
from .base import _clean_text

# --- tasks ---------------------------------------------------------------------------------------

TASK_EDIT_FIELDS = (
    "theme",
    "lead_unit",
    "co_units",
    "owner",
    "status",
    "start_date",
    "due_date",
    "plan_a",
    "plan_b",
    "chosen_alternative",
)


def _check_alternative(chosen: str, a: str, b: str) -> None:
    """ "多个方案"思维，一项工作，要有多个方案 (key point 20, rule 4): the chosen plan must exist."""
    if chosen == "A" and not a.strip():
        raise ValidationError({"chosen_alternative": _("Plan A cannot be chosen when it is not described.")})
    if chosen == "B" and not b.strip():
        raise ValidationError({"chosen_alternative": _("Plan B cannot be chosen when it is not described.")})


def _check_in_plan_year(value: datetime.date | None, plan: Plan, field: str) -> None:
    if value is not None and not rules.milestone_within_plan_year(value, plan.year):
        raise ValidationError(
            {field: _("The date must lie within the plan year %(year)s.") % {"year": plan.year}}
        )


@transaction.atomic
def task_update(*, actor, task: Task, data: dict[str, Any]) -> Task:
    """Edit a task's owner, theme, status, dates and plan A/B (not its progress: see below)."""
    ensure_in_scope(task, actor, "change")
    cleaned = {k: v for k, v in data.items() if k in TASK_EDIT_FIELDS}
    for key in ("plan_a", "plan_b"):
        if key in cleaned:
            cleaned[key] = _clean_text(cleaned[key])
    if cleaned.get("theme") is not None and cleaned["theme"].plan_id != task.plan_id:
        raise ValidationError({"theme": _("The theme belongs to another plan.")})
    _check_alternative(
        cleaned.get("chosen_alternative", task.chosen_alternative) or "",
        cleaned.get("plan_a", task.plan_a),
        cleaned.get("plan_b", task.plan_b),
    )
    _check_in_plan_year(cleaned.get("due_date"), task.plan, "due_date")
    if "lead_unit" in cleaned:
        cleaned["lead_unit"] = _clean_text(cleaned["lead_unit"] or "")
    if "co_units" in cleaned:
        cleaned["co_units"] = _unit_list(cleaned["co_units"])
    if cleaned.get("status") == TaskStatus.COMPLETED and task.status != TaskStatus.COMPLETED:
        cleaned["completed_on"] = rules.local_today()
        cleaned["progress"] = 100
    # A demo example value (示例) that someone replaces is the division's own from then on.
    replaced = {f for f in task.example_fields or [] if f in cleaned and cleaned[f] != getattr(task, f)}
    if replaced:
        cleaned["example_fields"] = [f for f in task.example_fields if f not in replaced]
    instance, _changed = model_update(actor=actor, instance=task, data=cleaned)
    return instance


def _unit_list(value: Any) -> list[str]:
    """Co-operating units from a list or from text separated by 、，, ; or new lines; no duplicates."""
    if isinstance(value, str):
        value = re.split(r"[、，,；;\n]+", value)
    units: list[str] = []
    for unit in value or []:
        unit = _clean_text(str(unit))
        if unit and unit not in units:
            units.append(unit[:100])
    return units


@transaction.atomic
def task_update_progress(
    *, actor, task: Task, progress: Any, reason: str = "", today: datetime.date | None = None
) -> Task:
    """Set a task's progress (0–100). Going backwards needs a reason, which the audit keeps.

    干字当头，没有任何借口 (key point 20, rule 5): progress is not quietly lowered.
    """
    ensure_in_scope(task, actor, "change")
    try:
        value = int(progress)
        if str(progress).strip() not in (str(value), f"{value}.0"):
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationError({"progress": _("Progress must be a whole number between 0 and 100.")})
    if not 0 <= value <= 100:
        raise ValidationError({"progress": _("Progress must be between 0 and 100.")})
    reason = _clean_text(reason)
    if value < task.progress and not reason:
        raise ValidationError(
            {
                "reason": _("Progress goes back from %(old)s%% to %(new)s%%: give a reason.")
                % {"old": task.progress, "new": value}
            }
        )
    data: dict[str, Any] = {"progress": value}
    if value == 100 and task.status not in CLOSED_STATUSES:
        data["status"] = TaskStatus.COMPLETED
        data["completed_on"] = today or rules.local_today()
    elif value < 100 and task.status == TaskStatus.COMPLETED:
        data["status"] = TaskStatus.IN_PROGRESS
        data["completed_on"] = None
    elif value > 0 and task.status == TaskStatus.NOT_STARTED:
        data["status"] = TaskStatus.IN_PROGRESS
    instance, _changed = model_update(actor=actor, instance=task, data=data, message=reason)
    return instance


# --- milestones, targets, dependencies -----------------------------------------------------------


@transaction.atomic
def milestone_create(
    *,
    actor,
    task: Task,
    title: str,
    due_date: datetime.date,
    alternative_a: str = "",
    alternative_b: str = "",
    chosen_alternative: str = "",
) -> Milestone:
    """A dated step of a task, with optional plan A / plan B (多个方案, key point 20, rule 4).

    A milestone after the plan year is refused: it belongs to the next year's plan.
    """
    ensure_in_scope(task, actor, "change")
    if due_date is None:
        raise ValidationError({"due_date": _("Give the milestone a due date.")})
    _check_in_plan_year(due_date, task.plan, "due_date")
    alternative_a, alternative_b = _clean_text(alternative_a), _clean_text(alternative_b)
    _check_alternative(chosen_alternative or "", alternative_a, alternative_b)
    return model_create(
        actor=actor,
        instance=Milestone(
            task=task,
            title=_clean_text(title),
            due_date=due_date,
            alternative_a=alternative_a,
            alternative_b=alternative_b,
            chosen_alternative=chosen_alternative or "",
        ),
    )


@transaction.atomic
def milestone_update(*, actor, milestone: Milestone, data: dict[str, Any]) -> Milestone:
    ensure_in_scope(milestone, actor, "change")
    fields = ("title", "due_date", "alternative_a", "alternative_b", "chosen_alternative", "done_on")
    cleaned = {k: v for k, v in data.items() if k in fields}
    for key in ("title", "alternative_a", "alternative_b"):
        if key in cleaned:
            cleaned[key] = _clean_text(cleaned[key])
    _check_in_plan_year(cleaned.get("due_date"), milestone.task.plan, "due_date")
    _check_alternative(
        cleaned.get("chosen_alternative", milestone.chosen_alternative) or "",
        cleaned.get("alternative_a", milestone.alternative_a),
        cleaned.get("alternative_b", milestone.alternative_b),
    )
    instance, _changed = model_update(actor=actor, instance=milestone, data=cleaned)
    return instance


@transaction.atomic
def target_update_actual(*, actor, target: Target, actual: Any) -> Target:
    ensure_in_scope(target, actor, "change")
    if target.indicator_id:
        raise ValidationError(
            {"actual": _("This target's actual is carried in from data reporting and cannot be typed.")}
        )
    try:
        value = int(actual)
    except (TypeError, ValueError):
        raise ValidationError({"actual": _("The actual count must be a whole number.")})
    if value < 0:
        raise ValidationError({"actual": _("The actual count cannot be negative.")})
    instance, _changed = model_update(actor=actor, instance=target, data={"actual": value})
    return instance


def would_create_cycle(task: Task, depends_on: Task) -> bool:
    """True when ``depends_on`` already (transitively) depends on ``task``."""
    edges: dict[int, list[int]] = {}
    for a, b in Dependency.objects.filter(task__plan_id=task.plan_id).values_list("task_id", "depends_on_id"):
        edges.setdefault(a, []).append(b)
    stack, seen = [depends_on.pk], set()
    while stack:
        node = stack.pop()
        if node == task.pk:
            return True
        if node in seen:
            continue
        seen.add(node)
        stack.extend(edges.get(node, []))
    return False


@transaction.atomic
def dependency_add(*, actor, task: Task, depends_on: Task) -> Dependency:
    """``task`` waits for ``depends_on``; circular dependencies are refused."""
    ensure_in_scope(task, actor, "change")
    ensure_in_scope(depends_on, actor, "change")
    if task.plan_id != depends_on.plan_id:
        raise ValidationError({"depends_on": _("Both tasks must belong to the same plan.")})
    if task.pk == depends_on.pk:
        raise ValidationError({"depends_on": _("A task cannot depend on itself.")})
    # Lock the plan's dependency rows so two concurrent additions cannot close a cycle together.
    list(
        Dependency.objects.select_for_update(of=("self",))
        .filter(task__plan_id=task.plan_id)
        .values_list("pk")
    )
    if would_create_cycle(task, depends_on):
        raise ValidationError(
            {
                "depends_on": _("%(a)s already depends on %(b)s: this would make a circular dependency.")
                % {"a": depends_on.label, "b": task.label}
            }
        )
    if Dependency.objects.filter(task=task, depends_on=depends_on).exists():
        raise ValidationError({"depends_on": _("This dependency already exists.")})
    return model_create(actor=actor, instance=Dependency(task=task, depends_on=depends_on))
