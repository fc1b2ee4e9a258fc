from .views import ApprovalRequestViewSet


def register(router) -> None:
    router.register("approval-requests", ApprovalRequestViewSet, basename="approval-request")
