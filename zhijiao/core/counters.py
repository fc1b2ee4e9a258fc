"""Counts per school that stay current without counting: the ``core.Tally`` table.

Dashboards, home pages and the top line of the big lists need "how many students / certificates /
placements / open alerts in my scope, by status". Counting millions of rows per request is what
issue 16 forbids; instead every write keeps a small table of counts per (kind, school, keys):

- on PostgreSQL, **statement-level triggers** with transition tables (``tally_trigger_sql``) add
  each statement's net change per key in one ``INSERT … ON CONFLICT DO UPDATE`` — services,
  bulk COPY imports and loaders alike, whatever writes the rows; the rows are upserted in key order
  so concurrent statements cannot deadlock on them;
- a read (``tally``) sums the few hundred rows of the user's scope (``restrict`` over the school);
- ``tally_rebuild`` recounts a kind from its table (the migration that installs a trigger runs it;
  ``manage.py tally_rebuild`` after restoring a dump).

On SQLite (the demo) there are no triggers: ``tally`` returns None and callers count the rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from zhijiao.core.scoping import restrict, user_scope


@dataclass(frozen=True)
class TallySpec:
    """One kind of count: rows of ``table`` where ``condition`` holds, per ``institution`` and ``keys``
    (SQL expressions over the row ``r``; up to four, as text)."""

    kind: str
    table: str
    institution: str
    keys: tuple[str, ...] = ()
    condition: str = "TRUE"


def _key_columns(spec: TallySpec) -> list[str]:
    keys = [f"({k})::text" for k in spec.keys]
    return keys + ["''"] * (4 - len(keys))


def _delta_sql(spec: TallySpec, source: str, sign: int) -> str:
    keys = ", ".join(f"{k} AS k{i + 1}" for i, k in enumerate(_key_columns(spec)))
    return f"SELECT r.{spec.institution} AS inst, {keys}, {sign} AS d FROM {source} r WHERE {spec.condition}"


def upsert_sql(kind_sql: str, delta: str) -> str:
    """Add the net of ``delta`` (inst, k1..k4, d rows) to the tally, in key order (no deadlocks)."""
    return (
        "INSERT INTO core_tally (kind, institution_id, k1, k2, k3, k4, n) "
        f"SELECT {kind_sql}, inst, coalesce(k1, ''), coalesce(k2, ''), coalesce(k3, ''), coalesce(k4, ''), sum(d) "
        f"FROM ({delta}) delta WHERE inst IS NOT NULL GROUP BY 2, 3, 4, 5, 6 HAVING sum(d) <> 0 ORDER BY 2, 3, 4, 5, 6 "
        "ON CONFLICT (kind, institution_id, k1, k2, k3, k4) DO UPDATE SET n = core_tally.n + EXCLUDED.n"
    )


def tally_trigger_sql(table: str, specs: list[TallySpec], extra: dict[str, str] | None = None) -> list[str]:
    """The trigger function and its three statement triggers (INSERT, UPDATE, DELETE: PostgreSQL
    allows transition tables on one event per trigger) keeping ``specs`` current for ``table``.

    ``extra`` maps TG_OP to more plpgsql run after the tallies (the internships' blocked count).
    """
    function = f"zhijiao_tally_{table}"
    branches = {}
    for op, sources in (
        ("INSERT", [("new_rows", 1)]),
        ("DELETE", [("old_rows", -1)]),
        ("UPDATE", [("new_rows", 1), ("old_rows", -1)]),
    ):
        statements = []
        for spec in specs:
            delta = " UNION ALL ".join(_delta_sql(spec, source, sign) for source, sign in sources)
            statements.append(upsert_sql(f"'{spec.kind}'", delta) + ";")
        if extra and extra.get(op):
            statements.append(extra[op])
        branches[op] = "\n    ".join(statements)
    body = f"""
CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {branches["INSERT"]}
  ELSIF TG_OP = 'DELETE' THEN
    {branches["DELETE"]}
  ELSE
    {branches["UPDATE"]}
  END IF;
  RETURN NULL;
END $$;
"""
    sql = [body]
    for op, refs in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "NEW TABLE AS new_rows OLD TABLE AS old_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"{table}_tally_{op.lower()}"
        sql.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"')
        sql.append(
            f'CREATE TRIGGER "{name}" AFTER {op} ON "{table}" REFERENCING {refs} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
        )
    return sql


def drop_trigger_sql(table: str) -> list[str]:
    sql = [
        f'DROP TRIGGER IF EXISTS "{table}_tally_{op}" ON "{table}"' for op in ("insert", "update", "delete")
    ]
    return [*sql, f"DROP FUNCTION IF EXISTS zhijiao_tally_{table}()"]


def rebuild_sql(spec: TallySpec) -> list[str]:
    return [
        f"DELETE FROM core_tally WHERE kind = '{spec.kind}'",
        upsert_sql(f"'{spec.kind}'", _delta_sql(spec, spec.table, 1)),
    ]


def install(schema_editor, table: str, specs: list[TallySpec], extra: dict | None = None, rebuild=()) -> None:
    """For migrations: install the triggers and count what the table already holds (PostgreSQL)."""
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
    for sql in tally_trigger_sql(table, specs, extra):
        schema_editor.execute(sql)
    for spec in specs:
        for sql in rebuild_sql(spec):
            schema_editor.execute(sql)
    for sql in rebuild:
        schema_editor.execute(sql)


def uninstall(schema_editor, table: str, kinds: list[str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in drop_trigger_sql(table):
        schema_editor.execute(sql)
    for kind in kinds:
        schema_editor.execute("DELETE FROM core_tally WHERE kind = %s", [kind])


# --- reading ------------------------------------------------------------------------------------------
def available() -> bool:
    return connection.vendor == "postgresql"


def applies(user) -> bool:
    """Whether the tallies can answer for this user: PostgreSQL, and a scope made of regions and
    schools (enterprise users see rows by host, which the tallies do not key every kind by)."""
    if not available():
        return False
    scope = user_scope(user)
    return scope.is_superuser or not scope.enterprise_ids


def tally(kind: str, user, *, by: tuple[str, ...] = (), **filters) -> dict | int | None:
    """The count of ``kind`` in the user's scope (summed over schools); with ``by`` (``"k1"`` …,
    ``"institution_id"``) a dict of counts per key value. ``filters`` narrow the keys (``k1="active"``).

    None where there are no tallies (SQLite) or for users whose rows are not per school (enterprise
    users, who see rows by host): the caller counts those itself.
    """
    from django.db.models import Sum

    from zhijiao.core.models import Tally

    if not applies(user):
        return None
    rows = restrict(Tally.objects.filter(kind=kind, **filters), user, "view")
    if not by:
        return int(rows.aggregate(n=Sum("n"))["n"] or 0)
    result: dict = {}
    for row in rows.values(*by).annotate(total=Sum("n")).order_by():
        key = row[by[0]] if len(by) == 1 else tuple(row[k] for k in by)
        if row["total"]:
            result[key] = int(row["total"])
    return result


def tally_rebuild(specs: list[TallySpec]) -> None:
    """Recount kinds from their tables (after restoring a dump, or to check the triggers)."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for spec in specs:
            cursor.execute(f'LOCK TABLE "{spec.table}" IN SHARE ROW EXCLUSIVE MODE')
            for sql in rebuild_sql(spec):
                cursor.execute(sql)
