"""Placements and open alerts counted per school by the database (``core.counters``).

- ``placements``: k1 status;
- ``alerts_open``: unresolved alerts, k1 rule, k2 severity;
- ``alerts_level``: unresolved alerts, k1 escalation level;
- ``alerts_host``: unresolved warnings and blocks, k1 host id;
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

# The dashboard's open alerts by escalation level (k1), and the serious ones (warnings and blocks) by
# host (k1): summed per scope instead of one pass over every open alert in it (52,500 open alerts in
# the benchmark's province: 30 ms of a 56 ms dashboard). With ``alerts_open`` (by rule) they answer
# everything ``selectors._alert_counts`` reports; ``internships`` 0025 installs them.
ALERTS_LEVEL = TallySpec(
    "alerts_level", "internships_alert", "institution_id", ("r.escalation_level",), "r.resolved_at IS NULL"
)
ALERTS_HOST = TallySpec(
    "alerts_host",
    "internships_alert",
    "institution_id",
    ("r.enterprise_id",),
    "r.resolved_at IS NULL AND r.severity <> 'info' AND r.enterprise_id IS NOT NULL",
)
ALERT_SPECS = [ALERTS_OPEN, ALERTS_LEVEL, ALERTS_HOST]

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


# --- the internships dashboard's aggregates (``selectors.dashboard``) ---------------------------------
# The dashboard shows active placements by school, city, major category and host. Two aggregates far
# smaller than the placements keep those current:
#
# - ``active_cat`` (core_tally): active placements per school and the post's major category (k1) —
#   schools × categories rows; schools, cities, categories and the total are sums of it;
# - ``internships_hosttally`` (``HostTally``): active placements per host under each region the school
#   sits in (province, city, county: one row per region and host, never per school), so a region's
#   users read their top hosts from their own region's rows.
#
# Placement statements add their net change (grouped first, so an UPDATE of 350,000 rows that moves
# nothing writes nothing); a post statement that changes its major category moves its active
# placements between categories; an institution statement that changes the school's region moves its
# hosts' counts between regions. Renaming a region's path is not followed: ``DASHBOARD_REBUILD``
# (nightly, and the bench loader) recounts both.
HOST_TALLY_TABLE = "internships_hosttally"

# Each region path the school's region path starts with ('370000/', '370000/370100/', …).
_ANCESTORS = (
    "CROSS JOIN LATERAL (SELECT left(r.path, g) AS path FROM generate_series(1, length(r.path)) g"
    " WHERE substr(r.path, g, 1) = '/') a"
)


def _active_moves(sources: list[tuple[str, int]], columns: str) -> str:
    """Net change of active placements per ``columns`` over transition tables (rows with no net change dropped)."""
    moved = " UNION ALL ".join(
        f"SELECT {columns}, {sign} AS d FROM {source} WHERE status = 'active'" for source, sign in sources
    )
    return f"SELECT {columns}, sum(d) AS d FROM ({moved}) x GROUP BY {columns} HAVING sum(d) <> 0"


def _active_cat_delta(moves: str) -> str:
    """(inst, k1 = the post's major category, d) rows from ``moves`` (institution_id, post_id, d)."""
    return (
        "SELECT m.institution_id AS inst, coalesce(po.major_category_id::text, '') AS k1, '' AS k2, '' AS k3,"
        f" '' AS k4, m.d AS d FROM ({moves}) m JOIN internships_post po ON po.id = m.post_id"
    )


def _host_upsert(moves: str) -> str:
    """Add ``moves`` (institution_id, enterprise_id, d) to the host counts of every region above the
    school, in key order (no deadlocks between concurrent statements)."""
    return (
        f"INSERT INTO {HOST_TALLY_TABLE} (path, enterprise_id, n)"
        f" SELECT a.path, m.enterprise_id, sum(m.d) FROM ({moves}) m"
        " JOIN orgs_institution i ON i.id = m.institution_id JOIN orgs_region r ON r.id = i.region_id "
        f"{_ANCESTORS} GROUP BY 1, 2 HAVING sum(m.d) <> 0 ORDER BY 1, 2"
        f" ON CONFLICT (path, enterprise_id) DO UPDATE SET n = {HOST_TALLY_TABLE}.n + EXCLUDED.n"
    )


def _dashboard_statements(sources: list[tuple[str, int]]) -> str:
    return (
        upsert_sql("'active_cat'", _active_cat_delta(_active_moves(sources, "institution_id, post_id")))
        + ";\n    "
        + _host_upsert(_active_moves(sources, "institution_id, enterprise_id"))
        + ";"
    )


_SOURCES = {
    "INSERT": [("new_rows", 1)],
    "UPDATE": [("new_rows", 1), ("old_rows", -1)],
    "DELETE": [("old_rows", -1)],
}

# What the placement tally trigger runs after its per-status tally (``counters.tally_trigger_sql``'s extra).
PLACEMENT_EXTRA = {
    op: PLACEMENT_BLOCKED[op] + "\n    " + _dashboard_statements(sources) for op, sources in _SOURCES.items()
}

POST_FUNCTION = "zhijiao_dashboard_internships_post"
INSTITUTION_FUNCTION = "zhijiao_dashboard_orgs_institution"


def _changed(column: str) -> str:
    """Rows of a statement whose ``column`` changed: (id, value, +1 for the new / −1 for the old value)."""
    joined = "FROM new_rows n JOIN old_rows o ON o.id = n.id"
    moved = f"n.{column} IS DISTINCT FROM o.{column}"
    return (
        f"SELECT n.id, n.{column} AS v, 1 AS d {joined} WHERE {moved}"
        f" UNION ALL SELECT o.id, o.{column} AS v, -1 AS d {joined} WHERE {moved}"
    )


POST_CATEGORY_MOVE = upsert_sql(
    "'active_cat'",
    "SELECT p.institution_id AS inst, coalesce(c.v::text, '') AS k1, '' AS k2, '' AS k3, '' AS k4, c.d AS d"
    f" FROM ({_changed('major_category_id')}) c"
    " JOIN internships_placement p ON p.post_id = c.id AND p.status = 'active'",
)
INSTITUTION_REGION_MOVE = (
    f"INSERT INTO {HOST_TALLY_TABLE} (path, enterprise_id, n)"
    f" SELECT a.path, p.enterprise_id, sum(c.d) FROM ({_changed('region_id')}) c"
    " JOIN internships_placement p ON p.institution_id = c.id AND p.status = 'active'"
    f" JOIN orgs_region r ON r.id = c.v {_ANCESTORS} GROUP BY 1, 2 HAVING sum(c.d) <> 0 ORDER BY 1, 2"
    f" ON CONFLICT (path, enterprise_id) DO UPDATE SET n = {HOST_TALLY_TABLE}.n + EXCLUDED.n"
)


def _update_trigger(table: str, function: str, statement: str) -> list[str]:
    name = f"{table}_dashboard_update"
    return [
        f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n  {statement};\n  RETURN NULL;\nEND $$;",
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"',
        f'CREATE TRIGGER "{name}" AFTER UPDATE ON "{table}" REFERENCING NEW TABLE AS new_rows'
        f" OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
    ]


def dashboard_trigger_sql() -> list[str]:
    """The placement tally function with the dashboard's aggregates, and the post and institution triggers."""
    from zhijiao.core.counters import tally_trigger_sql

    return [
        *tally_trigger_sql(PLAN_COUNT_TABLE, [PLACEMENTS], PLACEMENT_EXTRA),
        *_update_trigger("internships_post", POST_FUNCTION, POST_CATEGORY_MOVE),
        *_update_trigger("orgs_institution", INSTITUTION_FUNCTION, INSTITUTION_REGION_MOVE),
    ]


def dashboard_drop_sql() -> list[str]:
    """Back to the placement tally of ``internships`` 0003; the post and institution triggers dropped."""
    from zhijiao.core.counters import tally_trigger_sql

    sql = list(tally_trigger_sql(PLAN_COUNT_TABLE, [PLACEMENTS], PLACEMENT_BLOCKED))
    for table, function in (("internships_post", POST_FUNCTION), ("orgs_institution", INSTITUTION_FUNCTION)):
        sql += [
            f'DROP TRIGGER IF EXISTS "{table}_dashboard_update" ON "{table}"',
            f"DROP FUNCTION IF EXISTS {function}()",
        ]
    return [*sql, "DELETE FROM core_tally WHERE kind = 'active_cat'"]


_ACTIVE_NOW = "SELECT institution_id, {keys}, count(*) AS d FROM internships_placement WHERE status = 'active' GROUP BY 1, 2"

# Recount both aggregates from the placements (the migration, the nightly rebuild, the bench loader);
# placement writes wait meanwhile, so none is counted twice or lost.
DASHBOARD_REBUILD = [
    f'LOCK TABLE "{PLAN_COUNT_TABLE}" IN SHARE ROW EXCLUSIVE MODE',
    "DELETE FROM core_tally WHERE kind = 'active_cat'",
    upsert_sql("'active_cat'", _active_cat_delta(_ACTIVE_NOW.format(keys="post_id"))),
    f"DELETE FROM {HOST_TALLY_TABLE}",
    _host_upsert(_ACTIVE_NOW.format(keys="enterprise_id")),
]
