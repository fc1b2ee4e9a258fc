"""Benchmark: 数据报送 at the issue's size — 550 organisations × 200 elements × 6 cells × 12
periods (≈ 8 M values) — the province rollup, approving a city's schools, and the form and
worklist pages.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_bench \
    .venv/bin/python bench/bench_reporting.py [--schools 550] [--elements 200] [--periods 12] \
        [--repeats 20] [--keepdb]

Builds, in a test database (``test_<name>``; kept with ``--keepdb`` and then reused without
reloading), a province of 16 cities with ``--schools`` schools of every kind and ownership (the
first cities have 35 each), a quarterly data set of ``--elements`` integer elements split by
性别 × 年级 (6 cells each) and ``--periods`` quarters. Every school's values of every period but
the last are loaded with ``COPY`` as approved submissions, and the rollups they would have written
(``Aggregate`` for each region and above, ``Fact`` by region × kind × ownership) with one
``INSERT … SELECT … GROUP BY`` each. Then, as the real code path:

- **rollup**: ``analytics.indicator_series`` of one indicator (an element over all its cells) at
  the province over all periods, and ``analytics.pivot`` of the element city × period — against
  the same figures by a hand-written SQL ``GROUP BY`` over the same rollup rows (the target:
  ≤ 1.5× its time), and against a ``GROUP BY`` over the raw values (what a rollup would cost
  without the rollups);
- **approve a city**: the first city's 35 schools of the last period are opened, saved and
  submitted, the city approves them, and the time of the province's one bulk decision
  (``services.submissions_decide`` of all 35, which writes the region rollups and the facts) is
  measured (target ≤ 1 s), and separately the check of the foreign keys it wrote, which
  PostgreSQL defers to the commit (``approve_city_commit_fk_checks_s``); where the decision's
  time goes: its statements (``approve_city_statements``), their time together
  (``approve_city_sql_s``) and the six slowest (``approve_city_slowest_ms``). This part runs in a
  transaction rolled back at the end, so the database is unchanged for the next ``--keepdb`` run;
- **pages**: the SQL statements of the form page of a school's ``--elements``-element submission
  against a 10-element one, and of the city worklist with 5 schools awaiting it against 35
  (target: the same number).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

CELLS = [f"{g}.{y}" for g in ("male", "female") for y in ("y1", "y2", "y3")]
DATA_SET = "bench_big"


def definition(code: str, elements: int) -> str:
    lines = "\n".join(
        f"      - {{code: e{i:03d}, name: 指标{i:03d}, type: integer, unit: 人, min: 0, max: 1000000,"
        " categories: [gender, grade]}"
        for i in range(elements)
    )
    return f"""
code: {code}
name: 基准测试数据集{code}
version: 1
period_type: quarter
categories:
  - code: gender
    name: 性别
    options: [{{code: male, name: 男}}, {{code: female, name: 女}}]
  - code: grade
    name: 年级
    options: [{{code: y1, name: 一年级}}, {{code: y2, name: 二年级}}, {{code: y3, name: 三年级}}]
sections:
  - code: main
    name: 基本
    elements:
{lines}
rules:
  - {{code: r1, expression: e001 <= e000 + 100000000, message: 示例规则}}
"""


def quarters(n: int) -> list[tuple[str, datetime.date, datetime.date]]:
    out = []
    year, q = 2021, 4
    for _ in range(n):
        start = datetime.date(year, 3 * q - 2, 1)
        end = (datetime.date(year + (q == 4), (3 * q) % 12 + 1, 1)) - datetime.timedelta(days=1)
        out.append((f"{year}Q{q}", start, end))
        year, q = (year - 1, 4) if q == 1 else (year, q - 1)
    return out[::-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=550)
    parser.add_argument("--elements", type=int, default=200)
    parser.add_argument("--periods", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        sys.exit("bench_reporting needs PostgreSQL (DATABASE_URL=postgres://…)")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        print(json.dumps(run(args), ensure_ascii=False, indent=2))
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 2)


def _median_ms(times: list[float]) -> float:
    return round(statistics.median(times) * 1000, 2)


def _log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load(args) -> dict:
    """The province, the data sets and the COPY-loaded approved values (skipped when a kept
    database already holds them). Returns what loading took."""
    from django.db import connection

    from zhijiao.accounts.choices import Role
    from zhijiao.core.testing import make_user, region
    from zhijiao.orgs.choices import InstitutionKind, Ownership, RegionLevel
    from zhijiao.orgs.models import Institution
    from zhijiao.reporting.definitions import definition_load
    from zhijiao.reporting.models import DataSet, Indicator, Period, Submission

    if DataSet.objects.filter(code=DATA_SET).exists():
        _log("reusing the kept database")
        return {"loaded": False}
    t0 = time.perf_counter()
    province = region("370000", "山东省", RegionLevel.PROVINCE)
    cities = [region(f"37{c:02d}00", f"城市{c:02d}", RegionLevel.CITY, province) for c in range(1, 17)]
    counties = [region(f"{c.code[:4]}01", f"{c.name}一区", RegionLevel.COUNTY, c) for c in cities]
    kinds, owners = list(InstitutionKind.values), list(Ownership.values)
    Institution.objects.bulk_create(
        Institution(
            name=f"基准学校{n:04d}",
            code=f"41370{n:05d}",
            kind=kinds[n % len(kinds)],
            ownership=owners[(n // 7) % 2],
            region=(counties if n % 3 else cities)[n % 16],
        )
        for n in range(args.schools)
    )
    admin = make_user("bench_admin", Role.PROVINCE_ADMIN, node=province)
    make_user("bench_city", Role.CITY_ADMIN, node=cities[0])
    version = definition_load(actor=admin, text=definition(DATA_SET, args.elements))
    definition_load(actor=admin, text=definition("bench_small", 10))
    periods = [
        Period(data_set=version.data_set, code=code, start=s, end=e, deadline=datetime.date(2099, 12, 31))
        for code, s, e in quarters(args.periods)
    ]
    Period.objects.bulk_create(periods)
    Indicator.objects.create(
        code="bench_e000", name="基准指标", data_set=version.data_set, element_code="e000"
    )
    periods = list(Period.objects.filter(data_set=version.data_set).order_by("start"))
    schools = list(Institution.objects.order_by("pk"))
    now = datetime.datetime.now(datetime.UTC)
    # Every period but the last is approved; the last holds the other cities' approved returns
    # (the first city's schools report it during the run).
    first_city = cities[0].pk
    city_of = {
        i.pk: (i.region_id if i.region.level == "city" else i.region.parent_id)
        for i in Institution.objects.select_related("region")
    }
    subs = [
        Submission(
            institution=s,
            period=p,
            version=version,
            status="approved",
            revision=1,
            submitted_at=now,
            approved_at=now,
        )
        for p in periods
        for s in schools
        if not (p == periods[-1] and city_of[s.pk] == first_city)
    ]
    Submission.objects.bulk_create(subs, batch_size=2000)
    _log(f"{len(subs)} submissions")
    elements = list(version.elements.order_by("order").values_list("pk", flat=True))
    rng = random.Random(14)
    sub_ids = list(Submission.objects.filter(period__data_set=version.data_set).values_list("pk", flat=True))
    t1 = time.perf_counter()
    rows = 0
    with connection.cursor() as cursor:
        raw = cursor.connection  # psycopg 3
        with raw.cursor() as c:
            with c.copy(
                "COPY reporting_datavalue (submission_id, element_id, cell, value, number) FROM STDIN"
            ) as copy:
                for sid in sub_ids:
                    buf = io.StringIO()
                    for eid in elements:
                        for cell in CELLS:
                            v = rng.randint(0, 500)
                            buf.write(f"{sid}\t{eid}\t{cell}\t{v}\t{v}\n")
                            rows += 1
                    copy.write(buf.getvalue())
    copy_s = time.perf_counter() - t1
    _log(f"COPY {rows} values in {copy_s:.0f} s")
    t2 = time.perf_counter()
    with connection.cursor() as cursor:
        # The rollups approval writes (services.aggregates_apply, analytics.facts_apply), in bulk.
        cursor.execute(
            """
            INSERT INTO reporting_aggregate (created_at, updated_at, region_id, period_id, element_code,
                                             cell, total, count)
            SELECT now(), now(), up.id, s.period_id, e.code, v.cell, SUM(v.number), COUNT(*)
              FROM reporting_datavalue v
              JOIN reporting_submission s ON s.id = v.submission_id
              JOIN reporting_dataelement e ON e.id = v.element_id
              JOIN orgs_institution i ON i.id = s.institution_id
              JOIN orgs_region r ON r.id = i.region_id
              JOIN orgs_region up ON r.path LIKE up.path || '%%'
             WHERE s.status = 'approved' AND v.number IS NOT NULL
             GROUP BY up.id, s.period_id, e.code, v.cell
            """
        )
        cursor.execute(
            """
            INSERT INTO reporting_fact (created_at, updated_at, region_id, city_id, period_id, kind,
                                        ownership, major_group, element_code, cell, total, count)
            SELECT now(), now(), r.id, CASE WHEN r.level = 'city' THEN r.id ELSE r.parent_id END,
                   s.period_id, i.kind, i.ownership, '', e.code, v.cell, SUM(v.number), COUNT(*)
              FROM reporting_datavalue v
              JOIN reporting_submission s ON s.id = v.submission_id
              JOIN reporting_dataelement e ON e.id = v.element_id
              JOIN orgs_institution i ON i.id = s.institution_id
              JOIN orgs_region r ON r.id = i.region_id
             WHERE s.status = 'approved' AND v.number IS NOT NULL
             GROUP BY r.id, r.level, r.parent_id, s.period_id, i.kind, i.ownership, e.code, v.cell
            """
        )
        cursor.execute("ANALYZE")
    rollup_s = time.perf_counter() - t2
    _log(f"rollups in {rollup_s:.0f} s")
    return {
        "loaded": True,
        "load_s": round(time.perf_counter() - t0, 1),
        "copy_s": round(copy_s, 1),
        "copy_rows_per_s": round(rows / copy_s),
        "rollup_build_s": round(rollup_s, 1),
    }


def count_queries(fn) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def run(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import Client
    from django.urls import reverse

    from zhijiao.accounts.choices import Role
    from zhijiao.core.actors import system_actor
    from zhijiao.core.lifecycle import fire
    from zhijiao.core.testing import make_user
    from zhijiao.orgs.models import Institution, Region
    from zhijiao.reporting import analytics, services
    from zhijiao.reporting.models import (
        Aggregate,
        DataSet,
        DataValue,
        Fact,
        Indicator,
        Period,
        Submission,
    )

    out: dict = {"benchmark": "reporting"}
    out.update(load(args))
    User = get_user_model()
    admin = User.objects.get(username="bench_admin")
    city_user = User.objects.get(username="bench_city")
    province = Region.objects.get(code="370000")
    first_city = Region.objects.get(code="370100")
    data_set = DataSet.objects.get(code=DATA_SET)
    periods = list(Period.objects.filter(data_set=data_set).order_by("start"))
    indicator = Indicator.objects.get(code="bench_e000")
    out.update(
        {
            "database_version": connection.cursor().connection.info.server_version,
            "schools": Institution.objects.count(),
            "elements": data_set.current_version().elements.count(),
            "cells_per_element": len(CELLS),
            "periods": len(periods),
            "values": DataValue.objects.count(),
            "aggregates": Aggregate.objects.count(),
            "facts": Fact.objects.count(),
        }
    )
    _log(f"{out['values']} values, {out['aggregates']} aggregates, {out['facts']} facts")

    # --- rollup of one indicator over every period ------------------------------------------------
    hand_agg = """
        SELECT a.period_id, SUM(a.total) FROM reporting_aggregate a
          JOIN reporting_period p ON p.id = a.period_id
         WHERE a.region_id = %s AND a.element_code = %s AND p.data_set_id = %s
         GROUP BY a.period_id ORDER BY a.period_id"""
    hand_fact = """
        SELECT f.city_id, f.period_id, SUM(f.total) FROM reporting_fact f
          JOIN reporting_period p ON p.id = f.period_id
         WHERE f.element_code = %s AND p.data_set_id = %s
         GROUP BY f.city_id, f.period_id"""
    raw_values = """
        SELECT s.period_id, SUM(v.number) FROM reporting_datavalue v
          JOIN reporting_submission s ON s.id = v.submission_id
          JOIN reporting_period p ON p.id = s.period_id
          JOIN reporting_dataelement e ON e.id = v.element_id
         WHERE e.code = %s AND p.data_set_id = %s AND s.status IN ('approved', 'locked')
         GROUP BY s.period_id"""
    series_t, hand_t, pivot_t, hand_pivot_t, raw_t = [], [], [], [], []
    series = pivot = None
    # Each pair alternates which of the two runs first: the first read after the other pair's
    # (the pivot's 3.8 M-row table) pays ~0.4 ms of re-warming, which in a fixed order always fell
    # on the code measured and never on its baseline.

    def timed(times: list, fn):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
        return result

    def hand_read():
        with connection.cursor() as cursor:
            cursor.execute(hand_agg, [province.pk, "e000", data_set.pk])
            return cursor.fetchall()

    def hand_pivot_read():
        with connection.cursor() as cursor:
            cursor.execute(hand_fact, ["e000", data_set.pk])
            return cursor.fetchall()

    def pivot_read():
        return analytics.pivot(
            user=admin, period=periods[-1], element_code="e000", rows="city", cols="period"
        )

    for n in range(args.repeats):
        first = n % 2 == 0
        if first:
            series = timed(series_t, lambda: analytics.indicator_series(indicator, province))
        hand = timed(hand_t, hand_read)
        if not first:
            series = timed(series_t, lambda: analytics.indicator_series(indicator, province))
        if first:
            pivot = timed(pivot_t, pivot_read)
        timed(hand_pivot_t, hand_pivot_read)
        if not first:
            pivot = timed(pivot_t, pivot_read)
    for _ in range(max(3, args.repeats // 5)):
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(raw_values, ["e000", data_set.pk])
            raw = cursor.fetchall()
        raw_t.append(time.perf_counter() - t)
    assert sorted(v for _, v in series) == sorted(v for _, v in hand) == sorted(v for _, v in raw)
    out.update(
        {
            "series_periods": len(series),
            "indicator_series_p50_ms": _median_ms(series_t),
            "indicator_series_p95_ms": _p(series_t, 0.95),
            "hand_sql_rollup_p50_ms": _median_ms(hand_t),
            "indicator_series_ratio": round(statistics.median(series_t) / statistics.median(hand_t), 2),
            "pivot_city_by_period_p50_ms": _median_ms(pivot_t),
            "pivot_rows": len(pivot.row_labels),
            "pivot_cols": len(pivot.col_labels),
            "hand_sql_facts_p50_ms": _median_ms(hand_pivot_t),
            "pivot_ratio": round(statistics.median(pivot_t) / statistics.median(hand_pivot_t), 2),
            "raw_values_group_by_p50_ms": _median_ms(raw_t),
            "raw_over_indicator_series": round(statistics.median(raw_t) / statistics.median(series_t), 1),
        }
    )
    _log("rollup reads measured")

    # --- one city's schools: worklist, form page, the province's bulk approval (rolled back) ------
    last = periods[-1]
    schools = list(Institution.objects.filter(region__path__startswith=first_city.path).order_by("pk"))
    client = Client()
    client.force_login(city_user)
    worklist_url = reverse("reporting:worklist") + f"?period={last.pk}"
    rng = random.Random(15)
    decider = system_actor("demo")  # opens, submits and decides as the school, city and province would
    with transaction.atomic():
        subs = []
        t_fill = time.perf_counter()
        for n, school in enumerate(schools):
            values = {
                (f"e{i:03d}", cell): str(rng.randint(0, 500))
                for i in range(out["elements"])
                for cell in CELLS
            }
            sub = services.submission_open(actor=decider, institution=school, period=last)
            sub = services.submission_save_values(
                actor=decider, submission=sub, values=values, revision=sub.revision
            )
            subs.append(fire("reporting.submission", sub, "submit", actor=decider))
            if n == 4:
                out["worklist_queries_5_awaiting"] = count_queries(lambda: client.get(worklist_url))
        out["fill_and_submit_per_school_s"] = round((time.perf_counter() - t_fill) / len(schools), 2)
        out[f"worklist_queries_{len(schools)}_awaiting"] = count_queries(lambda: client.get(worklist_url))
        page = client.get(worklist_url).content.decode()
        out["worklist_rows"] = page.count('name="ids"')
        t = time.perf_counter()
        client.get(worklist_url)
        out["worklist_ms"] = round((time.perf_counter() - t) * 1000, 1)

        # The form page of the big data set and of a 10-element one.
        school_user = make_user("bench_school_user", Role.SCHOOL_ADMIN, node=schools[0])
        client.force_login(school_user)
        big_url = reverse("reporting:submission_form", args=[subs[0].pk])
        out[f"form_page_queries_{out['elements']}_elements"] = count_queries(lambda: client.get(big_url))
        t = time.perf_counter()
        assert client.get(big_url).status_code == 200
        out["form_page_ms"] = round((time.perf_counter() - t) * 1000, 1)
        small = DataSet.objects.get(code="bench_small")
        small_period = Period.objects.create(
            data_set=small, code="2021Q4", start=last.start, end=last.end, deadline=last.deadline
        )
        small_sub = services.submission_open(actor=decider, institution=schools[0], period=small_period)
        small_values = {(f"e{i:03d}", cell): "1" for i in range(10) for cell in CELLS}
        small_sub = services.submission_save_values(
            actor=decider, submission=small_sub, values=small_values, revision=small_sub.revision
        )
        fire("reporting.submission", small_sub, "submit", actor=decider)
        small_url = reverse("reporting:submission_form", args=[small_sub.pk])
        out["form_page_queries_10_elements"] = count_queries(lambda: client.get(small_url))

        services.submissions_decide(actor=decider, submissions=subs, decision="approve")  # the city
        assert not Submission.objects.filter(pk__in=[s.pk for s in subs], status="approved").exists()
        before = Aggregate.objects.get(region=province, period=last, element_code="e000", cell=CELLS[0]).total
        with connection.cursor() as cursor:
            # The foreign keys are checked at commit (DEFERRABLE INITIALLY DEFERRED), which this
            # rolled-back run never reaches: check the fill's now, and the decision's after it.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        statements: list[tuple[str, float]] = []

        def timed_statement(execute, sql, params, many, context):
            t0 = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((" ".join(sql.split())[:90], time.perf_counter() - t0))

        t = time.perf_counter()
        with connection.execute_wrapper(timed_statement):
            done, errors = services.submissions_decide(actor=decider, submissions=subs, decision="approve")
        out["approve_city_s"] = round(time.perf_counter() - t, 3)
        # Where the time goes, statement by statement (the audit COPYs are not seen by the wrapper
        # and count in the rest with the Python work).
        out["approve_city_statements"] = len(statements)
        out["approve_city_sql_s"] = round(sum(d for _s, d in statements), 3)
        out["approve_city_slowest_ms"] = [
            [round(d * 1000, 1), sql] for sql, d in sorted(statements, key=lambda x: -x[1])[:6]
        ]
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        out["approve_city_commit_fk_checks_s"] = round(time.perf_counter() - t, 3)
        assert done == len(subs) and not errors, errors
        after = Aggregate.objects.get(region=province, period=last, element_code="e000", cell=CELLS[0]).total
        expected = sum(
            DataValue.objects.filter(submission__in=subs, element__code="e000", cell=CELLS[0]).values_list(
                "number", flat=True
            )
        )
        assert after - before == expected
        out["approve_city_schools"] = done
        out["approve_city_per_school_ms"] = round(out["approve_city_s"] * 1000 / done, 1)
        transaction.set_rollback(True)

    # The statements of one province approval (the same path, one school, rolled back).
    with transaction.atomic():
        sub = services.submission_open(actor=decider, institution=schools[1], period=last)
        values = {(f"e{i:03d}", cell): "1" for i in range(out["elements"]) for cell in CELLS}
        sub = services.submission_save_values(
            actor=decider, submission=sub, values=values, revision=sub.revision
        )
        sub = fire("reporting.submission", sub, "submit", actor=decider)
        services.submissions_decide(actor=decider, submissions=[sub], decision="approve")
        out["queries_per_province_approval"] = count_queries(
            lambda: services.submissions_decide(actor=decider, submissions=[sub], decision="approve")
        )
        transaction.set_rollback(True)
    return out


if __name__ == "__main__":
    main()
