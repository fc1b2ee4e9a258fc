"""The rollups of a bulk approval written once (issue 14: a city's 35 schools approved in ≤ 1 s).

``services.submissions_decide`` approves each submission in its own savepoint while
``deferred_rollups()`` is open: the approval outcome (``services.submission_approved``) then only
notes the submission instead of upserting its values into the region rollups (``Aggregate``) and
the analytics facts (``Fact``). When every decision is made, ``rollups_apply`` adds the values of
all the approved submissions at once — one statement: their stored values grouped once, upserted
into the facts and, summed up the region tree, into the rollups (``INSERT … SELECT … GROUP BY …
ON CONFLICT DO UPDATE`` twice in one ``WITH``) — and the readers (``analytics.notify_changed``)
are told once per period. The result is exactly what one approval after another writes
(``tests/test_bulk_approval.py`` compares them): the same keys, sums and counts.

A decision refused inside its savepoint notes nothing (the note is kept only when the savepoint
is released), so its values never enter the rollups.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

from .choices import COUNTED_TYPES
from .models import MAJOR_GROUP_CATEGORY, Aggregate, DataElement, Fact, Submission

# The submissions approved while a bulk decision defers their rollups (None: not deferring).
_deferred: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar(
    "reporting_deferred_rollups", default=None
)


def deferring() -> bool:
    return _deferred.get() is not None


def defer(submission) -> bool:
    """Note an approved school submission for the bulk write; False when not deferring (the
    caller writes its rollups itself)."""
    pending = _deferred.get()
    if pending is None or not isinstance(submission, Submission):
        return False
    pending.append(submission.pk)
    return True


@contextlib.contextmanager
def deferred_rollups() -> Iterator[list[int]]:
    """Within the block, approvals only note their submissions (in the list yielded). The list
    is complete only if the block ends without an exception."""
    pending: list[int] = []
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)


def rollups_apply(submission_ids: list[int]) -> None:
    """Add the values of these approved school submissions to the region rollups and the facts —
    on PostgreSQL one set-based statement whatever their number; elsewhere (the embedded SQLite
    demo) one submission after another, as a single approval does."""
    from . import analytics, services

    if not submission_ids:
        return
    submissions = list(
        Submission.objects.filter(pk__in=submission_ids)
        .select_related("institution__region__parent__parent", "period", "version")
        .order_by("pk")
    )
    if connection.vendor == "postgresql":
        _rollups_upsert(submissions)
    else:
        for submission in submissions:
            services.aggregates_apply(submission, 1)
            analytics.facts_apply(submission, 1)
    notified = set()
    for submission in submissions:
        if submission.period_id not in notified:
            notified.add(submission.period_id)
            analytics.notify_changed(submission)


def _regions_up(region, cache: dict) -> list[int]:
    """The region and every one above it (ids), walking ``parent`` as ``services.reporter_regions``."""
    out = []
    while region is not None:
        out.append(region.pk)
        parent_id = region.parent_id
        if parent_id is None:
            break
        parent = cache.get(parent_id)
        if parent is None:
            # select_related reaches three levels; a deeper tree costs a query per extra level.
            parent = region.parent
            cache[parent_id] = parent
        region = parent
    return out


def _db_type(model, field: str) -> str:
    return model._meta.get_field(field).db_type(connection)


def _rollups_upsert(submissions: list[Submission]) -> None:
    """One statement: the approved values grouped once by the facts' key (the school's own region,
    its city, kind, ownership, 专业大类, element, cell — with whether the element is one the facts
    count), upserted into ``Fact``, and the same groups summed again per region up the tree
    (the school's region and every one above, as ``services.reporter_regions``) upserted into
    ``Aggregate``: sums of sums and counts of counts, exactly what one approval after another adds.
    The grouping runs with a larger ``work_mem`` for this transaction (a city's 42,000 values
    spilled the sort to disk at the default)."""
    from .analytics import _major_group_index

    cache: dict = {}
    rows, leaves = [], {}
    for s in submissions:
        region = s.institution.region
        city = region.city or region
        rows.append((s.pk, region.pk, city.pk, s.institution.kind, s.institution.ownership))
        leaves.setdefault(region.pk, _regions_up(region, cache))
    up = [(leaf, r) for leaf, regions in leaves.items() for r in regions]
    # The elements split by 专业大类: where the 专业大类 code sits in their cell keys.
    split = {
        e.pk: _major_group_index(e)
        for e in DataElement.objects.filter(
            version_id__in={s.version_id for s in submissions},
            value_type__in=list(COUNTED_TYPES),
            categories__code=MAJOR_GROUP_CATEGORY,
        )
        .distinct()
        .prefetch_related("categories")
    }
    split = {pk: index for pk, index in split.items() if index is not None}
    id_type = _db_type(Fact, "region")
    facts, aggregates = Fact._meta.db_table, Aggregate._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem'), set_config('work_mem', '64MB', true)")
        work_mem = cursor.fetchone()[0]
        cursor.execute(
            f"""
            WITH g AS (
                SELECT m.region_id, m.city_id, s.period_id, m.kind, m.ownership,
                       COALESCE(split_part(v.cell, '.', x.idx + 1), '') AS major_group,
                       e.code AS element_code, v.cell,
                       e.value_type = ANY(%s) AND e.version_id = s.version_id AS counted,
                       SUM(v.number) AS total, COUNT(*) AS count
                  FROM unnest(%s::{id_type}[], %s::{id_type}[], %s::{id_type}[], %s::text[], %s::text[])
                       AS m (submission_id, region_id, city_id, kind, ownership)
                  JOIN reporting_submission s ON s.id = m.submission_id
                  JOIN reporting_datavalue v ON v.submission_id = m.submission_id
                  JOIN reporting_dataelement e ON e.id = v.element_id
                  LEFT JOIN unnest(%s::{id_type}[], %s::integer[]) AS x (element_id, idx)
                         ON x.element_id = v.element_id
                 WHERE v.number IS NOT NULL
                 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
            ), f AS (
                INSERT INTO {facts} (created_at, updated_at, region_id, city_id, period_id, kind,
                                     ownership, major_group, element_code, cell, total, count)
                SELECT %s, %s, region_id, city_id, period_id, kind, ownership, major_group,
                       element_code, cell, total, count
                  FROM g WHERE counted
                ON CONFLICT (region_id, city_id, period_id, kind, ownership, major_group,
                             element_code, cell)
                DO UPDATE SET total = {facts}.total + EXCLUDED.total,
                              count = {facts}.count + EXCLUDED.count, updated_at = EXCLUDED.updated_at
            )
            INSERT INTO {aggregates} (created_at, updated_at, region_id, period_id, element_code, cell,
                                      total, count)
            SELECT %s, %s, up.region_id, g.period_id, g.element_code, g.cell, SUM(g.total), SUM(g.count)
              FROM g JOIN unnest(%s::{id_type}[], %s::{id_type}[]) AS up (leaf_id, region_id)
                     ON up.leaf_id = g.region_id
             GROUP BY up.region_id, g.period_id, g.element_code, g.cell
            ON CONFLICT (region_id, period_id, element_code, cell) DO UPDATE
               SET total = {aggregates}.total + EXCLUDED.total,
                   count = {aggregates}.count + EXCLUDED.count, updated_at = EXCLUDED.updated_at
            """,
            [
                list(COUNTED_TYPES),
                *[list(column) for column in zip(*rows, strict=True)],
                list(split),
                list(split.values()),
                now,
                now,
                now,
                now,
                [leaf for leaf, _r in up],
                [r for _leaf, r in up],
            ],
        )
        cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])
