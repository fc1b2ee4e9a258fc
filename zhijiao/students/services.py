"""Writes of the student registry. Only these functions change students, enrolments, batches,
status changes and graduation decisions (STYLE.md §2: typed, keyword-only, actor, atomic, audited).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk, audit_record, snapshot
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope, ensure_in_scope, model_create, model_update
from zhijiao.core.validators import normalize_code, normalize_text, parse_resident_id
from zhijiao.orgs.models import Institution

from . import rules
from .choices import BatchStatus, ChangeKind, EnrolmentStatus, GraduationOutcome, IdType
from .models import (
    Enrolment,
    Graduation,
    GraduationList,
    RegistrationBatch,
    StatusChange,
    StatusChangeAttachment,
    Student,
)

S = EnrolmentStatus
_SYSTEM = contextvars.ContextVar("students_system_writes", default=False)


@contextlib.contextmanager
def system_writes():
    """Loaders (the demo) write without a user: scope checks are skipped inside this block only."""
    token = _SYSTEM.set(True)
    try:
        yield
    finally:
        _SYSTEM.reset(token)


def _scoped() -> bool:
    return not _SYSTEM.get()


def _ensure(instance, actor) -> None:
    if _scoped():
        ensure_in_scope(instance, actor, "change")


STUDENT_FIELDS = (
    "name",
    "name_pinyin",
    "gender",
    "id_type",
    "id_number",
    "birth_date",
    "phone",
    "guardian_name",
    "guardian_phone",
)
ENROLMENT_FIELDS = ("offering", "class_name", "cohort_year", "entry_date", "study_years", "pathway", "stage")


# --- identity -------------------------------------------------------------------------------------
def check_identity(
    *, id_type: str, id_number: str, birth_date: datetime.date | None, gender: str | None
) -> str:
    """GB 11643 check digit, and birth date and gender consistent with the number (credentials.md §6.1).

    Returns the normalised number. Errors are keyed by the field they concern.
    """
    number = normalize_code(id_number or "")
    if id_type != IdType.RESIDENT_ID:
        if not number:
            raise ValidationError({"id_number": _("Enter the ID number.")})
        return number
    try:
        parsed = parse_resident_id(number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages})
    errors = {}
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _("does not match the birth date in the ID number (%(date)s)") % {
            "date": parsed.birth_date.isoformat()
        }
    if gender and gender != parsed.gender:
        errors["gender"] = _("does not match the ID number (the 17th digit is %(parity)s)") % {
            "parity": _("odd, male") if parsed.gender == "male" else _("even, female")
        }
    if errors:
        raise ValidationError(errors)
    return parsed.number


def registered_elsewhere_message(*, actor, other: Student) -> str:
    """Name the other school only as far as the actor may see it (PIPL; DESIGN.md)."""
    school = other.current_institution
    if restrict(Institution.objects.filter(pk=school.pk), actor, "view").exists():
        return _("already registered at %(school)s") % {"school": school.name}
    city = school.region.city if school.region_id else None
    if city is not None:
        return _("already registered at another school in %(city)s") % {"city": city.name}
    return _("already registered at another school in the province")


def institutions_for_students(user):
    """Schools where the user may add students (enrolments are changeable at region and school nodes)."""
    from zhijiao.core.scoping import scope_q

    class _EnrolmentInstitution:
        scope_region_path = "region__path"
        scope_institution = "pk"
        scope_enterprise = None
        scope_change_nodes = Enrolment.scope_change_nodes

    if _SYSTEM.get():
        return Institution.objects.select_related("region").order_by("name")
    q = scope_q(_EnrolmentInstitution, user, "change")
    qs = Institution.objects.select_related("region").order_by("name")
    return qs if q is None else qs.filter(q)


# --- one by one -----------------------------------------------------------------------------------
@transaction.atomic
def student_create(*, actor, data: dict[str, Any]) -> Student:
    """Add one new student with a pending enrolment at ``data["institution"]`` (registered later by a batch)."""
    institution = data.get("institution")
    offering = data.get("offering")
    if institution is None or not institutions_for_students(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("You may only add students to your own school."))
    if offering is not None and offering.institution_id != institution.pk:
        raise ValidationError({"offering": _("The offered major belongs to another school.")})
    values = {k: data.get(k) for k in STUDENT_FIELDS if k in data}
    values["name"] = normalize_text(values.get("name") or "")
    values["id_type"] = values.get("id_type") or IdType.RESIDENT_ID
    values["id_number"] = check_identity(
        id_type=values["id_type"],
        id_number=values.get("id_number", ""),
        birth_date=values.get("birth_date"),
        gender=values.get("gender"),
    )
    if values["id_type"] == IdType.RESIDENT_ID:
        parsed = parse_resident_id(values["id_number"])
        values["birth_date"] = values.get("birth_date") or parsed.birth_date
        values["gender"] = values.get("gender") or parsed.gender
    other = (
        Student.objects.select_related("current_institution__region__parent")
        .filter(id_type=values["id_type"], id_number=values["id_number"])
        .first()
    )
    if other is not None:
        raise ValidationError({"id_number": registered_elsewhere_message(actor=actor, other=other)})
    student = Student(
        current_institution=institution, name_flagged=bool(rules.name_private_use(values["name"])), **values
    )
    model_create(actor=actor, instance=student, check_scope=_scoped())
    enrolment = Enrolment(
        student=student,
        institution=institution,
        **{k: data[k] for k in ENROLMENT_FIELDS if data.get(k) not in (None, "")},
    )
    if not enrolment.cohort_year and enrolment.entry_date:
        enrolment.cohort_year = enrolment.entry_date.year
    model_create(actor=actor, instance=enrolment, check_scope=_scoped())
    return student


@transaction.atomic
def student_update(*, actor, student: Student, data: dict[str, Any]) -> Student:
    """Correct contact details and names; identity fields only before registration."""
    editable = {"name", "name_pinyin", "phone", "guardian_name", "guardian_phone"}
    if not student.registry_number:
        editable |= {"gender", "birth_date", "id_type", "id_number"}
    values = {k: v for k, v in data.items() if k in editable}
    if "name" in values:
        values["name"] = normalize_text(values["name"])
        values["name_flagged"] = bool(rules.name_private_use(values["name"]))
    if {"id_number", "birth_date", "gender", "id_type"} & set(values):
        merged = {
            k: values.get(k, getattr(student, k)) for k in ("id_type", "id_number", "birth_date", "gender")
        }
        values["id_number"] = check_identity(**merged)
    instance, _changed = model_update(check_scope=_scoped(), actor=actor, instance=student, data=values)
    return instance


def audit_sensitive_view(*, actor, student: Student, field: str = "id_number") -> None:
    """Record that ``actor`` saw a full ID number (AuditAction.VIEW_SENSITIVE; DESIGN.md privacy)."""
    audit_record(actor=actor, action=AuditAction.VIEW_SENSITIVE, instance=student, message=field)


# --- import ---------------------------------------------------------------------------------------
@transaction.atomic
def student_bulk_create(*, actor, rows: list[dict[str, Any]], message: str = "") -> dict[str, int]:
    """Create students with pending enrolments from validated import rows; one audit entry per row.

    The importer validated the whole file (identity, duplicates in the file, the school and the
    province); the unique constraint on the ID number still guards against a concurrent import.
    On PostgreSQL large files go through COPY (rows, then their audit entries) without building
    model instances; elsewhere through bulk_create.
    """
    from zhijiao.core.importing.pgcopy import copy_supported

    if not rows:
        return {"created": 0, "updated": 0, "unchanged": 0}
    institution_ids = {r["institution"].pk for r in rows}
    allowed = set(
        institutions_for_students(actor).filter(pk__in=institution_ids).values_list("pk", flat=True)
    )
    if allowed != institution_ids:
        raise OutOfScope(_("Some rows would lie outside your organisation; nothing was imported."))
    if copy_supported() and len(rows) > 2000:
        _bulk_copy(actor, rows, message)
        return {"created": len(rows), "updated": 0, "unchanged": 0}
    students, enrolments = [], []
    for r in rows:
        students.append(
            Student(
                name=r["name"],
                gender=r["gender"],
                id_type=r["id_type"],
                id_number=r["id_number"],
                birth_date=r["birth_date"],
                current_institution=r["institution"],
                guardian_name=r.get("guardian_name", ""),
                guardian_phone=r.get("guardian_phone", ""),
                phone=r.get("phone", ""),
                name_flagged=r.get("name_flagged", False),
                registry_number=r.get("registry_number") or None,
            )
        )
    Student.objects.bulk_create(students, batch_size=1000)
    for r, student in zip(rows, students, strict=True):
        enrolments.append(
            Enrolment(
                student_id=student.pk,
                institution=r["institution"],
                offering=r["offering"],
                class_name=r.get("class_name", ""),
                cohort_year=r["entry_date"].year,
                entry_date=r["entry_date"],
                study_years=r.get("study_years") or 3,
                pathway=r.get("pathway") or "ordinary",
            )
        )
    Enrolment.objects.bulk_create(enrolments, batch_size=1000)
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(o, None, snapshot(o)) for o in students],
        message=message,
    )
    audit_bulk(
        actor=actor,
        action=AuditAction.CREATE,
        items=[(o, None, snapshot(o)) for o in enrolments],
        message=message,
    )
    return {"created": len(students), "updated": 0, "unchanged": 0}


def _next_ids(cursor, table: str, n: int) -> list[int]:
    cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, n])
    return [r[0] for r in cursor.fetchall()]


def _bulk_copy(actor, rows: list[dict[str, Any]], message: str) -> None:
    """PostgreSQL: COPY students, enrolments and their audit entries (snapshots built from the rows,
    ID and phone numbers masked as ``core.audit.snapshot`` does)."""
    import json

    from django.db import connection

    from zhijiao.core.audit import actor_org_label
    from zhijiao.core.context import client_ip_var, request_id_var
    from zhijiao.core.validators import mask_phone, mask_resident_id

    now = timezone.now()
    stamp = now.isoformat()
    paths = {
        i.pk: i.region.path
        for i in Institution.objects.filter(pk__in={r["institution"].pk for r in rows}).select_related(
            "region"
        )
    }
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    common = (
        now,
        actor.pk if authenticated else None,
        actor.get_username() if authenticated else "system",
        actor_org_label(actor),
        request_id_var.get(),
        client_ip_var.get(),
        AuditAction.CREATE,
    )
    message = message[:500]
    dumps = json.dumps
    with connection.cursor() as cursor:
        pg = cursor.cursor
        sids = _next_ids(cursor, Student._meta.db_table, len(rows))
        eids = _next_ids(cursor, Enrolment._meta.db_table, len(rows))
        cols = (
            "id, created_at, updated_at, name, name_pinyin, gender, id_type, id_number, birth_date, "
            "registry_number, current_institution_id, phone, guardian_name, guardian_phone, user_id, name_flagged"
        )
        with pg.copy(f"COPY students_student ({cols}) FROM STDIN") as copy:
            for pk, r in zip(sids, rows, strict=True):
                copy.write_row(
                    (
                        pk,
                        now,
                        now,
                        r["name"],
                        "",
                        r["gender"],
                        r["id_type"],
                        r["id_number"],
                        r["birth_date"],
                        r.get("registry_number") or None,
                        r["institution"].pk,
                        r.get("phone", ""),
                        r.get("guardian_name", ""),
                        r.get("guardian_phone", ""),
                        None,
                        bool(r.get("name_flagged")),
                    )
                )
        cols = (
            "id, created_at, updated_at, student_id, institution_id, offering_id, class_name, cohort_year, "
            "entry_date, study_years, pathway, stage, status, is_current, registered_at, left_at, batch_id"
        )
        with pg.copy(f"COPY students_enrolment ({cols}) FROM STDIN") as copy:
            for pk, sid, r in zip(eids, sids, rows, strict=True):
                copy.write_row(
                    (
                        pk,
                        now,
                        now,
                        sid,
                        r["institution"].pk,
                        r["offering"].pk,
                        r.get("class_name", ""),
                        r["entry_date"].year,
                        r["entry_date"],
                        r.get("study_years") or 3,
                        r.get("pathway") or "ordinary",
                        "secondary",
                        "pending",
                        True,
                        None,
                        None,
                        None,
                    )
                )
        cols = (
            "timestamp, actor_id, actor_name, actor_org, request_id, ip_address, action, object_type, object_id, "
            "object_repr, scope_path, before, after, message"
        )
        with pg.copy(f"COPY core_auditentry ({cols}) FROM STDIN") as copy:
            for pk, r in zip(sids, rows, strict=True):
                inst = r["institution"].pk
                after = {
                    "id": pk,
                    "name": r["name"],
                    "name_pinyin": "",
                    "gender": r["gender"],
                    "id_type": r["id_type"],
                    "id_number": mask_resident_id(r["id_number"]),
                    "birth_date": r["birth_date"].isoformat(),
                    "registry_number": r.get("registry_number") or None,
                    "current_institution": inst,
                    "phone": mask_phone(r.get("phone", "")) if r.get("phone") else "",
                    "guardian_name": r.get("guardian_name", ""),
                    "guardian_phone": mask_phone(r["guardian_phone"]) if r.get("guardian_phone") else "",
                    "user": None,
                    "name_flagged": bool(r.get("name_flagged")),
                }
                copy.write_row(
                    (
                        *common,
                        "students.student",
                        str(pk),
                        r["name"][:300],
                        paths[inst],
                        None,
                        dumps(after, ensure_ascii=False),
                        message,
                    )
                )
            for pk, sid, r in zip(eids, sids, rows, strict=True):
                inst = r["institution"].pk
                after = {
                    "id": pk,
                    "student": sid,
                    "institution": inst,
                    "offering": r["offering"].pk,
                    "class_name": r.get("class_name", ""),
                    "cohort_year": r["entry_date"].year,
                    "entry_date": r["entry_date"].isoformat(),
                    "study_years": r.get("study_years") or 3,
                    "pathway": r.get("pathway") or "ordinary",
                    "stage": "secondary",
                    "status": "pending",
                    "is_current": True,
                    "registered_at": None,
                    "left_at": None,
                    "batch": None,
                }
                copy.write_row(
                    (
                        *common,
                        "students.enrolment",
                        str(pk),
                        f"{r['name']} · {r['institution'].name}"[:300],
                        paths[inst],
                        None,
                        dumps(after, ensure_ascii=False),
                        message,
                    )
                )
    del stamp


# --- 电子注册 --------------------------------------------------------------------------------------
@transaction.atomic
def batch_create(*, actor, institution: Institution, year: int, term: str) -> RegistrationBatch:
    """Collect the school's pending enrolments of ``year`` not yet in a batch into a new draft batch."""
    if not institutions_for_students(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("You may only register students of your own school."))
    batch = RegistrationBatch(
        institution=institution, year=year, term=term, deadline=rules.registration_deadline(year, term)
    )
    model_create(actor=actor, instance=batch, check_scope=_scoped())
    pending = Enrolment.objects.filter(
        institution=institution, status=S.PENDING, is_current=True, batch__isnull=True, cohort_year=year
    )
    count = pending.update(batch=batch)
    if not count:
        raise ValidationError(
            _("There are no new students of %(year)s awaiting registration.") % {"year": year}
        )
    return batch


@transaction.atomic
def batch_override_deadline(*, actor, batch: RegistrationBatch, reason: str) -> RegistrationBatch:
    """XJ-REG override: the province allows a late batch, with a reason (students.md §2)."""
    _ensure(batch, actor)
    if _scoped() and not user_scope(actor).is_province:
        raise ValidationError(_("Only the province may allow a late registration."))
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"override_reason": _("Give a reason for allowing the late registration.")})
    batch, _c = model_update(
        check_scope=_scoped(),
        actor=actor,
        instance=batch,
        data={"override_reason": reason, "override_by": actor, "override_at": timezone.now()},
    )
    return batch


@transaction.atomic
def batch_submit(*, actor, batch: RegistrationBatch, today: datetime.date | None = None) -> RegistrationBatch:
    """School → city → province (workflows kind ``students.registration``); XJ-REG deadline enforced."""
    from zhijiao.workflows.services import request_submit

    batch = (
        RegistrationBatch.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .get(pk=batch.pk)
    )
    _ensure(batch, actor)
    if batch.status not in (BatchStatus.DRAFT,):
        raise ValidationError(_("Only a draft batch can be submitted."))
    rules.check_registration_on_time(
        deadline=batch.deadline, today=today or timezone.localdate(), override_reason=batch.override_reason
    )
    if not batch.enrolments.exists():
        raise ValidationError(_("The batch holds no students."))
    approval = request_submit(
        actor=actor,
        kind="students.registration",
        target=batch,
        institution=batch.institution,
        check_scope=_scoped(),
        title=_("Registration of new students: %(batch)s") % {"batch": batch},
    )
    batch, _c = model_update(
        check_scope=_scoped(),
        actor=actor,
        instance=batch,
        data={"status": BatchStatus.IN_REVIEW, "submitted_at": timezone.now(), "approval": approval},
    )
    return batch


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


def registration_approved(approval, actor) -> None:
    """Hook: the province approved a batch — every enrolment is registered and gets its 学籍号."""
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
    audit_bulk(actor=actor, action=AuditAction.UPDATE, items=audits, message=str(_("Registration approved")))
    audit_bulk(
        actor=actor,
        action=AuditAction.UPDATE,
        items=[(e, {"status": S.PENDING}, {"status": S.REGISTERED}) for e in enrolments],
        message=str(_("Registration approved")),
    )
    model_update(
        actor=actor,
        instance=batch,
        data={"status": BatchStatus.APPROVED, "approved_at": now},
        check_scope=False,
    )


def _batch_status_hook(status):
    def hook(approval, actor, reason="") -> None:
        batch = RegistrationBatch.objects.get(pk=approval.object_id)
        data = {"status": status}
        model_update(actor=actor, instance=batch, data=data, check_scope=False, message=reason)
        if status == BatchStatus.CANCELLED:
            batch.enrolments.filter(status=S.PENDING).update(batch=None)

    return hook


registration_returned = _batch_status_hook(BatchStatus.RETURNED)
registration_cancelled = _batch_status_hook(BatchStatus.CANCELLED)
registration_resubmitted = _batch_status_hook(BatchStatus.IN_REVIEW)


# --- 学籍异动 ---------------------------------------------------------------------------------------
ALLOWED_ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
}


def check_attachment(upload) -> None:
    """Attachments: PDF, JPEG or PNG (checked by extension and magic bytes), at most the configured size."""
    import os

    limit = getattr(settings, "STUDENT_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)
    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in ALLOWED_ATTACHMENT_TYPES:
        raise ValidationError(
            {"attachments": _("%(name)s: only PDF, JPEG and PNG files are accepted.") % {"name": upload.name}}
        )
    if upload.size > limit:
        raise ValidationError(
            {
                "attachments": _("%(name)s is larger than %(mb)s MB.")
                % {"name": upload.name, "mb": limit // 1048576}
            }
        )
    head = upload.read(8)
    upload.seek(0)
    magic_ok = (
        (ext == ".pdf" and head.startswith(b"%PDF"))
        or (ext in (".jpg", ".jpeg") and head.startswith(b"\xff\xd8\xff"))
        or (ext == ".png" and head.startswith(b"\x89PNG"))
    )
    if not magic_ok:
        raise ValidationError(
            {"attachments": _("%(name)s is not the kind of file its name says.") % {"name": upload.name}}
        )


def suspended_months_used(student: Student) -> int:
    return (
        StatusChange.objects.filter(
            student=student, kind=ChangeKind.SUSPEND, status=StatusChange.Status.APPROVED
        ).aggregate(n=Sum("months"))["n"]
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
    target_institution: Institution | None = None,
    target_offering=None,
    target_class_name: str = "",
    attachments: list | tuple = (),
) -> StatusChange:
    """Open a 学籍异动 request; it goes through the approval chain and applies on final approval."""
    from zhijiao.workflows.services import request_submit

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
        rules.check_suspension_length(months=months, months_already=suspended_months_used(student))
    else:
        months = None
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
        kind=kind,
        reason=reason,
        effective_date=effective_date,
        months=months,
        from_status=enrolment.status,
        to_status=to_status,
        target_institution=target_institution,
        target_offering=target_offering,
        target_class_name=normalize_text(target_class_name or ""),
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    model_create(actor=actor, instance=change, check_scope=_scoped())
    for upload in attachments:
        StatusChangeAttachment.objects.create(
            change=change,
            file=upload,
            original_name=upload.name[:200],
            size=upload.size,
            content_type=getattr(upload, "content_type", "") or "",
        )
    approval = request_submit(
        actor=actor,
        kind="students.status_change",
        target=change,
        institution=enrolment.institution,
        check_scope=_scoped(),
        title=f"{change.get_kind_display()} · {student.name}",
        note=reason,
    )
    StatusChange.objects.filter(pk=change.pk).update(approval=approval)
    change.approval = approval
    return change


def transfer_chain(change: StatusChange, institution: Institution):
    """转学: the receiving school consents after the sending school (which submits), then the sending
    city, the receiving city when it differs, and the province (students.md §5)."""
    from zhijiao.workflows.registry import StepSpec
    from zhijiao.workflows.services import city_of, province_of

    if change.kind != ChangeKind.TRANSFER:
        from zhijiao.workflows.registry import get_kind
        from zhijiao.workflows.services import default_chain

        return default_chain(get_kind("students.status_change"), institution)
    target = Institution.objects.select_related("region").get(pk=change.target_institution_id)
    chain = [StepSpec("institution", target), StepSpec("city", city_of(institution.region))]
    target_city = city_of(target.region)
    if target_city.pk != chain[1].node.pk:
        chain.append(StepSpec("city", target_city))
    chain.append(StepSpec("province", province_of(institution.region)))
    return chain


def status_change_approved(approval, actor) -> None:
    """Hook: apply the change. A transfer ends the old enrolment (kept as history) and opens a new one
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
            check_scope=False,
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
        model_create(actor=actor, instance=new_enrolment, check_scope=False, message=str(change))
        model_update(
            actor=actor,
            instance=change.student,
            check_scope=False,
            message=str(change),
            data={"current_institution": change.target_institution},
        )
    elif change.kind == ChangeKind.CHANGE_MAJOR:
        data = {"offering": change.target_offering}
        if change.target_class_name:
            data["class_name"] = change.target_class_name
        model_update(actor=actor, instance=enrolment, check_scope=False, message=str(change), data=data)
    elif change.kind == ChangeKind.RETAIN:
        model_update(
            actor=actor,
            instance=enrolment,
            check_scope=False,
            message=str(change),
            data={"status": S.RETAINED, "cohort_year": enrolment.cohort_year + 1},
        )
    else:
        data = {"status": change.to_status}
        if change.to_status == S.WITHDRAWN:
            data["left_at"] = change.effective_date
        model_update(actor=actor, instance=enrolment, check_scope=False, message=str(change), data=data)
    model_update(
        actor=actor,
        instance=change,
        check_scope=False,
        data={"status": StatusChange.Status.APPROVED, "applied_at": now, "new_enrolment": new_enrolment},
    )


def _change_status_hook(status):
    def hook(approval, actor, reason="") -> None:
        change = StatusChange.objects.get(pk=approval.object_id)
        model_update(actor=actor, instance=change, data={"status": status}, check_scope=False, message=reason)

    return hook


status_change_returned = _change_status_hook(StatusChange.Status.RETURNED)
status_change_cancelled = _change_status_hook(StatusChange.Status.CANCELLED)
status_change_resubmitted = _change_status_hook(StatusChange.Status.IN_REVIEW)


# --- graduation ------------------------------------------------------------------------------------
@transaction.atomic
def graduation_list_create(
    *,
    actor,
    institution: Institution,
    year: int,
    graduation_date: datetime.date,
    entries: list[dict[str, Any]],
) -> GraduationList:
    """The school proposes a graduation list; each entry is checked and its failures recorded.

    ``entries``: dicts with ``enrolment``, ``outcome`` (default 毕业), ``credits_complete``,
    ``internship_grade``, ``conduct_grade`` and optionally ``replaces`` (a 结业 decision to swap).
    """
    if not institutions_for_students(actor).filter(pk=institution.pk).exists():
        raise OutOfScope(_("You may only propose graduates of your own school."))
    glist = GraduationList(institution=institution, year=year, graduation_date=graduation_date)
    model_create(actor=actor, instance=glist, check_scope=_scoped())
    if not entries:
        raise ValidationError(_("The list holds no students."))
    for entry in entries:
        enrolment = entry["enrolment"]
        if enrolment.institution_id != institution.pk or not enrolment.is_current:
            raise ValidationError(
                _("%(student)s is not a current student of the school.") % {"student": enrolment.student}
            )
        outcome = entry.get("outcome") or GraduationOutcome.GRADUATED
        grad = Graduation(
            enrolment=enrolment,
            outcome=outcome,
            graduation_date=graduation_date,
            graduation_list=glist,
            credits_complete=bool(entry.get("credits_complete")),
            internship_grade=entry.get("internship_grade", ""),
            conduct_grade=entry.get("conduct_grade", ""),
            replaces=entry.get("replaces"),
        )
        grad.ineligible_reasons = graduation_problems(grad)
        model_create(actor=actor, instance=grad, check_scope=_scoped())
    return glist


def graduation_problems(grad: Graduation) -> list[str]:
    """Why this proposal cannot be approved (empty: it can)."""
    enrolment = grad.enrolment
    reasons: list[str] = []
    if (
        Graduation.objects.filter(enrolment=enrolment, status=Graduation.Status.APPROVED)
        .exclude(pk=grad.replaces_id)
        .exists()
    ):
        reasons.append(str(_("already has an approved graduation decision")))
    if grad.outcome == GraduationOutcome.GRADUATED and grad.replaces_id:
        if enrolment.status != S.COMPLETED:
            reasons.append(str(_("only a completion (结业) can be swapped for graduation")))
        try:
            rules.check_completion_swap_window(
                completed_on=grad.replaces.graduation_date, on=grad.graduation_date
            )
        except ValidationError as exc:
            reasons.extend(exc.messages)
        reasons += [
            str(r)
            for r in rules.graduation_ineligibility(
                status=S.REGISTERED,
                credits_complete=grad.credits_complete,
                internship_grade=grad.internship_grade,
                conduct_grade=grad.conduct_grade,
            )
        ]
    elif grad.outcome == GraduationOutcome.GRADUATED:
        reasons += [
            str(r)
            for r in rules.graduation_ineligibility(
                status=enrolment.status,
                credits_complete=grad.credits_complete,
                internship_grade=grad.internship_grade,
                conduct_grade=grad.conduct_grade,
            )
        ]
    elif grad.outcome == GraduationOutcome.COMPLETED:
        if enrolment.status not in rules.STUDYING:
            reasons.append(
                str(_("status is “%(status)s”, not registered") % {"status": S(enrolment.status).label})
            )
    else:  # 肄业
        if enrolment.status not in rules.STUDYING | {S.SUSPENDED}:
            reasons.append(str(_("status is “%(status)s”") % {"status": S(enrolment.status).label}))
        try:
            rules.check_incomplete_one_year(entry_date=enrolment.entry_date, on=grad.graduation_date)
        except ValidationError as exc:
            reasons.extend(exc.messages)
    return reasons


@transaction.atomic
def graduation_list_submit(*, actor, graduation_list: GraduationList) -> GraduationList:
    from zhijiao.workflows.services import request_submit

    glist = (
        GraduationList.objects.select_for_update(of=("self",))
        .select_related("institution__region")
        .get(pk=graduation_list.pk)
    )
    _ensure(glist, actor)
    if glist.status != BatchStatus.DRAFT:
        raise ValidationError(_("Only a draft list can be submitted."))
    approval = request_submit(
        actor=actor,
        kind="students.graduation",
        target=glist,
        institution=glist.institution,
        check_scope=_scoped(),
        title=_("Graduation list: %(list)s") % {"list": glist},
    )
    glist, _c = model_update(
        check_scope=_scoped(),
        actor=actor,
        instance=glist,
        data={"status": BatchStatus.IN_REVIEW, "submitted_at": timezone.now(), "approval": approval},
    )
    return glist


OUTCOME_STATUS = {
    GraduationOutcome.GRADUATED: S.GRADUATED,
    GraduationOutcome.COMPLETED: S.COMPLETED,
    GraduationOutcome.INCOMPLETE: S.INCOMPLETE,
}


def graduation_approve(*, actor, graduation: Graduation) -> Graduation:
    """Approve one decision (eligibility checked again): the enrolment becomes graduated/completed/incomplete."""
    grad = (
        Graduation.objects.select_for_update(of=("self",))
        .select_related("enrolment", "replaces")
        .get(pk=graduation.pk)
    )
    problems = graduation_problems(grad)
    if problems:
        model_update(
            actor=actor,
            instance=grad,
            check_scope=False,
            data={"status": Graduation.Status.REJECTED, "ineligible_reasons": problems},
        )
        return grad
    to_status = OUTCOME_STATUS[grad.outcome]
    rules.check_transition(grad.enrolment.status, to_status)
    data = {"status": to_status}
    if to_status in (S.GRADUATED, S.INCOMPLETE):
        data["left_at"] = grad.graduation_date
    model_update(actor=actor, instance=grad.enrolment, data=data, check_scope=False)
    model_update(
        actor=actor,
        instance=grad,
        check_scope=False,
        data={
            "status": Graduation.Status.APPROVED,
            "approved_by": actor,
            "approved_at": timezone.now(),
            "ineligible_reasons": [],
        },
    )
    return grad


def graduation_list_approved(approval, actor) -> None:
    glist = GraduationList.objects.select_for_update(of=("self",)).get(pk=approval.object_id)
    for grad in glist.graduations.filter(status=Graduation.Status.PROPOSED).select_related("enrolment"):
        graduation_approve(actor=actor, graduation=grad)
    model_update(actor=actor, instance=glist, data={"status": BatchStatus.APPROVED}, check_scope=False)


def _list_status_hook(status):
    def hook(approval, actor, reason="") -> None:
        glist = GraduationList.objects.get(pk=approval.object_id)
        model_update(actor=actor, instance=glist, data={"status": status}, check_scope=False, message=reason)

    return hook


graduation_list_returned = _list_status_hook(BatchStatus.RETURNED)
graduation_list_cancelled = _list_status_hook(BatchStatus.CANCELLED)
graduation_list_resubmitted = _list_status_hook(BatchStatus.IN_REVIEW)


# --- accounts ---------------------------------------------------------------------------------------
@transaction.atomic
def student_link_account(*, actor, student: Student, user) -> Student:
    """Link a sign-in account to a student record (self-service pages under /students/me/)."""
    if user is not None and Student.objects.filter(user=user).exclude(pk=student.pk).exists():
        raise ValidationError(_("This account already belongs to another student."))
    instance, _c = model_update(check_scope=_scoped(), actor=actor, instance=student, data={"user": user})
    return instance


__all__ = [name for name in dir() if not name.startswith("_")] + ["Q"]
