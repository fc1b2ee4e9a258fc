"""The rollups of a bulk approval written once (issue 14: a city's 35 schools approved in ≤ 1 s).

``services.submissions_decide`` approves each submission in its own savepoint while
``deferred_rollups()`` is open: the approval outcome (``services.submission_approved``) then only
notes the submission instead of upserting its values into the region rollups (``Aggregate``) and
the analytics facts (``Fact``). When every decision is made, ``rollups_apply`` adds the values of
all the approved submissions at once — one ``INSERT … SELECT … GROUP BY … ON CONFLICT DO UPDATE``
per table over the submissions' stored values — and the readers (``analytics.notify_changed``)
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
    on PostgreSQL two set-based upserts whatever their number; elsewhere (the embedded SQLite
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
        _aggregates_upsert(submissions)
        _facts_upsert(submissions)
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


def _aggregates_upsert(submissions: list[Submission]) -> None:
    cache: dict = {}
    pairs = [(s.pk, r) for s in submissions for r in _regions_up(s.institution.region, cache)]
    id_type = _db_type(Aggregate, "region")
    table = Aggregate._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (created_at, updated_at, region_id, period_id, element_code, cell,
                                 total, count)
            SELECT %s, %s, m.region_id, s.period_id, e.code, v.cell, SUM(v.number), COUNT(*)
              FROM unnest(%s::{id_type}[], %s::{id_type}[]) AS m (submission_id, region_id)
              JOIN reporting_submission s ON s.id = m.submission_id
              JOIN reporting_datavalue v ON v.submission_id = m.submission_id
              JOIN reporting_dataelement e ON e.id = v.element_id
             WHERE v.number IS NOT NULL
             GROUP BY m.region_id, s.period_id, e.code, v.cell
            ON CONFLICT (region_id, period_id, element_code, cell) DO UPDATE
               SET total = {table}.total + EXCLUDED.total, count = {table}.count + EXCLUDED.count,
                   updated_at = EXCLUDED.updated_at
            """,
            [now, now, [p[0] for p in pairs], [p[1] for p in pairs]],
        )


def _facts_upsert(submissions: list[Submission]) -> None:
    from .analytics import _major_group_index

    rows = []
    for s in submissions:
        region = s.institution.region
        city = region.city or region
        rows.append((s.pk, region.pk, city.pk, s.institution.kind, s.institution.ownership))
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
    table = Fact._meta.db_table
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (created_at, updated_at, region_id, city_id, period_id, kind,
                                 ownership, major_group, element_code, cell, total, count)
            SELECT %s, %s, m.region_id, m.city_id, s.period_id, m.kind, m.ownership,
                   COALESCE(split_part(v.cell, '.', x.idx + 1), ''), e.code, v.cell,
                   SUM(v.number), COUNT(*)
              FROM unnest(%s::{id_type}[], %s::{id_type}[], %s::{id_type}[], %s::text[], %s::text[])
                   AS m (submission_id, region_id, city_id, kind, ownership)
              JOIN reporting_submission s ON s.id = m.submission_id
              JOIN reporting_datavalue v ON v.submission_id = m.submission_id
              JOIN reporting_dataelement e ON e.id = v.element_id AND e.version_id = s.version_id
              LEFT JOIN unnest(%s::{id_type}[], %s::integer[]) AS x (element_id, idx)
                     ON x.element_id = v.element_id
             WHERE v.number IS NOT NULL AND e.value_type = ANY(%s)
             GROUP BY m.region_id, m.city_id, s.period_id, m.kind, m.ownership, 8, e.code, v.cell
            ON CONFLICT (region_id, city_id, period_id, kind, ownership, major_group, element_code, cell)
            DO UPDATE SET total = {table}.total + EXCLUDED.total,
                          count = {table}.count + EXCLUDED.count, updated_at = EXCLUDED.updated_at
            """,
            [
                now,
                now,
                *[list(column) for column in zip(*rows, strict=True)],
                list(split),
                list(split.values()),
                list(COUNTED_TYPES),
            ],
        )
