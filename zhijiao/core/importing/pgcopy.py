"""``COPY … FROM STDIN`` for append-only bulk inserts on PostgreSQL (audit entries of imports).

``bulk_create`` on PostgreSQL sends each column as an array literal quoted in Python; for JSON
columns that escaping dominated a 20,000-row import. COPY streams rows through psycopg's C
writer instead. Use it only for rows whose primary keys are not needed afterwards.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, models


def copy_supported(using: str = "default") -> bool:
    conn = connections[using]
    return conn.vendor == "postgresql" and getattr(conn.Database, "__name__", "") == "psycopg"


def copy_insert(model: type[models.Model], objs: Sequence[models.Model], *, using: str = "default") -> int:
    """Insert ``objs`` with COPY (PostgreSQL, psycopg 3). Field defaults and auto_now_add apply."""
    if not objs:
        return 0
    conn = connections[using]
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    table = conn.ops.quote_name(model._meta.db_table)
    plain = (models.CharField, models.TextField, models.IntegerField, models.BooleanField)
    plans = []
    for f in fields:
        if isinstance(f, models.JSONField):
            plans.append((f, 1, f.encoder or DjangoJSONEncoder))
        elif isinstance(f, plain) and not f.is_relation:
            plans.append((f, 0, None))  # psycopg adapts str/int/bool itself
        else:
            plans.append((f, 2, None))
    with conn.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for obj in objs:
                row = []
                for f, kind, encoder in plans:
                    if kind == 0:
                        row.append(getattr(obj, f.attname))
                    elif kind == 1:
                        value = getattr(obj, f.attname)
                        row.append(
                            None if value is None else json.dumps(value, cls=encoder, ensure_ascii=False)
                        )
                    else:
                        row.append(f.get_db_prep_save(f.pre_save(obj, add=True), conn))
                copy.write_row(row)
    return len(objs)


def copy_rows(model: type[models.Model], columns: Sequence[str], rows, *, using: str = "default") -> int:
    """COPY ready-made rows (tuples of database values, in ``columns`` order) into ``model``'s table.

    For the hottest append-only paths (audit entries of imports), where building model instances
    costs more than the insert itself. The caller supplies database values: JSON as text, no defaults.
    """
    conn = connections[using]
    table = conn.ops.quote_name(model._meta.db_table)
    names = ", ".join(conn.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    n = 0
    with conn.cursor() as cursor:
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
    return n
