"""The roster import's write paths (bulk_create, and COPY on PostgreSQL) store and audit the same thing."""

import pytest
from django.db import connection

from zhijiao.core.audit import snapshot
from zhijiao.core.importing import run_import
from zhijiao.core.importing.pgcopy import copy_supported
from zhijiao.core.models import AuditEntry
from zhijiao.students.importers import StudentImporter
from zhijiao.students.models import Enrolment, Student
from zhijiao.students.services import records

from .factories import add_student, new_id
from .test_import import messages, row, xlsx

pytestmark = pytest.mark.django_db

PATHS = ["bulk_create", "copy"]


@pytest.fixture(params=PATHS)
def write_path(request, monkeypatch):
    if request.param == "copy":
        if not copy_supported():
            pytest.skip("COPY needs PostgreSQL with psycopg 3")
        monkeypatch.setattr(records, "COPY_MIN_ROWS", 0)
    else:
        monkeypatch.setattr(records, "COPY_MIN_ROWS", 10**9)
    return request.param


def _rows():
    return [
        row(
            name="欧阳䶮",
            guardian_phone="13812345678",
            class_name='2024级"1"班\\',
            ethnicity="汉族",
            hukou_region="370102",
            source_category="退役军人",
            aid_category="01",
        ),
        row(name="李\ue000", gender="女", id_number=new_id(male=False), guardian_phone="", guardian_name=""),
        row(name="王𪚥", pathway="", study_years=""),
    ]


def test_one_audit_entry_per_student_with_its_enrolment(world, write_path):
    result = run_import("students", xlsx(_rows()), "roster.xlsx", actor=world["school_a"])
    assert result.ok, messages(result)
    assert result.created == 3
    students = list(Student.objects.order_by("pk"))
    assert len(students) == 3
    entries = AuditEntry.objects.filter(action="create")
    assert entries.filter(object_type="students.enrolment").count() == 0
    for student in students:
        entry = entries.get(object_type="students.student", object_id=str(student.pk))
        enrolment = Enrolment.objects.get(student=student)
        assert entry.after == {**snapshot(student), "enrolment": snapshot(enrolment)}
        assert entry.actor == world["school_a"] and entry.actor_name == world["school_a"].username
        assert entry.scope_path == world.school_a.region.path
        assert entry.object_repr == student.name
        assert entry.message
        # masked, never the full numbers
        assert student.id_number not in str(entry.after)
        if student.guardian_phone:
            assert student.guardian_phone not in str(entry.after)
        # queryable by enrolment too
        assert AuditEntry.objects.filter(after__enrolment__id=enrolment.pk).get() == entry
    coded = Student.objects.get(name="欧阳䶮")
    assert (coded.ethnicity, coded.hukou_region, coded.source_category, coded.aid_category) == (
        "01",
        "370102",
        "41",
        "01",
    )
    flagged = Student.objects.get(name="李\ue000")
    assert flagged.name_flagged and flagged.gender == "female" and flagged.guardian_name == ""
    e = Enrolment.objects.get(student__name="王𪚥")
    assert (e.study_years, e.pathway, e.status, e.stage, e.cohort_year) == (
        3,
        "ordinary",
        "pending",
        "secondary",
        2024,
    )


def test_invalid_file_writes_nothing_on_either_path(world, write_path):
    rows = _rows() + [row(id_number="110101200801010010")]  # wrong check digit
    result = run_import("students", xlsx(rows), "roster.xlsx", actor=world["school_a"])
    assert not result.ok
    assert not Student.objects.exists() and not Enrolment.objects.exists()
    assert not AuditEntry.objects.filter(object_type__startswith="students.").exists()


def test_reimport_elsewhere_is_refused(world, write_path):
    first = run_import("students", xlsx(_rows()), "roster.xlsx", actor=world["school_a"])
    assert first.ok
    numbers = list(Student.objects.values_list("id_number", flat=True))
    major = world.offering_b.major.code
    rows = [row(id_number=n, gender="", birth_date="", major=major, start_year="") for n in numbers]
    again = run_import("students", xlsx(rows), "r.xlsx", actor=world["school_b"])
    assert not again.ok and len(again.errors) == 3
    id_header = str(StudentImporter.columns[4].label)
    assert [e.column for e in again.errors] == [id_header] * 3, messages(again)
    assert all("already registered" in e.reason for e in again.errors), messages(again)
    assert Student.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY path")
def test_copy_path_is_used_for_large_files_on_postgresql(world, monkeypatch):
    called = []
    original = records._bulk_copy
    monkeypatch.setattr(records, "COPY_MIN_ROWS", 2)
    monkeypatch.setattr(records, "_bulk_copy", lambda *a: called.append(1) or original(*a))
    result = run_import("students", xlsx(_rows()), "roster.xlsx", actor=world["school_a"])
    assert result.ok and called == [1]


def test_registry_numbers_held_or_repeated_are_refused_before_writing(world):
    held = add_student(world, "b")
    Student.objects.filter(pk=held.pk).update(registry_number="G" + held.id_number)
    again = "G" + new_id()
    rows = [
        row(registry_number="G" + held.id_number),
        row(registry_number=again),
        row(registry_number=again),
    ]
    result = run_import("students", xlsx(rows), "roster.xlsx", actor=world["school_a"])
    assert not result.ok
    header = str(StudentImporter.columns[14].label)
    assert [(e.row, e.column) for e in result.errors] == [(2, header), (4, header)], messages(result)
    assert "already held" in result.errors[0].reason and "row 3" in result.errors[1].reason
    assert Student.objects.count() == 1


def test_history_shows_the_imported_enrolment_field_by_field(world, write_path, english):
    from zhijiao.core.views.generic import change_history

    result = run_import("students", xlsx(_rows()[:1]), "roster.xlsx", actor=world["school_a"])
    assert result.ok, messages(result)
    student = Student.objects.get()
    enrolment = Enrolment.objects.get(student=student)
    (created,) = change_history(student)
    rows = {c["field"]: c["after"] for c in created["changes"]}
    assert "enrolment" not in rows  # no raw nested dict
    assert not any(isinstance(v, dict) for v in rows.values())
    assert rows["Enrolment · Institution"] == world.school_a  # foreign keys shown by name
    assert rows["Enrolment · Class"] == enrolment.class_name
