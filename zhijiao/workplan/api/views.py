from django.utils.translation import gettext_lazy as _

from zhijiao.core.api.views import ScopedModelViewSet, ScopedReadOnlyViewSet, service_action

from .. import selectors, services
from ..filtersets import (
    AcknowledgementFilterSet,
    AssignmentFilterSet,
    MilestoneFilterSet,
    ReportFilterSet,
    TaskFilterSet,
)
from ..models import Acknowledgement, Assignment, Milestone, ProgressReport, Task
from .serializers import (
    AcknowledgementSerializer,
    AcknowledgeSerializer,
    AssignmentSerializer,
    MilestoneSerializer,
    ProgressReportSerializer,
    ProgressSerializer,
    TaskSerializer,
)


def _task_list(*, user, action="view"):
    return selectors.task_list(user=user, action=action).prefetch_related("targets")


def _task_update(*, actor, task, data):
    return services.task_update(actor=actor, task=task, data=data)


class TaskViewSet(ScopedModelViewSet):
    """The plan's key points and routine tasks (province division); progress through ``/progress/``."""

    model = Task
    selector = staticmethod(_task_list)
    serializer_class = TaskSerializer
    filterset_class = TaskFilterSet
    ordering_fields = ("number", "due_date", "progress", "status")
    ordering = ("plan", "kind", "number")
    update_service = staticmethod(_task_update)
    service_instance_kwarg = "task"
    http_method_names = ["get", "patch", "post", "head", "options"]

    @service_action(
        request_serializer=ProgressSerializer, summary=_("Set progress (backwards needs a reason)")
    )
    def progress(self, request, instance, data):
        return services.task_update_progress(
            actor=request.user, task=instance, progress=data["progress"], reason=data["reason"]
        )


def _milestone_create(*, actor, data):
    return services.milestone_create(
        actor=actor,
        task=data["task"],
        title=data.get("title", ""),
        due_date=data.get("due_date"),
        alternative_a=data.get("alternative_a", ""),
        alternative_b=data.get("alternative_b", ""),
        chosen_alternative=data.get("chosen_alternative", ""),
    )


def _milestone_update(*, actor, milestone, data):
    data.pop("task", None)
    return services.milestone_update(actor=actor, milestone=milestone, data=data)


class MilestoneViewSet(ScopedModelViewSet):
    model = Milestone
    selector = staticmethod(selectors.milestone_list)
    serializer_class = MilestoneSerializer
    filterset_class = MilestoneFilterSet
    ordering_fields = ("due_date",)
    ordering = ("due_date", "id")
    create_service = staticmethod(_milestone_create)
    update_service = staticmethod(_milestone_update)
    service_instance_kwarg = "milestone"


def _report_submit(*, actor, data):
    return services.report_submit(
        actor=actor,
        task=data.get("task") if not data.get("assignment") else None,
        assignment=data.get("assignment"),
        text=data.get("text", ""),
        progress=data.get("progress"),
        links=data.get("links") or [],
    )


class ProgressReportViewSet(ScopedModelViewSet):
    """Progress reports and answers to assignments; ``/acknowledge/`` accepts or returns one."""

    model = ProgressReport
    selector = staticmethod(selectors.report_scoped_list)
    serializer_class = ProgressReportSerializer
    filterset_class = ReportFilterSet
    ordering_fields = ("submitted_at",)
    ordering = ("-submitted_at", "-id")
    create_service = staticmethod(_report_submit)
    http_method_names = ["get", "post", "head", "options"]

    @service_action(
        request_serializer=AcknowledgeSerializer, scope_action="view", summary=_("Accept or return a report")
    )
    def acknowledge(self, request, instance, data):
        services.report_acknowledge(
            actor=request.user, report=instance, decision=data["decision"], reason=data["reason"]
        )
        return instance


class AcknowledgementViewSet(ScopedReadOnlyViewSet):
    model = Acknowledgement
    selector = staticmethod(selectors.acknowledgement_scoped_list)
    serializer_class = AcknowledgementSerializer
    filterset_class = AcknowledgementFilterSet
    ordering_fields = ("answered_at",)
    ordering = ("-answered_at",)


class AssignmentViewSet(ScopedReadOnlyViewSet):
    model = Assignment
    selector = staticmethod(selectors.assignment_list)
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilterSet
    ordering_fields = ("due_date", "status")
    ordering = ("due_date", "id")
