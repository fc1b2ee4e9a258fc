"""The data migration that masks audit entries written before the 学籍号 was a masked field."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditEntry

pytestmark = pytest.mark.django_db

MIGRATION = "0007_mask_sensitive_in_audit_entries"


def _run_migration():
    module = importlib.import_module(f"zhijiao.core.migrations.{MIGRATION}")
    state = MigrationLoader(connection).project_state(("core", MIGRATION))
    module.mask_entries(state.apps, None)


def test_full_values_in_old_entries_are_masked_and_masked_ones_stay(world):
    old = audit_record(
        actor=None,
        action="update",
        object_type="students.student",
        object_id="7",
        before={"registry_number": None, "name": "张三"},
        after={"registry_number": "G370103200712107709", "id_number": "370103200712107709"},
        message="学籍注册已批准",
    )
    phone = audit_record(
        actor=None,
        action="create",
        object_type="accounts.user",
        object_id="8",
        after={"phone": "13812345678"},
    )
    checkin = audit_record(
        actor=None,
        action="create",
        object_type="internships.checkin",
        object_id="9",
        after={"address": "山东省济南市历下区经十路1号"},
    )
    other = audit_record(
        actor=None,
        action="create",
        object_type="orgs.institution",
        object_id="1",
        after={"address": "济南市经十路1号"},
    )
    _run_migration()
    _run_migration()  # idempotent
    old = AuditEntry.objects.get(pk=old.pk)
    assert old.after == {"registry_number": "G370103********7709", "id_number": "370103********7709"}
    assert old.before == {"registry_number": None, "id_number": None}  # audit_record keeps changed keys
    assert AuditEntry.objects.get(pk=phone.pk).after == {"phone": "138****5678"}
    assert AuditEntry.objects.get(pk=checkin.pk).after == {"address": "山东省济南市****"}
    # An organisation's address is not personal data: untouched.
    assert AuditEntry.objects.get(pk=other.pk).after == {"address": "济南市经十路1号"}
