"""``COPY … FROM STDIN`` for append-only bulk inserts on PostgreSQL (audit entries of imports).

``bulk_create`` on PostgreSQL sends each column as an array literal quoted in Python; for JSON
columns that escaping dominated a 20,000-row import. COPY streams rows through psycopg's C
writer instead. Use it only for rows whose primary keys are not needed afterwards.
"""

from __future__ import annotations

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models


def copy_supported(using: str = "default") -> bool:
    conn = connections[using]
    return conn.vendor == "postgresql" and getattr(conn.Database, "__name__", "") == "psycopg"


def copy_dicts(model: type[models.Model], rows, *, using: str = "default") -> int:
    """COPY rows given as ``{field name: value}`` (a foreign key by its id) into ``model``'s table.

    The columns are the model's concrete fields (its primary key aside), from its metadata; a field
    missing from a row takes its default; JSON fields are encoded with their own encoder. For
    append-only rows whose primary keys are not needed afterwards (audit entries).
    """
    conn = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plans = []
    for f in fields:
        encoder = (f.encoder or DjangoJSONEncoder) if isinstance(f, models.JSONField) else None
        plans.append((f.name, f.attname, encoder, f.get_default() if f.has_default() else None))

    def values(row):
        out = []
        for name, attname, encoder, default in plans:
            value = row[name] if name in row else row.get(attname, default)
            if encoder is not None and value is not None:
                value = json.dumps(value, cls=encoder, ensure_ascii=False)
            out.append(value)
        return out

    table = conn.ops.quote_name(model._meta.db_table)
    names = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    n = 0
    with conn.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values(row))
                n += 1
    return n
