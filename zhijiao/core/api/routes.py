from .audit import AuditEntryViewSet
from .jobs import JobViewSet


def register(router) -> None:
    router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
    router.register("jobs", JobViewSet, basename="job")
