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


class RawJSON(str):
    """JSON text already encoded (built in a worker thread of a large import): COPY sends it as is."""


def copy_dicts(model: type[models.Model], rows, *, using: str = "default") -> int:
    """COPY rows given as ``{field name: value}`` (a foreign key by its id) into ``model``'s table.

    The columns are the model's concrete fields (its primary key aside), from its metadata; a field
    missing from a row takes its default; JSON fields are encoded with their own encoder (a
    ``RawJSON`` value is already encoded). For append-only rows whose primary keys are not needed
    afterwards (audit entries).
    """
    conn = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plan = [(f.name, f.attname, f.get_default() if f.has_default() else None) for f in fields]
    json_columns = [
        (i, f.encoder or DjangoJSONEncoder) for i, f in enumerate(fields) if isinstance(f, models.JSONField)
    ]
    dumps = json.dumps

    def values(row):
        out = [row[name] if name in row else row.get(attname, default) for name, attname, default in plan]
        for i, encoder in json_columns:
            value = out[i]
            if value is not None and type(value) is not RawJSON:
                out[i] = dumps(value, cls=encoder, ensure_ascii=False)
        return out

    table = conn.ops.quote_name(model._meta.db_table)
    names = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    n = 0
    with conn.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(values(row))
                n += 1
    return n
