"""Writes of a placement's agreement, insurance policy and mentors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk
from zhijiao.core.services import ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from .. import rules
from ..choices import (
    MentorKind,
)
from ..models import (
    Agreement,
    InsurancePolicy,
    MentorAssignment,
    Placement,
)
from .base import _pick, _require, _today, is_host_of, is_school_side
from .placements import placement_check

# --- agreement, insurance, mentors ------------------------------------------------------------------
AGREEMENT_FIELDS = (
    *rules.AGREEMENT_REQUIRED,
    "other_matters",
    "keeps_id_documents",
    "guarantee_required",
    "fee_items",
    "school_signed_on",
    "host_signed_on",
    "student_signed_on",
    "guardian_consent_on",
    "guardian_consent_file",
    "attachment",
)


def agreement_dates_plausible(*, placement: Placement, data: dict[str, Any]) -> None:
    """No signature in the future, none well before the plan existed in the platform (a backdated agreement).

    The grace period ``INTERNSHIP_AGREEMENT_BACKDATE_DAYS`` (default 30) admits plans entered a little late.
    """
    from django.conf import settings

    grace = dt.timedelta(days=getattr(settings, "INTERNSHIP_AGREEMENT_BACKDATE_DAYS", 30))
    today, earliest = _today(), timezone.localdate(placement.plan.created_at) - grace
    errors = {}
    for name in ("school_signed_on", "host_signed_on", "student_signed_on", "guardian_consent_on"):
        day = data.get(name)
        if day and day > today:
            errors[name] = _("A signature date cannot be in the future.")
        elif day and day < earliest:
            errors[name] = _("The date is before the internship plan existed; the agreement looks backdated.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def agreement_record(*, actor, placement: Placement, data: dict[str, Any]) -> Agreement:
    data = _pick(data, AGREEMENT_FIELDS)
    ensure_in_scope(placement, actor, "change")
    agreement_dates_plausible(placement=placement, data=data)
    existing = Agreement.objects.filter(placement=placement).first()
    if existing is None:
        agreement = model_create(actor=actor, instance=Agreement(placement=placement, **data))
    else:
        agreement, _changed = model_update(actor=actor, instance=existing, data=data)
    placement_check(placement)
    return agreement


@transaction.atomic
def insurance_record(*, actor, placement: Placement, data: dict[str, Any]) -> InsurancePolicy:
    data = _pick(
        data, ("policy_no", "insurer", "coverage_start", "coverage_end", "premium_payer", "attachment")
    )
    ensure_in_scope(placement, actor, "change")
    policy = model_create(actor=actor, instance=InsurancePolicy(placement=placement, **data))
    placement_check(placement)
    return policy


@transaction.atomic
def mentor_assign(
    *, actor, placement: Placement, kind: str, name: str, user=None, phone: str = ""
) -> MentorAssignment:
    """Appoint the school or enterprise mentor; the previous one of that kind steps down."""
    if kind == MentorKind.HOST:
        _require(is_host_of(actor, placement) or is_school_side(actor, placement))
    else:
        ensure_in_scope(placement, actor, "change")
    previous = list(MentorAssignment.objects.filter(placement=placement, kind=kind, is_current=True))
    MentorAssignment.objects.filter(pk__in=[m.pk for m in previous]).update(is_current=False)
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(m, {"is_current": True}, {"is_current": False}) for m in previous],
        event="mentor.replaced",
    )
    mentor = model_create(
        actor=actor,
        instance=MentorAssignment(
            placement=placement, kind=kind, name=normalize_text(name), user=user, phone=phone
        ),
    )
    placement_check(placement)
    return mentor
