"""Writes of placements: create, change, activate only when every rule passes, suspend, end."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.services import ensure_in_scope, model_create, model_update

from .. import rules
from ..choices import (
    PlacementStatus,
)
from ..facts import placement_facts, student_eligible
from ..models import (
    InternshipPlan,
    Placement,
    Post,
)
from .base import PlacementBlocked, _pick

# --- placements --------------------------------------------------------------------------------------
PLACEMENT_FIELDS = (
    "start_date",
    "end_date",
    "arranged_via",
    "self_application_on",
    "self_approved_on",
    "work_kind",
    "monthly_pay",
    "pay_cycle_days",
    "pay_method",
    "paid_directly",
    "special_arrangement_ref",
    "special_arrangement_authority",
    "special_arrangement_date",
)


def _record_check(placement: Placement, violations: list[rules.Violation]) -> None:
    """Store the result; messages are rendered in the site language (they are read later, by anyone)."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        placement.violations = [v.as_dict() for v in violations]
    placement.checked_at = timezone.now()
    Placement.objects.filter(pk=placement.pk).update(
        violations=placement.violations, checked_at=placement.checked_at
    )


def placement_check(placement: Placement, *, counting: bool | None = None) -> list[rules.Violation]:
    """Run every rule now and store the result on the placement (shown on its page)."""
    counting = placement.status != PlacementStatus.ACTIVE if counting is None else counting
    violations = rules.evaluate(placement_facts(placement, counting=counting))
    _record_check(placement, violations)
    return violations


def placement_dates_free(*, actor, enrolment, start_date, end_date, exclude_pk=None) -> None:
    """Refuse dates that overlap another placement of the same student (``rules.rule_no_overlap``,
    INT-OVERLAP). The student's enrolment rows are locked first, so two users placing the same
    student at the same moment are taken one after the other."""
    from zhijiao.core.scoping import is_in_scope
    from zhijiao.students.models import Enrolment

    list(Enrolment.objects.select_for_update().filter(student_id=enrolment.student_id).values_list("pk"))
    others = (
        Placement.objects.filter(
            enrolment__student_id=enrolment.student_id, status__in=rules.HOLDING_STATUSES
        )
        .exclude(pk=exclude_pk)
        .select_related("enterprise")
        .order_by("start_date", "id")
    )
    held = [
        rules.HeldPeriod(
            start=p.start_date,
            end=p.end_date,
            status=p.get_status_display(),
            # The host is named only to those who may see that placement (it may be another school's).
            host=p.enterprise.name if is_in_scope(p, actor, "view") else _("another host"),
        )
        for p in others
        if rules.periods_intersect(start_date, end_date, p.start_date, p.end_date)
    ]
    violations = rules.rule_no_overlap(start_date, end_date, held)
    if violations:
        raise ValidationError({"start_date": [str(violations[0].message)]})


@transaction.atomic
def placement_create(
    *, actor, plan: InternshipPlan, enrolment, post: Post, data: dict[str, Any]
) -> Placement:
    """A draft placement; rules are checked at once and the failures stored (activation is separate)."""
    data = _pick(data, PLACEMENT_FIELDS)
    if enrolment.institution_id != plan.institution_id:
        raise ValidationError({"enrolment": _("The student is not enrolled at the plan's institution.")})
    if not student_eligible(enrolment):
        raise ValidationError(
            {
                "enrolment": _(
                    "The student's enrolment is suspended, withdrawn or finished; they cannot be placed."
                )
            }
        )
    if not post.is_active:
        raise ValidationError({"post": _("The post is closed.")})
    data.setdefault("start_date", plan.start_date)
    data.setdefault("end_date", plan.end_date)
    if data["start_date"] < plan.start_date or data["end_date"] > plan.end_date:
        raise ValidationError({"start_date": _("The placement must lie within the plan's dates.")})
    placement_dates_free(
        actor=actor, enrolment=enrolment, start_date=data["start_date"], end_date=data["end_date"]
    )
    placement = Placement(
        plan=plan,
        enrolment=enrolment,
        post=post,
        institution_id=plan.institution_id,
        enterprise_id=post.enterprise_id,
        **data,
    )
    model_create(actor=actor, instance=placement)
    placement_check(placement)
    return placement


@transaction.atomic
def placement_update(*, actor, placement: Placement, data: dict[str, Any]) -> Placement:
    """Change a placement; an active one must still pass every rule afterwards (else nothing changes)."""
    data = _pick(data, PLACEMENT_FIELDS)
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    if placement.status == PlacementStatus.ENDED:
        raise ValidationError(_("An ended placement cannot be changed."))
    if "start_date" in data or "end_date" in data:
        start, end = data.get("start_date", placement.start_date), data.get("end_date", placement.end_date)
        if start < placement.plan.start_date or end > placement.plan.end_date:
            raise ValidationError({"start_date": _("The placement must lie within the plan's dates.")})
        if placement.status != PlacementStatus.ENDED:
            placement_dates_free(
                actor=actor,
                enrolment=placement.enrolment,
                start_date=start,
                end_date=end,
                exclude_pk=placement.pk,
            )
    placement, _changed = model_update(actor=actor, instance=placement, data=data)
    violations = placement_check(
        placement, counting=True if placement.status != PlacementStatus.ACTIVE else False
    )
    if placement.status == PlacementStatus.ACTIVE and rules.blocking(violations):
        raise PlacementBlocked(rules.blocking(violations))
    return placement


@transaction.atomic
def placement_activate(*, actor, placement: Placement) -> Placement:
    """Draft or suspended → active, only when every rule passes; each failure is listed.

    The host enterprise row is locked so two schools activating at the same host at the same time
    cannot both squeeze under the 10 %/20 % caps.
    """
    from zhijiao.enterprises.models import Enterprise

    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    ensure_in_scope(placement, actor, "change")
    if placement.status not in (PlacementStatus.DRAFT, PlacementStatus.SUSPENDED):
        raise ValidationError(_("Only a draft or suspended placement can be activated."))
    list(Enterprise.objects.select_for_update().filter(pk=placement.enterprise_id))
    violations = placement_check(placement, counting=True)
    blocked = rules.blocking(violations)
    if blocked:
        raise PlacementBlocked(blocked)
    before = snapshot(placement)
    placement.status = PlacementStatus.ACTIVE
    placement.activated_at = timezone.now()
    placement.status_reason = ""
    placement.save(update_fields=["status", "activated_at", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=placement,
        before=before,
        after=snapshot(placement),
        message="activate",
        event="placement.started",
    )
    return placement


def placement_try_activate(*, actor, placement: Placement) -> tuple[Placement, list[rules.Violation]]:
    """Activate, or return the violations (stored on the placement) without raising."""
    try:
        return placement_activate(actor=actor, placement=placement), []
    except PlacementBlocked as exc:
        placement_check(placement, counting=True)
        placement.refresh_from_db()
        return placement, exc.violations


STATUS_EVENTS = {PlacementStatus.SUSPENDED: "placement.suspended", PlacementStatus.ENDED: "placement.ended"}


def _set_status(
    *, actor, placement: Placement, status: str, reason: str, allowed_from: tuple[str, ...]
) -> Placement:
    placement = Placement.objects.select_for_update().get(pk=placement.pk)
    ensure_in_scope(placement, actor, "change")
    if placement.status not in allowed_from:
        raise ValidationError(_("The placement cannot move to this status from its current one."))
    before = snapshot(placement)
    placement.status, placement.status_reason = status, (reason or "")[:500]
    placement.save(update_fields=["status", "status_reason", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=placement,
        before=before,
        after=snapshot(placement),
        message=status,
        event=STATUS_EVENTS.get(status, ""),
    )
    return placement


@transaction.atomic
def placement_suspend(*, actor, placement: Placement, reason: str) -> Placement:
    if not (reason or "").strip():
        raise ValidationError(_("Give a reason for suspending the placement."))
    return _set_status(
        actor=actor,
        placement=placement,
        status=PlacementStatus.SUSPENDED,
        reason=reason,
        allowed_from=(PlacementStatus.ACTIVE,),
    )


@transaction.atomic
def placement_end(*, actor, placement: Placement, reason: str = "") -> Placement:
    return _set_status(
        actor=actor,
        placement=placement,
        status=PlacementStatus.ENDED,
        reason=reason,
        allowed_from=(PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED, PlacementStatus.DRAFT),
    )
