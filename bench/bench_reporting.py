"""Benchmark: 数据报送 at province scale — saving and approving every school's annual report, and
the analytics pivot over the maintained rollups.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_bench \
    .venv/bin/python bench/bench_reporting.py [--schools 500] [--pivots 30]

Builds, in a throwaway test database (``test_<name>``, dropped at the end), a province of 16 cities
with ``--schools`` schools of every kind and ownership, and a data set of about 100 cells per school
(20 plain elements, and 招生数 split by 性别 × the 19 高职专科 专业大类). Then, as the real code path:

- **save**: ``services.submission_save_values`` of each school's whole form (typed, bounded,
  audited), then submit (the validation rules run) — against the **baseline** of a bare
  ``DataValue.objects.bulk_create`` of the same rows;
- **approve**: both steps of the approval chain (``services.submissions_decide`` for the city then
  the province), whose last step writes the region rollups and the analytics facts — against the
  baseline of a bare status ``UPDATE`` plus a ``bulk_create`` of one row per value (the least a
  rollup of that size writes);
- **pivot**: ``analytics.pivot`` (city × 专业大类, with the previous-year comparison) ``--pivots``
  times — against the baseline of the same figures computed from the raw values by one
  ``GROUP BY`` over ``DataValue`` (what a pivot would cost without the rollups).

Prints one JSON object; ``*_ratio`` is pipeline throughput ÷ baseline throughput (save, approve),
and baseline time ÷ pivot time for the pivot (above 1: the rollups are faster than the raw scan).
"""

from __future__ import annotations

import argparse
import datetime
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

# The 19 专业大类 of 高职专科 (职业教育专业目录（2021年）, codes 41–59).
MAJOR_GROUPS = [
    "农林牧渔大类", "资源环境与安全大类", "能源动力与材料大类", "土木建筑大类", "水利大类",
    "装备制造大类", "生物与化工大类", "轻工纺织大类", "食品药品与粮食大类", "交通运输大类",
    "电子与信息大类", "医药卫生大类", "财经商贸大类", "旅游大类", "文化艺术大类",
    "新闻传播大类", "教育与体育大类", "公安与司法大类", "公共管理与服务大类",
]  # fmt: skip


def definition() -> str:
    options = ", ".join(f"{{code: g{41 + i}, name: {name}}}" for i, name in enumerate(MAJOR_GROUPS))
    plain = "\n".join(
        f"      - {{code: e{i:02d}, name: 指标{i:02d}, type: integer, unit: 个, min: 0, max: 1000000}}"
        for i in range(20)
    )
    return f"""
code: bench_enrol
name: 基准测试数据集
version: 1
period_type: year
categories:
  - code: gender
    name: 性别
    options: [{{code: male, name: 男}}, {{code: female, name: 女}}]
  - code: major_group
    name: 专业大类
    options: [{options}]
sections:
  - code: main
    name: 基本
    elements:
{plain}
      - {{code: enrolled, name: 招生数, type: integer, unit: 人, min: 0, categories: [gender, major_group]}}
rules:
  - {{code: r1, expression: e01 <= e00 + 1000000, message: 示例规则}}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=500)
    parser.add_argument("--pivots", type=int, default=30)
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


def _values(rng: random.Random) -> dict:
    values = {(f"e{i:02d}", ""): str(rng.randint(0, 5000)) for i in range(20)}
    for gender in ("male", "female"):
        for i in range(len(MAJOR_GROUPS)):
            values[("enrolled", f"{gender}.g{41 + i}")] = str(rng.randint(0, 300))
    return values


def _period(data_set, year):
    from zhijiao.reporting.models import Period

    return Period.objects.create(
        data_set=data_set,
        code=str(year),
        start=datetime.date(year, 1, 1),
        end=datetime.date(year, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )


def _p(times: list[float], q: float) -> float:
    times = sorted(times)
    return round(times[min(len(times) - 1, int(q * len(times)))] * 1000, 2)


def _count_queries(services, fire, actor, school, period, values) -> dict:
    """SQL statements of one school's save (with submit) and of its two approvals."""
    from django.db import connection

    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        sub = services.submission_open(actor=actor, institution=school, period=period)
        sub = services.submission_save_values(actor=actor, submission=sub, values=values, revision=0)
        sub = fire("reporting.submission", sub, "submit", actor=actor)
    saved = len(seen)
    seen.clear()
    with connection.execute_wrapper(count):
        services.submissions_decide(actor=actor, submissions=[sub], decision="approve")
        services.submissions_decide(actor=actor, submissions=[sub], decision="approve")
    return {"queries_per_save": saved, "queries_per_approval": len(seen)}


def run(args) -> dict:
    from django.db import connection, transaction
    from django.db.models import Sum

    from zhijiao.accounts.choices import Role
    from zhijiao.core.actors import system_actor
    from zhijiao.core.lifecycle import fire
    from zhijiao.core.testing import make_user, region
    from zhijiao.orgs.choices import InstitutionKind, Ownership, RegionLevel
    from zhijiao.orgs.models import Institution
    from zhijiao.reporting import analytics, services
    from zhijiao.reporting.definitions import definition_load
    from zhijiao.reporting.models import DataValue, Fact, Submission

    rng = random.Random(14)
    province = region("370000", "山东省", RegionLevel.PROVINCE)
    cities = [region(f"37{c:02d}00", f"城市{c:02d}", RegionLevel.CITY, province) for c in range(1, 17)]
    counties = [region(f"{c.code[:4]}01", f"{c.name}一区", RegionLevel.COUNTY, c) for c in cities]
    kinds, owners = list(InstitutionKind.values), list(Ownership.values)
    Institution.objects.bulk_create(
        Institution(
            name=f"基准学校{n}",
            code=f"41370{n:05d}",
            kind=kinds[n % len(kinds)],
            ownership=owners[(n // 7) % 2],
            region=(counties if n % 3 else cities)[n % 16],
        )
        for n in range(args.schools)
    )
    schools = list(Institution.objects.select_related("region__parent").order_by("pk"))
    admin = make_user("bench_admin", Role.PROVINCE_ADMIN, node=province)
    actor = system_actor("demo")  # decides every step, as the city and the province would
    version = definition_load(actor=admin, text=definition())
    p_before, p_now = _period(version.data_set, 2020), _period(version.data_set, 2021)

    def fill_and_approve(period) -> tuple[float, float, list]:
        save_s = approve_s = 0.0
        subs = []
        for school in schools:
            values = _values(rng)
            t = time.perf_counter()
            sub = services.submission_open(actor=actor, institution=school, period=period)
            sub = services.submission_save_values(actor=actor, submission=sub, values=values, revision=0)
            sub = fire("reporting.submission", sub, "submit", actor=actor)
            save_s += time.perf_counter() - t
            subs.append(sub)
        for sub in subs:
            t = time.perf_counter()
            services.submissions_decide(actor=actor, submissions=[sub], decision="approve")
            services.submissions_decide(actor=actor, submissions=[sub], decision="approve")
            approve_s += time.perf_counter() - t
        return save_s, approve_s, subs

    fill_and_approve(p_before)  # the previous year (the pivot's comparison base)
    queries = _count_queries(services, fire, actor, schools[0], _period(version.data_set, 2018), _values(rng))
    save_s, approve_s, subs = fill_and_approve(p_now)
    assert Submission.objects.filter(period=p_now, status="approved").count() == len(schools)
    cells = DataValue.objects.filter(submission__period=p_now).count()

    # Baselines, in the same process, rolled back.
    elements = {e.code: e for e in version.elements.all()}
    rows = [_values(rng) for _ in schools]
    base_save = base_approve = 0.0
    with transaction.atomic():
        scratch = _period(version.data_set, 2019)
        scratch_subs = Submission.objects.bulk_create(
            Submission(institution=s, period=scratch, version=version) for s in schools
        )
        for sub, values in zip(scratch_subs, rows, strict=True):
            t = time.perf_counter()
            DataValue.objects.bulk_create(
                DataValue(submission=sub, element=elements[code], cell=cell, value=raw, number=int(raw))
                for (code, cell), raw in values.items()
            )
            base_save += time.perf_counter() - t
        for sub, values in zip(scratch_subs, rows, strict=True):
            t = time.perf_counter()
            Submission.objects.filter(pk=sub.pk).update(status="approved")
            Fact.objects.bulk_create(
                Fact(
                    region_id=cities[0].pk,
                    city_id=cities[0].pk,
                    period=scratch,
                    kind=str(sub.pk),
                    ownership="x",
                    element_code=code,
                    cell=cell,
                    total=int(raw),
                    count=1,
                )
                for (code, cell), raw in values.items()
            )
            base_approve += time.perf_counter() - t
        transaction.set_rollback(True)

    pivot_times, raw_times = [], []
    table = None
    for _ in range(args.pivots):
        t = time.perf_counter()
        table = analytics.pivot(
            user=admin, period=p_now, element_code="enrolled", rows="city", cols="major_group"
        )
        pivot_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        list(
            DataValue.objects.filter(submission__period=p_now, element__code="enrolled")
            .values("submission__institution__region__path", "cell")
            .annotate(total=Sum("number"))
        )
        list(
            DataValue.objects.filter(submission__period=p_before, element__code="enrolled")
            .values("submission__institution__region__path")
            .annotate(total=Sum("number"))
        )
        raw_times.append(time.perf_counter() - t)
    facts = Fact.objects.filter(period=p_now).count()
    n = len(schools)
    return {
        "benchmark": "reporting",
        "database_version": connection.cursor().connection.info.server_version,
        "schools": n,
        "cells_per_school": cells // n,
        "facts": facts,
        "pivot_rows": len(table.row_labels),
        "pivot_cols": len(table.col_labels),
        **queries,
        "save_per_s": round(n / save_s, 1),
        "baseline_save_per_s": round(n / base_save, 1),
        "save_ratio": round(base_save / save_s, 3),
        "approve_per_s": round(n / approve_s, 1),
        "baseline_approve_per_s": round(n / base_approve, 1),
        "approve_ratio": round(base_approve / approve_s, 3),
        "pivot_p50_ms": round(statistics.median(pivot_times) * 1000, 2),
        "pivot_p95_ms": _p(pivot_times, 0.95),
        "baseline_raw_p50_ms": round(statistics.median(raw_times) * 1000, 2),
        "pivot_ratio": round(statistics.median(raw_times) / statistics.median(pivot_times), 2),
    }


if __name__ == "__main__":
    main()
