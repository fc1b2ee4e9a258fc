"""Evaluation by the host, grading by the school, host confirmation of check-ins."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.services import model_update

from ..models import (
    Evaluation,
    Placement,
)
from .base import _require, _today, is_host_of, is_school_side


# --- evaluation and grading --------------------------------------------------------------------------
def _evaluation(placement: Placement) -> Evaluation:
    evaluation, _created = Evaluation.objects.select_for_update().get_or_create(placement=placement)
    return evaluation


@transaction.atomic
def evaluation_by_enterprise(*, actor, placement: Placement, score: int, comment: str = "") -> Evaluation:
    _require(is_host_of(actor, placement))
    data = {
        "enterprise_score": score,
        "enterprise_comment": comment,
        "enterprise_evaluated_by": actor,
        "enterprise_evaluated_at": timezone.now(),
    }
    evaluation, _changed = model_update(actor=actor, instance=_evaluation(placement), data=data)
    return evaluation


@transaction.atomic
def evaluation_grade(*, actor, placement: Placement, grade: str, comment: str = "") -> Evaluation:
    """The school grades the internship (优秀/良好/合格/不合格); 不合格 blocks graduation (INT-ASSESS)."""
    _require(is_school_side(actor, placement))
    if grade not in {"excellent", "good", "pass", "fail"}:
        raise ValidationError({"school_grade": _("Choose one of the four grades.")})
    if placement.start_date > _today():
        raise ValidationError({"school_grade": _("An internship that has not started cannot be graded.")})
    data = {"school_grade": grade, "school_comment": comment, "graded_by": actor, "graded_at": timezone.now()}
    evaluation, _changed = model_update(actor=actor, instance=_evaluation(placement), data=data)
    return evaluation


# --- check-in confirmation by the host mentor --------------------------------------------------------
@transaction.atomic
def checkins_confirm(*, actor, placement: Placement, ids: list[int]) -> int:
    _require(is_host_of(actor, placement))
    from ..models import CheckIn

    n = CheckIn.objects.filter(placement=placement, pk__in=ids, confirmed_at__isnull=True).update(
        confirmed_by=actor, confirmed_at=timezone.now()
    )
    audit_record(
        actor=actor, action=AuditAction.UPDATE, instance=placement, message=f"confirmed {n} check-ins"
    )
    return n
