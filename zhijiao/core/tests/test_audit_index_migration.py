"""Migration 0012 replaces the audit log's name-prefix indexes by ones holding the sort keys, built
while the platform serves (zhijiao.core.online_schema.AddIndexOnline / RemoveIndexOnline)."""

import pytest
from django.db import connection

from zhijiao.core.testing import migrate_to

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the covering indexes are PostgreSQL's"),
]

BEFORE = "0011_audit_event"
AFTER = "0012_audit_search_covering_indexes"


def _indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'core_auditentry'"
            " AND indexname LIKE 'core_audit_%%'"
        )
        return dict(cursor.fetchall())


def test_the_name_indexes_hold_the_sort_keys_and_the_scope():
    found = _indexes()
    for name, column in (("core_audit_repr_keys", "object_repr"), ("core_audit_actor_keys", "actor_name")):
        assert f"({column} varchar_pattern_ops) INCLUDE" in found[name], found[name]
        assert found[name].endswith('INCLUDE ("timestamp", id, scope_path)'), found[name]
    assert "core_audit_repr_prefix" not in found and "core_audit_actor_prefix" not in found


def test_backwards_and_forwards_and_again_after_an_interrupted_build():
    migrate_to("core", BEFORE)
    found = _indexes()
    assert {"core_audit_repr_prefix", "core_audit_actor_prefix"} <= set(found)
    assert "core_audit_repr_keys" not in found
    # An interrupted CONCURRENTLY build leaves an invalid index of the new name: dropped and rebuilt.
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX core_audit_repr_keys ON core_auditentry (object_repr)")
        cursor.execute(
            "UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'core_audit_repr_keys'::regclass"
        )
    migrate_to("core", AFTER)
    test_the_name_indexes_hold_the_sort_keys_and_the_scope()
    with connection.cursor() as cursor:
        cursor.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = 'core_audit_repr_keys'::regclass")
        assert cursor.fetchone() == (True,)
