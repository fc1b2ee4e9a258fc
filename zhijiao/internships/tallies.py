"""Placements and open alerts counted per school by the database (``core.counters``).

- ``placements``: k1 status;
- ``alerts_open``: unresolved alerts, k1 rule, k2 severity;
- ``blocked``: active placements with at least one open blocking alert, k1 post id, k2 host id —
  kept by both tables' triggers: an alert statement recounts the open blocking alerts of the
  placements it touched (before = now − its own net change), a placement statement counts the
  rows entering or leaving ``active`` that have one.

``internships`` 0003 installs them; changing them needs a new migration.
"""

from zhijiao.core.counters import TallySpec, upsert_sql

# Keys stay few per school: keyed also by post and host, the tally had nearly a row per placement
# (a school's students spread over thousands of posts) and summing it cost more than counting.
PLACEMENTS = TallySpec("placements", "internships_placement", "institution_id", ("r.status",))
ALERTS_OPEN = TallySpec(
    "alerts_open",
    "internships_alert",
    "institution_id",
    ("r.rule_id", "r.severity"),
    "r.resolved_at IS NULL",
)

_OPEN_BLOCK = (
    "EXISTS (SELECT 1 FROM internships_alert a WHERE a.placement_id = r.id"
    " AND a.resolved_at IS NULL AND a.severity = 'block')"
)


def _blocked_rows(source: str, sign: int) -> str:
    return (
        f"SELECT r.institution_id AS inst, r.post_id::text AS k1, r.enterprise_id::text AS k2, '' AS k3, '' AS k4,"
        f" {sign} AS d FROM {source} r WHERE r.status = 'active' AND {_OPEN_BLOCK}"
    )


PLACEMENT_BLOCKED = {
    "INSERT": upsert_sql("'blocked'", _blocked_rows("new_rows", 1)) + ";",
    "UPDATE": upsert_sql(
        "'blocked'", _blocked_rows("new_rows", 1) + " UNION ALL " + _blocked_rows("old_rows", -1)
    )
    + ";",
    "DELETE": upsert_sql("'blocked'", _blocked_rows("old_rows", -1)) + ";",
}


def _alert_blocked(sources: list[tuple[str, int]]) -> str:
    moved = " UNION ALL ".join(
        f"SELECT placement_id, {sign} AS d FROM {source} WHERE resolved_at IS NULL AND severity = 'block'"
        f" AND placement_id IS NOT NULL"
        for source, sign in sources
    )
    delta = (
        f"WITH moved AS (SELECT placement_id, sum(d) AS d FROM ({moved}) m GROUP BY placement_id HAVING sum(d) <> 0),"
        " counted AS (SELECT moved.placement_id, moved.d, (SELECT count(*) FROM internships_alert a"
        " WHERE a.placement_id = moved.placement_id AND a.resolved_at IS NULL AND a.severity = 'block') AS now_n"
        " FROM moved)"
        " SELECT p.institution_id AS inst, p.post_id::text AS k1, p.enterprise_id::text AS k2, '' AS k3, '' AS k4,"
        " (counted.now_n > 0)::int - ((counted.now_n - counted.d) > 0)::int AS d"
        " FROM counted JOIN internships_placement p ON p.id = counted.placement_id WHERE p.status = 'active'"
    )
    return upsert_sql("'blocked'", delta) + ";"


ALERT_BLOCKED = {
    "INSERT": _alert_blocked([("new_rows", 1)]),
    "UPDATE": _alert_blocked([("new_rows", 1), ("old_rows", -1)]),
    "DELETE": _alert_blocked([("old_rows", -1)]),
}

BLOCKED_REBUILD = [
    "DELETE FROM core_tally WHERE kind = 'blocked'",
    upsert_sql("'blocked'", _blocked_rows("internships_placement", 1)),
]


# --- each plan's placement count (``InternshipPlan.placement_count``) ---------------------------------
# The plan list shows and sorts by it; counting per plan read every placement of the plans a page
# showed (all of them when sorting by it). Statement-level triggers add each statement's net change
# per plan; the plans are locked in id order first (FOR NO KEY UPDATE: it does not block the
# foreign-key checks of placements being added to the same plan meanwhile), so concurrent
# statements cannot deadlock on them.
PLAN_COUNT_TABLE = "internships_placement"
PLAN_COUNT_FUNCTION = "zhijiao_plan_count_internships_placement"


def _plan_count_apply(sources: list[tuple[str, int]]) -> str:
    moved = " UNION ALL ".join(f"SELECT plan_id, {sign} AS d FROM {source}" for source, sign in sources)
    delta = f"SELECT plan_id, sum(d) AS d FROM ({moved}) m GROUP BY plan_id HAVING sum(d) <> 0"
    return (
        f"PERFORM 1 FROM internships_internshipplan p WHERE p.id IN (SELECT plan_id FROM ({delta}) x)"
        " ORDER BY p.id FOR NO KEY UPDATE;\n"
        f"    UPDATE internships_internshipplan p SET placement_count = p.placement_count + delta.d"
        f" FROM ({delta}) delta WHERE p.id = delta.plan_id;"
    )


def plan_count_trigger_sql() -> list[str]:
    body = f"""
CREATE OR REPLACE FUNCTION {PLAN_COUNT_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    {_plan_count_apply([("new_rows", 1)])}
  ELSIF TG_OP = 'DELETE' THEN
    {_plan_count_apply([("old_rows", -1)])}
  ELSE
    {_plan_count_apply([("new_rows", 1), ("old_rows", -1)])}
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
        name = f"{PLAN_COUNT_TABLE}_plan_count_{op.lower()}"
        sql.append(f'DROP TRIGGER IF EXISTS "{name}" ON "{PLAN_COUNT_TABLE}"')
        sql.append(
            f'CREATE TRIGGER "{name}" AFTER {op} ON "{PLAN_COUNT_TABLE}" REFERENCING {refs} '
            f"FOR EACH STATEMENT EXECUTE FUNCTION {PLAN_COUNT_FUNCTION}()"
        )
    return sql


# SQLite (the demo) has no statement triggers with transition tables: row triggers there.
SQLITE_PLAN_COUNT = [
    "CREATE TRIGGER IF NOT EXISTS internships_placement_plan_count_insert AFTER INSERT ON internships_placement"
    " BEGIN UPDATE internships_internshipplan SET placement_count = placement_count + 1 WHERE id = NEW.plan_id; END",
    "CREATE TRIGGER IF NOT EXISTS internships_placement_plan_count_delete AFTER DELETE ON internships_placement"
    " BEGIN UPDATE internships_internshipplan SET placement_count = placement_count - 1 WHERE id = OLD.plan_id; END",
    "CREATE TRIGGER IF NOT EXISTS internships_placement_plan_count_update AFTER UPDATE OF plan_id"
    " ON internships_placement WHEN NEW.plan_id IS NOT OLD.plan_id"
    " BEGIN UPDATE internships_internshipplan SET placement_count = placement_count - 1 WHERE id = OLD.plan_id;"
    " UPDATE internships_internshipplan SET placement_count = placement_count + 1 WHERE id = NEW.plan_id; END",
]


def plan_count_drop_sql() -> list[str]:
    sql = [
        f'DROP TRIGGER IF EXISTS "{PLAN_COUNT_TABLE}_plan_count_{op}" ON "{PLAN_COUNT_TABLE}"'
        for op in ("insert", "update", "delete")
    ]
    return [*sql, f"DROP FUNCTION IF EXISTS {PLAN_COUNT_FUNCTION}()"]


# Recount every plan (the migration's backfill; ``plan_count_rebuild`` after restoring a dump).
PLAN_COUNT_REBUILD = (
    "UPDATE internships_internshipplan p SET placement_count = c.n FROM"
    " (SELECT q.id, count(pl.id) AS n FROM internships_internshipplan q"
    " LEFT JOIN internships_placement pl ON pl.plan_id = q.id GROUP BY q.id) c"
    " WHERE p.id = c.id AND p.placement_count <> c.n"
)


PLAN_COUNT_REBUILD_PORTABLE = (
    "UPDATE internships_internshipplan SET placement_count ="
    " (SELECT count(*) FROM internships_placement pl WHERE pl.plan_id = internships_internshipplan.id)"
)


def plan_count_rebuild() -> None:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(PLAN_COUNT_REBUILD_PORTABLE)
            return
        cursor.execute(f'LOCK TABLE "{PLAN_COUNT_TABLE}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute(PLAN_COUNT_REBUILD)
