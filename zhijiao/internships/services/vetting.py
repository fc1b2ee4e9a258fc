"""Host vetting (教职成〔2021〕4号第七条) and the province's blacklist.

The school records its on-site assessment with the written report; its approval (the 校级党组织会议
decision) and the publication of its host list are transitions of the ``internships.host_assessment``
lifecycle (``lifecycles.HOST_ASSESSMENT``). The province lists and lifts blacklist entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update

from ..models import BlacklistEntry, HostAssessment
from ..models.vetting import ASSESSMENT_ITEMS, AssessmentStatus
from .base import _pick

ASSESSMENT_FIELDS = (
    "enterprise",
    "assessed_on",
    "assessors",
    *(f"{key}_score" for key, _label in ASSESSMENT_ITEMS),
    "conclusion",
    "report_file",
)
ASSESSMENT_KIND = "internships.host_assessment"


def _check_report(upload) -> None:
    """The written report through the platform's one upload check (``core.files``)."""
    from zhijiao.core import files

    if upload is None or not upload:
        raise ValidationError({"report_file": [_("Attach the written report of the on-site assessment.")]})
    if getattr(upload, "_committed", True) is False or not hasattr(upload, "url"):
        files.validate_upload(
            getattr(upload, "file", upload),
            kinds=files.ANY_KNOWN,
            max_bytes=files.limit_bytes("INTERNSHIP_ATTACHMENT_MAX_BYTES"),
            name=getattr(upload, "name", "report"),
            field="report_file",
        )


@transaction.atomic
def assessment_create(*, actor, institution, data: dict[str, Any]) -> HostAssessment:
    """The school's on-site assessment of a host, with its written report (a draft until approved)."""
    data = _pick(data, ASSESSMENT_FIELDS)
    _check_report(data.get("report_file"))
    if data.get("assessed_on") and data["assessed_on"] > timezone.localdate():
        raise ValidationError({"assessed_on": [_("The assessment date cannot be in the future.")]})
    assessment = HostAssessment(institution=institution, created_by=actor, **data)
    return model_create(actor=actor, instance=assessment, event="host.assessed")


def may_edit(assessment: HostAssessment, actor) -> bool:
    """A draft is edited only by the school that recorded it (a grant to change at that school); the
    authorities above read it, and an approved or published assessment is the school's decision."""
    if assessment.status != AssessmentStatus.DRAFT:
        return False
    return any(g.institution_id == assessment.institution_id for g in user_scope(actor).grants_for("change"))


@transaction.atomic
def assessment_update(*, actor, assessment: HostAssessment, data: dict[str, Any]) -> HostAssessment:
    """Correct a draft assessment (the host stays; a new written report replaces the old one)."""
    ensure_in_scope(assessment, actor, "change")
    assessment = HostAssessment.objects.select_for_update().get(pk=assessment.pk)
    if assessment.status != AssessmentStatus.DRAFT:
        raise ValidationError(_("Only a draft assessment can be changed."))
    if not may_edit(assessment, actor):
        raise OutOfScope(_("Only the school that recorded the assessment may change it."))
    data = _pick(data, ASSESSMENT_FIELDS)
    data.pop("enterprise", None)
    if not data.get("report_file"):
        data.pop("report_file", None)  # no new file: the stored report stays
    else:
        _check_report(data["report_file"])
    if data.get("assessed_on") and data["assessed_on"] > timezone.localdate():
        raise ValidationError({"assessed_on": [_("The assessment date cannot be in the future.")]})
    instance, _changed = model_update(
        actor=actor, instance=assessment, data=data, event="host.assessment_changed"
    )
    return instance


# --- lifecycle pieces (lifecycles.HOST_ASSESSMENT) ----------------------------------------------------
def is_school_of(assessment: HostAssessment, actor) -> bool:
    """Relationship: a user holding a change grant at the assessment's own school (the decision is the
    school's, not the authority's); or the demo's system actor, which decides any school's step."""
    from zhijiao.core.actors import decides_any_step

    if decides_any_step(actor):
        return True
    return any(g.institution_id == assessment.institution_id for g in user_scope(actor).grants_for("change"))


def host_vet(*, actor, institution, enterprise, assessed_on, report, decision: str) -> HostAssessment:
    """Record a passing assessment and approve it (test and demo set-up; the pages go step by step)."""
    data = {"enterprise": enterprise, "assessed_on": assessed_on, "assessors": "实习管理办公室"}
    data |= {f"{key}_score": 85 for key, _label in ASSESSMENT_ITEMS}
    data |= {"conclusion": "符合接收学生实习条件。", "report_file": report}
    assessment = assessment_create(actor=actor, institution=institution, data=data)
    return assessment_approve(actor=actor, assessment=assessment, decision=decision)


def approval_data(assessment: HostAssessment, ctx: dict) -> dict:
    reason = (ctx.get("reason") or "").strip()
    return {"approved_at": timezone.now(), "decision_reference": reason or assessment.decision_reference}


def publication_data(assessment: HostAssessment, ctx: dict) -> dict:
    return {"published_at": timezone.now(), "listed_by": assessment.institution}


def withdrawal_data(assessment: HostAssessment, ctx: dict) -> dict:
    """A withdrawn host leaves the published list (its students no longer read it)."""
    return {"listed_by": None}


def assessment_approve(*, actor, assessment: HostAssessment, decision: str) -> HostAssessment:
    from zhijiao.core import lifecycle

    return lifecycle.fire(ASSESSMENT_KIND, assessment, "approve", actor=actor, reason=decision)


def assessment_publish(*, actor, assessment: HostAssessment) -> HostAssessment:
    from zhijiao.core import lifecycle

    return lifecycle.fire(ASSESSMENT_KIND, assessment, "publish", actor=actor)


# --- the province's blacklist ---------------------------------------------------------------------------
def is_province(actor) -> bool:
    return user_scope(actor).is_superuser or any(
        g.region_path and g.region_path.count("/") == 1 for g in user_scope(actor).grants_for("change")
    )


def _require_province(actor) -> None:
    if not is_province(actor):
        raise OutOfScope(_("Only the province maintains the blacklist."))


@transaction.atomic
def blacklist_add(
    *, actor, enterprise, reason: str, document_number: str, listed_on: dt.date | None = None
) -> BlacklistEntry:
    """The province bars a host from receiving interns, with the reason and the decision's 文号."""
    _require_province(actor)
    if not reason.strip() or not document_number.strip():
        raise ValidationError(_("Give the reason and the document number (文号) of the decision."))
    entry = BlacklistEntry(
        enterprise=enterprise,
        reason=reason.strip(),
        document_number=document_number.strip(),
        listed_on=listed_on or timezone.localdate(),
        created_by=actor,
    )
    return model_create(actor=actor, instance=entry, event="host.blacklisted")


@transaction.atomic
def blacklist_lift(*, actor, entry: BlacklistEntry, reason: str, lifted_on: dt.date | None = None):
    _require_province(actor)
    ensure_in_scope(entry, actor, "change")
    if entry.lifted_on is not None:
        raise ValidationError(_("The entry has already been lifted."))
    if not reason.strip():
        raise ValidationError({"lift_reason": [_("Give the reason for lifting the entry.")]})
    instance, _changed = model_update(
        actor=actor,
        instance=entry,
        data={"lifted_on": lifted_on or timezone.localdate(), "lift_reason": reason.strip()},
        event="host.blacklist_lifted",
    )
    return instance
