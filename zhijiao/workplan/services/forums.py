"""Writes of the plan's forums."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope, model_create, model_update
from zhijiao.orgs.models import Institution

from ..models import (
    Forum,
    Plan,
    Task,
)
from .base import _clean_text
from .tasks import _check_in_plan_year

# --- forums --------------------------------------------------------------------------------------


@transaction.atomic
def forum_create(
    *,
    actor,
    plan: Plan,
    theme: str,
    date: datetime.date,
    host: Institution | None = None,
    title: str = "",
    venue: str = "",
    outcome_cases: str = "",
    task: Task | None = None,
) -> Forum:
    """月月有论坛、全年不断线 (key point 3): a forum on one of the plan's themes, within the year."""
    ensure_in_scope(plan, actor, "change")
    theme = _clean_text(theme)
    if plan.forum_themes and theme not in plan.forum_themes:
        raise ValidationError({"theme": _("Choose one of the plan's forum themes.")})
    _check_in_plan_year(date, plan, "date")
    if task is not None and task.plan_id != plan.pk:
        raise ValidationError({"task": _("The task belongs to another plan.")})
    return model_create(
        actor=actor,
        instance=Forum(
            plan=plan,
            task=task,
            theme=theme,
            title=_clean_text(title),
            host=host,
            date=date,
            venue=_clean_text(venue),
            outcome_cases=_clean_text(outcome_cases),
        ),
    )


@transaction.atomic
def forum_update(*, actor, forum: Forum, data: dict[str, Any]) -> Forum:
    ensure_in_scope(forum, actor, "change")
    fields = ("theme", "title", "host", "date", "venue", "outcome_cases")
    cleaned = {k: (_clean_text(v) if isinstance(v, str) else v) for k, v in data.items() if k in fields}
    if "theme" in cleaned and forum.plan.forum_themes and cleaned["theme"] not in forum.plan.forum_themes:
        raise ValidationError({"theme": _("Choose one of the plan's forum themes.")})
    _check_in_plan_year(cleaned.get("date"), forum.plan, "date")
    instance, _changed = model_update(actor=actor, instance=forum, data=cleaned)
    return instance
