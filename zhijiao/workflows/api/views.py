from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from zhijiao.core.api.views import READ, ScopedReadOnlyViewSet, service_action
from zhijiao.workflows import selectors, services
from zhijiao.workflows.filtersets import ApprovalRequestFilterSet
from zhijiao.workflows.models import ApprovalEvent, ApprovalRequest, ApprovalStep

from .serializers import ApprovalRequestSerializer, DecisionSerializer, ReasonSerializer


def _with_children(qs):
    return qs.prefetch_related(
        Prefetch(
            "steps", queryset=ApprovalStep.objects.select_related("institution", "region", "decided_by")
        ),
        Prefetch("events", queryset=ApprovalEvent.objects.order_by("at", "id")),
    )


def _requests(*, user, action="view"):
    return _with_children(selectors.request_list(user=user, action=READ))


class ApprovalRequestViewSet(ScopedReadOnlyViewSet):
    """Approval requests along the org tree; decisions as POST actions (in order, at one's own node)."""

    model = ApprovalRequest
    # Decisions are checked by the services (node and order), so every action reads with "view".
    selector = staticmethod(_requests)
    serializer_class = ApprovalRequestSerializer
    filterset_class = ApprovalRequestFilterSet
    ordering_fields = ("submitted_at", "status", "kind")
    ordering = ("-submitted_at", "-id")

    @extend_schema(summary=_("Requests awaiting my decision"))
    @action(detail=False, methods=["get"])
    def worklist(self, request):
        qs = _with_children(selectors.worklist(user=request.user))
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @service_action(
        request_serializer=DecisionSerializer, scope_action=READ, summary=_("Approve the current step")
    )
    def approve(self, request, instance, data):
        return services.request_approve(actor=request.user, request=instance, comment=data.get("comment", ""))

    @service_action(
        url_path="return",
        request_serializer=ReasonSerializer,
        scope_action=READ,
        summary=_("Return with a reason"),
    )
    def return_(self, request, instance, data):
        return services.request_return(actor=request.user, request=instance, comment=data["comment"])

    @service_action(
        request_serializer=DecisionSerializer, scope_action=READ, summary=_("Resubmit after a return")
    )
    def resubmit(self, request, instance, data):
        return services.request_resubmit(
            actor=request.user, request=instance, comment=data.get("comment", "")
        )

    @service_action(request_serializer=ReasonSerializer, scope_action=READ, summary=_("Cancel the request"))
    def cancel(self, request, instance, data):
        return services.request_cancel(actor=request.user, request=instance, comment=data["comment"])


__all__ = ["ApprovalRequestViewSet", "Response"]
