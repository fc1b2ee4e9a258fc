"""电子注册: registration batches, deadlines and overrides, 学籍号 on approval."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk, snapshot
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope, model_create, model_update
from zhijiao.core.validators import normalize_text
from zhijiao.orgs.models import Institution

from .. import rules
from ..choices import IdType
from ..models import (
    Enrolment,
    RegistrationBatch,
    Student,
)
from .base import S, _ensure
from .identity import institutions_for_students


# --- 电子注册 --------------------------------------------------------------------------------------
@transaction.atomic
def batch_create(*, actor, institution: Institution, year: int, term: str) -> RegistrationBatch:
    """Collect the school's pending enrolments of ``year`` not yet in a batch into a new draft batch."""
    if not institutions_for_students(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("You may only register students of your own school."))
    batch = RegistrationBatch(
        institution=institution, year=year, term=term, deadline=rules.registration_deadline(year, term)
    )
    model_create(actor=actor, instance=batch)
    pending = Enrolment.objects.filter(
        institution=institution, status=S.PENDING, is_current=True, batch__isnull=True, cohort_year=year
    )
    pending = list(pending)
    count = Enrolment.objects.filter(pk__in=[e.pk for e in pending]).update(batch=batch)
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(e, {"batch": None}, {"batch": batch.pk}) for e in pending],
    )
    if not count:
        raise ValidationError(
            _("There are no new students of %(year)s awaiting registration.") % {"year": year}
        )
    return batch


@transaction.atomic
def batch_override_deadline(*, actor, batch: RegistrationBatch, reason: str) -> RegistrationBatch:
    """XJ-REG override: the province allows a late batch, with a reason (students.md §2)."""
    _ensure(batch, actor)
    if not user_scope(actor).is_province:
        raise ValidationError(_("Only the province may allow a late registration."))
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"override_reason": _("Give a reason for allowing the late registration.")})
    batch, _c = model_update(
        actor=actor,
        instance=batch,
        data={"override_reason": reason, "override_by": actor, "override_at": timezone.now()},
    )
    return batch


def batch_submit(*, actor, batch: RegistrationBatch, today: datetime.date | None = None) -> RegistrationBatch:
    """School → city → province (lifecycle ``students.registration``); XJ-REG deadline enforced."""
    from zhijiao.core.lifecycle import fire

    return fire("students.registration", batch, "submit", actor=actor, today=today)


def batch_on_time(batch: RegistrationBatch, ctx: dict):
    """Guard XJ-REG: the registration deadline (students.md §2), unless the province allowed a late batch."""
    try:
        rules.check_registration_on_time(
            deadline=batch.deadline,
            today=ctx.get("today") or timezone.localdate(),
            override_reason=batch.override_reason,
        )
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def batch_has_students(batch: RegistrationBatch, ctx: dict):
    """Guard: an empty batch is not submitted."""
    return None if batch.enrolments.exists() else _("The batch holds no students.")


def _next_temporary_serial(province_code: str, year: int) -> int:
    prefix = f"L{province_code}{year:04d}"
    last = (
        Student.objects.select_for_update(of=("self",))
        .filter(registry_number__startswith=prefix)
        .order_by("-registry_number")
        .values_list("registry_number", flat=True)
        .first()
    )
    return int(last[len(prefix) : len(prefix) + 7]) + 1 if last else 1


def registration_approved(approval, actor) -> dict:
    """Outcome effect: the province approved a batch — every enrolment is registered and gets its
    学籍号 (the lifecycle then marks the batch approved with the returned values)."""
    batch = (
        RegistrationBatch.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .get(pk=approval.object_id)
    )
    now = timezone.now()
    province_code = batch.institution.region.path.split("/")[0]
    enrolments = list(batch.enrolments.select_related("student").filter(status=S.PENDING))
    student_ids = [e.student_id for e in enrolments]
    # XJ-UNIQUE: nobody in the batch may hold another current registration (a concurrent batch).
    clash = (
        Enrolment.objects.filter(student_id__in=student_ids, is_current=True)
        .exclude(status=S.PENDING)
        .exclude(batch=batch)
    )
    rules.check_one_registry_per_person(other_current_schools=list({e.institution for e in clash}))
    serial = None
    updated_students = []
    audits = []
    for e in enrolments:
        student = e.student
        before = snapshot(student)
        if not student.registry_number and student.id_type != IdType.RESIDENT_ID:
            serial = serial or _next_temporary_serial(province_code, batch.year)
        number = rules.registry_number_for(
            id_type=student.id_type,
            id_number=student.id_number,
            existing=student.registry_number,
            temporary_serial=serial,
            province_code=province_code,
            year=batch.year,
        )
        if number.startswith("L") and not student.registry_number:
            serial += 1
        if number != student.registry_number:
            student.registry_number = number
            student.updated_at = now
            updated_students.append(student)
            audits.append((student, before, snapshot(student)))
        e.status = S.REGISTERED
        e.registered_at = now
        e.updated_at = now
    Student.objects.bulk_update(updated_students, ["registry_number", "updated_at"], batch_size=1000)
    Enrolment.objects.bulk_update(enrolments, ["status", "registered_at", "updated_at"], batch_size=1000)
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=audits,
        message=str(_("Registration approved")),
        event="student.registry_number_assigned",
    )
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(e, {"status": S.PENDING}, {"status": S.REGISTERED}) for e in enrolments],
        message=str(_("Registration approved")),
        event="enrolment.registered",
    )
    return {"approved_at": now}


def registration_cancelled(batch: RegistrationBatch, approval, actor, reason: str = "") -> None:
    """Outcome effect: a withdrawn batch lets its pending students go into a later batch."""
    pending = list(batch.enrolments.filter(status=S.PENDING))
    Enrolment.objects.filter(pk__in=[e.pk for e in pending]).update(batch=None)
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(e, {"batch": batch.pk}, {"batch": None}) for e in pending],
        message=reason,
    )
