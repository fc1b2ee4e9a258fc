"""Readiness before the start: 岗前安全培训 and its test, 跨省/境外 approval and filing, a minor's health
check and registration. The school records; the authority above it approves an internship outside the
province, and the province records the filing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update

from ..models import Placement, PlacementSafety
from ..models.safety import Destination
from .placements import placement_check
from .plans import is_filing_authority
from .vetting import is_province

SAFETY_FIELDS = (
    "training_on",
    "test_passed_on",
    "destination",
    "destination_detail",
    "health_check_on",
    "minor_registered_on",
    "minor_registration_no",
)


def _safety(placement: Placement) -> PlacementSafety | None:
    return PlacementSafety.objects.filter(placement=placement).first()


@transaction.atomic
def safety_record(*, actor, placement: Placement, data: dict[str, Any]) -> PlacementSafety:
    """The school records the training and test, the destination and a minor's health check and
    registration; changing the destination voids an earlier approval outside the province."""
    ensure_in_scope(placement, actor, "change")
    data = {k: v for k, v in data.items() if k in SAFETY_FIELDS}
    if data.get("test_passed_on") and not (
        data.get("training_on") or getattr(_safety(placement), "training_on", None)
    ):
        raise ValidationError({"training_on": [_("Record the training before the test.")]})
    if data.get("destination", Destination.IN_PROVINCE) != Destination.IN_PROVINCE and not data.get(
        "destination_detail"
    ):
        raise ValidationError({"destination_detail": [_("Name the province or the country.")]})
    existing = _safety(placement)
    if existing is None:
        record = model_create(
            actor=actor,
            instance=PlacementSafety(placement=placement, **data),
            event="placement.safety_recorded",
        )
    else:
        if "destination" in data and data["destination"] != existing.destination:
            data.update(
                outside_approved_on=None,
                outside_approval_reference="",
                outside_approved_by=None,
                outside_filed_on=None,
            )
        record, _changed = model_update(
            actor=actor, instance=existing, data=data, event="placement.safety_recorded"
        )
    placement_check(placement)
    return record


@transaction.atomic
def outside_approve(*, actor, placement: Placement, reference: str = "") -> PlacementSafety:
    """The superior authority agrees to an internship in another province or abroad; when the province
    itself agrees, that is also the filing with the province."""
    record = _safety(placement)
    if not is_filing_authority(placement.plan, actor):
        raise OutOfScope(
            _("Only the authority above the school approves an internship outside the province.")
        )
    if record is None or record.destination == Destination.IN_PROVINCE:
        raise ValidationError(_("The internship takes place in the province: nothing to approve."))
    today = timezone.localdate()
    data = {
        "outside_approved_on": record.outside_approved_on or today,
        "outside_approval_reference": reference.strip() or f"KS-{record.pk:06d}",
        "outside_approved_by": actor,
    }
    if is_province(actor):
        data["outside_filed_on"] = today
    record, _changed = model_update(
        actor=actor, instance=record, data=data, event="placement.outside_approved"
    )
    placement_check(placement)
    return record
