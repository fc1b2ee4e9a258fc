"""The annual work plan as live data: tasks, milestones, targets, assignments, reports, answers.

Scoping (``core.scoping.restrict``): plans and their tasks belong to the province division, so the
lookups lead to the plan's region (the province) and only province roles see them. Assignments and
reports carry ``scope_path`` — the region path of the node they were given to — so a city or school
sees what was given to it and a city also what was given to its schools.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.validators import validate_plain_text

from .choices import (
    Alternative,
    AssignmentStatus,
    Decision,
    ReportStatus,
    TaskKind,
    TaskStatus,
)

_PROVINCE_SCOPE = "plan__region__path"


class Plan(ScopedModel):
    """One year's 工作要点, e.g. 鲁教职处函〔2021〕6号."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    issuer = models.CharField(_("issuer"), max_length=100, blank=True)
    addressees = models.CharField(_("addressees"), max_length=300, blank=True)
    preamble = models.TextField(_("general approach"), blank=True)
    shifts = models.JSONField(_("shifts"), default=list, blank=True)
    forum_themes = models.JSONField(_("forum themes"), default=list, blank=True)
    as_of_date = models.DateField(
        _("board date"),
        null=True,
        blank=True,
        help_text=_("Countdowns on the board are computed as of this date when set (reviews, training)."),
    )
    region = models.ForeignKey(
        "orgs.Region",
        verbose_name=_("owning division's region"),
        on_delete=models.PROTECT,
        related_name="workplans",
    )
    head = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("division head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(_("source file"), max_length=200, blank=True)

    scope_region_path = "region__path"

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100),
                name="workplan_plan_year_range",
                violation_error_message=_("The plan year must lie between 2000 and 2100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Theme(ScopedModel):
    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="themes")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(pgettext_lazy("thing", "name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    scope_region_path = _PROVINCE_SCOPE

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["plan", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "code"],
                name="workplan_theme_unique_code",
                violation_error_message=_("A theme with this code already exists in the plan."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Task(ScopedModel):
    """A key point (要点) or a routine task (日常工作) of the plan."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    theme = models.ForeignKey(
        Theme, verbose_name=_("theme"), null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TaskKind.choices)
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"))
    emphasis = models.JSONField(_("emphasised phrases"), default=list, blank=True)
    lead_unit = models.CharField(_("lead unit"), max_length=100, blank=True)
    co_units = models.JSONField(_("co-operating units"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="workplan_tasks",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    plan_a = models.TextField(_("plan A"), blank=True)
    plan_b = models.TextField(_("plan B"), blank=True)
    chosen_alternative = models.CharField(
        _("chosen alternative"), max_length=1, choices=Alternative.choices, blank=True
    )
    # Values loaded from the demo's example file (owner, due_date, start_date): the issued document
    # names no people and no deadlines, so these are shown with a 示例 mark until someone sets them.
    example_fields = models.JSONField(_("example values"), default=list, blank=True)

    scope_region_path = _PROVINCE_SCOPE

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "kind", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "number"],
                name="workplan_task_unique_number",
                violation_error_message=_("The plan already has a task with this kind and number."),
            ),
            models.CheckConstraint(
                condition=Q(progress__gte=0) & Q(progress__lte=100),
                name="workplan_task_progress_range",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
            models.CheckConstraint(
                condition=Q(chosen_alternative__in=["", "A", "B"]),
                name="workplan_task_alternative_value",
                violation_error_message=_("The chosen alternative must be plan A or plan B."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(due_date__isnull=True)
                | Q(due_date__gte=models.F("start_date")),
                name="workplan_task_due_after_start",
                violation_error_message=_("The due date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"

    @property
    def label(self) -> str:
        prefix = _("KP") if self.kind == TaskKind.KEY_POINT else _("R")
        return f"{prefix}{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("workplan:task_detail", args=[self.pk])

    def is_example(self, field_name: str) -> bool:
        return field_name in (self.example_fields or [])


class Milestone(ScopedModel):
    """A dated step of a task; 多个方案 — it may carry plan A and plan B with the chosen one."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    due_date = models.DateField(_("due date"))
    alternative_a = models.TextField(_("plan A"), blank=True)
    alternative_b = models.TextField(_("plan B"), blank=True)
    chosen_alternative = models.CharField(
        _("chosen alternative"), max_length=1, choices=Alternative.choices, blank=True
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)

    scope_region_path = "task__plan__region__path"

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["task", "due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(chosen_alternative__in=["", "A", "B"]),
                name="workplan_milestone_alternative_value",
                violation_error_message=_("The chosen alternative must be plan A or plan B."),
            ),
            models.CheckConstraint(
                condition=~Q(chosen_alternative="B", alternative_b=""),
                name="workplan_milestone_chosen_b_exists",
                violation_error_message=_("Plan B cannot be chosen when it is not described."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Target(ScopedModel):
    """A quantity the plan names, e.g. 遴选认定100个左右教学创新团队."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="targets")
    label = models.CharField(_("label"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    # A range in the text ("2-3所"): quantity is the lower bound, quantity_max the upper one.
    quantity_max = models.PositiveIntegerField(_("upper bound"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=10)
    approximate = models.BooleanField(_("approximate (about)"), default=False)
    # A decimal: a target measured through 数据报送 carries the indicator's value as reported (a
    # rate, an amount in 万元); one typed by hand is a whole count (services.target_update_actual).
    actual = models.DecimalField(
        _("actual"),
        max_digits=20,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
    )
    phrase = models.CharField(_("wording in the plan"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    # The same quantity named by two items (the 100 教学创新团队 of KP4 and R17) is counted once: the
    # second target points at the first and is left out of totals.
    same_as = models.ForeignKey(
        "self",
        verbose_name=_("same as"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repeated_in",
    )

    # Measured through 数据报送: the actual is then the indicator's latest approved value at the
    # plan's region, carried in by the reporting approvals (services.targets_sync_reported), never typed.
    indicator = models.ForeignKey(
        "reporting.Indicator",
        verbose_name=_("reported indicator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reported_period = models.CharField(_("reported period"), max_length=10, blank=True)

    scope_region_path = "task__plan__region__path"

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["task", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="workplan_target_quantity_positive",
                violation_error_message=_("A target quantity must be positive."),
            ),
            models.CheckConstraint(
                condition=Q(quantity_max__isnull=True) | Q(quantity_max__gt=models.F("quantity")),
                name="workplan_target_range_ordered",
                violation_error_message=_("The upper bound must be greater than the quantity."),
            ),
            models.UniqueConstraint(
                fields=["task", "label"],
                name="workplan_target_unique_label",
                violation_error_message=_("The task already has a target with this label."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.quantity_text}{self.unit}"

    @property
    def quantity_text(self) -> str:
        """ "100", or "2–3" for a range."""
        return f"{self.quantity}–{self.quantity_max}" if self.quantity_max else str(self.quantity)

    @property
    def actual_text(self) -> str:
        """The actual without trailing zeros: "321", "12.5" (never "321.0000")."""
        from decimal import Decimal

        return format(Decimal(self.actual or 0).normalize(), "f")

    @property
    def percent(self) -> int:
        return min(100, round(self.actual * 100 / self.quantity)) if self.quantity else 0


class Dependency(ScopedModel):
    """``task`` cannot finish before ``depends_on``; the graph stays acyclic (services)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="dependencies"
    )
    depends_on = models.ForeignKey(
        Task, verbose_name=_("depends on"), on_delete=models.CASCADE, related_name="dependents"
    )

    scope_region_path = "task__plan__region__path"

    class Meta:
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "depends_on"],
                name="workplan_dependency_unique",
                violation_error_message=_("This dependency already exists."),
            ),
            models.CheckConstraint(
                condition=~Q(task=models.F("depends_on")),
                name="workplan_dependency_not_self",
                violation_error_message=_("A task cannot depend on itself."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task.label} → {self.depends_on.label}"


class Assignment(ScopedModel):
    """A sub-task given to a colleague or to a node of the tree (a city bureau or a school)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent assignment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    title = models.CharField(_("title"), max_length=200, validators=[validate_plain_text])
    instructions = models.TextField(_("instructions"), blank=True, validators=[validate_plain_text])
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.PROTECT,
        related_name="workplan_assignments_given",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("colleague"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workplan_assignments",
    )
    region = models.ForeignKey(
        "orgs.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )
    institution = models.ForeignKey(
        "orgs.Institution", verbose_name=_("institution"), null=True, blank=True, on_delete=models.PROTECT
    )
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.OPEN
    )
    # The region path of the node (the plan's region for a colleague), set by the services.
    scope_path = models.CharField(_("scope path"), max_length=60, db_index=True, editable=False)

    scope_region_path = "scope_path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["due_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(assignee__isnull=False, region__isnull=True, institution__isnull=True)
                    | Q(assignee__isnull=True, region__isnull=False, institution__isnull=True)
                    | Q(assignee__isnull=True, region__isnull=True, institution__isnull=False)
                ),
                name="workplan_assignment_one_assignee",
                violation_error_message=_(
                    "Give the assignment to exactly one colleague, region or institution."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.assignee_label}"

    @property
    def assignee_label(self) -> str:
        return str(self.assignee or self.region or self.institution or "")

    def get_absolute_url(self) -> str:
        return reverse("workplan:assignment_detail", args=[self.pk])


class ProgressReport(ScopedModel):
    """A progress report on a task, or an answer to an assignment, with evidence and links."""

    task = models.ForeignKey(Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports")
    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("assignment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reports",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), null=True, blank=True)
    text = models.TextField(_("report"), validators=[validate_plain_text])
    links = models.JSONField(_("links to platform records"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED
    )
    # When the report reached the division (earlier than created_at for one received on paper).
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now, db_index=True)
    scope_path = models.CharField(_("scope path"), max_length=60, db_index=True, editable=False)

    scope_region_path = "scope_path"
    scope_institution = "assignment__institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="workplan_report_progress_range",
                violation_error_message=_("Progress must be between 0 and 100."),
            ),
        ]
        indexes = [models.Index(fields=["task", "-submitted_at"])]

    def __str__(self) -> str:
        from zhijiao.core.display import day

        return f"{self.task.label} · {day(self.submitted_at)}" if self.submitted_at else self.task.label


class Evidence(ScopedModel):
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to="workplan/evidence/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200)
    size = models.PositiveIntegerField(_("size (bytes)"))
    content_type = models.CharField(_("content type"), max_length=100)

    scope_region_path = "report__scope_path"
    scope_institution = "report__assignment__institution_id"
    scope_change_nodes = frozenset({"region", "institution"})

    class Meta:
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name


class Acknowledgement(ScopedModel):
    """件件有着落、事事有回音: the owner's answer to one report (accepted / returned with reason)."""

    report = models.OneToOneField(
        ProgressReport, verbose_name=_("report"), on_delete=models.CASCADE, related_name="acknowledgement"
    )
    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True, validators=[validate_plain_text])
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acknowledged by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    scope_region_path = "report__scope_path"
    scope_institution = "report__assignment__institution_id"

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["-answered_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision=Decision.RETURNED, reason=""),
                name="workplan_ack_return_needs_reason",
                violation_error_message=_("A returned report needs a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} · {self.report}"


class Forum(ScopedModel):
    """月月有论坛、全年不断线 (key point 3): one forum on one of the plan's themes."""

    plan = models.ForeignKey(Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="forums")
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.SET_NULL, related_name="forums"
    )
    theme = models.CharField(_("theme"), max_length=100, validators=[validate_plain_text])
    title = models.CharField(_("title"), max_length=200, blank=True, validators=[validate_plain_text])
    host = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("host institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="workplan_forums",
    )
    date = models.DateField(_("date"))
    venue = models.CharField(_("venue"), max_length=200, blank=True, validators=[validate_plain_text])
    outcome_cases = models.TextField(
        _("outcome cases"), blank=True, help_text=_("One case per line."), validators=[validate_plain_text]
    )

    scope_region_path = _PROVINCE_SCOPE
    scope_public_view = True

    class Meta:
        verbose_name = _("forum")
        verbose_name_plural = _("forums")
        ordering = ["date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "theme", "date"],
                name="workplan_forum_unique",
                violation_error_message=_("A forum on this theme is already held on this date."),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.theme

    @property
    def cases(self) -> list[str]:
        return [line.strip() for line in self.outcome_cases.splitlines() if line.strip()]
