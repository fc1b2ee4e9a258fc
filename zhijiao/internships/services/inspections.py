"""inspections — part of services (split from one module at ~600 lines, STYLE.md)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import restrict
from zhijiao.core.services import ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from .. import rules
from ..choices import (
    FindingResult,
    InspectionStatus,
    PlacementStatus,
)
from ..models import (
    Inspection,
    InspectionItem,
    Placement,
)


# --- 专项检查 ----------------------------------------------------------------------------------------
@transaction.atomic
def inspection_launch(
    *,
    actor,
    region,
    title: str,
    answer_due: dt.date,
    sample_size: int = 20,
    rule_ids: list[str] | None = None,
) -> Inspection:
    """An authority launches an inspection over its region: checklist from the rules, a sample of active placements."""
    checklist = [{"rule_id": rid, "source": rules.SOURCES[rid]} for rid in (rule_ids or list(rules.RULES))]
    inspection = model_create(
        actor=actor,
        instance=Inspection(
            region=region,
            title=normalize_text(title),
            answer_due=answer_due,
            checklist=checklist,
            launched_by=actor,
        ),
    )
    # The sample: placements with open alerts first, then the rest, spread over schools (deterministic).
    sample = list(
        restrict(
            Placement.objects.filter(
                status=PlacementStatus.ACTIVE, institution__region__path__startswith=region.path
            ),
            actor,
            "view",
        )
        .order_by("-checked_at", "institution_id", "id")
        .values_list("id", "institution_id")[: max(1, sample_size)]
    )
    InspectionItem.objects.bulk_create(
        [InspectionItem(inspection=inspection, placement_id=pid, institution_id=iid) for pid, iid in sample]
    )
    return inspection


@transaction.atomic
def inspection_answer(*, actor, item: InspectionItem, answer: str, evidence=None) -> InspectionItem:
    ensure_in_scope(item, actor, "change")
    if item.inspection.status != InspectionStatus.OPEN:
        raise ValidationError(_("The inspection is closed."))
    data = {"school_answer": answer, "answered_at": timezone.now()}
    if evidence is not None:
        data["evidence"] = evidence
    item, _changed = model_update(actor=actor, instance=item, data=data)
    return item


@transaction.atomic
def inspection_finding(
    *,
    actor,
    item: InspectionItem,
    result: str,
    note: str = "",
    failed_rules=(),
    rectification_due: dt.date | None = None,
) -> InspectionItem:
    """Inspectors (authority users of the inspection's region) record the finding."""
    inspection = item.inspection
    ensure_in_scope(inspection, actor, "change")
    if result == FindingResult.NON_COMPLIANT and not rectification_due:
        raise ValidationError(
            {"rectification_due": _("Set a rectification deadline for a non-compliant finding.")}
        )
    unknown = set(failed_rules) - set(rules.RULES)
    if unknown:
        raise ValidationError({"failed_rules": _("Unknown rules: %(r)s") % {"r": ", ".join(sorted(unknown))}})
    data = {
        "result": result,
        "finding_note": note,
        "failed_rules": list(failed_rules),
        "rectification_due": rectification_due,
    }
    item, _changed = model_update(actor=actor, instance=item, data=data, check_scope=False)
    return item


@transaction.atomic
def inspection_close(*, actor, inspection: Inspection) -> Inspection:
    inspection, _changed = model_update(
        actor=actor,
        instance=inspection,
        data={"status": InspectionStatus.CLOSED, "closed_at": timezone.now()},
    )
    return inspection
