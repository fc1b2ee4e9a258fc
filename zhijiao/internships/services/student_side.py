"""What students and mentors write during a placement: reports and reviews, 直报, pay."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_text

from ..choices import (
    DirectReportStatus,
    PlacementStatus,
    ReviewStatus,
)
from ..models import (
    DirectReport,
    PayRecord,
    Placement,
    Report,
)
from .base import _pick, _require, _today, is_host_of, is_school_side, is_student_of
from .placements import placement_check


# --- reports -----------------------------------------------------------------------------------------
@transaction.atomic
def report_submit(*, actor, placement: Placement, data: dict[str, Any]) -> Report:
    """The student writes a daily/weekly/monthly report on their own placement."""
    from ..anomalies import text_fingerprint

    _require(is_student_of(actor, placement))
    if placement.status not in (PlacementStatus.ACTIVE, PlacementStatus.SUSPENDED, PlacementStatus.ENDED):
        raise ValidationError(_("Reports are written once the placement is active."))
    data = _pick(data, ("kind", "period_start", "period_end", "title", "content", "attachment"))
    if data.get("period_start") and data["period_start"] > _today():
        raise ValidationError({"period_start": _("A report cannot be about a period that has not begun.")})
    data["content"] = normalize_text(data.get("content", ""))
    report = Report(placement=placement, fingerprint=text_fingerprint(data["content"]), **data)
    return model_create(actor=actor, instance=report, scope_action="submit")


@transaction.atomic
def report_review(*, actor, report: Report, accept: bool, comment: str = "") -> Report:
    """A school or enterprise mentor reviews a report; returning it needs a comment."""
    placement = report.placement
    _require(is_school_side(actor, placement) or is_host_of(actor, placement))
    if not accept and not comment.strip():
        raise ValidationError({"review_comment": _("Say what should be revised.")})
    data = {
        "status": ReviewStatus.REVIEWED if accept else ReviewStatus.RETURNED,
        "reviewed_by": actor,
        "reviewed_at": timezone.now(),
        "review_comment": comment,
    }
    report, _changed = model_update(actor=actor, instance=report, data=data)
    return report


# --- 直报 --------------------------------------------------------------------------------------------
@transaction.atomic
def direct_report_submit(*, actor, data: dict[str, Any], placement: Placement | None = None) -> DirectReport:
    """A student reports an incident or problem to the school and the authority (optionally anonymous to the authority)."""
    data = _pick(data, ("category", "occurred_on", "content", "attachment", "anonymous_to_authority"))
    if placement is None:
        placement = Placement.objects.filter(enrolment__student__user=actor).order_by("-start_date").first()
    if placement is None or not is_student_of(actor, placement):
        raise ValidationError(_("Only a student with a placement can file a direct report."))
    report = DirectReport(
        placement=placement,
        institution_id=placement.institution_id,
        enterprise_id=placement.enterprise_id,
        reporter=actor,
        **data,
    )
    return model_create(actor=actor, instance=report, scope_action="file")


@transaction.atomic
def direct_report_respond(*, actor, report: DirectReport, response: str, close: bool = False) -> DirectReport:
    """The school (institution user) or the authority (region user) answers; the time is kept for the dashboard."""
    report = DirectReport.objects.select_for_update().select_related("institution__region").get(pk=report.pk)
    ensure_in_scope(report, actor, "change")
    if not response.strip():
        raise ValidationError({"response": _("Write a response.")})
    scope = user_scope(actor)
    now = timezone.now()
    as_authority = scope.is_superuser or any(g.region_path for g in scope.grants_for("change"))
    data = {"status": DirectReportStatus.CLOSED if close else DirectReportStatus.ANSWERED}
    if as_authority:
        data.update(authority_response=response, authority_responded_at=now)
    else:
        data.update(school_response=response, school_responded_at=now)
    report, _changed = model_update(actor=actor, instance=report, data=data)
    return report


# --- pay ---------------------------------------------------------------------------------------------
@transaction.atomic
def pay_record(*, actor, placement: Placement, data: dict[str, Any]) -> PayRecord:
    """The enterprise (or school) records a month's pay."""
    _require(is_host_of(actor, placement) or is_school_side(actor, placement))
    data = _pick(data, ("period", "amount", "paid_on", "method", "paid_to_student", "premium_deducted"))
    if data.get("period"):
        data["period"] = data["period"].replace(day=1)
    if data.get("paid_on") and data["paid_on"] > _today():
        raise ValidationError({"paid_on": _("A payment date cannot be in the future.")})
    record = model_create(actor=actor, instance=PayRecord(placement=placement, **data))
    placement_check(placement, counting=False)
    return record


@transaction.atomic
def pay_confirm(*, actor, record: PayRecord, received_amount, note: str = "") -> PayRecord:
    """The student confirms what actually arrived; a shortfall stays visible to the school."""
    _require(is_student_of(actor, record.placement))
    data = {"received_amount": received_amount, "confirmed_at": timezone.now(), "student_note": note}
    record, _changed = model_update(actor=actor, instance=record, data=data, scope_action="confirm")
    return record
