"""Reads of approval requests; every one starts from ``core.scoping.restrict``.

A request is visible to the submitting organisation's subtree (its own scope) and to every node
that decides one of its steps (the steps' scope, declared as ``ApprovalRequest.scope_relations``)
— a receiving school sees a transfer it approves.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from zhijiao.core.scoping import restrict, user_scope

from .choices import RequestStatus, StepStatus
from .models import ApprovalEvent, ApprovalRequest, ApprovalStep


def request_list(*, user, action: str = "view") -> QuerySet[ApprovalRequest]:
    # Own subtree or a step's node: ApprovalRequest.scope_relations declares the steps.
    return restrict(
        ApprovalRequest.objects.select_related("institution", "region", "submitted_by", "content_type"),
        user,
        action,
    )


def request_get(*, user, pk, action: str = "view") -> ApprovalRequest:
    return request_list(user=user, action=action).get(pk=pk)


def pending_steps_for(*, user) -> QuerySet[ApprovalStep]:
    """Steps awaiting a decision at a node where the user holds a ``change`` role (their worklist)."""
    scope = user_scope(user)
    steps = restrict(ApprovalStep.objects.filter(status=StepStatus.PENDING), user, "change")
    if scope.is_superuser:
        return steps
    node = Q(pk__in=[])
    for grant in scope.grants_for("change"):
        if grant.institution_id:
            node |= Q(institution_id=grant.institution_id)
        elif grant.region_path:
            node |= Q(region__isnull=False, node_path=grant.region_path)
    return steps.filter(node)


def worklist(*, user, kind: str | None = None) -> QuerySet[ApprovalRequest]:
    """Requests in review whose current step the user may decide, oldest first."""
    qs = ApprovalRequest.objects.filter(
        status=RequestStatus.IN_REVIEW, pk__in=pending_steps_for(user=user).values("request_id")
    ).select_related("institution", "region", "submitted_by")
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("submitted_at", "id")


def requests_for(target, *, user) -> QuerySet[ApprovalRequest]:
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(target)
    return request_list(user=user).filter(content_type=ct, object_id=target.pk)


def request_steps(request: ApprovalRequest) -> list[ApprovalStep]:
    return list(request.steps.select_related("institution", "region", "decided_by").order_by("order"))


def request_events(request: ApprovalRequest) -> list[ApprovalEvent]:
    return list(request.events.select_related("step").order_by("at", "id"))


def may_decide(*, user, request: ApprovalRequest) -> bool:
    if request.status != RequestStatus.IN_REVIEW:
        return False
    return pending_steps_for(user=user).filter(request=request, order=request.current_step).exists()


# --- home page figures (workflows/home.py) -----------------------------------------------------------
def waiting_count(*, user) -> int:
    """Requests waiting for the user's decision."""
    return worklist(user=user).count()


def own_request_counts(*, user) -> dict[str, int]:
    """The requests the user's organisation submitted, by status (in review, returned …)."""
    from django.db.models import Count

    own = restrict(ApprovalRequest.objects.all(), user, "change")
    return {r["status"]: r["n"] for r in own.order_by().values("status").annotate(n=Count("id"))}
