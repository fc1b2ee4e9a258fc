"""Counting and paging lists that hold the whole province without scanning it.

Pages (``core.views.generic.ObjectListView``), the API (``core.api.pagination``) and export jobs
(``core.exports``) share this:

- **Counts** (``count_rows``): a per-scope tally when the caller has one (exact, a few hundred rows
  summed), else an exact count bounded to ``LIST_EXACT_COUNT_MAX`` + 1 rows; when the planner
  expects more than that and counting to the bound would itself be costly, or the bound is hit, the
  planner's row estimate (``EXPLAIN``), shown as an estimate ("约 2,000,000 条"). One statement at
  most: the planner's verdict on a count statement is cached for ``COUNT_PLAN_SECONDS``. An exact
  count of a large set runs only when the user asks for it (``exact_count``, with a time limit).
- **Searches** marked ``sort_few_matches`` (served by indexes of their own) sort their matches when
  the count found few, rather than walk the sort's index past rows that do not match. So does a
  list narrowed by an equality (one school's rows) that no index gives in the page's order
  (``_narrowed_without_sort_index``).
- **Searches** marked ``read_keys_first`` (thousands of matches spread over a large table) read a
  page's keys first and join only the page's rows, as deep pages do. So does any page whose one
  statement would join ``KEYS_FIRST_RELATIONS`` relations or more with some of them for the scope
  or the filters (a city's placements and status changes): PostgreSQL's search for a join
  order, not the reading, was most of that statement. A list counted empty reads no rows.
- **Windows** (``paginate``): the queryset is ordered by its sort keys plus the primary key (so
  every row has one place); page numbers are plain ``OFFSET`` up to ``LIST_MAX_OFFSET`` rows deep;
  past that, and for any ``cursor``, a keyset window continues after (or before) a row's key
  values — stable when rows are inserted, as fast on page 10,000 as on page 1. A page
  ``DEFERRED_JOIN_OFFSET`` rows deep or more reads its primary keys first (the filters' and sort's
  joins only) and then its rows with their related objects: the rows skipped by the ``OFFSET``
  are not joined to what the page shows.

A cursor is the sort's signature, a direction and the key values of one row, base64-encoded JSON.
It grants nothing: the window is still read through the caller's scoped queryset.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import decimal
import functools
import hashlib
import json
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet, FieldDoesNotExist, FieldError, ValidationError
from django.db import DatabaseError, connections, transaction
from django.db.models import BooleanField, Count, F, Func, Q, QuerySet, Value, Window
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import OrderBy
from django.db.models.functions import Coalesce


# --- counting ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ListCount:
    """How many rows a list holds; ``exact`` False for the planner's estimate.

    ``counted``: the rows were counted by this request (not a maintained tally, not an estimate) — a
    counted 0 means the page needs no statement of its own.

    ``deferred``: not counted yet — the page's own statement counts the matches it reads anyway
    (``count_with_page``); ``value`` is the planner's estimate until ``paginate`` replaces it.
    """

    value: int
    exact: bool = True
    counted: bool = field(default=False, compare=False)
    deferred: bool = field(default=False, compare=False)

    @property
    def display_value(self) -> int:
        """The estimate rounded to two significant figures (2,743,118 → 2,700,000); exact as is."""
        if self.exact or self.value < 100:
            return self.value
        digits = int(math.floor(math.log10(self.value))) - 1
        return int(round(self.value, -digits))

    @property
    def display(self) -> str:
        """``display_value`` with thousands separators: "2,700,000"."""
        return f"{self.display_value:,}"


def _vendor(queryset: QuerySet) -> str:
    return connections[queryset.db].vendor


def _pk_only(queryset: QuerySet) -> QuerySet:
    qs = queryset.order_by().values("pk")
    qs.query.select_related = False
    return qs


def planner_estimate(queryset: QuerySet) -> int | None:
    """The row count PostgreSQL's planner expects for ``queryset`` (one ``EXPLAIN``, no scan); None elsewhere."""
    if _vendor(queryset) != "postgresql":
        return None
    try:
        sql, params = _pk_only(queryset).query.sql_with_params()
    except EmptyResultSet:
        return 0
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


# The planner's cost (its own units; a page of an index is ~1, a random page 4) above which counting
# even the bounded LIST_EXACT_COUNT_MAX + 1 rows is not worth it: a filter that matches few rows of
# many (a common surname in 2.7 M names) would read hundreds of thousands of rows for the bound.
COUNT_COST_MAX = 2_000

# How long the planner's verdict on one count statement (its text and parameters) is kept in the
# cache: the first request of a list runs the EXPLAIN, the next pages, sorts and reloads do not. The
# verdict (rows expected, cost of the bounded count) only changes when the statistics do (ANALYZE).
# ``settings.LIST_COUNT_PLAN_SECONDS`` overrides it; 0 plans every count (the test settings: tests
# compare a list's first request with later ones; test_listing_statements turns the cache on).
COUNT_PLAN_SECONDS = 120


def _plan_seconds() -> int:
    return int(getattr(settings, "LIST_COUNT_PLAN_SECONDS", COUNT_PLAN_SECONDS))


def _bounded_sql(queryset: QuerySet, limit: int) -> tuple[str, tuple] | None:
    """``SELECT count(*) FROM (<the list's keys> LIMIT limit + 1)``; None for a list that is empty by
    construction (``none()``, an empty ``IN``)."""
    try:
        sql, params = _pk_only(queryset)[: limit + 1].query.sql_with_params()
    except EmptyResultSet:
        return None
    return "SELECT COUNT(*) FROM (" + sql + ") bounded", tuple(params)


def _explain(queryset: QuerySet, sql: str, params: tuple) -> tuple[int, float]:
    """(rows the planner expects in the whole list, cost of counting up to the bound) — one EXPLAIN."""
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    top = plan[0]["Plan"]
    node = top
    while node.get("Node Type") != "Limit" and node.get("Plans"):
        node = node["Plans"][0]
    below = node["Plans"][0] if node.get("Node Type") == "Limit" and node.get("Plans") else node
    return int(below["Plan Rows"]), float(top["Total Cost"])


def _plan_key(queryset: QuerySet, sql: str, params: tuple) -> str:
    digest = hashlib.sha1(repr((queryset.db, sql, params)).encode(), usedforsecurity=False).hexdigest()
    return f"listing:count-plan:{digest}"


def _count_plan(queryset: QuerySet, sql: str, params: tuple) -> tuple[int, float]:
    """The planner's verdict on the bounded count: from the cache when this statement (with these
    parameters) was planned in the last ``COUNT_PLAN_SECONDS`` (``LIST_COUNT_PLAN_SECONDS``), else one ``EXPLAIN`` (then cached)."""
    seconds = _plan_seconds()
    if seconds <= 0:
        return _explain(queryset, sql, params)
    key = _plan_key(queryset, sql, params)
    try:
        cached = cache.get(key)
    except Exception:  # noqa: BLE001 — a cache that is down costs an EXPLAIN, never the page
        cached = None
    if cached is not None:
        return int(cached[0]), float(cached[1])
    verdict = _explain(queryset, sql, params)
    try:
        cache.set(key, verdict, seconds)
    except Exception:  # noqa: BLE001
        pass
    return verdict


def bounded_count(queryset: QuerySet, limit: int) -> int:
    """``min(count, limit + 1)``: counts no more than ``limit + 1`` rows."""
    try:
        return _pk_only(queryset)[: limit + 1].count()
    except EmptyResultSet:
        return 0


def count_rows(
    queryset: QuerySet, *, tally: int | None = None, exact_max: int | None = None, for_page: bool = False
) -> ListCount:
    """The list's count: ``tally`` (exact, from maintained counters) if given; else exact when at most
    ``exact_max`` rows match (counted with a bound); else the planner's estimate, marked as such.

    At most one statement whichever way (PostgreSQL): the planner's verdict on the bounded count — rows
    expected, cost — comes from the cache (``_count_plan``; one ``EXPLAIN`` the first time a statement
    is seen), then either the bounded count runs or, when the planner expects more than ``exact_max``
    rows and counting to the bound would be costly, its estimate is the answer with no statement.
    A province and a school therefore count in the same number of statements (issue 16).

    ``for_page``: the count is for a page ``paginate`` will read next. A search marked
    ``count_with_page`` that the planner expects to match at most ``exact_max`` rows is then not
    counted here (``ListCount.deferred``): the page's statement counts what it reads.

    On databases without a planner estimate (SQLite, the demo) the count is exact.
    """
    if tally is not None:
        return ListCount(int(tally), True)
    exact_max = settings.LIST_EXACT_COUNT_MAX if exact_max is None else exact_max
    if _vendor(queryset) != "postgresql":
        return ListCount(queryset.count(), True, counted=True)
    bounded_sql = _bounded_sql(queryset, exact_max)
    if bounded_sql is None:
        return ListCount(0, True, counted=True)
    estimate, cost = _count_plan(queryset, *bounded_sql)
    if for_page and estimate <= exact_max and getattr(queryset.query, _COUNT_WITH_PAGE, False):
        return ListCount(estimate, False, deferred=True)
    if estimate > exact_max and cost > COUNT_COST_MAX:
        return ListCount(estimate, False)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(*bounded_sql)
        bounded = int(cursor.fetchone()[0])
    if bounded <= exact_max:
        return ListCount(bounded, True, counted=True)
    return ListCount(max(estimate, bounded), False)


def exact_count(queryset: QuerySet, *, timeout_ms: int | None = None) -> int | None:
    """The exact count the user asked for; None when it takes longer than ``timeout_ms`` (PostgreSQL)."""
    timeout_ms = settings.LIST_EXACT_COUNT_TIMEOUT_MS if timeout_ms is None else timeout_ms
    if _vendor(queryset) != "postgresql":
        return queryset.count()
    try:
        with transaction.atomic(using=queryset.db):
            with connections[queryset.db].cursor() as cursor:
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [str(int(timeout_ms))])
            return _pk_only(queryset).count()
    except EmptyResultSet:
        return 0
    except DatabaseError:  # the time limit: the transaction was rolled back, nothing else is lost
        return None


# --- sort keys ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: an ORM path, its direction and whether it may be NULL."""

    path: str
    descending: bool = False
    nullable: bool = False
    field: object = field(default=None, compare=False, repr=False)

    @property
    def signature(self) -> str:
        return ("-" if self.descending else "") + self.path

    def order_expression(self, *, unindexed: bool = False) -> OrderBy:
        """The key's ORDER BY term; ``unindexed``: the same order through ``COALESCE(x, x)``, which no
        index serves (``sort_few_matches``)."""
        expr = Coalesce(F(self.path), F(self.path)) if unindexed else F(self.path)
        if self.descending:
            return expr.desc(nulls_first=True) if self.nullable else expr.desc()
        return expr.asc(nulls_last=True) if self.nullable else expr.asc()


def _resolve_path(model, path: str):
    """(field, nullable) at the end of an ORM path; nullable if any step may be NULL."""
    opts = model._meta
    parts = path.split(LOOKUP_SEP)
    nullable = False
    found = None
    for i, part in enumerate(parts):
        if part == "pk":
            found = opts.pk
        else:
            found = opts.get_field(part)
        if getattr(found, "null", False):
            nullable = True
        if i < len(parts) - 1:
            if not found.is_relation:
                raise FieldDoesNotExist(path)
            opts = found.related_model._meta
    if found.is_relation and found.many_to_one:  # ordering by a foreign key orders by its id
        found = found.target_field
    if found is not None and (found.many_to_many or found.one_to_many):
        raise FieldDoesNotExist(path)
    return found, nullable


def ordering_keys(queryset: QuerySet) -> list[SortKey] | None:
    """The queryset's order as sort keys ending with the primary key; None when some term is not a
    plain field path (a random order, an expression), so only offset paging applies."""
    query = queryset.query
    terms = list(query.order_by) or (list(query.get_meta().ordering) if query.default_ordering else [])
    model = queryset.model
    pk_name = model._meta.pk.name
    keys: list[SortKey] = []
    for term in terms:
        if isinstance(term, OrderBy) and isinstance(term.expression, F):
            name, descending = term.expression.name, term.descending
        elif isinstance(term, F):
            name, descending = term.name, False
        elif isinstance(term, str) and term and term != "?":
            descending = term.startswith("-")
            name = term.lstrip("-+")
        else:
            return None
        if name in ("pk", pk_name, model._meta.pk.attname):
            keys.append(SortKey("pk", descending, False, model._meta.pk))
            break  # the primary key is unique: nothing after it matters
        try:
            found, nullable = _resolve_path(model, name)
        except FieldDoesNotExist:
            # An annotation (e.g. a count): offset paging only.
            return None
        if any(k.path == name for k in keys):
            continue
        keys.append(SortKey(name, descending, nullable, found))
    if not keys or keys[-1].path != "pk":
        keys.append(SortKey("pk", keys[-1].descending if keys else False, False, model._meta.pk))
    return keys


def apply_ordering(queryset: QuerySet, keys: list[SortKey], *, sort_matches: bool = False) -> QuerySet:
    """Order by the keys (explicit NULL placement: last ascending, first descending, as PostgreSQL's
    b-trees return them) and carry each key's value on the rows for the next cursor.

    ``sort_matches``: the first key through an expression no index serves, so that the database reads
    the filter's matches and sorts them (``sort_few_matches``); the order is the same."""
    annotations = {f"_key{i}": F(k.path) for i, k in enumerate(keys) if k.path != "pk"}
    if annotations and queryset.query.values_select:
        annotations = {}
    if annotations:
        queryset = queryset.annotate(**annotations)
    return queryset.order_by(
        *[k.order_expression(unindexed=sort_matches and i == 0) for i, k in enumerate(keys)]
    )


# --- cursors -----------------------------------------------------------------------------------------
class InvalidCursor(ValueError):
    pass


def _json_value(value):
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def _signature(keys: list[SortKey]) -> str:
    return ",".join(k.signature for k in keys)


def encode_cursor(keys: list[SortKey], values: list, *, forward: bool = True) -> str:
    payload = {"o": _signature(keys), "d": "n" if forward else "p", "v": [_json_value(v) for v in values]}
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(keys: list[SortKey], token: str) -> tuple[list, bool]:
    """(values, forward) of a cursor made for this sort; InvalidCursor for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        payload = json.loads(raw)
        if payload["o"] != _signature(keys) or payload["d"] not in ("n", "p"):
            raise InvalidCursor(token)
        values = payload["v"]
        if not isinstance(values, list) or len(values) != len(keys):
            raise InvalidCursor(token)
        converted = []
        for key, value in zip(keys, values, strict=True):
            if value is None:
                if not key.nullable:
                    raise InvalidCursor(token)
                converted.append(None)
            else:
                converted.append(key.field.to_python(value))
        return converted, payload["d"] == "n"
    except (ValueError, TypeError, KeyError, binascii.Error, ValidationError, AttributeError) as exc:
        raise InvalidCursor(token) from exc


def row_values(obj, keys: list[SortKey]) -> list:
    """The key values of a row of ``apply_ordering``'s queryset (annotated), or walked from the object."""
    values = []
    for i, key in enumerate(keys):
        if key.path == "pk":
            values.append(obj["pk"] if isinstance(obj, dict) else obj.pk)
            continue
        name = f"_key{i}"
        if isinstance(obj, dict):
            values.append(obj.get(name, obj.get(key.path)))
        elif hasattr(obj, name):
            values.append(getattr(obj, name))
        else:
            value = obj
            for part in key.path.split(LOOKUP_SEP):
                value = getattr(value, part, None) if value is not None else None
            values.append(value)
    return values


class _RowCompare(Func):
    """``(a, b, c) > (x, y, z)``: one b-tree range over the sort index (PostgreSQL, SQLite ≥ 3.15)."""

    output_field = BooleanField()

    def __init__(self, lhs, rhs, op):
        super().__init__(*lhs, *rhs)
        self.width, self.op = len(lhs), op

    def as_sql(self, compiler, connection, **extra):
        sqls, params = [], []
        for expr in self.get_source_expressions():
            sql, p = compiler.compile(expr)
            sqls.append(sql)
            params.extend(p)
        left, right = ", ".join(sqls[: self.width]), ", ".join(sqls[self.width :])
        if self.width == 1:
            return f"{left} {self.op} {right}", params
        return f"({left}) {self.op} ({right})", params


def _value(key: SortKey, value):
    return Value(value, output_field=key.field) if key.field is not None else Value(value)


def _after_q(keys: list[SortKey], values: list) -> Q:
    """Rows strictly after ``values`` in the keys' order (NULLs last ascending, first descending)."""
    result = Q(pk__in=[])
    # Built from the last key outwards: after_i OR (equal_i AND rest).
    for key, value in reversed(list(zip(keys, values, strict=True))):
        path = key.path
        if value is None:
            after = Q(**{f"{path}__isnull": False}) if key.descending else Q(pk__in=[])
            equal = Q(**{f"{path}__isnull": True})
        else:
            after = Q(**{f"{path}__{'lt' if key.descending else 'gt'}": value})
            if key.nullable and not key.descending:
                after |= Q(**{f"{path}__isnull": True})
            equal = Q(**{path: value})
        result = after | (equal & result)
    return result


def keyset_segments(keys: list[SortKey], values: list) -> list[Q | _RowCompare]:
    """Conditions selecting the rows after ``values``, to be read in turn (each in the keys' order).

    Same-direction keys compare as one row value, which PostgreSQL reads as a single range of the
    (sort…, id) index. A nullable first key splits the order into its non-NULL and NULL runs, each
    one range. Anything else is the general (correct, but not range-shaped) OR of comparisons.
    """
    same = len({k.descending for k in keys}) == 1
    nullable = [k for k in keys if k.nullable]
    op = "<" if keys[0].descending else ">"

    def row(ks, vs):
        return _RowCompare([F(k.path) for k in ks], [_value(k, v) for k, v in zip(ks, vs, strict=True)], op)

    if same and not nullable:
        return [row(keys, values)]
    if same and nullable == [keys[0]]:
        first = keys[0]
        in_nulls = Q(**{f"{first.path}__isnull": True})
        if values[0] is None:
            tail = [Q(**{f"{first.path}__isnull": False})] if first.descending else []
            return [in_nulls & Q(row(keys[1:], values[1:])), *tail]
        return [Q(row(keys, values))] if first.descending else [Q(row(keys, values)), in_nulls]
    return [_after_q(keys, values)]


def _reversed(keys: list[SortKey]) -> list[SortKey]:
    return [SortKey(k.path, not k.descending, k.nullable, k.field) for k in keys]


def keyset_rows(
    queryset: QuerySet,
    keys: list[SortKey],
    values: list | None,
    limit: int,
    *,
    forward=True,
    only_keys=False,
    sort_matches=False,
):
    """Up to ``limit`` rows after (``forward``) or before ``values`` in the keys' order, in that order.

    ``queryset`` is the filtered, scoped list (any ordering is replaced). ``values`` None: from the start.
    ``only_keys``: dicts of the key values and ``pk`` instead of model instances (exports).
    ``sort_matches``: see ``apply_ordering``.
    """
    order_keys = keys if forward else _reversed(keys)
    base = apply_ordering(queryset, order_keys, sort_matches=sort_matches)
    if only_keys:
        base = base.values("pk", *[f"_key{i}" for i, k in enumerate(keys) if k.path != "pk"])
    rows: list = []
    segments = keyset_segments(order_keys, values) if values is not None else [None]
    for segment in segments:
        qs = base if segment is None else base.filter(segment)
        rows.extend(qs[: limit - len(rows)] if only_keys else _read_window(qs, 0, limit - len(rows)))
        if len(rows) >= limit:
            break
    return rows if forward else rows[::-1]


# --- windows ------------------------------------------------------------------------------------------
class PageTooDeep(ValueError):
    """A page number past ``LIST_MAX_OFFSET`` rows: follow a cursor instead."""


@dataclass
class ListWindow:
    """One page of a list, from a page number (offset) or a cursor (keyset)."""

    rows: list
    count: ListCount
    per_page: int
    number: int | None = None  # the page number; None for a cursor page
    has_next: bool = False
    has_previous: bool = False
    next_page: int | None = None
    previous_page: int | None = None
    next_cursor: str | None = None
    previous_cursor: str | None = None
    max_page: int = 1

    @property
    def num_pages(self) -> int:
        """Pages the count fills (estimated when the count is)."""
        return max(1, math.ceil(self.count.value / self.per_page))

    @property
    def numbered_pages(self) -> int:
        """Pages reachable by number: within ``LIST_MAX_OFFSET`` and within the count."""
        return min(self.num_pages, self.max_page)

    @property
    def start_index(self) -> int | None:
        if self.number is None or not self.rows:
            return None
        return (self.number - 1) * self.per_page + 1


# From this many rows deep, a numbered page reads its keys first (``_offset_rows``).
DEFERRED_JOIN_OFFSET = 250

# The query attribute ``read_keys_first`` sets (Django copies a query's attributes to its clones, so
# the mark survives the later filters, the sort and ``values_list``).
_KEYS_FIRST = "zhijiao_read_keys_first"


def read_keys_first(queryset: QuerySet) -> QuerySet:
    """Mark a filtered list so that every numbered page reads its keys first (``_offset_rows``).

    For filters that match rows spread over a large table — a name search finding thousands of
    placements by their GIN index — the page's statement would otherwise join every match to what the
    table shows (post, host, plan, student) before its sort and ``LIMIT`` keep 25; with the mark it
    sorts the matches' keys alone and joins the page's rows only. One statement more for every user.
    """
    queryset = queryset.all()
    setattr(queryset.query, _KEYS_FIRST, True)
    return queryset


# The query attribute ``sort_few_matches`` sets.
_SORT_FEW = "zhijiao_sort_few_matches"


def sort_few_matches(queryset: QuerySet) -> QuerySet:
    """Mark a filtered list whose filter has indexes of its own (name prefixes, identifiers): when its
    count is exact — at most ``LIST_EXACT_COUNT_MAX`` rows, which the page has counted already — the
    page reads those matches through their indexes and sorts them, instead of walking the sort's index
    until enough rows pass the filter.

    PostgreSQL chooses between the two from its estimate of how many rows match and assumes they are
    spread evenly. Searching the audit log (10,000,000 entries, newest first) for a two-character name
    at full scale, it walked the time index backwards through 115,000 entries to find 50 of 5,700
    matches: 51 ms of a 76 ms request (issue 16). Sorting the 5,700 found by the name index costs what
    counting them did. With many matches (a count beyond the bound) the sort's index stays the better
    way — rows that pass come soon — and the order is left to the planner as before.
    """
    queryset = queryset.all()
    setattr(queryset.query, _SORT_FEW, True)
    return queryset


# The query attribute ``count_with_page`` sets.
_COUNT_WITH_PAGE = "zhijiao_count_with_page"


def count_with_page(queryset: QuerySet) -> QuerySet:
    """Mark a search whose matches come from an index of their own (a name's terms, a number's start):
    when PostgreSQL expects at most ``LIST_EXACT_COUNT_MAX`` matches, a numbered page reads their keys,
    sorts them and counts them in one statement (``COUNT(*) OVER ()``), then the page's rows by key.

    Counting the matches and then sorting them read every match twice: a frequent name across the
    province (王芳: 2,722 students) cost 4 ms to count and 5 ms to sort, where one school's seven
    cost 2 ms in all (issue 16, twelfth round). Many matches (a surname, beyond the bound) keep the
    planner's estimate and the sort's index, as before.
    """
    queryset = queryset.all()
    setattr(queryset.query, _COUNT_WITH_PAGE, True)
    return queryset


# The query attribute ``search_branches`` sets: (the OR's place among the WHERE's terms, its branches).
_BRANCHES = "zhijiao_search_branches"


def search_branches(queryset: QuerySet, branches: list[Q]) -> QuerySet:
    """``queryset`` filtered by any of ``branches`` (an OR), marked ``count_with_page``; each branch is
    a condition on the table's own columns that one index of it serves, and the indexes that match
    many rows hold the list's sort keys too (``INCLUDE``).

    A numbered page counted with its matches then reads each branch on its own — index-only where
    its index covers the keys — and unites their keys (``UNION``: an entry two branches find counts
    once) before counting and sorting them, instead of fetching every match's row from the table
    for its sort keys: PostgreSQL answers an OR from a bitmap of the indexes, which the table's
    rows must confirm. At full scale the audit log's search for 王芳 read ≈ 8,800 entries' rows, half
    the request's time in that one statement (issue 16, thirteenth round).
    """
    matches = count_with_page(queryset.filter(functools.reduce(lambda a, b: a | b, branches)))
    where = matches.query.where
    if where.connector == "AND" and where.children:
        setattr(matches.query, _BRANCHES, (len(where.children) - 1, tuple(branches)))
    return matches


def _union_of_branches(ordered: QuerySet, keys: list[SortKey], sort_values: list[str], start: int, stop: int):
    """The keys statement of ``_counted_window`` for a list marked ``search_branches``: its branches'
    keys united, counted and sorted; None where that does not apply (another database, a WHERE
    rebuilt since the mark)."""
    mark = getattr(ordered.query, _BRANCHES, None)
    if mark is None or _vendor(ordered) != "postgresql" or len(keys) != len(sort_values) + 1:
        return None
    position, branches = mark
    keys_only = ordered.order_by().values("pk", *sort_values).query
    where = keys_only.where
    if where.connector != "AND" or position >= len(where.children):
        return None
    search = where.children[position]
    if len(branches) > 1 and not (
        getattr(search, "connector", None) == "OR" and len(search.children) == len(branches)
    ):
        return None  # not the search's OR (the WHERE was rebuilt since the mark)
    parts, params = [], []
    for branch in branches:
        # The search's OR is replaced by this branch alone; the scope and the other filters stay.
        query = keys_only.clone()  # its WHERE a copy too
        try:
            query.where.children[position] = query.build_where(branch)
        except FieldError:
            return None  # a branch through a relation (joins are not rebuilt here): the OR as before
        try:
            sql, branch_params = query.get_compiler(ordered.db).as_sql()
        except EmptyResultSet:
            continue
        parts.append(f"({sql})")
        params.extend(branch_params)
    if not parts:
        return []
    connection = connections[ordered.db]
    quote = connection.ops.quote_name
    columns = ["pk", *sort_values]
    order = []
    for key, column in zip(keys, [*sort_values, "pk"], strict=True):
        direction = "DESC" if key.descending else "ASC"
        nulls = (" NULLS FIRST" if key.descending else " NULLS LAST") if key.nullable else ""
        order.append(f"{quote(column)} {direction}{nulls}")
    sql = (
        f"SELECT {', '.join(quote(c) for c in columns)}, COUNT(*) OVER () FROM ({' UNION '.join(parts)})"
        f" AS matches ({', '.join(quote(c) for c in columns)}) ORDER BY {', '.join(order)}"
        " LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, stop - start, start])
        fetched = cursor.fetchall()
    return [dict(zip([*columns, "_matches"], row, strict=True)) for row in fetched]


def _counted_window(
    ordered: QuerySet, start: int, stop: int, keys: list[SortKey] | None = None
) -> tuple[list, int | None]:
    """``ordered[start:stop]`` and how many rows the whole list holds, from one statement of keys
    (``COUNT(*) OVER ()`` beside the sort values), then the window's rows by key. The count is None
    when the window is empty (a page past the end: nothing to read it from)."""
    query = ordered.query
    if query.distinct or query.combinator or query.values_select:
        return list(ordered[start:stop]), None
    sort_values = [name for name in query.annotations if name.startswith("_key")]
    window = _union_of_branches(ordered, keys or [], sort_values, start, stop)
    if window is None:
        counted = ordered.annotate(_matches=Window(Count("pk")))
        window = list(counted.values("pk", *sort_values, "_matches")[start:stop])
    if not window:
        return [], None
    return _rows_of_window(ordered, window, sort_values), int(window[0]["_matches"])


def _equal_columns(where, base_alias: str) -> tuple[set[str], bool]:
    """(columns of the base table compared for equality with a value, whether any table's column is)
    in the AND-part of a WHERE: ``institution_id = 1``, ``students_enrolment.institution_id = 1``."""
    from django.db.models.expressions import Col
    from django.db.models.lookups import Exact, In
    from django.db.models.sql.where import AND, WhereNode

    base: set[str] = set()
    anywhere = False
    children = where.children
    if where.connector != AND:
        # A scope's OR with branches that match nothing (``pk IN ()``: no rows of its own) is its
        # one other branch.
        children = [c for c in children if not (isinstance(c, In) and not c.rhs)]
        if len(children) != 1:
            return base, anywhere
    if where.negated:
        return base, anywhere
    for child in children:
        if isinstance(child, WhereNode):
            inner, inner_any = _equal_columns(child, base_alias)
            base |= inner
            anywhere = anywhere or inner_any
        elif (
            isinstance(child, Exact)
            and isinstance(child.lhs, Col)
            and not hasattr(child.rhs, "resolve_expression")
        ):
            anywhere = True
            if child.lhs.alias == base_alias:
                base.add(child.lhs.target.column)
    return base, anywhere


@functools.cache
def _index_columns(model) -> tuple[tuple[str, ...], ...]:
    """The columns of the model's composite indexes and unique constraints, in order (no partial ones).
    Worked out once per model (the declarations do not change while the process runs)."""
    from django.db.models import UniqueConstraint

    found = []
    opts = model._meta
    candidates = [i.fields for i in opts.indexes if i.fields and getattr(i, "condition", None) is None]
    candidates += [
        c.fields
        for c in opts.constraints
        if isinstance(c, UniqueConstraint) and c.fields and c.condition is None
    ]
    candidates += [list(t) for t in opts.unique_together]
    for names in candidates:
        try:
            found.append(tuple(opts.get_field(n.lstrip("-")).column for n in names))
        except FieldDoesNotExist:
            continue
    return tuple(found)


def _narrowed_without_sort_index(queryset: QuerySet, keys: list[SortKey]) -> bool:
    """Whether a list narrowed to one organisation or value (an equality in its WHERE: one school's
    rows, a status) has no index that reads those rows in the sort's order — an index leading with
    the base table's equal columns and then the sort keys, as ``(institution, class_name, number)``
    serves one school's certificates by class and number.

    Then the page's statement would walk the sort key's own index (``(graduation_date, id)``) and
    test each row: one school among 550 passes one row in 550, and a page of 51 walks some 28,000
    rows with their joins (a school's graduations: 493 ms at full scale, issue 16's ninth round).
    The count, exact and at most ``LIST_EXACT_COUNT_MAX``, has just read the matches once; reading
    them again and sorting them costs about as much, and never more than that."""
    query = queryset.query
    # The first alias is the model's table (``Query.base_table`` would cache None on a query that
    # has no alias yet, and the query could then not be compiled).
    base_alias = next(iter(query.alias_map), query.get_meta().db_table)
    base, anywhere = _equal_columns(query.where, base_alias)
    if not anywhere:
        return False
    model = queryset.model
    wanted = []
    for key in keys:
        if LOOKUP_SEP in key.path:
            return True  # a related table's column: no index of this table holds it
        column = model._meta.pk.column if key.path == "pk" else model._meta.get_field(key.path).column
        if not wanted and column in base:
            continue  # a key the filter holds constant (one school's rows ordered by school first)
        wanted.append(column)
    for columns in _index_columns(model):
        lead = 0
        while lead < len(columns) and columns[lead] in base:
            lead += 1
        rest = list(columns[lead:])
        if not lead or not rest:
            continue
        # The index gives the whole order — or all of it but the closing primary key after two or
        # more columns (class and number: few ties). One column of few values (a status) leaves
        # groups of thousands to sort by id, and PostgreSQL walks the sort's own index instead.
        if rest[: len(wanted)] == wanted or (len(rest) >= 2 and wanted[:-1] == rest[: len(wanted) - 1]):
            return False
    return True


# A page's statement that would join this many relations or more — its scope's or filters' joins
# plus the related rows it shows — reads its keys first (``_read_window``): PostgreSQL searches every
# order of joining them, and ordered paths for the sort and ``LIMIT``, before it runs the statement;
# from seven relations that search costs more than the page. A city's placements (placement,
# school, region for the scope; plan, enrolment, student, post, host to show): 11 ms of planning for
# 1 ms of work (issue 16, eleventh round). The province's and a school's (seven relations, the scope
# no join or a column of the row): planned in 5.5 and 3.2 ms, run in 0.5; their keys alone plan in
# 0.1 ms and the page's rows by key in 1.5 (twelfth round). Every other list joins six or fewer
# (planned in 1.4 ms at most).
KEYS_FIRST_RELATIONS = 7


def _related_tables(model, select_related) -> set[str] | None:
    """The tables ``select_related`` joins (its tree of names); None for ``True`` (every relation)."""
    if select_related is True:
        return None
    tables: set[str] = set()
    for name, below in (select_related or {}).items():
        try:
            related = model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            return None
        if related is None:
            return None
        tables.add(related._meta.db_table)
        deeper = _related_tables(related, below)
        if deeper is None:
            return None
        tables |= deeper
    return tables


def _joins_for_window(query) -> set[str]:
    """The tables the scope, filters and sort join (``alias_map`` less the row's own table)."""
    return {
        join.table_name
        for alias, join in query.alias_map.items()
        if alias != query.base_table and join.join_type and query.alias_refcount.get(alias)
    }


def _plans_many_relations(query) -> bool:
    """The page's statement would join ``KEYS_FIRST_RELATIONS`` relations or more: the scope's, the
    filters' and the sort's joins and what the row shows, each table once (Django joins a relation
    once for both)."""
    joins = _joins_for_window(query)
    shown = _related_tables(query.model, query.select_related)
    if shown is None:  # every relation (``select_related()``): as many as the scope's joins tell
        return bool(joins)
    return 1 + len(joins | shown) >= KEYS_FIRST_RELATIONS


def _rows_by_pk(ordered: QuerySet, pks: list) -> dict:
    """The rows with these keys, as ``ordered`` shows them (related rows, prefetches, deferred fields).

    The keys came from the scoped, filtered statement: this one needs none of its joins. Where the
    list annotates more than its sort keys (a value the table shows), the rows are read through the
    list itself instead, which knows how to compute it.
    """
    query = ordered.query
    extra = [name for name in query.annotations if not name.startswith("_key")]
    if extra or query.extra or query.extra_select:
        return {row.pk: row for row in ordered.filter(pk__in=pks)}
    fresh = ordered.model._base_manager.using(ordered.db).filter(pk__in=pks)
    fresh.query.select_related = query.select_related
    fresh.query.max_depth = query.max_depth
    fresh.query.deferred_loading = query.deferred_loading
    fresh._prefetch_related_lookups = ordered._prefetch_related_lookups
    return {row.pk: row for row in fresh}


def _rows_of_window(ordered: QuerySet, window: list[dict], sort_values: list[str]) -> list:
    """The rows of a window of keys (``{"pk": …, "_key0": …}``), in the window's order, each
    carrying the sort values the keys statement read (the next cursor is made from them,
    ``row_values``); a row gone between the two statements is left out."""
    by_pk = _rows_by_pk(ordered, [entry["pk"] for entry in window])
    rows = []
    for entry in window:
        row = by_pk.get(entry["pk"])
        if row is None:
            continue
        for name in sort_values:
            setattr(row, name, entry[name])
        rows.append(row)
    return rows


def _read_window(ordered: QuerySet, start: int, stop: int, *, keys_first: bool = False) -> list:
    """``ordered[start:stop]`` — in two statements when ``keys_first`` or when one would join many
    relations (``KEYS_FIRST_RELATIONS``): the window's keys and sort values through the scope's and
    filters' joins, then those rows with what the page shows, joined for them alone."""
    query = ordered.query
    if query.distinct or query.combinator or query.values_select:
        return list(ordered[start:stop])
    if not keys_first and not (_vendor(ordered) == "postgresql" and _plans_many_relations(query)):
        return list(ordered[start:stop])
    sort_values = [name for name in query.annotations if name.startswith("_key")]
    window = list(ordered.values("pk", *sort_values)[start:stop])
    if not window:
        return []
    return _rows_of_window(ordered, window, sort_values)


def _offset_rows(ordered: QuerySet, offset: int, limit: int) -> list:
    """``ordered[offset:offset + limit]``; deep pages (and lists marked ``read_keys_first``) in two
    statements: the window's primary keys (without the columns and joins only the shown rows need),
    then those rows."""
    keys_first = offset >= DEFERRED_JOIN_OFFSET or getattr(ordered.query, _KEYS_FIRST, False)
    return _read_window(ordered, offset, offset + limit, keys_first=keys_first)


def max_page(per_page: int) -> int:
    return max(1, settings.LIST_MAX_OFFSET // per_page + 1)


def paginate(
    queryset: QuerySet,
    *,
    per_page: int,
    count: ListCount,
    page: int | None = None,
    cursor: str | None = None,
    keys: list[SortKey] | None = None,
) -> ListWindow:
    """The window a request asks for. ``keys`` None (an order that is not plain fields): offsets only.

    Raises ``InvalidCursor`` for a cursor of another sort or a tampered one, ``PageTooDeep`` for a
    page number past ``LIST_MAX_OFFSET`` rows.
    """
    deepest = max_page(per_page)
    counted_with_page = count.deferred and keys is not None and not cursor
    if count.deferred and not counted_with_page:
        count = count_rows(queryset)  # a cursor's page: counted on its own, as any list
    window = ListWindow(rows=[], count=count, per_page=per_page, max_page=deepest)
    sort_matches = (
        count.exact
        and count.value <= settings.LIST_EXACT_COUNT_MAX
        and keys is not None
        and (getattr(queryset.query, _SORT_FEW, False) or _narrowed_without_sort_index(queryset, keys))
    )
    if cursor and keys is not None:
        values, forward = decode_cursor(keys, cursor)
        rows = keyset_rows(queryset, keys, values, per_page + 1, forward=forward, sort_matches=sort_matches)
        more = len(rows) > per_page
        if forward:
            rows = rows[:per_page]
            window.has_next, window.has_previous = more, True
        else:
            rows = rows[-per_page:] if more else rows
            window.has_next, window.has_previous = True, more
        window.rows = rows
    else:
        number = max(1, int(page or 1))
        if number > deepest:
            raise PageTooDeep(number)
        offset = (number - 1) * per_page
        if counted_with_page:
            # The matches are read and sorted once, their count beside them (``count_with_page``).
            ordered = apply_ordering(queryset, keys, sort_matches=True)
            rows, matches = _counted_window(ordered, offset, offset + per_page + 1, keys)
            if matches is None and offset == 0 and not rows:
                matches = 0  # the first page is empty: so is the list
            window.count = (
                ListCount(matches, True, counted=True) if matches is not None else count_rows(queryset)
            )
        elif count.counted and count.value == 0:
            rows = []  # counted empty a moment ago: no second statement to find no rows (issue 16)
        else:
            ordered = (
                apply_ordering(queryset, keys, sort_matches=sort_matches) if keys is not None else queryset
            )
            rows = _offset_rows(ordered, offset, per_page + 1)
        window.number = number
        window.has_next = len(rows) > per_page
        window.rows = rows[:per_page]
        window.has_previous = number > 1
        window.previous_page = number - 1 if number > 1 else None
        if not window.has_next and (window.rows or number == 1):
            # The list's last page: its length is known, whatever the planner expected. An OR in a
            # scope (a school's status changes, and the transfers into it) can make PostgreSQL
            # expect 15,000 rows where there are 44 — "约 15,000 条" over one short page.
            window.count = ListCount(offset + len(window.rows), True)
        if window.has_next and number + 1 <= deepest:
            window.next_page = number + 1
    if keys is not None and window.rows:
        if window.has_next and window.next_page is None:
            window.next_cursor = encode_cursor(keys, row_values(window.rows[-1], keys), forward=True)
        if window.has_previous and window.number is None:
            window.previous_cursor = encode_cursor(keys, row_values(window.rows[0], keys), forward=False)
    return window


__all__ = [
    "InvalidCursor",
    "ListCount",
    "ListWindow",
    "PageTooDeep",
    "SortKey",
    "apply_ordering",
    "bounded_count",
    "count_rows",
    "count_with_page",
    "decode_cursor",
    "encode_cursor",
    "exact_count",
    "keyset_rows",
    "ordering_keys",
    "paginate",
    "planner_estimate",
    "read_keys_first",
    "search_branches",
    "sort_few_matches",
]
