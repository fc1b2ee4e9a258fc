"""The bulk write behind imports: upsert by natural key, audited, scope-checked, one transaction.

App services (``institution_bulk_upsert`` …) call ``model_bulk_upsert``; nothing else should.
It is the bulk twin of ``core.services.model_create``/``model_update``: rows arrive already
validated (the importer runs field validation and uniqueness checks for the whole file first).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk, snapshot

SQLITE_CHUNK = 900  # below SQLite's host-parameter limit on old builds
CHUNK = 10_000


@dataclass
class BulkResult:
    created: list[models.Model] = field(default_factory=list)
    updated: list[models.Model] = field(default_factory=list)
    unchanged: int = 0

    @property
    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated), "unchanged": self.unchanged}


def chunked(items: Sequence, size: int | None = None) -> Iterable[Sequence]:
    """Slices small enough for an ``IN (…)`` list on the current database."""
    if size is None:
        from django.db import connection

        size = SQLITE_CHUNK if connection.vendor == "sqlite" else CHUNK
    for i in range(0, len(items), size):
        yield items[i : i + size]


def filter_in(queryset: QuerySet, field: str, values: Sequence) -> Iterable[QuerySet]:
    """Querysets that together select ``field IN values``, for thousands of values.

    PostgreSQL gets one ``= ANY(array)`` with a single parameter (an ``IN`` list of 20,000
    placeholders costs more to build than to run); other databases get chunked ``IN`` lists.
    """
    if connection.vendor == "postgresql":
        model = queryset.model
        column = model._meta.pk.column if field == "pk" else model._meta.get_field(field).column
        qn = connection.ops.quote_name
        sql = f"{qn(model._meta.db_table)}.{qn(column)} = ANY(%s)"
        yield queryset.filter(RawSQL(sql, (list(values),), output_field=BooleanField()))
        return
    for part in chunked(values):
        yield queryset.filter(**{f"{field}__in": part})


def _key_value(value: Any) -> Any:
    return value.pk if isinstance(value, models.Model) else value


def model_bulk_upsert(
    *,
    actor,
    model: type[models.Model],
    key_fields: Sequence[str],
    rows: Sequence[dict[str, Any]],
    fields: Sequence[str],
    scope_action: str = "change",
    select_related: Sequence[str] = (),
    message: str = "",
) -> BulkResult:
    """Create or update ``rows`` (dicts of ``fields``) keyed on ``key_fields``; one audit entry per write.

    A row equal to the stored one writes nothing and records nothing, so a re-import is a no-op.
    Every written row must lie in the actor's scope for ``scope_action`` afterwards (checked in the
    database, so nobody moves a row out of the subtree they manage); otherwise everything rolls back.
    """
    meta = model._meta
    attnames = [meta.get_field(k).attname for k in key_fields]
    result = BulkResult()
    with transaction.atomic():
        # Existing rows by the first key field (indexed in every model here), read without locks:
        # rows that turn out unchanged are never locked, so a re-import writes nothing at all.
        first_values = list({_key_value(r[key_fields[0]]) for r in rows})
        existing: dict[tuple, models.Model] = {}
        for qs in filter_in(
            model._default_manager.select_related(*select_related), attnames[0], first_values
        ):
            for obj in qs:
                existing[tuple(getattr(obj, a) for a in attnames)] = obj

        plan = [(name, meta.get_field(name).attname, meta.get_field(name).is_relation) for name in fields]
        candidates: list[tuple[models.Model, dict[str, Any]]] = []
        for data in rows:
            key = tuple(_key_value(data[k]) for k in key_fields)
            obj = existing.get(key)
            if obj is None:
                obj = model(**{k: v for k, v in data.items() if k in fields})
                result.created.append(obj)
                existing[key] = obj
            elif _same(obj, data, plan):
                result.unchanged += 1
            else:
                candidates.append((obj, data))

        # Rows to change are locked and compared again in their current state.
        locked: dict[Any, models.Model] = {}
        if candidates:
            base = model._default_manager.select_related(*select_related).select_for_update(
                **({"of": ("self",)} if connection.features.has_select_for_update_of else {})
            )
            for qs in filter_in(base, "pk", [obj.pk for obj, _data in candidates]):
                locked.update((o.pk, o) for o in qs)
        audit_updates: list[tuple[models.Model, dict, dict]] = []
        changed_fields: set[str] = set()
        now = timezone.now()
        for stale, data in candidates:
            obj = locked.get(stale.pk)
            if obj is None:  # deleted meanwhile: let the caller try again
                raise IntegrityError("row disappeared during import")
            before = snapshot(obj)
            for name in fields:
                if name in data:
                    setattr(obj, name, data[name])
            after = snapshot(obj)
            if before == after:
                result.unchanged += 1
                continue
            changed_fields.update(meta.get_field(k).name for k in after if before.get(k) != after.get(k))
            obj.updated_at = now
            result.updated.append(obj)
            audit_updates.append((obj, before, after))

        if result.created:
            model._default_manager.bulk_create(result.created, batch_size=1000)
        if result.updated:
            model._default_manager.bulk_update(
                result.updated, fields=sorted(changed_fields | {"updated_at"}), batch_size=500
            )

        _check_scope(model, actor, scope_action, [o.pk for o in result.created + result.updated])

        if result.created:
            audit_bulk(
                actor=actor,
                action=AuditAction.CREATE,
                items=[(o, None, snapshot(o)) for o in result.created],
                message=message,
            )
        if audit_updates:
            audit_bulk(actor=actor, action=AuditAction.UPDATE, items=audit_updates, message=message)
    return result


def _same(obj: models.Model, data: dict[str, Any], plan) -> bool:
    for name, attname, is_relation in plan:
        if name not in data:
            continue
        value = data[name]
        if is_relation:
            value = value.pk if value is not None else None
        if getattr(obj, attname) != value:
            return False
    return True


def _check_scope(model: type[models.Model], actor, action: str, pks: list) -> None:
    """Every written row must lie inside the actor's scope (checked in the database)."""
    from zhijiao.core.scoping import scope_q
    from zhijiao.core.services import OutOfScope

    if not pks:
        return
    q = scope_q(model, actor, action)
    if q is None:
        return
    lo, hi = min(pks), max(pks)
    manager = model._default_manager
    if isinstance(lo, int) and hi - lo < 4 * len(pks):
        # Rows created together have nearby keys: scan that key range for rows outside the scope
        # (no parameter list at all), then keep only ours.
        outside = set(manager.filter(pk__range=(lo, hi)).exclude(q).values_list("pk", flat=True))
        bad = outside.intersection(pks)
    else:
        bad = set()
        for qs in filter_in(manager.all(), "pk", pks):
            bad.update(qs.exclude(q).values_list("pk", flat=True))
    if bad:
        raise OutOfScope(_("Some rows would lie outside your organisation; nothing was imported."))
