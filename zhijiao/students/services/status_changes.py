"""学籍异动: status change requests with attachments, the transfer chain, approval effects."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import files
from zhijiao.core.services import model_create, model_update
from zhijiao.core.validators import normalize_text
from zhijiao.orgs.models import Institution

from .. import rules
from ..choices import ChangeKind, SuspensionReason
from ..models import (
    Enrolment,
    StatusChange,
    StatusChangeAttachment,
    Student,
)
from .base import S, _ensure


# --- 学籍异动 ---------------------------------------------------------------------------------------
def check_attachment(upload) -> None:
    """Attachments: PDF, JPEG or PNG by content, at most ``STUDENT_ATTACHMENT_MAX_BYTES`` (the
    platform's upload validator, ``core.files``)."""
    files.validate_upload(
        upload,
        kinds=files.IMAGES_AND_PDF,
        max_bytes=files.limit_bytes("STUDENT_ATTACHMENT_MAX_BYTES"),
        field="attachments",
    )


def suspended_months_used(student: Student) -> int:
    """Months of approved 休学 counted against the school's limit (army service is not, XJ-XIUXUE)."""
    return (
        StatusChange.objects.filter(
            student=student, kind=ChangeKind.SUSPEND, status=StatusChange.Status.APPROVED
        )
        .exclude(suspension_reason=SuspensionReason.ARMY)
        .aggregate(n=Sum("months"))["n"]
        or 0
    )


@transaction.atomic
def status_change_request(
    *,
    actor,
    student: Student,
    kind: str,
    reason: str,
    effective_date: datetime.date,
    months: int | None = None,
    suspension_reason: str = "",
    target_institution: Institution | None = None,
    target_offering=None,
    target_class_name: str = "",
    attachments: list | tuple = (),
) -> StatusChange:
    """Open a 学籍异动 request; it goes through the approval chain (lifecycle
    ``students.status_change``) and applies on final approval."""
    from zhijiao.core.lifecycle import submit_for_approval

    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .filter(student=student, is_current=True)
        .first()
    )
    if enrolment is None:
        raise ValidationError(_("The student holds no current enrolment."))
    _ensure(enrolment, actor)
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the change.")})
    if StatusChange.objects.filter(enrolment=enrolment, status=StatusChange.Status.IN_REVIEW).exists():
        raise ValidationError(_("Another status change of this student is still in review."))
    to_status = rules.check_change_allowed(kind, enrolment.status)
    if kind == ChangeKind.SUSPEND:
        rules.check_suspension_length(
            months=months,
            months_already=suspended_months_used(student),
            reason=suspension_reason,
            institution=enrolment.institution,
        )
    else:
        months, suspension_reason = None, ""
    if kind == ChangeKind.PRESERVE:
        rules.check_preserve_only_higher(enrolment.institution)
    if kind == ChangeKind.TRANSFER:
        if target_institution is None or target_institution.pk == enrolment.institution_id:
            raise ValidationError({"target_institution": _("Choose the receiving school.")})
        if target_offering is None or target_offering.institution_id != target_institution.pk:
            raise ValidationError({"target_offering": _("Choose a major offered by the receiving school.")})
    elif kind == ChangeKind.CHANGE_MAJOR:
        if target_offering is None or target_offering.institution_id != enrolment.institution_id:
            raise ValidationError({"target_offering": _("Choose another major offered by the school.")})
        if target_offering.pk == enrolment.offering_id:
            raise ValidationError({"target_offering": _("The student already studies this major.")})
        target_institution = None
    else:
        target_institution, target_offering = None, None
    for upload in attachments:
        check_attachment(upload)
    change = StatusChange(
        student=student,
        enrolment=enrolment,
        institution_id=enrolment.institution_id,
        kind=kind,
        reason=reason,
        effective_date=effective_date,
        months=months,
        suspension_reason=suspension_reason,
        from_status=enrolment.status,
        to_status=to_status,
        target_institution=target_institution,
        target_offering=target_offering,
        target_class_name=normalize_text(target_class_name or ""),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    model_create(actor=actor, instance=change, event="status_change.requested")
    for upload in attachments:
        StatusChangeAttachment.objects.create(
            change=change,
            file=upload,
            original_name=upload.name[:200],
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "",
        )
    approval = submit_for_approval("students.status_change", change, actor=actor, note=reason)
    StatusChange.objects.filter(pk=change.pk).update(approval=approval)
    change.approval = approval
    return change


def transfer_chain(change: StatusChange, institution: Institution):
    """The approval chain of a 学籍异动 (XJ-FILING): the school files it (it submits), the city
    approves, and the province only where ``rules.change_filing_level`` sends it — by default a
    transfer to a school in another city. A transfer also needs the receiving school's consent
    first and, across cities, the receiving city (students.md §5)."""
    from zhijiao.workflows.registry import StepSpec
    from zhijiao.workflows.services import city_of, province_of

    city = city_of(institution.region)
    if change.kind != ChangeKind.TRANSFER:
        chain = [StepSpec("city", city)]
        cross_city = False
    else:
        target = Institution.objects.select_related("region").get(pk=change.target_institution_id)
        chain = [StepSpec("institution", target), StepSpec("city", city)]
        target_city = city_of(target.region)
        cross_city = target_city.pk != city.pk
        if cross_city:
            chain.append(StepSpec("city", target_city))
    if rules.change_filing_level(change.kind, cross_city=cross_city) == "province":
        chain.append(StepSpec("province", province_of(institution.region)))
    return chain


def status_change_approved(change: StatusChange, approval, actor, reason: str = "") -> dict:
    """Outcome effect: apply the change (the lifecycle then marks it approved). A transfer ends the old enrolment (kept as history) and opens a new one
    at the receiving school, which becomes the student's current institution."""
    change = (
        StatusChange.objects.select_for_update(of=("self",))
        .select_related("enrolment", "student", "target_institution")
        .get(pk=approval.object_id)
    )
    enrolment = Enrolment.objects.select_for_update(of=("self",)).get(pk=change.enrolment_id)
    # The state may have moved since the request was filed: check again.
    rules.check_change_allowed(change.kind, enrolment.status)
    now = timezone.now()
    new_enrolment = None
    if change.kind == ChangeKind.TRANSFER:
        model_update(
            actor=actor,
            instance=enrolment,
            message=str(change),
            data={"status": S.TRANSFERRED_OUT, "is_current": False, "left_at": change.effective_date},
        )
        new_enrolment = Enrolment(
            student=change.student,
            institution=change.target_institution,
            offering=change.target_offering,
            class_name=change.target_class_name,
            cohort_year=enrolment.cohort_year,
            entry_date=change.effective_date,
            study_years=enrolment.study_years,
            pathway=enrolment.pathway,
            stage=enrolment.stage,
            status=enrolment.status if enrolment.status in rules.STUDYING else S.REGISTERED,
            registered_at=now,
        )
        model_create(actor=actor, instance=new_enrolment, message=str(change))
        model_update(
            actor=actor,
            instance=change.student,
            message=str(change),
            data={"current_institution": change.target_institution},
        )
    elif change.kind == ChangeKind.CHANGE_MAJOR:
        data = {"offering": change.target_offering}
        if change.target_class_name:
            data["class_name"] = change.target_class_name
        model_update(actor=actor, instance=enrolment, message=str(change), data=data)
    elif change.kind == ChangeKind.RETAIN:
        model_update(
            actor=actor,
            instance=enrolment,
            message=str(change),
            data={"status": S.RETAINED, "cohort_year": enrolment.cohort_year + 1},
        )
    else:
        data = {"status": change.to_status}
        if change.to_status == S.WITHDRAWN:
            data["left_at"] = change.effective_date
        model_update(actor=actor, instance=enrolment, message=str(change), data=data)
    return {"applied_at": now, "new_enrolment": new_enrolment}
