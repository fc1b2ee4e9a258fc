"""Migration 0026 gives the check-ins already stored their placement's school (issue 16)."""

import pytest
from django.db import connection

from zhijiao.core.testing import migrate_to

pytestmark = pytest.mark.django_db

BEFORE = "0025_alert_tallies"
AFTER = "0026_checkin_institution"


def test_stored_check_ins_take_their_placements_school(iw):
    placements = [iw.placement(activate=True), iw.placement(activate=True)]
    migrate_to("internships", BEFORE)
    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, "internships_checkin")
        ]
        assert "institution_id" not in columns
        for n, p in enumerate(placements):
            cursor.execute(
                "INSERT INTO internships_checkin (placement_id, kind, occurred_at, received_at, latitude,"
                " longitude, address, client_key) VALUES (%s, 'START', %s, %s, 36.6, 117.1, '', %s)",
                [p.pk, p.start_date, p.start_date, f"migrated-{n}"],
            )
    migrate_to("internships", AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT placement_id, institution_id FROM internships_checkin WHERE client_key LIKE 'migrated-%%'"
        )
        stored = dict(cursor.fetchall())
    assert stored == {p.pk: p.institution_id for p in placements}, stored
    assert all(stored.values())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the copy trigger is PostgreSQL's")
def test_a_writer_leaving_the_school_out_gets_the_placements(iw):
    """The old code's insert during an upgrade (and any loader) names no school: the trigger copies it."""
    p = iw.placement(activate=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO internships_checkin (placement_id, kind, occurred_at, received_at, latitude,"
            " longitude, address, client_key) VALUES (%s, 'START', now(), now(), 36.6, 117.1, '', 'old-code')"
            " RETURNING institution_id",
            [p.pk],
        )
        assert cursor.fetchone()[0] == p.institution_id


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the online steps are PostgreSQL's")
def test_an_interrupted_migration_is_finished_by_running_it_again(iw):
    """Not atomic (zhijiao.core.online_schema): a run stopped after adding the column, the trigger,
    part of the rows and the foreign key is completed by ``migrate``."""
    p = iw.placement(activate=True)
    migrate_to("internships", BEFORE)
    with connection.cursor() as cursor:
        for n in range(2):
            cursor.execute(
                "INSERT INTO internships_checkin (placement_id, kind, occurred_at, received_at, latitude,"
                " longitude, address, client_key) VALUES (%s, 'START', now(), now(), 36.6, 117.1, '', %s)",
                [p.pk, f"half-{n}"],
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE internships_checkin ADD COLUMN institution_id bigint NULL")
        cursor.execute(
            "UPDATE internships_checkin SET institution_id = %s WHERE client_key = 'half-0'",
            [p.institution_id],
        )
    migrate_to("internships", AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT client_key, institution_id FROM internships_checkin WHERE client_key LIKE 'half-%%'"
        )
        assert dict(cursor.fetchall()) == {"half-0": p.institution_id, "half-1": p.institution_id}
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conrelid = 'internships_checkin'::regclass"
            " AND contype = 'f' AND conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE"
            " attrelid = 'internships_checkin'::regclass AND attname = 'institution_id')]"
        )
        assert cursor.fetchone()[0] == 1  # one foreign key, validated
        cursor.execute(
            "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'internships_checkin'::regclass"
            " AND attname = 'institution_id'"
        )
        assert cursor.fetchone()[0] is True
