"""Benchmark: the daily internship compliance sweep over 350,000 active placements (PostgreSQL).

Measured: ``sweep.run_sweep`` wall time — the first run (opens every alert) and a steady-state run
(alerts already open: refresh/resolve/escalate) — against a same-run baseline: ONE SQL pass reading
the same joined rows (placements with plan, post, enterprise, enrolment, student, major category,
agreement) and aggregating them. Target: steady sweep ≤ 5× the baseline.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_int python bench/bench_sweep.py [--placements N]

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

from bench.common import run_in_test_database  # noqa: E402

BASELINE_SQL = """
SELECT count(*), sum(p.monthly_pay), count(a.id), max(s.birth_date), max(e.entry_date), sum(po.on_duty_staff),
       sum(en.headcount), count(DISTINCT mc.category_id), max(pl.filing_status),
       count(ha.id), max(ps.training_on)
FROM internships_placement p
JOIN internships_internshipplan pl ON pl.id = p.plan_id
JOIN internships_post po ON po.id = p.post_id
JOIN enterprises_enterprise en ON en.id = p.enterprise_id
JOIN students_enrolment e ON e.id = p.enrolment_id
JOIN students_student s ON s.id = e.student_id
JOIN majors_institutionmajor om ON om.id = e.offering_id
JOIN majors_major mj ON mj.id = om.major_id
JOIN majors_majorclass mc ON mc.id = mj.major_class_id
LEFT JOIN internships_agreement a ON a.placement_id = p.id
LEFT JOIN internships_hostassessment ha ON ha.institution_id = p.institution_id AND ha.enterprise_id = p.enterprise_id
LEFT JOIN internships_placementsafety ps ON ps.placement_id = p.id
WHERE p.status = 'active'
"""


# The same input rows as the sweep, every table it reads, in one statement (no rule logic).
BASELINE_ALL_SQL = f"""
WITH j AS ({BASELINE_SQL}),
c AS (SELECT count(*) AS n, max(occurred_at) AS m, sum(distance_m) AS d FROM internships_checkin WHERE occurred_at >= %s),
i AS (SELECT count(*) AS n, max(coverage_end) AS m FROM internships_insurancepolicy),
m AS (SELECT count(*) AS n, bool_or(is_current) AS b FROM internships_mentorassignment),
r AS (SELECT count(*) AS n, max(paid_on) AS m FROM internships_payrecord),
b AS (SELECT count(*) AS n, max(listed_on) AS m FROM internships_blacklistentry)
SELECT * FROM j, c, i, m, r, b
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=350_000)
    parser.add_argument("--checkin-days", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()
    run_in_test_database("bench_sweep", args.keepdb, run, args)


def run(args) -> dict:
    from django.db import connection

    from zhijiao.internships.benchdata import add_placements, build_base
    from zhijiao.internships.models import Alert, CheckIn
    from zhijiao.internships.sweep import run_sweep

    t = time.perf_counter()
    base = build_base()
    add_placements(base, args.placements, checkin_days=args.checkin_days)
    build_s = time.perf_counter() - t

    import datetime as dt

    from django.utils import timezone

    since = timezone.now() - dt.timedelta(days=7)

    def baseline(sql, params=()) -> float:
        t0 = time.perf_counter()
        with connection.cursor() as c:
            c.execute(sql, params)
            c.fetchall()
        return time.perf_counter() - t0

    baseline(BASELINE_ALL_SQL, [since])  # warm the cache
    baselines_join = [baseline(BASELINE_SQL) for _ in range(args.repeat)]
    baselines = [baseline(BASELINE_ALL_SQL, [since]) for _ in range(args.repeat)]
    t0 = time.perf_counter()
    first = run_sweep()
    first_s = time.perf_counter() - t0
    steady, details = [], []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        details.append(run_sweep())
        steady.append(time.perf_counter() - t0)
    base_s = statistics.median(baselines)
    steady_s = statistics.median(steady)
    return {
        "benchmark": "internship_sweep",
        "placements": args.placements,
        "checkins": CheckIn.objects.count(),
        "build_s": round(build_s, 1),
        "baseline_one_sql_pass_s": round(base_s, 3),
        "baseline_note": "one statement reading every row the sweep reads: placements joined to plan, post, "
        "enterprise, enrolment, student, major, agreement, host assessment, safety record; the week's check-ins; "
        "policies; mentors; pay records; the blacklist",
        "baseline_placement_join_only_s": round(statistics.median(baselines_join), 3),
        "sweep_first_run_s": round(first_s, 3),
        "sweep_steady_s": round(steady_s, 3),
        "ratio_steady_to_baseline": round(steady_s / base_s, 2),
        "ratio_first_to_baseline": round(first_s / base_s, 2),
        "ratio_steady_to_join_only": round(steady_s / statistics.median(baselines_join), 2),
        "target_ratio": 5.0,
        "first_run": first,
        "steady_run": details[-1],
        "open_alerts": Alert.objects.filter(resolved_at__isnull=True).count(),
    }


if __name__ == "__main__":
    main()
