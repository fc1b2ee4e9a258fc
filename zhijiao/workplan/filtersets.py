import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet, YesNoFilter

from .choices import AssignmentStatus, Decision, ReportStatus, TaskKind, TaskStatus
from .models import Acknowledgement, Assignment, Milestone, ProgressReport, Task


class TaskFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    plan__year = django_filters.NumberFilter(label=_("Year"))
    kind = django_filters.ChoiceFilter(choices=TaskKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=TaskStatus.choices, label=_("Status"))
    theme = django_filters.NumberFilter(field_name="theme_id", label=_("Theme"))
    owner = django_filters.NumberFilter(field_name="owner_id", label=_("Owner"))

    class Meta:
        model = Task
        fields = ["q", "plan__year", "kind", "status", "theme", "owner"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(text__icontains=value))


class MilestoneFilterSet(FilterSet):
    task = django_filters.NumberFilter(field_name="task_id", label=_("Task"))
    due_before = django_filters.DateFilter(
        field_name="due_date", lookup_expr="lte", label=_("Due on or before")
    )
    open = YesNoFilter(field_name="done_on", lookup_expr="isnull", label=_("Not done"))

    class Meta:
        model = Milestone
        fields = ["task", "due_before", "open"]


class ReportFilterSet(FilterSet):
    task = django_filters.NumberFilter(field_name="task_id", label=_("Task"))
    assignment = django_filters.NumberFilter(field_name="assignment_id", label=_("Assignment"))
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label=_("Status"))

    class Meta:
        model = ProgressReport
        fields = ["task", "assignment", "status"]


class AcknowledgementFilterSet(FilterSet):
    decision = django_filters.ChoiceFilter(choices=Decision.choices, label=_("Decision"))
    report = django_filters.NumberFilter(field_name="report_id", label=_("Report"))

    class Meta:
        model = Acknowledgement
        fields = ["decision", "report"]


class AssignmentFilterSet(FilterSet):
    task = django_filters.NumberFilter(field_name="task_id", label=_("Task"))
    status = django_filters.ChoiceFilter(choices=AssignmentStatus.choices, label=_("Status"))

    class Meta:
        model = Assignment
        fields = ["task", "status"]
