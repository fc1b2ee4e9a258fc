from .views import (
    BatchViewSet,
    EnrolmentViewSet,
    GraduationListViewSet,
    GraduationViewSet,
    StatusChangeViewSet,
    StudentViewSet,
)


def register(router) -> None:
    router.register("students", StudentViewSet, basename="student")
    router.register("enrolments", EnrolmentViewSet, basename="enrolment")
    router.register("registration-batches", BatchViewSet, basename="registration-batch")
    router.register("status-changes", StatusChangeViewSet, basename="status-change")
    router.register("graduations", GraduationViewSet, basename="graduation")
    router.register("graduation-lists", GraduationListViewSet, basename="graduation-list")
