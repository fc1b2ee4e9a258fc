"""Writes of the approval mechanism: submit, approve, return with a reason, resubmit, cancel.

Rules (each a named function):
- ``check_in_order``: only the current step may be decided; "approving out of order" is refused.
- ``check_may_decide``: the actor holds a ``change`` role at exactly the step's node, and the
  step lies inside the actor's scope (``core.scoping.restrict``).
- ``check_open``: decided, returned or cancelled requests take no further decisions.
- ``check_is_submitter``: only the organisation that submitted a request withdraws it.
Every action writes an ``ApprovalEvent`` and an audit entry in the same transaction as the
kind's hook (``on_approved`` …), so a failing hook rolls the decision back.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.actors import decides_any_step
from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope
from zhijiao.core.validators import normalize_text, validate_plain_text
from zhijiao.orgs.models import Institution, Region

from .choices import EventKind, RequestStatus, StepLevel, StepStatus
from .models import ApprovalEvent, ApprovalRequest, ApprovalStep
from .registry import StepSpec, WorkflowKind, get_kind


# --- chains ---------------------------------------------------------------------------------------
def province_of(region: Region) -> Region:
    return Region.objects.get(path=region.path.split("/")[0] + "/")


def city_of(region: Region) -> Region:
    parts = [p for p in region.path.split("/") if p]
    if len(parts) < 2:
        raise ValidationError(_("%(region)s lies above city level.") % {"region": region})
    return Region.objects.get(path="/".join(parts[:2]) + "/")


def node_for_level(level: str, institution: Institution):
    if level == StepLevel.INSTITUTION:
        return institution
    if level == StepLevel.CITY:
        return city_of(institution.region)
    if level == StepLevel.PROVINCE:
        return province_of(institution.region)
    raise ValueError(level)


def default_chain(kind: WorkflowKind, institution: Institution) -> list[StepSpec]:
    """The kind's levels (settings.WORKFLOW_CHAINS may override them) above ``institution``."""
    return [StepSpec(level, node_for_level(level, institution)) for level in kind.chain_levels()]


def _step_from_spec(request: ApprovalRequest, order: int, spec: StepSpec) -> ApprovalStep:
    if isinstance(spec.node, Institution):
        return ApprovalStep(
            request=request,
            order=order,
            level=spec.level,
            institution=spec.node,
            node_path=spec.node.region.path,
        )
    return ApprovalStep(
        request=request, order=order, level=spec.level, region=spec.node, node_path=spec.node.path
    )


def _clean_text(value: str, *, required: bool, what: str) -> str:
    value = normalize_text(value or "")
    if required and not value:
        raise ValidationError({"comment": _("Give a reason (%(what)s).") % {"what": what}})
    validate_plain_text(value)
    return value


AUDIT_EVENTS = {
    EventKind.SUBMIT: "approval.submitted",
    EventKind.APPROVE: "approval.approved",
    EventKind.RETURN: "approval.returned",
    EventKind.RESUBMIT: "approval.resubmitted",
    EventKind.CANCEL: "approval.cancelled",
}


def _event(request, kind, actor, *, step=None, comment="", final=False) -> None:
    node = step.node if step is not None else (request.institution or request.region)
    ApprovalEvent.objects.create(
        request=request,
        step=step,
        kind=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=actor.get_username() if getattr(actor, "is_authenticated", False) else "system",
        node_label=str(node)[:200],
        comment=comment,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=request,
        after={"event": str(kind), "step": step.order if step else None, "node": str(node)},
        message=f"{kind}: {comment}"[:500],
        event="approval.completed" if final else AUDIT_EVENTS[kind],
    )


# --- rules ------------------------------------------------------------------------------------------
def is_submitter(request: ApprovalRequest, actor) -> bool:
    """Does ``actor`` hold a ``change`` role at exactly the submitting node (the school, or the
    authority for a request it filed itself)? A city above a school sees the school's request and
    decides its step, but the request is not the city's to withdraw."""
    scope = user_scope(actor)
    if scope.is_superuser:
        return True
    for grant in scope.grants_for("change"):
        if request.institution_id is not None:
            if grant.institution_id == request.institution_id:
                return True
        elif grant.region_path and grant.region_path == request.region.path:
            return True
    return False


def check_is_submitter(request: ApprovalRequest, actor) -> None:
    """Only the submitting organisation withdraws its request."""
    if not is_submitter(request, actor):
        raise PermissionDenied(_("Only the organisation that submitted this request may withdraw it."))


def check_open(request: ApprovalRequest) -> None:
    """Only a request in review takes decisions (finished ones are final)."""
    if request.status != RequestStatus.IN_REVIEW:
        raise ValidationError(
            _("This request is %(status)s; it takes no further decisions.")
            % {"status": request.get_status_display()}
        )


def check_in_order(request: ApprovalRequest, step: ApprovalStep) -> None:
    """Steps are decided one after another: a later node may not approve before an earlier one."""
    if (
        step.request_id != request.pk
        or step.order != request.current_step
        or step.status != StepStatus.PENDING
    ):
        raise ValidationError(
            _("Approving out of order: step %(order)s (%(node)s) is not the one awaiting a decision.")
            % {"order": step.order, "node": step.node}
        )


def actor_holds_node(actor, step: ApprovalStep) -> bool:
    """The actor holds a role allowing ``change`` at exactly the step's node."""
    scope = user_scope(actor)
    if scope.is_superuser:
        return True
    for grant in scope.grants_for("change"):
        if step.institution_id and grant.institution_id == step.institution_id:
            return True
        if step.region_id and grant.region_path and grant.region_path == step.node_path:
            return True
    return False


def check_may_decide(actor, step: ApprovalStep) -> None:
    """The approver holds a role at the step's node, and the step lies in their scope."""
    from .selectors import request_list

    if not request_list(user=actor).filter(pk=step.request_id).exists():
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    in_scope = restrict(ApprovalStep.objects.filter(pk=step.pk), actor, "change").exists()
    if not in_scope or not actor_holds_node(actor, step):
        raise ValidationError(_("Only %(node)s may decide this step.") % {"node": step.node})


def current_step(request: ApprovalRequest) -> ApprovalStep | None:
    return request.steps.filter(order=request.current_step).select_related("institution", "region").first()


# --- services ----------------------------------------------------------------------------------------
@transaction.atomic
def request_submit(
    *,
    actor,
    kind: str,
    target: models.Model,
    institution: Institution,
    title: str,
    note: str = "",
    chain: list[StepSpec] | None = None,
) -> ApprovalRequest:
    """Open a request on ``target`` owned by ``institution``; the first step awaits its decision."""
    spec = get_kind(kind)
    if spec is None:
        raise ValidationError(_("Unknown kind of approval."))
    if not restrict(Institution.objects.filter(pk=institution.pk), actor, "view").exists():
        raise OutOfScope(_("You may only submit requests for your own organisation."))
    ct = ContentType.objects.get_for_model(target)
    if ApprovalRequest.objects.filter(
        content_type=ct, object_id=target.pk, kind=kind, status=RequestStatus.IN_REVIEW
    ).exists():
        raise ValidationError(_("A request for this is already in review."))
    if chain is None:
        chain = (
            spec.build_chain(target, institution) if spec.build_chain else default_chain(spec, institution)
        )
    if not chain:
        raise ValidationError(_("This kind of request has no approval steps configured."))
    request = ApprovalRequest(
        kind=kind,
        title=normalize_text(title)[:200],
        content_type=ct,
        object_id=target.pk,
        institution=institution,
        region=institution.region,
        note=_clean_text(note, required=False, what=""),
        submitted_by=actor if getattr(actor, "is_authenticated", False) else None,
        submitted_at=timezone.now(),
        current_step=1,
    )
    request.full_clean()
    request.save()
    steps = [_step_from_spec(request, i, s) for i, s in enumerate(chain, start=1)]
    steps[0].status = StepStatus.PENDING
    ApprovalStep.objects.bulk_create(steps)
    audit_record(
        actor=actor, action=AuditAction.CREATE, instance=request, after={"kind": kind, "title": request.title}
    )
    _event(request, EventKind.SUBMIT, actor, comment=request.note)
    return request


def _lock(request: ApprovalRequest) -> ApprovalRequest:
    return (
        ApprovalRequest.objects.select_for_update(of=("self",))
        .select_related("institution", "region")
        .get(pk=request.pk)
    )


@transaction.atomic
def request_approve(
    *,
    actor,
    request: ApprovalRequest,
    step: ApprovalStep | None = None,
    comment: str = "",
) -> ApprovalRequest:
    """Approve the current step; after the last step the kind's ``on_approved`` runs.

    The actor must hold a role at the step's node — or be a system actor declared to decide any
    step (``core.actors``: the demo loader), which the step then records as its decider.
    """
    request = _lock(request)
    check_open(request)
    if step is None:
        step = current_step(request)
    check_in_order(request, step)
    if not decides_any_step(actor):
        check_may_decide(actor, step)
    comment = _clean_text(comment, required=False, what="")
    now = timezone.now()
    ApprovalStep.objects.filter(pk=step.pk).update(
        status=StepStatus.APPROVED,
        decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        decided_at=now,
        comment=comment,
    )
    following = request.steps.filter(order=step.order + 1).first()
    _event(request, EventKind.APPROVE, actor, step=step, comment=comment, final=following is None)
    if following is not None:
        ApprovalStep.objects.filter(pk=following.pk).update(status=StepStatus.PENDING)
        ApprovalRequest.objects.filter(pk=request.pk).update(current_step=following.order, updated_at=now)
    else:
        ApprovalRequest.objects.filter(pk=request.pk).update(
            status=RequestStatus.APPROVED, finished_at=now, updated_at=now
        )
        request.refresh_from_db()
        spec = get_kind(request.kind)
        if spec and spec.on_approved:
            spec.on_approved(request, actor)
    request.refresh_from_db()
    return request


@transaction.atomic
def request_return(
    *, actor, request: ApprovalRequest, comment: str, step: ApprovalStep | None = None
) -> ApprovalRequest:
    """Send the request back to its submitter with a reason; it may be corrected and resubmitted."""
    request = _lock(request)
    check_open(request)
    if step is None:
        step = current_step(request)
    check_in_order(request, step)
    check_may_decide(actor, step)
    comment = _clean_text(comment, required=True, what=_("why it is returned"))
    now = timezone.now()
    ApprovalStep.objects.filter(pk=step.pk).update(
        status=StepStatus.RETURNED, decided_by=actor, decided_at=now, comment=comment
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(status=RequestStatus.RETURNED, updated_at=now)
    _event(request, EventKind.RETURN, actor, step=step, comment=comment)
    request.refresh_from_db()
    spec = get_kind(request.kind)
    if spec and spec.on_returned:
        spec.on_returned(request, actor, comment)
    return request


@transaction.atomic
def request_resubmit(*, actor, request: ApprovalRequest, comment: str = "") -> ApprovalRequest:
    """After a return: the chain starts again from its first step."""
    request = _lock(request)
    ensure_in_scope(request, actor, "change")
    if request.status != RequestStatus.RETURNED:
        raise ValidationError(_("Only a returned request can be resubmitted."))
    comment = _clean_text(comment, required=False, what="")
    now = timezone.now()
    request.steps.update(status=StepStatus.WAITING, decided_by=None, decided_at=None)
    request.steps.filter(order=1).update(status=StepStatus.PENDING)
    ApprovalRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.IN_REVIEW, current_step=1, updated_at=now, submitted_at=now
    )
    _event(request, EventKind.RESUBMIT, actor, comment=comment)
    request.refresh_from_db()
    spec = get_kind(request.kind)
    if spec and spec.on_resubmitted:
        spec.on_resubmitted(request, actor)
    return request


@transaction.atomic
def request_cancel(*, actor, request: ApprovalRequest, comment: str) -> ApprovalRequest:
    """The submitting organisation withdraws a request that is in review or returned."""
    request = _lock(request)
    ensure_in_scope(request, actor, "change")
    check_is_submitter(request, actor)
    if request.status not in (RequestStatus.IN_REVIEW, RequestStatus.RETURNED):
        raise ValidationError(
            _("This request is %(status)s; it cannot be cancelled.")
            % {"status": request.get_status_display()}
        )
    comment = _clean_text(comment, required=True, what=_("why it is cancelled"))
    now = timezone.now()
    request.steps.filter(status__in=[StepStatus.WAITING, StepStatus.PENDING]).update(
        status=StepStatus.CANCELLED
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.CANCELLED, finished_at=now, updated_at=now
    )
    _event(request, EventKind.CANCEL, actor, comment=comment)
    request.refresh_from_db()
    spec = get_kind(request.kind)
    if spec and spec.on_cancelled:
        spec.on_cancelled(request, actor, comment)
    return request


# --- bulk approval (issue 14: a city's 35 schools approved in ≤ 1 s) ----------------------------------
def _lock_with_steps(request_ids: list[int]) -> dict[int, tuple[ApprovalRequest, list[ApprovalStep]]]:
    """The requests, locked (in id order), with all their steps, in one statement. The steps are
    read, not locked — as ``request_approve``, which holds only the request's lock while it writes
    them (locking them here too could deadlock with it)."""
    found: dict[int, tuple[ApprovalRequest, list[ApprovalStep]]] = {}
    steps = (
        ApprovalStep.objects.select_for_update(of=("request",))
        .select_related("request__institution", "request__region", "institution", "region")
        .filter(request_id__in=request_ids)
        .order_by("request_id", "order")
    )
    for step in steps:
        request, chain = found.setdefault(step.request_id, (step.request, []))
        step.request = request
        chain.append(step)
    return found


def _may_decide_many(actor, steps: list[ApprovalStep]) -> dict[int, Exception]:
    """``check_may_decide`` for many steps: the requests in the actor's sight and the steps in
    their change scope, one query each; the node check in memory (the actor's grants, read once)."""
    from .selectors import request_list

    refused: dict[int, Exception] = {}
    if not steps:
        return refused
    visible = set(
        request_list(user=actor).filter(pk__in=[s.request_id for s in steps]).values_list("pk", flat=True)
    )
    changeable = set(
        restrict(ApprovalStep.objects.filter(pk__in=[s.pk for s in steps]), actor, "change").values_list(
            "pk", flat=True
        )
    )
    holds: dict[tuple, bool] = {}
    for step in steps:
        if step.request_id not in visible:
            refused[step.request_id] = OutOfScope(
                _("The record does not exist or is outside your organisation.")
            )
            continue
        node = (step.institution_id, step.region_id, step.node_path)
        if node not in holds:
            holds[node] = actor_holds_node(actor, step)
        if step.pk not in changeable or not holds[node]:
            refused[step.request_id] = ValidationError(
                _("Only %(node)s may decide this step.") % {"node": step.node}
            )
    return refused


@transaction.atomic
def requests_approve(
    *, actor, requests, comment: str = ""
) -> tuple[list[ApprovalRequest], dict[int, Exception]]:
    """Approve the current step of each request at once — what ``request_approve`` does to each,
    written set-based: the requests and their steps locked in one statement; each checked
    (``check_open``, ``check_in_order``, ``check_may_decide`` — the role checks once per node);
    the step updates, the following steps, the request updates, the approval events and their
    audit entries written in a few statements whatever their number. Then, for the requests whose
    last step this was, the kind's ``on_approved_many`` once for all of them when it declares one,
    else its ``on_approved`` for each.

    Returns (approved requests, {request id: the refusal}): a refused request (not open, not at its
    step, not the actor's to decide) changes nothing; the others go on. A hook that raises rolls
    the whole batch back (the caller may then decide one by one)."""
    wanted = list(dict.fromkeys(r.pk for r in requests))
    locked = _lock_with_steps(wanted)
    refused: dict[int, Exception] = {}
    try:
        comment = _clean_text(comment, required=False, what="")
        comment_problem = None
    except ValidationError as exc:
        comment_problem = exc
    # (request, its current step, the following step or None)
    ready: list[tuple[ApprovalRequest, ApprovalStep, ApprovalStep | None]] = []
    for pk in wanted:
        if pk not in locked:
            refused[pk] = ValidationError(_("Nothing to decide."))
            continue
        request, chain = locked[pk]
        try:
            check_open(request)
            by_order = {s.order: s for s in chain}
            step = by_order.get(request.current_step)
            if step is None:
                raise ValidationError(_("Nothing to decide."))
            check_in_order(request, step)
        except ValidationError as exc:
            refused[pk] = exc
            continue
        ready.append((request, step, by_order.get(step.order + 1)))
    if ready and not decides_any_step(actor):
        refused.update(_may_decide_many(actor, [step for _r, step, _f in ready]))
        ready = [item for item in ready if item[0].pk not in refused]
    if comment_problem is not None:
        refused.update({request.pk: comment_problem for request, _s, _f in ready})
        ready = []
    if not ready:
        return [], refused

    from zhijiao.core.audit import actor_fields, entry_row, write_entries

    now = timezone.now()
    authenticated = getattr(actor, "is_authenticated", False)
    decider = actor if authenticated else None
    ApprovalStep.objects.filter(pk__in=[step.pk for _r, step, _f in ready]).update(
        status=StepStatus.APPROVED, decided_by=decider, decided_at=now, comment=comment
    )
    following = [f.pk for _r, _s, f in ready if f is not None]
    if following:
        ApprovalStep.objects.filter(pk__in=following).update(status=StepStatus.PENDING)
    moving = [request.pk for request, _s, f in ready if f is not None]
    if moving:
        ApprovalRequest.objects.filter(pk__in=moving).update(
            current_step=models.F("current_step") + 1, updated_at=now
        )
    finished = [request.pk for request, _s, f in ready if f is None]
    if finished:
        ApprovalRequest.objects.filter(pk__in=finished).update(
            status=RequestStatus.APPROVED, finished_at=now, updated_at=now
        )
    who = actor_fields(actor)
    events, audits = [], []
    for request, step, nxt in ready:
        node = step.node
        events.append(
            ApprovalEvent(
                request=request,
                step=step,
                kind=EventKind.APPROVE,
                actor=decider,
                actor_name=actor.get_username() if authenticated else "system",
                node_label=str(node)[:200],
                comment=comment,
            )
        )
        audits.append(
            entry_row(
                who=who,
                action=AuditAction.UPDATE,
                instance=request,
                after={"event": str(EventKind.APPROVE), "step": step.order, "node": str(node)},
                message=f"{EventKind.APPROVE}: {comment}"[:500],
                event="approval.completed" if nxt is None else AUDIT_EVENTS[EventKind.APPROVE],
            )
        )
        # What ``request_approve`` reads back from the row, set in memory.
        step.status, step.decided_by, step.decided_at, step.comment = (
            StepStatus.APPROVED,
            decider,
            now,
            comment,
        )
        request.updated_at = now
        if nxt is not None:
            nxt.status = StepStatus.PENDING
            request.current_step = nxt.order
        else:
            request.status, request.finished_at = RequestStatus.APPROVED, now
    ApprovalEvent.objects.bulk_create(events)
    write_entries(audits)
    done = [request for request, _s, nxt in ready if nxt is None]
    by_kind: dict[str, list[ApprovalRequest]] = {}
    for request in done:
        by_kind.setdefault(request.kind, []).append(request)
    for kind, group in by_kind.items():
        spec = get_kind(kind)
        if spec is None:
            continue
        if spec.on_approved_many is not None:
            spec.on_approved_many(group, actor)
        elif spec.on_approved is not None:
            for request in group:
                spec.on_approved(request, actor)
    return [request for request, _s, _f in ready], refused
