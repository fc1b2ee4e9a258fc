"""Batch work on placements: move to another post, leave requests, early termination.

Each write is atomic and audited; a post change and a termination change the placement itself, so
the rules run again (a post change that breaks a rule of an active placement is refused whole).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import restrict
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from .. import rules
from ..choices import PlacementStatus
from ..choices_batch import DecidingParty, LeaveKind, LeaveStatus, TerminationReason
from ..models import EarlyTermination, LeaveRequest, Placement, Post, PostChange
from .base import PlacementBlocked, is_school_side, is_student_of
from .placements import placement_check, placement_end

LEAVE_KIND = "internships.leave"
OPEN_STATUSES = (PlacementStatus.DRAFT, PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED)


def _text(value: str, field: str, message: str) -> str:
    value = normalize_text(value or "")
    if not value:
        raise ValidationError({field: [message]})
    return value


def _locked(placement: Placement) -> Placement:
    return Placement.objects.select_for_update(of=("self",)).select_related("plan").get(pk=placement.pk)


# --- post changes -------------------------------------------------------------------------------------
@transaction.atomic
def placement_change_post(
    *, actor, placement: Placement, to_post: Post, effective_on: dt.date, reason: str
) -> PostChange:
    """Move a placement to another post (the host follows the post) from ``effective_on``.

    The placement is checked against every rule at once; an active placement that would break a
    blocking rule at the new post is left as it was and the failures are raised.
    """
    placement = _locked(placement)
    ensure_in_scope(placement, actor, "change")
    reason = _text(reason, "reason", _("Give a reason for the post change."))
    if placement.status not in OPEN_STATUSES:
        raise ValidationError(_("An ended placement cannot change its post."))
    if to_post.pk == placement.post_id:
        raise ValidationError({"to_post": [_("The placement is already on this post.")]})
    if not restrict(Post.objects.filter(pk=to_post.pk), actor, "view").exists():
        raise ValidationError({"to_post": [_("The post does not exist or is outside your organisation.")]})
    if not to_post.is_active:
        raise ValidationError({"to_post": [_("The post is closed.")]})
    if not (placement.start_date <= effective_on <= placement.end_date):
        raise ValidationError(
            {"effective_on": [_("The change must take effect within the placement's dates.")]}
        )
    change = model_create(
        actor=actor,
        instance=PostChange(
            placement=placement,
            from_post_id=placement.post_id,
            to_post=to_post,
            effective_on=effective_on,
            reason=reason,
            decided_by=actor,
        ),
        event="placement.post_changed",
    )
    if placement.status == PlacementStatus.ACTIVE:
        # The host's caps count placements under one lock, as on activation.
        from zhijiao.enterprises.models import Enterprise

        list(Enterprise.objects.select_for_update().filter(pk=to_post.enterprise_id))
    placement, _changed = model_update(
        actor=actor,
        instance=placement,
        data={"post": to_post, "enterprise_id": to_post.enterprise_id},
        message=_("Post change"),
    )
    violations = placement_check(placement, counting=placement.status != PlacementStatus.ACTIVE)
    if placement.status == PlacementStatus.ACTIVE and rules.blocking(violations):
        raise PlacementBlocked(rules.blocking(violations))
    return change


# --- leave requests -----------------------------------------------------------------------------------
@transaction.atomic
def leave_request_submit(
    *, actor, placement: Placement, kind: str, start_date: dt.date, end_date: dt.date, reason: str
) -> LeaveRequest:
    """The student asks for leave during their active placement."""
    if not is_student_of(actor, placement):
        raise OutOfScope(_("Only the student of the placement may ask for leave."))
    if placement.status != PlacementStatus.ACTIVE:
        raise ValidationError(_("Leave can be asked for during an active placement only."))
    if kind not in LeaveKind.values:
        raise ValidationError({"kind": [_("Choose a kind of leave.")]})
    reason = _text(reason, "reason", _("Give a reason for the leave."))
    if end_date < start_date:
        raise ValidationError({"end_date": [_("The last day must not be before the first day.")]})
    if start_date < placement.start_date or end_date > placement.end_date:
        raise ValidationError({"start_date": [_("The leave must lie within the placement's dates.")]})
    overlapping = LeaveRequest.objects.filter(
        placement=placement,
        status__in=(LeaveStatus.REQUESTED, LeaveStatus.APPROVED),
        start_date__lte=end_date,
        end_date__gte=start_date,
    )
    if overlapping.exists():
        raise ValidationError({"start_date": [_("Another leave request covers some of these days.")]})
    leave = LeaveRequest(
        placement=placement,
        kind=kind,
        start_date=start_date,
        end_date=end_date,
        reason=reason,
        requested_by=actor,
    )
    return model_create(actor=actor, instance=leave, scope_action="submit", event="leave.requested")


def is_leave_decider(leave: LeaveRequest, actor) -> bool:
    """The school (or authority) of the placement, or its current school mentor."""
    return is_school_side(actor, leave.placement)


def is_leave_student(leave: LeaveRequest, actor) -> bool:
    return is_student_of(actor, leave.placement)


def leave_decision_data(leave: LeaveRequest, ctx: dict) -> dict:
    return {"decided_at": timezone.now(), "decision_note": (ctx.get("reason") or "")[:500]}


def leave_record_decider(leave: LeaveRequest, actor, ctx: dict) -> None:
    LeaveRequest.objects.filter(pk=leave.pk).update(decided_by=actor)
    leave.decided_by = actor


def leave_request_decide(*, actor, leave: LeaveRequest, approve: bool, note: str = "") -> LeaveRequest:
    """Approve or refuse (a refusal needs a reason), through the ``internships.leave`` lifecycle."""
    from zhijiao.core.lifecycle import fire

    return fire(LEAVE_KIND, leave, "approve" if approve else "refuse", actor=actor, reason=note)


def leave_request_withdraw(*, actor, leave: LeaveRequest) -> LeaveRequest:
    from zhijiao.core.lifecycle import fire

    return fire(LEAVE_KIND, leave, "withdraw", actor=actor)


# --- early termination --------------------------------------------------------------------------------
@transaction.atomic
def placement_terminate(
    *,
    actor,
    placement: Placement,
    reason: str,
    explanation: str,
    ended_on: dt.date,
    decided_by_party: str,
) -> EarlyTermination:
    """End a placement before its planned end: the reason, the last day, which party decided.

    The placement's end date becomes ``ended_on`` and it ends through ``placement_end``; open leave
    requests after that day lapse (withdrawn).
    """
    placement = _locked(placement)
    ensure_in_scope(placement, actor, "change")
    if placement.status not in OPEN_STATUSES:
        raise ValidationError(_("The placement has already ended."))
    if reason not in TerminationReason.values:
        raise ValidationError({"reason": [_("Choose the reason for ending the placement.")]})
    if decided_by_party not in DecidingParty.values:
        raise ValidationError({"decided_by_party": [_("Say who decided to end the placement.")]})
    explanation = _text(explanation, "explanation", _("Explain why the placement ends early."))
    if not (placement.start_date <= ended_on <= placement.end_date):
        raise ValidationError({"ended_on": [_("The last day must lie within the placement's dates.")]})
    termination = model_create(
        actor=actor,
        instance=EarlyTermination(
            placement=placement,
            reason=reason,
            explanation=explanation,
            ended_on=ended_on,
            decided_by_party=decided_by_party,
            recorded_by=actor,
        ),
        event="placement.terminated",
    )
    model_update(actor=actor, instance=placement, data={"end_date": ended_on}, message=_("Early termination"))
    for leave in LeaveRequest.objects.filter(
        placement=placement, status=LeaveStatus.REQUESTED, start_date__gt=ended_on
    ):
        model_update(
            actor=actor,
            instance=leave,
            data={"status": LeaveStatus.WITHDRAWN},
            message=_("Early termination"),
        )
    placement_end(
        actor=actor,
        placement=placement,
        reason=f"{TerminationReason(reason).label}: {explanation}",
    )
    return termination
