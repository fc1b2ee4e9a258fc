"""Reads for the work plan; every one starts from ``core.scoping.restrict``."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from zhijiao.core.scoping import restrict, user_scope

from . import rules
from .choices import AssignmentStatus, Health, ReportStatus, TaskKind
from .models import (
    Acknowledgement,
    Assignment,
    Forum,
    Milestone,
    Plan,
    ProgressReport,
    Target,
    Task,
    Theme,
)


def plan_list(*, user) -> QuerySet[Plan]:
    return restrict(Plan.objects.select_related("region", "head"), user, "view")


def plan_get(*, user, pk=None, year=None) -> Plan:
    qs = plan_list(user=user)
    return qs.get(pk=pk) if pk is not None else qs.get(year=year)


def plan_current(*, user, today: datetime.date | None = None) -> Plan | None:
    """This year's plan if there is one, else the latest the user may see."""
    today = today or rules.local_today()
    qs = plan_list(user=user)
    return qs.filter(year=today.year).first() or qs.order_by("-year").first()


def plan_today(plan: Plan, override: datetime.date | None = None) -> datetime.date:
    """The date countdowns are computed against: an explicit ``as_of``, the plan's board date, today."""
    return override or plan.as_of_date or rules.local_today()


def task_list(*, user, action: str = "view") -> QuerySet[Task]:
    return restrict(Task.objects.select_related("plan", "theme", "owner"), user, action)


def task_get(*, user, pk, action: str = "view") -> Task:
    return task_list(user=user, action=action).get(pk=pk)


def task_detail(*, user, pk) -> Task:
    """One task with everything its page shows, in a fixed number of queries."""
    reports = (
        ProgressReport.objects.select_related(
            "author", "assignment", "acknowledgement", "acknowledgement__by"
        )
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-id")
    )
    return (
        task_list(user=user)
        .prefetch_related(
            Prefetch("milestones", queryset=Milestone.objects.order_by("due_date", "id")),
            Prefetch("targets", queryset=Target.objects.select_related("indicator").order_by("order", "id")),
            Prefetch("reports", queryset=reports),
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related(
                    "assignee", "region", "institution", "assigned_by"
                ),
            ),
            "dependencies__depends_on",
            "dependents__task",
        )
        .get(pk=pk)
    )


# --- the board -----------------------------------------------------------------------------------


@dataclass
class BoardRow:
    task: Task
    countdown: rules.Countdown
    health: str
    next_milestone: Milestone | None
    targets: list[Target]
    latest_report: dict[str, Any] | None
    unanswered: int
    expected: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def overdue(self) -> bool:
        return self.health == Health.OVERDUE


def _unanswered_cutoff(today: datetime.date) -> datetime.datetime:
    """Submissions created before this instant are past the answer limit as of ``today``."""
    day = rules.answer_deadline_cutoff(today) + datetime.timedelta(days=1)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=rules.time_zone())


def board_queryset(*, user, plan: Plan, today: datetime.date) -> QuerySet[Task]:
    latest = ProgressReport.objects.filter(task=OuterRef("pk")).order_by("-submitted_at", "-id")
    unanswered = (
        ProgressReport.objects.filter(
            task=OuterRef("pk"), status=ReportStatus.SUBMITTED, submitted_at__lt=_unanswered_cutoff(today)
        )
        .order_by()
        .values("task")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        task_list(user=user)
        .filter(plan=plan)
        .annotate(
            latest_report_id=Subquery(latest.values("pk")[:1]),
            latest_report_at=Subquery(latest.values("submitted_at")[:1]),
            latest_report_text=Subquery(latest.values("text")[:1]),
            latest_report_status=Subquery(latest.values("status")[:1]),
            unanswered_n=Coalesce(Subquery(unanswered, output_field=IntegerField()), 0),
        )
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.filter(done_on__isnull=True).order_by("due_date", "id"),
                to_attr="open_milestones",
            ),
            Prefetch("targets", queryset=Target.objects.order_by("order", "id"), to_attr="target_list"),
        )
        .order_by("kind", "number")
    )


def board_rows(
    *,
    user,
    plan: Plan,
    today: datetime.date,
    theme=None,
    owner=None,
    status: str | None = None,
    health: str | None = None,
    kind: str | None = None,
    unanswered_only: bool = False,
) -> list[BoardRow]:
    """Each task's owner, next milestone, countdown, progress, latest report and targets.

    Three queries whatever the number of tasks (tasks with annotations, milestones, targets).
    """
    qs = board_queryset(user=user, plan=plan, today=today)
    if theme:
        qs = qs.filter(theme=theme)
    if owner:
        qs = qs.filter(owner=owner)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if unanswered_only:
        qs = qs.filter(unanswered_n__gt=0)
    rows = []
    for task in qs:
        row_health = rules.task_health(
            status=task.status, progress=task.progress, start=task.start_date, due=task.due_date, today=today
        )
        if health and row_health != health:
            continue
        latest = None
        if task.latest_report_id:
            latest = {
                "id": task.latest_report_id,
                "at": task.latest_report_at,
                "text": task.latest_report_text,
                "status": task.latest_report_status,
            }
        next_ms = next((m for m in task.open_milestones if m.due_date >= today), None) or (
            task.open_milestones[0] if task.open_milestones else None
        )
        rows.append(
            BoardRow(
                task=task,
                countdown=rules.countdown(task.due_date, today=today),
                health=row_health,
                next_milestone=next_ms,
                targets=task.target_list,
                latest_report=latest,
                unanswered=task.unanswered_n,
                expected=rules.expected_progress(task.start_date, task.due_date, today),
            )
        )
    return rows


def board_summary(rows: list[BoardRow]) -> dict[str, int]:
    summary = {h: 0 for h in Health.values}
    for row in rows:
        summary[row.health] += 1
    summary["total"] = len(rows)
    summary["key_points"] = sum(1 for r in rows if r.task.kind == TaskKind.KEY_POINT)
    summary["unanswered"] = sum(r.unanswered for r in rows)
    return summary


def unanswered_counts(*, today: datetime.date, user=None, plan: Plan | None = None) -> list[dict[str, Any]]:
    """事事有回音: per task owner, submissions waiting longer than the limit for an answer.

    Without ``user`` (the reminder job) every plan counts; with it, only what the user may see.
    """
    qs = ProgressReport.objects.filter(
        status=ReportStatus.SUBMITTED, submitted_at__lt=_unanswered_cutoff(today)
    )
    if user is not None:
        qs = restrict(qs, user, "view")
    if plan is not None:
        qs = qs.filter(task__plan=plan)
    rows = list(
        qs.filter(task__owner__isnull=False)
        .order_by()
        .values("task__owner")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.in_bulk([r["task__owner"] for r in rows])
    return [{"owner": users[r["task__owner"]], "n": r["n"]} for r in rows if r["task__owner"] in users]


# --- assignments ---------------------------------------------------------------------------------


def assignment_list(*, user, action: str = "view") -> QuerySet[Assignment]:
    """Assignments the user may see: to their node and the nodes beneath it (province: all)."""
    return restrict(
        Assignment.objects.select_related(
            "task", "task__plan", "assignee", "region", "institution", "assigned_by"
        ),
        user,
        action,
    )


def assignment_get(*, user, pk, action: str = "view") -> Assignment:
    return assignment_list(user=user, action=action).get(pk=pk)


def worklist(*, user) -> QuerySet[Assignment]:
    """What the user's own node (or the user personally) has been asked to do."""
    scope = user_scope(user)
    mine = (
        Q(assignee=user)
        | Q(region__path__in=scope.region_paths, assignee__isnull=True)
        | Q(institution_id__in=scope.institution_ids)
    )
    latest = ProgressReport.objects.filter(assignment=OuterRef("pk")).order_by("-submitted_at", "-id")
    return (
        assignment_list(user=user)
        .filter(mine)
        .annotate(latest_report_at=Subquery(latest.values("submitted_at")[:1]))
        .order_by("status", "due_date", "id")
    )


def assignment_detail(*, user, pk) -> Assignment:
    reports = (
        ProgressReport.objects.select_related("author", "acknowledgement", "acknowledgement__by")
        .prefetch_related("evidence")
        .order_by("-submitted_at", "-id")
    )
    return (
        assignment_list(user=user)
        .prefetch_related(Prefetch("reports", queryset=reports), "children__region", "children__institution")
        .get(pk=pk)
    )


def open_assignment_counts(*, user) -> dict[str, int]:
    qs = worklist(user=user)
    return {
        "open": qs.filter(status__in=[AssignmentStatus.OPEN, AssignmentStatus.RETURNED]).count(),
        "submitted": qs.filter(status=AssignmentStatus.SUBMITTED).count(),
    }


# --- reports -------------------------------------------------------------------------------------


def report_list(*, user) -> QuerySet[ProgressReport]:
    return restrict(
        ProgressReport.objects.select_related("task", "assignment", "author", "acknowledgement"), user, "view"
    )


def report_get(*, user, pk, action: str = "view") -> ProgressReport:
    return (
        report_list(user=user).get(pk=pk)
        if action == "view"
        else restrict(
            ProgressReport.objects.select_related("task", "task__plan", "assignment"), user, action
        ).get(pk=pk)
    )


def acknowledgement_list(*, user) -> QuerySet[Acknowledgement]:
    return restrict(Acknowledgement.objects.select_related("report", "report__task", "by"), user, "view")


def evidence_get(*, user, pk):
    from .models import Evidence

    return restrict(Evidence.objects.select_related("report"), user, "view").get(pk=pk)


# --- timeline, forums, inbox ---------------------------------------------------------------------


def timeline_data(*, user, plan: Plan, today: datetime.date) -> dict[str, Any]:
    """Bars (start → due, progress, health) and milestone points for the Gantt-like chart."""
    tasks = (
        task_list(user=user)
        .filter(plan=plan)
        .prefetch_related(Prefetch("milestones", queryset=Milestone.objects.order_by("due_date")))
        .order_by("kind", "number")
    )
    rows = []
    for task in tasks:
        start = task.start_date or plan.issued_on or datetime.date(plan.year, 1, 1)
        due = task.due_date or datetime.date(plan.year, 12, 31)
        rows.append(
            {
                "id": task.pk,
                "label": task.label,
                "title": task.title,
                "start": start.isoformat(),
                "due": due.isoformat(),
                "progress": task.progress,
                "health": rules.task_health(
                    status=task.status,
                    progress=task.progress,
                    start=task.start_date,
                    due=task.due_date,
                    today=today,
                ),
                "url": task.get_absolute_url(),
                "milestones": [
                    {"title": m.title, "due": m.due_date.isoformat(), "done": m.done_on is not None}
                    for m in task.milestones.all()
                ],
            }
        )
    return {"today": today.isoformat(), "year": plan.year, "tasks": rows}


def forum_list(*, user, plan: Plan | None = None) -> QuerySet[Forum]:
    qs = restrict(Forum.objects.select_related("plan", "host", "task"), user, "view")
    if plan is not None:
        qs = qs.filter(plan=plan)
    return qs.order_by("date", "id")


def forum_get(*, user, pk, action: str = "view") -> Forum:
    return restrict(Forum.objects.select_related("plan", "host", "task"), user, action).get(pk=pk)


def theme_choices(*, user) -> QuerySet[Theme]:
    """Themes of the plans whose tasks the user may change."""
    return restrict(Theme.objects.select_related("plan"), user, "change").order_by("plan", "order", "id")


def colleague_choices(*, user):
    """People holding a role at a node where the user may change tasks: who may own or take on a task."""
    from django.contrib.auth import get_user_model

    from zhijiao.accounts.models import RoleAssignment

    paths = [g.region_path for g in user_scope(user).grants_for("change") if g.region_path]
    if user_scope(user).is_superuser:
        ids = RoleAssignment.objects.filter(region__isnull=False).values("user")
    else:
        ids = RoleAssignment.objects.filter(region__path__in=paths).values("user")
    return get_user_model().objects.filter(pk__in=ids, is_active=True).order_by("username")


def owner_choices(*, plan: Plan):
    from django.contrib.auth import get_user_model

    ids = Task.objects.filter(plan=plan, owner__isnull=False).values("owner")
    return get_user_model().objects.filter(pk__in=ids).order_by("username")


def milestone_list(*, user, action: str = "view") -> QuerySet[Milestone]:
    return restrict(Milestone.objects.select_related("task", "task__plan"), user, action)


def report_scoped_list(*, user, action: str = "view") -> QuerySet[ProgressReport]:
    """Reports for the API: the node's own answers for cities and schools, everything for the province."""
    return restrict(
        ProgressReport.objects.select_related(
            "task", "assignment", "author", "acknowledgement"
        ).prefetch_related("evidence"),
        user,
        action,
    )


def acknowledgement_scoped_list(*, user, action: str = "view") -> QuerySet[Acknowledgement]:
    return restrict(Acknowledgement.objects.select_related("report", "report__task", "by"), user, action)
