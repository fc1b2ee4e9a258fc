"""Exceptions to the "一般/原则上" rules: the school requests, the authority receiving the 备案 decides."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope, model_create, model_update

from ..choices import ExceptionRule, ExceptionStatus
from ..models import Placement, RuleException
from .base import is_school_side
from .placements import placement_check
from .plans import is_filing_authority


def deciding_authority(actor, placement: Placement) -> str:
    """The name of the region through which ``actor`` receives the plan's 备案 ("" if they do not)."""
    from zhijiao.orgs.models import Region

    path = placement.institution.region.path
    paths = [g.region_path for g in user_scope(actor).grants_for("change") if g.region_path]
    mine = sorted((p for p in paths if path.startswith(p)), key=len, reverse=True)
    region = Region.objects.filter(path=mine[0]).first() if mine else None
    return region.name if region else ""


@transaction.atomic
def rule_exception_request(*, actor, placement: Placement, rule_id: str, reason: str) -> RuleException:
    """The school asks for an exception to a "一般/原则上" rule, with its reason."""
    if not is_school_side(actor, placement):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    if rule_id not in ExceptionRule.values:
        raise ValidationError({"rule_id": [_("This rule admits no exception.")]})
    exception = RuleException(placement=placement, rule_id=rule_id, reason=reason.strip(), requested_by=actor)
    return model_create(actor=actor, instance=exception, event="placement.exception_requested")


@transaction.atomic
def rule_exception_decide(
    *, actor, exception: RuleException, approve: bool, reference: str = "", note: str = ""
) -> RuleException:
    """The authority receiving the plan's 备案 (a region user above the school) approves or refuses;
    the placement is checked again, so an approved exception shows at once."""
    placement = exception.placement
    if not is_filing_authority(placement.plan, actor):
        raise OutOfScope(_("Only the authority receiving the plan's filing decides an exception."))
    if exception.status != ExceptionStatus.REQUESTED:
        raise ValidationError(_("The exception has already been decided."))
    if not approve and not note.strip():
        raise ValidationError({"decision_note": [_("Give a reason for refusing the exception.")]})
    exception, _changed = model_update(
        actor=actor,
        instance=exception,
        data={
            "status": ExceptionStatus.APPROVED if approve else ExceptionStatus.REFUSED,
            "authority": deciding_authority(actor, placement),
            "reference": reference.strip() or (f"LW-{exception.pk:06d}" if approve else ""),
            "decided_by": actor,
            "decided_at": timezone.now(),
            "decision_note": note.strip(),
        },
        event="placement.exception_approved" if approve else "placement.exception_refused",
    )
    placement_check(placement)
    return exception
