"""Writes of internship plans and their filing (备案) through the approval chain."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import model_create, model_update
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


def is_filing_authority(plan: InternshipPlan, actor) -> bool:
    """Relationship: a region user above the plan's school (decides a filing without the approvals app)."""
    return any(
        g.region_path and plan.institution.region.path.startswith(g.region_path)
        for g in user_scope(actor).grants_for("change")
    )


def filing_filed(plan: InternshipPlan, ctx: dict) -> dict:
    """On filing: the time and the reference (SX-000042 unless the authority gave one)."""
    return {
        "filing_comment": "",
        "filed_at": timezone.now(),
        "filing_reference": ctx.get("reference") or plan.filing_reference or f"SX-{plan.pk:06d}",
    }


def filing_comment(plan: InternshipPlan, ctx: dict) -> dict:
    """The reason (a return's, a withdrawal's, the submitter's note) shown on the plan."""
    return {"filing_comment": (ctx.get("reason") or "")[:500]}


def plan_submit_filing(*, actor, plan: InternshipPlan, note: str = "") -> InternshipPlan:
    """备案: submit the plan to the authority (lifecycle ``internships.plan_filing``: city → province
    through ``workflows`` when installed; a returned request starts again).

    Without the workflows app the plan's own ``filing_status`` is the state machine
    (draft/returned → in_review → filed | returned), decided by ``plan_decide_filing``.
    """
    from zhijiao.core.lifecycle import fire

    return fire(FILING_KIND, plan, "submit_filing", actor=actor, reason=note)


def plan_decide_filing(
    *, actor, plan: InternshipPlan, approve: bool, comment: str = "", reference: str = ""
) -> InternshipPlan:
    """The fallback decision when the workflows app is absent: an authority (region user) files or returns."""
    from zhijiao.core.lifecycle import fire

    plan = InternshipPlan.objects.select_related("institution__region").get(pk=plan.pk)
    if not is_filing_authority(plan, actor):
        raise PermissionDenied(_("Only the authority may decide on a filing."))
    return fire(
        FILING_KIND,
        plan,
        "file" if approve else "return_filing",
        actor=actor,
        reason=comment,
        reference=reference,
    )
