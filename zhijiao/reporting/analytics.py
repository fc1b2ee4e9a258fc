"""Analytics of 数据报送 that are never stale: the ``Fact`` rollups by region (the lowest level,
a 区县; read rolled up by region path, so a county, a city and the province each see the sums of
their subtree), city, institution kind, ownership, 专业大类 and period, written in the same transaction as the approval (and taken back
on re-opening), and the reads over them — the pivot, year-over-year comparison, indicator values.

The writer is called by ``services.submission_approved``/``submission_reopened`` only; the reads
scope by the reader's organisation (``core.scoping.restrict``)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import contributed_callables
from zhijiao.core.scoping import restrict
from zhijiao.orgs.choices import InstitutionKind, Ownership

from .choices import COUNTED_TYPES as NUMERIC  # references are counted, files are not
from .models import MAJOR_GROUP_CATEGORY, Aggregate, DataElement, Fact, Indicator, Period, Submission

# --- writing -----------------------------------------------------------------------------------


def _city_of(institution):
    region = institution.region
    return region.city or region


def _major_group_index(element: DataElement) -> int | None:
    """The position of the 专业大类 part in the element's cell keys, if it is split by it."""
    codes = [c.code for c in element.categories.all()]
    if MAJOR_GROUP_CATEGORY not in codes:
        return None
    order = {code: i for i, code in enumerate(element.category_order)}
    ordered = sorted(codes, key=lambda c: order.get(c, len(order)))
    return ordered.index(MAJOR_GROUP_CATEGORY)


def rollup_write(model, key_fields: list[str], rows: list[tuple], sign: int) -> None:
    """Add (``sign`` 1) or take back (-1) ``rows`` — ``(*key values, number)`` — in a rollup table
    with a unique constraint over ``key_fields`` and ``total``/``count`` columns: on PostgreSQL one
    statement (an upsert, or an update joined to the rows), however many rows. Rows whose count falls to
    zero are deleted by the caller (an empty cell is not a zero)."""
    merged: dict[tuple, list] = {}
    for *key, number in rows:
        acc = merged.setdefault(tuple(key), [Decimal(0), 0])
        acc[0] += number
        acc[1] += 1
    if not merged:
        return
    table = model._meta.db_table
    cols = [model._meta.get_field(f).column for f in key_fields]
    now = timezone.now()
    params: list = []
    if connection.vendor == "postgresql":
        _rollup_write_arrays(model, table, cols, key_fields, merged, sign, now)
        return
    # SQLite (the embedded demo).
    with connection.cursor() as cursor:
        if sign > 0:
            for key, (total, count) in merged.items():
                params += [now, now, *key, total, count]
            width = len(cols) + 4
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(merged))
            cursor.execute(
                f"INSERT INTO {table} (created_at, updated_at, {', '.join(cols)}, total, count) "
                f"VALUES {values} ON CONFLICT ({', '.join(cols)}) DO UPDATE SET "
                f"total = {table}.total + EXCLUDED.total, count = {table}.count + EXCLUDED.count, "
                "updated_at = EXCLUDED.updated_at",
                params,
            )
        else:
            # SQLite (the embedded demo) has no typed VALUES list to join: one UPDATE per key.
            attnames = [model._meta.get_field(f).attname for f in key_fields]
            for key, (total, count) in merged.items():
                model.objects.filter(**dict(zip(attnames, key, strict=True))).update(
                    total=F("total") - total, count=F("count") - count, updated_at=now
                )


# The ``kind`` of the facts of a city's own return (``reporters.by_city``): the city bureau.
CITY_REPORTER = "city_bureau"


def _rollup_write_arrays(model, table, cols, key_fields, merged, sign, now) -> None:
    """``rollup_write`` on PostgreSQL: the rows go as one array per column through ``unnest`` —
    a short statement with a fixed number of parameters, however many rows (a 200-element form
    with 6 cells each is 3,600 region rows: a VALUES list of 29,000 placeholders cost more to
    build and parse than the upsert itself)."""
    keys = list(merged)
    arrays = [list(column) for column in zip(*keys, strict=True)]
    types = [model._meta.get_field(f).db_type(connection) for f in key_fields]
    unnest = ", ".join(f"%s::{t}[]" for t in types) + ", %s::numeric[], %s::integer[]"
    names = ", ".join(cols)
    rows = [*arrays, [merged[k][0] for k in keys], [merged[k][1] for k in keys]]
    with connection.cursor() as cursor:
        if sign > 0:
            cursor.execute(
                f"INSERT INTO {table} (created_at, updated_at, {names}, total, count) "
                f"SELECT %s, %s, {names}, total, count FROM unnest({unnest}) AS v ({names}, total, count) "
                f"ON CONFLICT ({names}) DO UPDATE SET total = {table}.total + EXCLUDED.total, "
                f"count = {table}.count + EXCLUDED.count, updated_at = EXCLUDED.updated_at",
                [now, now, *rows],
            )
        else:
            match = " AND ".join(f"r.{c} = v.{c}" for c in cols)
            cursor.execute(
                f"UPDATE {table} AS r SET total = r.total - v.total, count = r.count - v.count, "
                f"updated_at = %s FROM unnest({unnest}) AS v ({names}, total, count) WHERE {match}",
                [now, *rows],
            )


FACT_KEY = ["region", "city", "period", "kind", "ownership", "major_group", "element_code", "cell"]


def facts_apply(submission: Submission, sign: int) -> int:
    """Add (``sign`` 1) or take back (-1) the submission's numeric values in the facts of its
    school's own region (the lowest level; its city alongside), kind and ownership — one
    statement for all its cells. Rows no school reports any more are removed. Returns the number
    of cells applied."""
    if isinstance(submission, Submission):
        institution = submission.institution
        region, city = institution.region, _city_of(institution)
        kind, ownership = institution.kind, institution.ownership
    else:  # a city's own return (``reporters.by_city``): the city bureau is the reporter
        region = city = submission.city
        kind, ownership = CITY_REPORTER, ""
    elements = {
        e.pk: e
        for e in submission.version.elements.prefetch_related("categories").filter(value_type__in=NUMERIC)
    }
    major_at = {pk: _major_group_index(e) for pk, e in elements.items()}
    values = submission.values.filter(number__isnull=False, element_id__in=list(elements)).values_list(
        "element_id", "cell", "number"
    )
    rows = []
    for element_id, cell, number in values:
        index = major_at[element_id]
        major = ""
        if index is not None:
            parts = cell.split(".")
            major = parts[index] if index < len(parts) else ""
        key = (region.pk, city.pk, submission.period_id, kind, ownership, major)
        rows.append((*key, elements[element_id].code, cell, number))
    rollup_write(Fact, FACT_KEY, rows, sign)
    if sign < 0:
        Fact.objects.filter(region=region, period_id=submission.period_id, count=0).delete()
    return len(rows)


def notify_changed(submission: Submission) -> None:
    """Tell the apps that read the rollups (``reporting_listeners`` in their AppConfig, e.g. the
    work plan's targets) that the period's approved data changed."""
    for listener in contributed_callables("reporting_listeners"):
        listener(data_set_id=submission.period.data_set_id, period_id=submission.period_id)


# --- reading -----------------------------------------------------------------------------------

DIMENSIONS = {
    "city": _("City"),
    "region": _("County or district"),
    "kind": _("Institution kind"),
    "ownership": _("Ownership"),
    "major_group": _("Major category"),
    "period": _("Reporting period"),
}


def fact_list(*, user):
    """The facts the user may read: those of the regions in their subtree (a county's own, a
    city's counties', the whole province's) — sums over them are the roll-up by region path."""
    return restrict(Fact.objects.all(), user, "view", tree_only=True)


def _labels(dimension: str, keys, *, version=None) -> dict:
    from zhijiao.orgs.models import Region

    if dimension in ("city", "region"):
        return dict(Region.objects.filter(pk__in=list(keys)).values_list("pk", "name"))
    if dimension == "kind":
        return {
            k: str(InstitutionKind(k).label)
            if k in InstitutionKind.values
            else str(_("City bureau"))
            if k == CITY_REPORTER
            else k
            for k in keys
        }
    if dimension == "ownership":
        return {k: str(Ownership(k).label) if k in Ownership.values else k or "—" for k in keys}
    if dimension == "period":
        return dict(Period.objects.filter(pk__in=list(keys)).values_list("pk", "code"))
    if dimension == "major_group":
        names = {}
        if version is not None:
            cat = version.categories.filter(code=MAJOR_GROUP_CATEGORY).first()
            if cat is not None:
                names = {o["code"]: o["name"] for o in cat.options}
        return {k: names.get(k, k) if k else str(_("Not split by major group")) for k in keys}
    raise ValueError(dimension)


def _db_field(dimension: str) -> str:
    return {"city": "city_id", "region": "region_id", "period": "period_id"}.get(dimension, dimension)


@dataclass
class Pivot:
    row_labels: list[str]
    col_labels: list[str]
    cells: list[list[Decimal | None]]  # rows × cols
    row_totals: list[Decimal]
    previous: list[Decimal | None] | None  # the same rows in the previous period (row totals)
    previous_period: Period | None

    def change(self) -> list[Decimal | None]:
        """Year-over-year change of each row's total, in percent (None without a base)."""
        if self.previous is None:
            return []
        out = []
        for now, before in zip(self.row_totals, self.previous, strict=True):
            out.append(None if not before else ((now - before) * 100 / before).quantize(Decimal("0.1")))
        return out


def previous_period(period: Period) -> Period | None:
    """The data set's period before this one (by start date): the base of a year-over-year view."""
    return (
        Period.objects.filter(data_set_id=period.data_set_id, start__lt=period.start)
        .order_by("-start")
        .first()
    )


def pivot(*, user, period: Period, element_code: str, rows: str, cols: str = "", cell: str = "") -> Pivot:
    """Sum of an element (over its cells, or one cell) in the period, ``rows`` × ``cols`` (any two
    different dimensions; ``cols`` empty: one column), with each row's total in the previous
    period. ``cols == "period"`` spreads every period of the data set instead."""
    if rows not in DIMENSIONS or rows == "period" or (cols and (cols not in DIMENSIONS or cols == rows)):
        raise ValueError("dimension")
    facts = fact_list(user=user).filter(element_code=element_code)
    if cell:
        facts = facts.filter(cell=cell)
    if cols == "period":
        facts = facts.filter(period__data_set_id=period.data_set_id)
    else:
        facts = facts.filter(period=period)
    rf, cf = _db_field(rows), _db_field(cols) if cols else None
    group = [rf] + ([cf] if cf else [])
    table: dict = defaultdict(dict)
    for row in facts.values(*group).annotate(total=Sum("total")).order_by():
        table[row[rf]][row[cf] if cf else ""] = row["total"]
    # The definition only names 专业大类 options; the periods' codes and starts in one read.
    version = period.data_set.current_version() if "major_group" in (rows, cols) else None
    row_names = _labels(rows, table.keys(), version=version)
    row_keys = sorted(table, key=lambda k: str(row_names.get(k, k)))
    col_keys = sorted({c for r in table.values() for c in r})
    if cols == "period":
        found = {
            pk: (start, code)
            for pk, start, code in Period.objects.filter(pk__in=col_keys).values_list("pk", "start", "code")
        }
        col_keys.sort(key=lambda k: found[k][0])
        col_names = {pk: code for pk, (_start, code) in found.items()}
    else:
        col_names = _labels(cols, col_keys, version=version) if cols else {"": str(_("Total"))}
    cells = [[table[r].get(c) for c in col_keys] for r in row_keys]
    totals = [sum((v for v in line if v is not None), Decimal(0)) for line in cells]
    prev = previous_period(period) if cols != "period" else None
    previous = None
    if prev is not None:
        base = fact_list(user=user).filter(element_code=element_code, period=prev)
        if cell:
            base = base.filter(cell=cell)
        before = dict(base.values(rf).annotate(total=Sum("total")).order_by().values_list(rf, "total"))
        previous = [before.get(r) for r in row_keys]
    return Pivot(
        row_labels=[str(row_names.get(k, k)) for k in row_keys],
        col_labels=[str(col_names.get(k, k)) for k in col_keys],
        cells=cells,
        row_totals=totals,
        previous=previous,
        previous_period=prev,
    )


# --- indicators --------------------------------------------------------------------------------


# Periods by id, as last read, with their ``updated_at`` (``TimeStampedModel``: set on every save):
# the indicator read gets each period's ``updated_at`` in its own statement and rebuilds a
# ``Period`` only when it is new or was saved since — periods change rarely (a deadline moved), the
# read runs on every dashboard, 简报 and work-plan sync. Per process; bounded.
_periods: dict[int, tuple] = {}
_PERIODS_MAX = 5000


def _periods_by_id(stamps: dict[int, object]) -> dict[int, Period]:
    """The ``Period`` of each id whose ``updated_at`` is ``stamps[id]``: from the cache when it
    holds that version, else read (one query for all the missing)."""
    found, missing = {}, []
    for pk, stamp in stamps.items():
        cached = _periods.get(pk)
        if cached is not None and cached[0] == stamp:
            found[pk] = cached[1]
        else:
            missing.append(pk)
    if missing:
        if len(_periods) > _PERIODS_MAX:
            _periods.clear()
        for period in Period.objects.filter(pk__in=missing):
            _periods[period.pk] = (period.updated_at, period)
            found[period.pk] = period
    return found


def _series_rows(indicator: Indicator, region) -> list[tuple[Period, Decimal]]:
    """The hot read of the dashboard, the 简报 and the work plan's targets: one parameterised
    statement over the region's rollups (the unique index region × period × element × cell finds
    each period's rows) — the shape of a hand-written ``GROUP BY`` by period, read as plain
    tuples through ``connection.cursor()``: no query compiled, no model built per call (issue 14:
    the ORM read cost 4× the bare ``GROUP BY``). Each row carries its period's ``updated_at``, so
    the ``Period`` objects come from ``_periods_by_id`` and are never stale (they are shared:
    read them, do not change them)."""
    cell = "AND a.cell = %s" if indicator.cell else ""
    params = [
        getattr(region, "pk", region),
        indicator.element_code,
        *([indicator.cell] if indicator.cell else []),
        indicator.data_set_id,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.period_id, p.updated_at, SUM(a.total) FROM reporting_aggregate a "
            "JOIN reporting_period p ON p.id = a.period_id "
            f"WHERE a.region_id = %s AND a.element_code = %s {cell} AND p.data_set_id = %s "
            "GROUP BY a.period_id, p.updated_at",
            params,
        )
        rows = cursor.fetchall()
    periods = _periods_by_id({pk: stamp for pk, stamp, _total in rows})
    return sorted(
        ((periods[pk], total) for pk, _stamp, total in rows if pk in periods),
        key=lambda item: (item[0].start, item[0].pk),
    )


def _series_orm(indicator: Indicator, region) -> list[tuple[Period, Decimal]]:
    """The same read through the ORM (SQLite, the embedded demo: its sums need the ORM's decimal
    conversion)."""
    from django.db.models import OuterRef, Subquery

    rows = Aggregate.objects.filter(region=region, period=OuterRef("pk"), element_code=indicator.element_code)
    if indicator.cell:
        rows = rows.filter(cell=indicator.cell)
    total = rows.values("period").annotate(t=Sum("total")).values("t")
    periods = (
        Period.objects.filter(data_set_id=indicator.data_set_id)
        .annotate(indicator_total=Subquery(total))
        .filter(indicator_total__isnull=False)
        .order_by("start", "pk")
    )
    return [(p, p.indicator_total) for p in periods]


def indicator_series(indicator: Indicator, region) -> list[tuple[Period, Decimal]]:
    """The indicator's value at ``region`` (from the approved rollups of the region and all below)
    in every period of its data set that has approved data, oldest first."""
    if connection.vendor == "postgresql":
        return _series_rows(indicator, region)
    return _series_orm(indicator, region)


def indicator_latest(indicator: Indicator, region) -> tuple[Period, Decimal] | None:
    """The indicator's value in the latest period with approved data (one statement)."""
    series = indicator_series(indicator, region)
    return series[-1] if series else None
