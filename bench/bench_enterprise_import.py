"""Benchmark: import 20,000 enterprise rows from XLSX through the real pipeline.

Measures read + whole-file validation + bulk upsert + one audit entry per row, and, in the same
run, a bare ``Enterprise.objects.bulk_create`` of the same rows (rolled back). Prints JSON.

    DJANGO_SETTINGS_MODULE=config.settings_test DATABASE_URL=postgres://… python bench/bench_enterprise_import.py

A throwaway test database (``test_<name>``) is created and dropped by Django's test machinery.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; medians are reported")
    parser.add_argument("--keepdb", action="store_true", help="reuse the test database between runs")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        from zhijiao.core.importing.pgcopy import copy_supported

        # core.audit.audit_bulk writes audit rows with COPY on PostgreSQL, bulk_create elsewhere.
        audit_insert = "copy" if copy_supported() else "bulk_create"
        result = run(args.rows, args.repeat)
        result["audit_insert"] = audit_insert
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def run(n: int, repeat: int = 3) -> dict:
    from django.db import connection, transaction

    from zhijiao.accounts.choices import Role
    from zhijiao.core.importing import run_import
    from zhijiao.core.models import AuditEntry
    from zhijiao.core.tabular import write_xlsx
    from zhijiao.core.testing import make_uscc, make_user, region
    from zhijiao.enterprises.importers import EnterpriseImporter
    from zhijiao.enterprises.models import Enterprise
    from zhijiao.orgs.choices import RegionLevel

    Enterprise.objects.all().delete()
    province = region("370000", "山东省", RegionLevel.PROVINCE)
    city = region("370100", "济南市", RegionLevel.CITY, province)
    counties = [region(f"3701{i:02d}", f"测试区{i}", RegionLevel.COUNTY, city) for i in range(2, 12)]
    get_user = __import__("django.contrib.auth", fromlist=["get_user_model"]).get_user_model()
    admin = get_user.objects.filter(username="bench_admin").first() or make_user(
        "bench_admin", Role.PROVINCE_ADMIN, node=province
    )

    industries = "ABCDEFGHIJKLMNOPQRS"
    rows = []
    for i in range(n):
        county = counties[i % len(counties)]
        rows.append(
            {
                "credit_code": make_uscc(1_000_000 + i, county.code),
                "name": f"基准测试企业{i:05d}有限公司",
                "industry": industries[i % len(industries)],
                "region": county,
                "headcount": 10 + i % 990,
                "contact_name": f"联系人{i % 100}",
                "contact_phone": f"138{i:08d}",
                "address": f"济南市测试路{i}号",
            }
        )
    headers = [c.header() for c in EnterpriseImporter.columns]
    buf = io.BytesIO()
    write_xlsx(
        buf,
        headers=headers,
        rows=(
            [
                r["credit_code"],
                r["name"],
                r["industry"],
                r["region"].code,
                r["region"].name,
                r["headcount"],
                r["contact_name"],
                r["contact_phone"],
                r["address"],
            ]
            for r in rows
        ),
    )
    size = buf.tell()

    def baseline() -> float:
        t0 = time.perf_counter()
        with transaction.atomic():
            Enterprise.objects.bulk_create([Enterprise(**r) for r in rows], batch_size=1000)
            elapsed = time.perf_counter() - t0
            transaction.set_rollback(True)
        return elapsed

    # Baseline and pipeline alternate, each run rolled back so both start from the same empty
    # table; the medians are compared (a shared machine makes single runs noisy).
    base_runs: list[float] = []
    runs: list[float] = []
    stages: dict[str, float] = {}
    reimport_s = 0.0
    reimport_unchanged = 0
    audits = 0
    for attempt in range(repeat):
        base_runs.append(baseline())
        with transaction.atomic():
            audit_before = AuditEntry.objects.count()
            t0 = time.perf_counter()

            def progress(done, total, stage, t0=t0, first=attempt == 0):
                if first:
                    stages.setdefault(stage, time.perf_counter() - t0)

            buf.seek(0)
            result = run_import("enterprises", buf, "bench.xlsx", actor=admin, progress=progress)
            runs.append(time.perf_counter() - t0)
            if not result.ok or result.created != n:
                raise SystemExit(f"import failed: {[str(e) for e in result.errors[:5]]}")
            if attempt == 0:
                audits = AuditEntry.objects.count() - audit_before
                buf.seek(0)
                t1 = time.perf_counter()
                again = run_import("enterprises", buf, "bench.xlsx", actor=admin)
                reimport_s = time.perf_counter() - t1
                reimport_unchanged = again.unchanged
                if AuditEntry.objects.count() - audit_before != audits:
                    raise SystemExit("re-import wrote audit entries")
            transaction.set_rollback(True)
    seconds = statistics.median(runs)
    base_s = statistics.median(base_runs)
    rows_per_s = n / seconds
    baseline_rows_per_s = n / base_s
    return {
        "benchmark": "enterprise_import_xlsx",
        "rows": n,
        "file_bytes": size,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows_per_s, 1),
        "baseline_seconds": round(base_s, 3),
        "baseline_rows_per_s": round(baseline_rows_per_s, 1),
        # Each pipeline run is paired with the baseline run just before it (same machine load).
        "ratio": round(statistics.median(b / r for b, r in zip(base_runs, runs, strict=True)), 3),
        "ratio_of_medians": round(rows_per_s / baseline_rows_per_s, 3),
        "target_ratio": 0.3,
        "first_run_stage_starts_s": {k: round(v, 3) for k, v in stages.items()},
        "audit_entries": audits,
        "reimport_seconds": round(reimport_s, 3),
        "reimport_unchanged": reimport_unchanged,
        "samples_seconds": [round(x, 3) for x in runs],
        "baseline_samples_seconds": [round(x, 3) for x in base_runs],
        "database": connection.vendor,
        "database_version": ".".join(str(x) for x in connection.get_database_version()),
    }


if __name__ == "__main__":
    main()
