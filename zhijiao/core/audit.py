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

from . import events
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


def actor_fields(actor) -> dict[str, Any]:
    """Who wrote, from where: the part of an entry shared by every row of one write."""
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return {
        "actor": actor.pk if authenticated else None,
        "actor_name": actor.get_username() if authenticated else "system",
        "actor_org": actor_org_label(actor),
        "request_id": request_id_var.get() or "",
        "ip_address": client_ip_var.get(),
    }


def _changed_only(before: dict | None, after: dict | None) -> tuple[dict | None, dict | None]:
    if before is not None and after is not None:
        changed = sorted(k for k in after if before.get(k) != after.get(k))
        return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}
    return before, after


def _scope_path_of(instance) -> str:
    return instance.audit_scope_path() if hasattr(instance, "audit_scope_path") else ""


def entry_row(
    *,
    who: dict[str, Any],
    action: str,
    instance: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    scope_path: str = "",
    message: str = "",
    event: str = "",
    timestamp=None,
) -> dict[str, Any]:
    """One audit entry as ``{field name: value}`` (a foreign key by its id): what every path writes."""
    from django.utils import timezone

    if instance is not None:
        object_type = object_type or instance._meta.label_lower
        object_id = object_id or str(instance.pk or "")
        object_repr = object_repr or str(instance)
        scope_path = scope_path or _scope_path_of(instance)
    before, after = _changed_only(before, after)
    return {
        "timestamp": timestamp or timezone.now(),
        **who,
        "action": action,
        "event": events.check(event),
        "object_type": object_type,
        "object_id": str(object_id),
        "object_repr": (object_repr or "")[:300],
        "scope_path": scope_path or "",
        "before": before,
        "after": after,
        "message": (message or "")[:500],
    }


def _as_model(row: dict[str, Any]) -> AuditEntry:
    return AuditEntry(**{("actor_id" if k == "actor" else k): v for k, v in row.items()})


def write_entries(rows: list[dict[str, Any]], *, batch_size: int = 2000) -> int:
    """The one audit writer of many rows: COPY on PostgreSQL (columns and JSON encoding from the
    model's metadata, ``pgcopy.copy_dicts``), ``bulk_create`` elsewhere."""
    from .importing.pgcopy import copy_dicts, copy_supported

    if not rows:
        return 0
    if copy_supported():
        # bulk_create's quoting of the JSON columns, and building 20,000 model instances, cost
        # more than the insert itself in large imports.
        return copy_dicts(AuditEntry, rows)
    AuditEntry.objects.bulk_create([_as_model(r) for r in rows], batch_size=batch_size)
    return len(rows)


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
    event: str = "",
) -> AuditEntry:
    """One entry (``event``: a name registered in ``core.events``, e.g. ``approval.returned``)."""
    entry = _as_model(
        entry_row(
            who=actor_fields(actor),
            action=action,
            instance=instance,
            before=before,
            after=after,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            scope_path=scope_path,
            message=message,
            event=event,
        )
    )
    entry.save()
    return entry


def diff_has_changes(before: dict, after: dict) -> bool:
    return any(before.get(k) != v for k, v in after.items())


__all__ = [
    "AuditAction",
    "audit_bulk",
    "audit_record",
    "diff_has_changes",
    "entry_row",
    "snapshot",
    "write_entries",
]


def audit_bulk(
    *,
    actor,
    action: str,
    items: list[tuple[models.Model, dict | None, dict | None]],
    message: str = "",
    event: str = "",
    batch_size: int = 2000,
) -> int:
    """One audit entry per (instance, before, after), written in bulk (imports, loaders, bulk updates).

    ``before``/``after`` are ``snapshot()`` dicts (None for create/delete); only changed keys are kept.
    The rows are built before COPY starts: str() and audit_scope_path() may query, and the
    connection is busy for the whole COPY.
    """
    from django.utils import timezone

    who, now = actor_fields(actor), timezone.now()
    rows = [
        entry_row(
            who=who,
            action=action,
            instance=instance,
            before=before,
            after=after,
            message=message,
            event=event,
            timestamp=now,
        )
        for instance, before, after in items
    ]
    return write_entries(rows, batch_size=batch_size)


class AuditBuffer:
    """Audit entries of one high-volume kind of write (check-ins), written in batches per process.

    ``add`` keeps a plain row (its time, request id and IP taken now) and returns at once; one writer
    thread per process, with a database connection of its own kept open, writes the rows with COPY
    when ``AUDIT_BUFFER_BATCH`` are waiting or the oldest is ``AUDIT_BUFFER_MAX_AGE`` seconds old, and
    at process exit — the trade-off of the public lookup log (bench/README.md, bench_verify): a
    process killed outright loses at most that last second of entries, never the writes themselves.
    Inside a caller's transaction an entry is written after its commit; on SQLite, or with a batch of
    1, at once. ``resolve(rows)`` fills in, per batch, what is cheaper to read once (scope paths).
    """

    MAX_PENDING = 50_000

    def __init__(self, resolve=None):
        import atexit
        import threading

        self._rows: list[dict] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread = None
        self._stopping = False
        self._resolve = resolve
        atexit.register(self.flush)

    @staticmethod
    def _setting(name: str, default):
        from django.conf import settings

        return getattr(settings, name, default)

    def entry(
        self,
        *,
        actor_id,
        actor_name,
        action,
        object_type,
        object_id,
        object_repr,
        after,
        message="",
        event="",
    ) -> dict:
        who = {
            "actor": actor_id,
            "actor_name": actor_name or "system",
            "actor_org": "",
            "request_id": request_id_var.get() or "",
            "ip_address": client_ip_var.get(),
        }
        return entry_row(
            who=who,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr,
            after=after,
            message=message,
            event=event,
        )

    def add(self, row: dict) -> None:
        from django.db import connection

        if connection.in_atomic_block:
            from django.db import transaction

            transaction.on_commit(lambda: self._write([row]))
            return
        if connection.vendor != "postgresql" or self._setting("AUDIT_BUFFER_BATCH", 100) <= 1:
            self._write([row])
            return
        with self._lock:
            self._rows.append(row)
            full = len(self._rows) >= self._setting("AUDIT_BUFFER_BATCH", 100)
            if self._thread is None or not self._thread.is_alive():
                self._start()
        if full:
            self._wake.set()

    def _start(self) -> None:
        import threading

        self._thread = threading.Thread(target=self._run, name="audit-buffer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from django.db import connection

        try:
            while not self._stopping:
                self._wake.wait(self._setting("AUDIT_BUFFER_MAX_AGE", 1.0))
                self._wake.clear()
                with self._lock:
                    rows, self._rows = self._rows, []
                self._write(rows)
        finally:
            connection.close()

    def stop(self) -> None:
        """Write what is waiting and end the writer thread (its connection closed): tests, shutdown."""
        thread = self._thread
        if thread is not None and thread.is_alive():
            self._stopping = True
            self._wake.set()
            thread.join(timeout=10)
        self._stopping = False
        self._thread = None
        self.flush()

    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
        self._write(rows)

    def _write(self, rows: list[dict]) -> None:
        import logging

        from django.db import DatabaseError, IntegrityError, connection

        if not rows:
            return
        log = logging.getLogger(__name__)
        # COPY runs on the driver's cursor: its errors are the driver's own classes.
        refused = (IntegrityError, getattr(connection.Database, "IntegrityError", IntegrityError))
        failed = (DatabaseError, getattr(connection.Database, "DatabaseError", DatabaseError))
        try:
            self._insert(rows)
        except refused:
            # One row the database refuses (its account deleted meanwhile) must not hold up the
            # others: each is tried alone, and a refused one is logged and dropped.
            for row in rows:
                try:
                    self._insert([row])
                except refused:
                    log.error(
                        "Audit entry dropped, refused by the database: %s %s",
                        row["object_type"],
                        row["object_id"],
                    )
        except failed:
            log.exception("Writing %d audit entries failed; kept for the next write", len(rows))
            with self._lock:
                self._rows[:0] = rows[-self.MAX_PENDING :]

    def _insert(self, rows: list[dict]) -> None:
        from django.db import connection, transaction

        from .importing.pgcopy import copy_supported

        if self._resolve is not None:
            self._resolve(rows)
        if copy_supported():
            with transaction.atomic():
                with connection.cursor() as cursor:  # a refused row fails here, not at some later commit
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                write_entries(rows)
        else:
            write_entries(rows)

    def discard(self) -> None:
        """Forget what is waiting and end the writer thread (tests: rows of a flushed database)."""
        with self._lock:
            self._rows = []
        self.stop()
