"""Migration 0026 gives the check-ins already stored their placement's school (issue 16)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db

BEFORE = ("internships", "0025_alert_tallies")
AFTER = ("internships", "0026_checkin_institution")


def _migrate(target):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the deferred foreign-key checks, before any ALTER TABLE
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([target])


def test_stored_check_ins_take_their_placements_school(iw):
    placements = [iw.placement(activate=True), iw.placement(activate=True)]
    _migrate(BEFORE)
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
    _migrate(AFTER)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT placement_id, institution_id FROM internships_checkin WHERE client_key LIKE 'migrated-%%'"
        )
        stored = dict(cursor.fetchall())
    assert stored == {p.pk: p.institution_id for p in placements}, stored
    assert all(stored.values())
