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
