"""Writes of assignments: a task handed down to cities and schools."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core import notifications
from zhijiao.core.scoping import is_in_scope, restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create
from zhijiao.orgs.models import Institution, Region

from ..choices import (
    NotificationKind,
)
from ..models import (
    Assignment,
    Task,
)
from .base import _clean_text
from .recipients import assignment_recipients
from .tasks import _check_in_plan_year

# --- assignments ---------------------------------------------------------------------------------


def _node_in_scope(actor, *, region: Region | None, institution: Institution | None, strict: bool) -> bool:
    """The node lies inside what the actor manages (strictly below the actor's own node for
    a sub-assignment, so a city cannot hand its own assignment back to itself)."""
    if region is not None:
        qs = restrict(Region.objects.filter(pk=region.pk), actor, "change")
        if strict:
            qs = qs.exclude(path__in=user_scope(actor).region_paths)
        return qs.exists()
    if institution is not None:
        qs = restrict(Institution.objects.filter(pk=institution.pk), actor, "change")
        if strict:
            qs = qs.exclude(pk__in=user_scope(actor).institution_ids)
        return qs.exists()
    return False


@transaction.atomic
def assignment_create(
    *,
    actor,
    task: Task,
    title: str,
    due_date: datetime.date,
    instructions: str = "",
    assignee=None,
    region: Region | None = None,
    institution: Institution | None = None,
    parent: Assignment | None = None,
) -> Assignment:
    """Give part of a task to a colleague, a city bureau or a school (对事负责, key point 20, rule 2).

    The province gives sub-tasks on its own tasks; a city may pass its assignment on to schools
    and counties under it. A node outside the assigner's scope is refused.
    """
    targets = [x for x in (assignee, region, institution) if x is not None]
    if len(targets) != 1:
        raise ValidationError(_("Give the assignment to exactly one colleague, region or institution."))
    if parent is not None:
        if parent.task_id != task.pk:
            raise ValidationError(_("The parent assignment belongs to another task."))
        ensure_in_scope(parent, actor, "change")
        if assignee is not None:
            raise ValidationError(_("A passed-on assignment goes to a region or an institution."))
        strict = True
    else:
        ensure_in_scope(task, actor, "change")
        strict = False
    if assignee is not None:
        if not is_in_scope(task, assignee, "change"):
            raise OutOfScope(_("The colleague cannot work on this task."))
        scope_path = task.plan.region.path
    else:
        if not _node_in_scope(actor, region=region, institution=institution, strict=strict):
            raise OutOfScope(_("The region or institution is outside your organisation."))
        scope_path = region.path if region is not None else institution.region.path
    _check_in_plan_year(due_date, task.plan, "due_date")
    if parent is not None and due_date and due_date > parent.due_date:
        raise ValidationError({"due_date": _("A passed-on assignment must be due by the parent's due date.")})
    assignment = model_create(
        actor=actor,
        instance=Assignment(
            task=task,
            parent=parent,
            title=_clean_text(title),
            instructions=_clean_text(instructions),
            assigned_by=actor,
            assignee=assignee,
            region=region,
            institution=institution,
            due_date=due_date,
            scope_path=scope_path,
        ),
    )
    for user in assignment_recipients(assignment):
        notifications.notify(
            user,
            NotificationKind.ASSIGNMENT,
            _("New assignment: %(title)s (due %(due)s)") % {"title": assignment.title, "due": due_date},
            link=assignment.get_absolute_url(),
        )
    return assignment
