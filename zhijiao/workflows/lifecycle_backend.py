"""The approval chain as a kind of lifecycle transition: ``core.lifecycle`` files documents
through this backend (registered in ``WorkflowsConfig.ready``)."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType

from .choices import RequestStatus
from .models import ApprovalRequest


def _requests(obj, kind: str):
    ct = ContentType.objects.get_for_model(obj)
    return ApprovalRequest.objects.filter(content_type=ct, object_id=obj.pk, kind=kind)


def submit(lifecycle, obj, *, actor, note: str = "") -> ApprovalRequest:
    """File ``obj`` into its chain; a request of the kind that came back (returned) starts again."""
    from .services import request_resubmit, request_submit

    approval = lifecycle.approval
    returned = _requests(obj, approval.kind).filter(status=RequestStatus.RETURNED).order_by("-id").first()
    if returned is not None:
        return request_resubmit(actor=actor, request=returned, comment=note)
    return request_submit(
        actor=actor,
        kind=approval.kind,
        target=obj,
        institution=approval.institution(obj),
        title=str(approval.title(obj)),
        note=note,
    )


def current_node(obj, kind: str):
    """The school or authority whose decision the open request of ``kind`` on ``obj`` awaits."""
    request = _requests(obj, kind).filter(status=RequestStatus.IN_REVIEW).order_by("-id").first()
    if request is None:
        return None
    step = request.steps.filter(order=request.current_step).select_related("institution", "region").first()
    return step.node if step is not None else None
