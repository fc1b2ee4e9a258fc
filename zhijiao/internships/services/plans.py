"""Writes of internship plans and their filing (备案) through the approval chain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from ..choices import (
    FilingStatus,
    InternshipKind,
)
from ..models import (
    InternshipPlan,
)
from .base import FILING_KIND, _pick

# --- plans and filing (备案) -------------------------------------------------------------------------
PLAN_FIELDS = (
    "institution",
    "offering",
    "title",
    "kind",
    "legacy_type",
    "cohort_year",
    "start_date",
    "end_date",
    "training_plan_reference",
    "description",
)
LEGACY_KINDS = {"跟岗": InternshipKind.POST, "顶岗": InternshipKind.POST}


def _plan_checks(data: dict[str, Any]) -> dict[str, Any]:
    if data.get("legacy_type") in LEGACY_KINDS:
        data["kind"] = LEGACY_KINDS[data["legacy_type"]]
    offering, institution = data.get("offering"), data.get("institution")
    if offering and institution and offering.institution_id != institution.pk:
        raise ValidationError({"offering": _("The major is not offered by this institution.")})
    return data


@transaction.atomic
def plan_create(*, actor, data: dict[str, Any], school_mentors=()) -> InternshipPlan:
    data = _plan_checks(_pick(data, PLAN_FIELDS))
    if "title" in data:
        data["title"] = normalize_text(data["title"])
    plan = model_create(actor=actor, instance=InternshipPlan(**data))
    if school_mentors:
        plan.school_mentors.set(school_mentors)
    return plan


@transaction.atomic
def plan_update(*, actor, plan: InternshipPlan, data: dict[str, Any]) -> InternshipPlan:
    data = _plan_checks(_pick(data, PLAN_FIELDS))
    data.pop("institution", None)
    if plan.filing_status in (FilingStatus.IN_REVIEW, FilingStatus.FILED) and set(data) & {
        "kind",
        "start_date",
        "end_date",
        "offering",
    }:
        raise ValidationError(
            _("A filed plan or one in review cannot change its kind, major or dates; withdraw it first.")
        )
    instance, _changed = model_update(actor=actor, instance=plan, data=data)
    return instance


def _workflows_available() -> bool:
    from django.apps import apps

    return apps.is_installed("zhijiao.workflows")


def _set_filing(plan: InternshipPlan, *, actor, status: str, comment: str = "", reference: str = "") -> None:
    before = snapshot(plan)
    plan.filing_status = status
    plan.filing_comment = (comment or "")[:500]
    if status == FilingStatus.FILED:
        plan.filed_at = timezone.now()
        plan.filing_reference = reference or plan.filing_reference or f"SX-{plan.pk:06d}"
    plan.save(update_fields=["filing_status", "filing_comment", "filed_at", "filing_reference", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=plan,
        before=before,
        after=snapshot(plan),
        message="filing",
    )


@transaction.atomic
def plan_submit_filing(*, actor, plan: InternshipPlan, note: str = "") -> InternshipPlan:
    """备案: submit the plan to the authority (city → province through ``workflows`` when installed).

    Without the workflows app the plan's own ``filing_status`` is the state machine
    (draft/returned → in_review → filed | returned), decided by ``plan_decide_filing``.
    """
    plan = InternshipPlan.objects.select_for_update().get(pk=plan.pk)
    ensure_in_scope(plan, actor, "change")
    if plan.filing_status not in (FilingStatus.DRAFT, FilingStatus.RETURNED):
        raise ValidationError(_("Only a draft or returned plan can be submitted for filing."))
    if _workflows_available():
        from zhijiao.workflows.models import ApprovalRequest
        from zhijiao.workflows.services import request_resubmit, request_submit

        open_request = (
            ApprovalRequest.objects.filter(kind=FILING_KIND, object_id=plan.pk, status="returned")
            .order_by("-id")
            .first()
        )
        if open_request is not None:
            request_resubmit(actor=actor, request=open_request, comment=note)
        else:
            request_submit(
                actor=actor,
                kind=FILING_KIND,
                target=plan,
                institution=plan.institution,
                title=plan.title,
                note=note,
            )
    _set_filing(plan, actor=actor, status=FilingStatus.IN_REVIEW, comment=note)
    return plan


@transaction.atomic
def plan_decide_filing(
    *, actor, plan: InternshipPlan, approve: bool, comment: str = "", reference: str = ""
) -> InternshipPlan:
    """The fallback decision when the workflows app is absent: an authority (region user) files or returns."""
    plan = InternshipPlan.objects.select_for_update().select_related("institution__region").get(pk=plan.pk)
    if not any(
        g.region_path and plan.institution.region.path.startswith(g.region_path)
        for g in user_scope(actor).grants_for("change")
    ):
        raise PermissionDenied(_("Only the authority may decide on a filing."))
    if plan.filing_status != FilingStatus.IN_REVIEW:
        raise ValidationError(_("The plan is not awaiting a filing decision."))
    if not approve and not (comment or "").strip():
        raise ValidationError(_("Give a reason for returning the plan."))
    _set_filing(
        plan,
        actor=actor,
        status=FilingStatus.FILED if approve else FilingStatus.RETURNED,
        comment=comment,
        reference=reference,
    )
    return plan


# Hooks for the workflows kind (workflow_kinds.py).
def filing_approved(request, actor) -> None:
    _set_filing(InternshipPlan.objects.get(pk=request.object_id), actor=actor, status=FilingStatus.FILED)


def filing_returned(request, actor, reason) -> None:
    _set_filing(
        InternshipPlan.objects.get(pk=request.object_id),
        actor=actor,
        status=FilingStatus.RETURNED,
        comment=reason,
    )


def filing_cancelled(request, actor, reason) -> None:
    _set_filing(
        InternshipPlan.objects.get(pk=request.object_id),
        actor=actor,
        status=FilingStatus.DRAFT,
        comment=reason,
    )


def filing_resubmitted(request, actor) -> None:
    _set_filing(InternshipPlan.objects.get(pk=request.object_id), actor=actor, status=FilingStatus.IN_REVIEW)
