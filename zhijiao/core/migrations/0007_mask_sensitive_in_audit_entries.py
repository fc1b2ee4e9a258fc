"""Mask the sensitive values that audit entries written before core.sensitive still hold in full.

The 学籍号 ("G" + the ID number) was not a masked field, so entries such as "学籍注册已批准" kept it
in full; check-in addresses neither. This rewrites ``before``/``after`` of the entries about the
models that list those fields, masking exactly as ``core.sensitive`` does now (masking is
idempotent: values already masked stay as they are). Reversing it is a no-op: the full values are
gone on purpose (docs/architecture.md, "Audit").

The maskers are copied here, frozen, so that later changes to the application code cannot change
what this migration did.
"""

from django.db import migrations
from django.db.models import Q

# object type → {field: kind}, as the models listed them when this migration was written.
SENSITIVE = {
    "students.student": {
        "id_number": "resident_id",
        "registry_number": "registry_number",
        "phone": "phone",
        "guardian_phone": "phone",
    },
    "accounts.user": {"phone": "phone"},
    "enterprises.enterprise": {"contact_phone": "phone"},
    "internships.mentorassignment": {"phone": "phone"},
    "internships.checkin": {"address": "address"},
}


def _mask_resident_id(value: str) -> str:
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def _mask_phone(value: str) -> str:
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def _mask_registry_number(value: str) -> str:
    return value[:1] + _mask_resident_id(value[1:])


def _mask_address(value: str) -> str:
    return value[:6].split("*")[0] + "****"


MASKERS = {
    "resident_id": _mask_resident_id,
    "registry_number": _mask_registry_number,
    "phone": _mask_phone,
    "address": _mask_address,
}


def _masked(data, fields):
    if not isinstance(data, dict):
        return data, False
    changed = False
    out = dict(data)
    for name, kind in fields.items():
        value = out.get(name)
        if isinstance(value, str) and value:
            new = MASKERS[kind](value)
            if new != value:
                out[name] = new
                changed = True
    return out, changed


def mask_entries(apps, schema_editor):
    AuditEntry = apps.get_model("core", "AuditEntry")
    for object_type, fields in SENSITIVE.items():
        keys = list(fields)
        # Only entries that hold one of the keys (JSON key lookups work on PostgreSQL and SQLite).
        qs = (
            AuditEntry.objects.filter(object_type=object_type)
            .filter(Q(before__has_any_keys=keys) | Q(after__has_any_keys=keys))
            .only("pk", "before", "after")
            .order_by("pk")
        )
        batch = []
        for entry in qs.iterator(chunk_size=2000):
            before, b_changed = _masked(entry.before, fields)
            after, a_changed = _masked(entry.after, fields)
            if b_changed or a_changed:
                entry.before, entry.after = before, after
                batch.append(entry)
            if len(batch) >= 2000:
                AuditEntry.objects.bulk_update(batch, ["before", "after"])
                batch = []
        if batch:
            AuditEntry.objects.bulk_update(batch, ["before", "after"])


class Migration(migrations.Migration):
    dependencies = [("core", "0006_tally")]

    operations = [migrations.RunPython(mask_entries, migrations.RunPython.noop, elidable=True)]
