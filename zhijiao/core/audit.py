"""Writing audit entries. Only services call this; entries are append-only.

Every create/update/delete records who, when, the request id, the actor's organisation and the
before/after field values, with every sensitive field (``core.sensitive``: ID numbers, 学籍号,
phone numbers, personal addresses) masked (DESIGN.md, Security and privacy).
"""

from __future__ import annotations

import datetime
import decimal
from typing import Any

from django.db import models

from .context import client_ip_var, request_id_var
from .models import AuditAction, AuditEntry
from .sensitive import MASKERS, fields_of

_SKIP_FIELDS = {"password", "created_at", "updated_at"}


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def snapshot(instance: models.Model) -> dict[str, Any]:
    """Concrete field values of ``instance`` with sensitive fields masked."""
    sensitive = fields_of(instance)
    data: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.name in _SKIP_FIELDS:
            continue
        value = getattr(instance, f.attname)
        if f.name in sensitive and value:
            value = MASKERS[sensitive[f.name]](str(value))
        data[f.name] = _plain(value)
    return data


def actor_org_label(actor) -> str:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return ""
    from zhijiao.accounts.models import RoleAssignment

    ra = (
        RoleAssignment.objects.filter(user=actor)
        .select_related("region", "institution", "enterprise")
        .order_by("id")
        .first()
    )
    return str(ra.node) if ra and ra.node else ""


def audit_record(
    *,
    actor,
    action: str,
    instance: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    scope_path: str = "",
    message: str = "",
) -> AuditEntry:
    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or str(instance)[:300]
        if not scope_path and hasattr(instance, "audit_scope_path"):
            scope_path = instance.audit_scope_path()
    if before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: before.get(k) for k in sorted(changed)}
        after = {k: after[k] for k in sorted(changed)}
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if authenticated else None,
        actor_name=(actor.get_username() if authenticated else "system"),
        actor_org=actor_org_label(actor),
        request_id=request_id_var.get(),
        ip_address=client_ip_var.get(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr[:300],
        scope_path=scope_path,
        before=before,
        after=after,
        message=message[:500],
    )


def diff_has_changes(before: dict, after: dict) -> bool:
    return any(before.get(k) != v for k, v in after.items())


__all__ = ["AuditAction", "audit_bulk", "audit_record", "diff_has_changes", "snapshot"]


def audit_bulk(
    *,
    actor,
    action: str,
    items: list[tuple[models.Model, dict | None, dict | None]],
    message: str = "",
    batch_size: int = 2000,
) -> int:
    """One audit entry per (instance, before, after), written in bulk (imports, loaders).

    ``before``/``after`` are ``snapshot()`` dicts (None for create/delete); only changed keys are kept.
    """
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    common = {
        "actor": actor if authenticated else None,
        "actor_name": actor.get_username() if authenticated else "system",
        "actor_org": actor_org_label(actor),
        "request_id": request_id_var.get(),
        "ip_address": client_ip_var.get(),
        "action": action,
        "message": message[:500],
    }

    def changed_only(before, after):
        if before is not None and after is not None:
            changed = sorted(k for k in after if before.get(k) != after.get(k))
            return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
        return before, after

    def scope_path_of(instance) -> str:
        return instance.audit_scope_path() if hasattr(instance, "audit_scope_path") else ""

    from .importing.pgcopy import copy_rows, copy_supported

    if copy_supported():
        # PostgreSQL: COPY tuples straight away. bulk_create's quoting of the JSON columns, and
        # building 20,000 model instances, cost more than the insert itself in large imports.
        import json

        from django.core.serializers.json import DjangoJSONEncoder
        from django.utils import timezone

        def as_json(value):
            return None if value is None else json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)

        now = timezone.now()
        actor_id = common["actor"].pk if common["actor"] is not None else None
        columns = (
            "timestamp", "actor", "actor_name", "actor_org", "request_id", "ip_address", "action",
            "object_type", "object_id", "object_repr", "scope_path", "before", "after", "message",
        )  # fmt: skip

        def rows():
            for instance, before, after in items:
                before, after = changed_only(before, after)
                yield (
                    now, actor_id, common["actor_name"], common["actor_org"], common["request_id"],
                    common["ip_address"], action, instance._meta.label_lower, str(instance.pk or ""),
                    str(instance)[:300], scope_path_of(instance), as_json(before), as_json(after),
                    common["message"],
                )  # fmt: skip

        # Built before COPY starts: str() and audit_scope_path() may query, and the connection is
        # busy for the whole COPY.
        return copy_rows(AuditEntry, columns, list(rows()))

    entries = []
    for instance, before, after in items:
        before, after = changed_only(before, after)
        entries.append(
            AuditEntry(
                object_type=instance._meta.label_lower,
                object_id=str(instance.pk or ""),
                object_repr=str(instance)[:300],
                scope_path=scope_path_of(instance),
                before=before,
                after=after,
                **common,
            )
        )
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    return len(entries)
