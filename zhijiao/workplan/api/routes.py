from .views import (
    AcknowledgementViewSet,
    AssignmentViewSet,
    MilestoneViewSet,
    ProgressReportViewSet,
    TaskViewSet,
)


def register(router) -> None:
    router.register("workplan-tasks", TaskViewSet, basename="workplan-task")
    router.register("workplan-milestones", MilestoneViewSet, basename="workplan-milestone")
    router.register("workplan-reports", ProgressReportViewSet, basename="workplan-report")
    router.register("workplan-acknowledgements", AcknowledgementViewSet, basename="workplan-acknowledgement")
    router.register("workplan-assignments", AssignmentViewSet, basename="workplan-assignment")
