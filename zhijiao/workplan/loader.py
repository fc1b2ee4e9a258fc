"""Loading a year's plan from its structured file and the issued document, and copying a plan to a new year.

The file (``data/plan_2021.yaml`` is the model) carries the document metadata, themes, each item's theme,
lead and co-operating units and targets; the wording of every item, its bold phrases, the preamble and the
shifts come from the issued document itself (``seed.read_seed``), so the text has one source. The demo's
people, owners and due dates are in a separate example file (``data/plan_2021_demo.yaml``); values loaded
from it are recorded in ``Task.example_fields`` and shown with a 示例 mark.

Loading is idempotent: plans, themes, tasks and targets are matched on natural keys (year; code; kind and
number; label) and only changed fields are written and audited. Owners and due dates are set when a task is
created or still empty — what the division changed in the application is kept.
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
from .seed import SeedPlan, read_seed

DATA_DIR = Path(__file__).resolve().parent / "data"
PLAN_2021 = DATA_DIR / "plan_2021.yaml"
PLAN_2021_EXAMPLES = DATA_DIR / "plan_2021_demo.yaml"
ITEM_KEYS = (("key_points", TaskKind.KEY_POINT), ("routine_tasks", TaskKind.ROUTINE))
EXAMPLE_FIELDS = ("owner", "start_date", "due_date")


def _read_yaml(path: str | Path) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValidationError(_("The plan file cannot be read: %(error)s") % {"error": exc})


def read_plan_file(path: str | Path) -> dict[str, Any]:
    """The plan file with each item's wording filled in from the issued document it names."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise ValidationError(_("The plan file must be a mapping with a year."))
    if not data.get("seed"):
        raise ValidationError(_("The plan file must name the issued document it belongs to (seed)."))
    seed = read_seed(str(data["seed"]))
    return merge_seed(data, seed)


def merge_seed(data: dict[str, Any], seed: SeedPlan) -> dict[str, Any]:
    """Fill ``text``, ``title`` (the item's heading sentence) and ``emphasis`` from the document."""
    data = dict(data)
    data.setdefault("preamble", seed.preamble)
    data.setdefault("shifts", seed.shifts)
    for key, _kind in ITEM_KEYS:
        items = data.get(key) or []
        numbers = [item.get("number") for item in items]
        if len(numbers) != len(set(numbers)) or not all(isinstance(n, int) and n > 0 for n in numbers):
            raise ValidationError(_("%(key)s: every item needs a distinct positive number.") % {"key": key})
        source = getattr(seed, key)
        if set(numbers) != set(source):
            raise ValidationError(
                _("%(key)s: the file lists items %(file)s but the document has %(seed)s.")
                % {"key": key, "file": _ranges(numbers), "seed": _ranges(source)}
            )
        merged = []
        for item in items:
            found = source[item["number"]]
            merged.append(
                {
                    "title": found.heading,
                    "text": found.text,
                    "emphasis": found.emphasis,
                    **item,
                }
            )
        data[key] = merged
    return data


def _ranges(numbers) -> str:
    numbers = sorted(numbers)
    return f"{numbers[0]}–{numbers[-1]} ({len(numbers)})" if numbers else "—"


def read_examples_file(path: str | Path) -> dict[str, Any]:
    """The demo's example people, owners and dates (示例)."""
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("tasks", []), list):
        raise ValidationError(_("The example file must be a mapping with a list of tasks."))
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
    *,
    actor=None,
    path: str | Path = PLAN_2021,
    data: dict | None = None,
    examples: str | Path | dict | None = None,
) -> tuple[Plan, dict[str, int]]:
    """Load (or refresh) a year's plan from its file; returns the plan and counts of created rows.

    ``examples`` (a path or its parsed content) adds the demo's example owners and dates, marked as
    examples. With an actor (a page), the actor must be able to change plans of the province; the
    command and the demo run as the system actor ``workplan-loader`` (core.actors), checked alike.
    """
    actor = actor or system_actor("workplan-loader")
    data = data if data is not None else read_plan_file(path)
    if isinstance(examples, str | Path):
        examples = read_examples_file(examples)
    examples = examples or {}
    region = Region.objects.filter(code=str(data.get("region_code", "370000"))).first()
    if region is None:
        raise ValidationError(
            _("Region %(code)s is missing: load the reference data first.")
            % {"code": data.get("region_code")}
        )
    doc = data.get("document") or {}
    example_tasks = {
        (str(row.get("kind")), row.get("number")): row for row in examples.get("tasks") or [] if row
    }
    users = get_user_model().objects.in_bulk(
        [p["username"] for p in examples.get("people", [])]
        + [row["owner"] for row in example_tasks.values() if row.get("owner")],
        field_name="username",
    )
    head_name = next((p["username"] for p in examples.get("people", []) if p.get("head")), None)
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
    default_lead = str(data.get("lead_unit") or doc.get("issuer") or "")
    loaded: dict[tuple[str, int], Task] = {}
    repeats: list[tuple[Target, dict]] = []
    for key, kind in ITEM_KEYS:
        for item in data.get(key) or []:
            example = example_tasks.get((key, item["number"]), {})
            values = {
                "title": str(item.get("title") or item["text"])[:200],
                "text": item["text"],
                "emphasis": list(item.get("emphasis") or []),
                "theme": themes.get(item.get("theme")),
                "lead_unit": str(item.get("lead_unit") or default_lead)[:100],
                "co_units": [str(u) for u in item.get("co_units") or []],
                "owner": users.get(example.get("owner")),
                "start_date": _as_date(example.get("start_date")) or start,
                "due_date": _as_date(example.get("due_date")),
            }
            task = Task.objects.filter(plan=plan, kind=kind, number=item["number"]).first()
            # A value counts as an example when the example file sets it and the task does not have a
            # value of its own (a new task, or one whose value is still the example).
            marked = [
                f
                for f in EXAMPLE_FIELDS
                if example.get(f)
                and values[f] is not None
                and (task is None or getattr(task, f) in (None, "") or task.is_example(f))
            ]
            if task is not None:
                marked += [f for f in task.example_fields or [] if f not in marked]
            values["example_fields"] = sorted(marked)
            task, created = _upsert(
                actor,
                Task,
                {"plan": plan, "kind": kind, "number": item["number"]},
                values,
                keep_if_set=("owner", "due_date", "start_date"),
            )
            loaded[(key, item["number"])] = task
            counts["tasks"] += created
            for order, target in enumerate(item.get("targets") or [], start=1):
                quantity_max = target.get("quantity_max")
                row, created = _upsert(
                    actor,
                    Target,
                    {"task": task, "label": target["label"]},
                    {
                        "quantity": int(target["quantity"]),
                        "quantity_max": int(quantity_max) if quantity_max else None,
                        "unit": target["unit"],
                        "approximate": bool(target.get("approximate", False)),
                        "phrase": target.get("phrase", ""),
                        "order": order,
                    },
                )
                counts["targets"] += created
                if target.get("same_as"):
                    repeats.append((row, target["same_as"]))
    for row, ref in repeats:
        first = loaded.get((str(ref.get("kind")), ref.get("number")))
        original = first and Target.objects.filter(task=first, label=ref.get("label")).first()
        if original is None:
            raise ValidationError(
                _("Target %(label)s refers to a target that the plan does not have.") % {"label": row.label}
            )
        if row.same_as_id != original.pk:
            model_update(actor=actor, instance=row, data={"same_as": original})
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
    copied_targets: dict[int, Target] = {}
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
                lead_unit=task.lead_unit,
                co_units=list(task.co_units),
                owner=task.owner,
                example_fields=list(task.example_fields),
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
            copied_targets[target.pk] = model_create(
                actor=actor,
                instance=Target(
                    task=copy,
                    label=target.label,
                    quantity=target.quantity,
                    quantity_max=target.quantity_max,
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
    for target in Target.objects.filter(task__plan=plan, same_as__isnull=False):
        copy, original = copied_targets.get(target.pk), copied_targets.get(target.same_as_id)
        if copy is not None and original is not None:
            model_update(actor=actor, instance=copy, data={"same_as": original})
    return new
