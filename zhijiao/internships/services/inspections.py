"""专项检查 (routine item 30 of the work plan: 开展实习管理专项检查).

An authority (province or city) launches an inspection over a region it manages: a checklist of
rules (the INT-* rules of 教职成〔2021〕4号 as enforced in ``rules``) and a sample of active
placements spread over the schools, or the schools it names. Each sampled placement (or a named
school without one) is an ``InspectionItem``: the school answers it with evidence, the inspector
records a finding — compliant, or non-compliant with the rules not met and a rectification
deadline — and closes the inspection when every item has a finding. The roll-up report is
``inspection_report``.

Who may do what, beyond ``restrict``: answering is the school's (an institution grant on the
item's school), findings and closing are the inspecting authority's (a region grant covering the
inspection's region).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Window
from django.db.models.functions import RowNumber
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import files
from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from .. import rules
from ..choices import (
    FindingResult,
    InspectionStatus,
    PlacementStatus,
)
from ..models import (
    Alert,
    Inspection,
    InspectionItem,
    Placement,
)


def inspection_rule_ids() -> list[str]:
    """The rules a checklist may name: every INT-* rule with a title (the anomaly flags are not rules)."""
    return [rid for rid in rules.RULE_TITLES if rid.startswith("INT-") and rid in rules.SOURCES]


def max_sample_size() -> int:
    return int(getattr(settings, "INTERNSHIP_INSPECTION_MAX_SAMPLE", 500))


def check_evidence(upload) -> None:
    """PDF, JPEG or PNG by content, at most ``INTERNSHIP_ATTACHMENT_MAX_BYTES`` (the limit of every
    internship attachment; the platform's upload validator, ``core.files``)."""
    files.validate_upload(
        upload,
        kinds=files.IMAGES_AND_PDF,
        max_bytes=files.limit_bytes("INTERNSHIP_ATTACHMENT_MAX_BYTES"),
        field="evidence",
    )


def is_school_side(user, item: InspectionItem) -> bool:
    """The school answers its items: a change grant on the item's institution."""
    scope = user_scope(user)
    return scope.is_superuser or any(
        g.institution_id == item.institution_id for g in scope.grants_for("change")
    )


def is_inspector(user, inspection: Inspection) -> bool:
    """The inspecting authority: a change grant on a region covering the inspection's region."""
    scope = user_scope(user)
    if scope.is_superuser:
        return True
    path = inspection.region.path
    return any(g.region_path and path.startswith(g.region_path) for g in scope.grants_for("change"))


def _sample(*, actor, region, institutions, size: int) -> list[tuple[int | None, int]]:
    """(placement_id, institution_id) pairs: round-robin over schools, placements with open alerts first.

    Deterministic (the same data gives the same sample), so a launch can be reproduced in the audit.
    """
    flagged = Exists(Alert.objects.filter(placement=OuterRef("pk"), resolved_at__isnull=True))
    qs = restrict(
        Placement.objects.filter(
            status=PlacementStatus.ACTIVE, institution__region__path__startswith=region.path
        ),
        actor,
        "view",
    )
    if institutions:
        qs = qs.filter(institution__in=institutions)
    qs = qs.annotate(flagged=flagged).annotate(
        turn=Window(
            RowNumber(), partition_by=[F("institution_id")], order_by=[F("flagged").desc(), F("id").asc()]
        )
    )
    rows = list(
        qs.order_by("turn", "-flagged", "institution_id", "id").values_list("id", "institution_id")[:size]
    )
    # A school named by the inspector but without an active placement is still inspected (school-level item).
    sampled = {iid for _pid, iid in rows}
    rows += [(None, inst.pk) for inst in institutions if inst.pk not in sampled]
    return rows


@transaction.atomic
def inspection_launch(
    *,
    actor,
    region,
    title: str,
    answer_due: dt.date,
    sample_size: int = 20,
    rule_ids: list[str] | None = None,
    institutions=None,
) -> Inspection:
    """An authority launches an inspection over a region it manages.

    The checklist holds the chosen rules (default: all) with their sources; the sample is
    ``sample_size`` active placements spread over the region's schools — or over the named
    ``institutions`` only, each of which gets at least one item.
    """
    if not restrict(type(region).objects.filter(pk=region.pk), actor, "change").exists():
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    errors: dict[str, list[str]] = {}
    known = inspection_rule_ids()
    chosen = list(dict.fromkeys(rule_ids)) if rule_ids is not None else known
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        errors["rule_ids"] = [_("Unknown rules: %(r)s") % {"r": ", ".join(unknown)}]
    elif not chosen:
        errors["rule_ids"] = [_("Choose at least one rule for the checklist.")]
    if answer_due is None or answer_due < timezone.localdate():
        errors["answer_due"] = [_("The answer deadline cannot be in the past.")]
    limit = max_sample_size()
    if not isinstance(sample_size, int) or not 1 <= sample_size <= limit:
        errors["sample_size"] = [_("The sample size must be between 1 and %(n)s.") % {"n": limit}]
    institutions = list(institutions or [])
    outside = [i.name for i in institutions if not i.region.path.startswith(region.path)]
    if outside:
        errors["institutions"] = [
            _("Outside the inspection's scope: %(names)s") % {"names": ", ".join(sorted(outside))}
        ]
    if errors:
        raise ValidationError(errors)
    order = {rid: n for n, rid in enumerate(known)}
    checklist = [
        {"rule_id": rid, "title": rules.RULE_TITLES[rid], "source": rules.citation(rid)}
        for rid in sorted(chosen, key=order.__getitem__)
    ]
    sample = _sample(actor=actor, region=region, institutions=institutions, size=sample_size)
    if not sample:
        raise ValidationError(
            {
                "sample_size": _(
                    "There is no active placement in this scope to inspect; name the schools instead."
                )
            }
        )
    inspection = model_create(
        actor=actor,
        instance=Inspection(
            region=region,
            title=normalize_text(title or ""),
            answer_due=answer_due,
            checklist=checklist,
            launched_by=actor,
        ),
        message=f"sample={len(sample)}",
    )
    InspectionItem.objects.bulk_create(
        [InspectionItem(inspection=inspection, placement_id=pid, institution_id=iid) for pid, iid in sample]
    )
    return inspection


def _ensure_open(inspection: Inspection) -> None:
    if inspection.status != InspectionStatus.OPEN:
        raise ValidationError(_("The inspection is closed."))


@transaction.atomic
def inspection_answer(*, actor, item: InspectionItem, answer: str, evidence=None) -> InspectionItem:
    """The school answers one item: what it did, with an evidence file (PDF, JPEG or PNG)."""
    ensure_in_scope(item, actor, "change")
    if not is_school_side(actor, item):
        raise OutOfScope(_("Only the inspected school answers its items."))
    _ensure_open(item.inspection)
    if item.result != FindingResult.PENDING:
        raise ValidationError(_("The inspector has already recorded a finding on this item."))
    answer = normalize_text(answer or "").strip()
    if not answer:
        raise ValidationError({"school_answer": _("Write the school's answer.")})
    data = {"school_answer": answer, "answered_at": timezone.now()}
    if evidence:
        check_evidence(evidence)
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
    """Inspectors (authority users over the inspection's region) record the finding on one item."""
    inspection = item.inspection
    ensure_in_scope(inspection, actor, "change")
    _ensure_open(inspection)
    failed = list(dict.fromkeys(failed_rules or ()))
    if result not in (FindingResult.COMPLIANT, FindingResult.NON_COMPLIANT):
        raise ValidationError({"result": _("Choose compliant or non-compliant.")})
    errors: dict[str, list[str]] = {}
    if result == FindingResult.NON_COMPLIANT:
        listed = {c["rule_id"] for c in inspection.checklist}
        unknown = sorted(set(failed) - listed)
        if unknown:
            errors["failed_rules"] = [
                _("Not on this inspection's checklist: %(r)s") % {"r": ", ".join(unknown)}
            ]
        elif not failed:
            errors["failed_rules"] = [_("Name the rules that are not met.")]
        if not rectification_due:
            errors["rectification_due"] = [_("Set a rectification deadline for a non-compliant finding.")]
        elif rectification_due < timezone.localdate():
            errors["rectification_due"] = [_("The rectification deadline cannot be in the past.")]
    else:
        failed, rectification_due = [], None
    if errors:
        raise ValidationError(errors)
    data = {
        "result": result,
        "finding_note": normalize_text(note or "").strip(),
        "failed_rules": failed,
        "rectification_due": rectification_due,
    }
    item, _changed = model_update(actor=actor, instance=item, data=data)
    return item


@transaction.atomic
def inspection_rectify(*, actor, item: InspectionItem, answer: str = "", evidence=None) -> InspectionItem:
    """The school reports a non-compliant item rectified (also after the inspection is closed)."""
    ensure_in_scope(item, actor, "change")
    if not is_school_side(actor, item):
        raise OutOfScope(_("Only the inspected school answers its items."))
    if item.result != FindingResult.NON_COMPLIANT:
        raise ValidationError(_("Only a non-compliant finding is rectified."))
    if item.rectified_at:
        raise ValidationError(_("The rectification was already reported."))
    data = {"rectified_at": timezone.now()}
    answer = normalize_text(answer or "").strip()
    if answer:
        data["school_answer"] = f"{item.school_answer}\n{answer}".strip()
    if evidence:
        check_evidence(evidence)
        data["evidence"] = evidence
    item, _changed = model_update(actor=actor, instance=item, data=data, message="rectified")
    return item


@transaction.atomic
def inspection_close(*, actor, inspection: Inspection) -> Inspection:
    """Close once every item has a finding; afterwards answers and findings are refused."""
    ensure_in_scope(inspection, actor, "change")
    inspection = Inspection.objects.select_for_update().select_related("region").get(pk=inspection.pk)
    _ensure_open(inspection)
    pending = inspection.items.filter(result=FindingResult.PENDING).count()
    if pending:
        raise ValidationError(
            _("%(n)s sampled items have no finding yet; record them before closing.") % {"n": pending}
        )
    inspection, _changed = model_update(
        actor=actor,
        instance=inspection,
        data={"status": InspectionStatus.CLOSED, "closed_at": timezone.now()},
    )
    return inspection


def inspection_report_exported(*, actor, inspection: Inspection, kind: str) -> None:
    """Downloads of the report are exports: recorded in the audit log."""
    audit_record(actor=actor, action=AuditAction.EXPORT, instance=inspection, message=kind)
