"""Migration 0009 gives the status changes already stored their enrolment's school (issue 16)."""

import datetime as dt

import pytest
from django.db import connection

from zhijiao.core.testing import migrate_to
from zhijiao.students.tests.factories import add_student

pytestmark = pytest.mark.django_db

BEFORE = "0008_enrolment_mix_tally"
AFTER = "0009_statuschange_institution"


def test_stored_changes_take_their_enrolments_school(world):
    students = [add_student(world), add_student(world, "b")]
    enrolments = [s.enrolments.get() for s in students]
    assert enrolments[0].institution_id != enrolments[1].institution_id
    migrate_to("students", BEFORE)
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        for n, e in enumerate(enrolments):
            cursor.execute(
                "INSERT INTO students_statuschange (created_at, updated_at, student_id, enrolment_id, kind,"
                " status, reason, effective_date, suspension_reason, from_status, to_status,"
                " target_class_name) VALUES (%s, %s, %s, %s, 'withdraw', 'in_review', %s, %s, '',"
                " 'registered', 'withdrawn', '')",
                [now, now, e.student_id, e.pk, f"migrated-{n}", now.date()],
            )
    migrate_to("students", AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT enrolment_id, institution_id FROM students_statuschange WHERE reason LIKE 'migrated-%%'"
        )
        stored = dict(cursor.fetchall())
    assert stored == {e.pk: e.institution_id for e in enrolments}, stored


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the copy trigger is PostgreSQL's")
def test_a_writer_leaving_the_school_out_gets_the_enrolments(world):
    enrolment = add_student(world, "b").enrolments.get()
    now = dt.datetime.now(dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO students_statuschange (created_at, updated_at, student_id, enrolment_id, kind,"
            " status, reason, effective_date, suspension_reason, from_status, to_status,"
            " target_class_name) VALUES (%s, %s, %s, %s, 'withdraw', 'in_review', 'old-code', %s, '',"
            " 'registered', 'withdrawn', '') RETURNING institution_id",
            [now, now, enrolment.student_id, enrolment.pk, now.date()],
        )
        assert cursor.fetchone()[0] == enrolment.institution_id == world.school_b.pk
