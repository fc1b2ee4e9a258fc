"""records — part of services (split from one module at ~600 lines, STYLE.md)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk, audit_record, snapshot
from zhijiao.core.services import OutOfScope, model_create, model_update
from zhijiao.core.validators import normalize_text, parse_resident_id
from zhijiao.orgs.models import Institution

from .. import rules
from ..choices import IdType
from ..models import (
    Enrolment,
    Student,
)
from .base import ENROLMENT_FIELDS, STUDENT_FIELDS, _scoped
from .identity import check_identity, institutions_for_students, registered_elsewhere_message


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
