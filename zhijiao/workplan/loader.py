"""Loading a year's plan from its structured file, and copying a plan to a new year.

The file (``data/plan_2021.yaml`` is the model) carries the document metadata, themes, the key
points and routine tasks with their wording, targets, and demo owners and due dates. Loading is
idempotent: plans, themes, tasks and targets are matched on natural keys (year; code; kind and
number; label) and only changed fields are written and audited. Owners and due dates are set when a
task is created or still empty — what the division changed in the application is kept.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import yaml
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.actors import system_actor
from zhijiao.core.scoping import is_in_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.orgs.models import Region

from .choices import TaskKind, TaskStatus
from .models import Dependency, Milestone, Plan, Target, Task, Theme

DATA_DIR = Path(__file__).resolve().parent / "data"
PLAN_2021 = DATA_DIR / "plan_2021.yaml"


def read_plan_file(path: str | Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(_("The plan file cannot be read: %(error)s") % {"error": exc})
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise ValidationError(_("The plan file must be a mapping with a year."))
    for key in ("key_points", "routine_tasks"):
        items = data.get(key) or []
        numbers = [item.get("number") for item in items]
        if len(numbers) != len(set(numbers)) or not all(isinstance(n, int) and n > 0 for n in numbers):
            raise ValidationError(_("%(key)s: every item needs a distinct positive number.") % {"key": key})
        for item in items:
            if not str(item.get("text") or "").strip():
                raise ValidationError(_("%(key)s %(n)s has no text.") % {"key": key, "n": item.get("number")})
    return data


def _upsert(
    actor, model, lookup: dict, values: dict, *, keep_if_set: tuple[str, ...] = ()
) -> tuple[Any, bool]:
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        return model_create(actor=actor, instance=model(**lookup, **values)), True
    data = {k: v for k, v in values.items() if not (k in keep_if_set and getattr(obj, k) not in (None, ""))}
    obj, _changed = model_update(actor=actor, instance=obj, data=data)
    return obj, False


def _as_date(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


@transaction.atomic
def plan_load(
    *, actor=None, path: str | Path = PLAN_2021, data: dict | None = None
) -> tuple[Plan, dict[str, int]]:
    """Load (or refresh) a year's plan from its file; returns the plan and counts of created rows.

    With an actor (a page), the actor must be able to change plans of the province; the command
    and the demo run as the system actor ``workplan-loader`` (core.actors), checked alike.
    """
    actor = actor or system_actor("workplan-loader")
    data = data if data is not None else read_plan_file(path)
    region = Region.objects.filter(code=str(data.get("region_code", "370000"))).first()
    if region is None:
        raise ValidationError(
            _("Region %(code)s is missing: load the reference data first.")
            % {"code": data.get("region_code")}
        )
    doc = data.get("document") or {}
    users = get_user_model().objects.in_bulk(
        [p["username"] for p in data.get("people", [])]
        + [
            i.get("owner")
            for key in ("key_points", "routine_tasks")
            for i in data.get(key) or []
            if i.get("owner")
        ],
        field_name="username",
    )
    head_name = next((p["username"] for p in data.get("people", []) if p.get("head")), None)
    plan_values = {
        "title": data.get("title", ""),
        "document_number": doc.get("number", ""),
        "issued_on": _as_date(doc.get("issued_on")),
        "issuer": doc.get("issuer", ""),
        "addressees": doc.get("addressees", ""),
        "preamble": data.get("preamble", ""),
        "shifts": list(data.get("shifts") or []),
        "forum_themes": list(data.get("forum_themes") or []),
        "region": region,
        "head": users.get(head_name),
        "source": Path(path).name if data is None or path else "",
    }
    existing = Plan.objects.filter(year=data["year"]).first()
    if existing is None:
        if not _actor_manages_region(actor, region):
            raise OutOfScope(_("You may not load plans for this division."))
    else:
        ensure_in_scope(existing, actor, "change")
    plan, _created = _upsert(actor, Plan, {"year": data["year"]}, plan_values, keep_if_set=("head",))
    counts = {"themes": 0, "tasks": 0, "targets": 0}
    themes = {}
    for order, item in enumerate(data.get("themes") or [], start=1):
        theme, created = _upsert(
            actor, Theme, {"plan": plan, "code": item["code"]}, {"name": item["name"], "order": order}
        )
        themes[item["code"]] = theme
        counts["themes"] += created
    start = plan.issued_on
    for key, kind in (("key_points", TaskKind.KEY_POINT), ("routine_tasks", TaskKind.ROUTINE)):
        for item in data.get(key) or []:
            values = {
                "title": str(item.get("title") or item["text"])[:200],
                "text": item["text"],
                "emphasis": list(item.get("emphasis") or []),
                "theme": themes.get(item.get("theme")),
                "owner": users.get(item.get("owner")),
                "start_date": _as_date(item.get("start_date")) or start,
                "due_date": _as_date(item.get("due_date")),
            }
            task, created = _upsert(
                actor,
                Task,
                {"plan": plan, "kind": kind, "number": item["number"]},
                values,
                keep_if_set=("owner", "due_date", "start_date"),
            )
            counts["tasks"] += created
            for order, target in enumerate(item.get("targets") or [], start=1):
                _t, created = _upsert(
                    actor,
                    Target,
                    {"task": task, "label": target["label"]},
                    {
                        "quantity": int(target["quantity"]),
                        "unit": target["unit"],
                        "approximate": bool(target.get("approximate", False)),
                        "phrase": target.get("phrase", ""),
                        "order": order,
                    },
                )
                counts["targets"] += created
    return plan, counts


def _actor_manages_region(actor, region: Region) -> bool:
    return is_in_scope(region, actor, "change")


def _shift_year(value: datetime.date | None, years: int) -> datetime.date | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February
        return value.replace(year=value.year + years, day=28)


@transaction.atomic
def plan_copy(*, actor, plan: Plan, year: int) -> Plan:
    """Start next year's plan from this one: themes, tasks, targets, milestones and dependencies,
    with dates moved to the new year, progress reset and actuals at zero (把工作做到前头)."""
    actor = actor or system_actor("workplan-loader")
    ensure_in_scope(plan, actor, "change")
    if Plan.objects.filter(year=year).exists():
        raise ValidationError({"year": _("A plan for %(year)s already exists.") % {"year": year}})
    years = year - plan.year
    new = model_create(
        actor=actor,
        instance=Plan(
            year=year,
            title=plan.title.replace(str(plan.year), str(year)),
            region=plan.region,
            head=plan.head,
            preamble="",
            shifts=[],
            forum_themes=list(plan.forum_themes),
            source=_("copied from %(year)s") % {"year": plan.year},
        ),
    )
    themes = {}
    for theme in plan.themes.all():
        themes[theme.pk] = model_create(
            actor=actor,
            instance=Theme(plan=new, code=theme.code, name=theme.name, order=theme.order),
        )
    tasks = {}
    for task in plan.tasks.prefetch_related("targets", "milestones"):
        copy = model_create(
            actor=actor,
            instance=Task(
                plan=new,
                theme=themes.get(task.theme_id),
                kind=task.kind,
                number=task.number,
                title=task.title,
                text=task.text,
                emphasis=list(task.emphasis),
                owner=task.owner,
                status=TaskStatus.NOT_STARTED,
                progress=0,
                start_date=_shift_year(task.start_date, years),
                due_date=_shift_year(task.due_date, years),
                plan_a=task.plan_a,
                plan_b=task.plan_b,
            ),
        )
        tasks[task.pk] = copy
        for target in task.targets.all():
            model_create(
                actor=actor,
                instance=Target(
                    task=copy,
                    label=target.label,
                    quantity=target.quantity,
                    unit=target.unit,
                    approximate=target.approximate,
                    phrase=target.phrase,
                    order=target.order,
                ),
            )
        for ms in task.milestones.all():
            model_create(
                actor=actor,
                instance=Milestone(
                    task=copy,
                    title=ms.title,
                    due_date=_shift_year(ms.due_date, years),
                    alternative_a=ms.alternative_a,
                    alternative_b=ms.alternative_b,
                ),
            )
    for dep in Dependency.objects.filter(task__plan=plan):
        model_create(
            actor=actor,
            instance=Dependency(task=tasks[dep.task_id], depends_on=tasks[dep.depends_on_id]),
        )
    return new
