"""Benchmark: the authority internship dashboard at province scale (350,000 active placements).

Renders ``/internships/`` for the province administrator through Django's test client (the full
middleware stack, templates, aggregates) ``--renders`` times and reports the p50/p95 render time,
and the number of SQL queries at 2,000 placements and again at full size: the query count must not
grow with the number of placements.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_int python bench/bench_dashboard.py

Rows are COPY'd into a throwaway test database (``test_<name>``), dropped at the end. Prints JSON.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

from bench.common import otp_client, run_in_test_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=350_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--renders", type=int, default=30)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    run_in_test_database("bench_dashboard", args.keepdb, run, args)


def _client(user):
    return otp_client(user)


def _measure(client, n: int, *, cold: bool = True) -> tuple[int, list[float], int]:
    """Query count of one render, then ``n`` timed renders (``cold``: the aggregate cache cleared each time)."""
    from django.core.cache import cache
    from django.db import connection

    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    cache.clear()
    with connection.execute_wrapper(count):
        response = client.get("/internships/")
    assert response.status_code == 200, response.status_code
    times = []
    for _ in range(n):
        if cold:
            cache.clear()
        t0 = time.perf_counter()
        client.get("/internships/")
        times.append(time.perf_counter() - t0)
    return len(queries), times, response.context["d"]["total_active"]


def run(args) -> dict:
    from zhijiao.internships.benchdata import add_placements, build_base
    from zhijiao.internships.sweep import run_sweep

    t = time.perf_counter()
    base = build_base()
    add_placements(base, args.small)
    run_sweep()
    client = _client(base.province_admin)
    q_small, times_small, n_small = _measure(client, 5)
    add_placements(base, args.placements - args.small)
    run_sweep()
    build_s = time.perf_counter() - t
    q_full, times, n_full = _measure(client, args.renders)
    times.sort()
    _q, warm, _n = _measure(client, args.renders, cold=False)
    warm.sort()
    aggregates = _aggregates_against_counting(base.province_admin)
    return {
        "benchmark": "internship_dashboard",
        "build_s": round(build_s, 1),
        "placements_small": n_small,
        "queries_small": q_small,
        "placements_full": n_full,
        "queries_full": q_full,
        "query_count_constant": q_small == q_full,
        "renders": len(times),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))] * 1000, 1),
        "small_p50_ms": round(statistics.median(times_small) * 1000, 1),
        "note": "p50/p95: cold renders (aggregate cache cleared before each); warm: served from the 5-minute cache",
        "warm_p50_ms": round(statistics.median(warm) * 1000, 1),
        "warm_p95_ms": round(warm[min(len(warm) - 1, int(0.95 * len(warm)))] * 1000, 1),
        **aggregates,
    }


def _aggregates_against_counting(user, repeat: int = 5) -> dict:
    """The maintained aggregates (``_placement_aggregates``) against the bare baseline they replace —
    one counting pass over the active placements (``_placement_counts``) — alternating in this process,
    and whether both give the same figures at full size."""
    from zhijiao.internships import selectors

    regions = selectors._dashboard_regions(user)
    if regions is None or not hasattr(selectors, "_placement_aggregates"):
        return {}

    def figures(pc):
        top = selectors._top(pc["enterprises"], pc["enterprise_names"], "e", "n", selectors.TOP_HOSTS)
        return (pc["schools"], pc["categories"], pc["blocked"], top)

    read, counted = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        a = selectors._placement_aggregates(user, regions)
        read.append(time.perf_counter() - t)
        t = time.perf_counter()
        c = selectors._placement_counts(user)
        counted.append(time.perf_counter() - t)
    return {
        "aggregates_equal_counting": figures(a) == figures(c),
        "aggregates_p50_ms": round(statistics.median(read) * 1000, 1),
        "counting_pass_p50_ms": round(statistics.median(counted) * 1000, 1),
        "ratio_counting_to_aggregates": round(statistics.median(counted) / statistics.median(read), 1),
    }


if __name__ == "__main__":
    main()
