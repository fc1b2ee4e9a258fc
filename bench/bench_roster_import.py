"""Benchmark: import a roster of 100,000 new students through the real pipeline on PostgreSQL.

Measures read (XLSX) + whole-file validation (GB 11643, birth date/gender, duplicates in the file,
at the school and in the province, offered majors) + write (students, enrolments) + one audit
entry per written row, and in the same run a bare PostgreSQL ``COPY`` (psycopg 3
``cursor.copy``) of the same rows into the same two tables (rolled back). Prints JSON.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_stu .venv/bin/python bench/bench_roster_import.py

A throwaway test database (``test_<name>``) is created and dropped by Django's test machinery.
"""

from __future__ import annotations

import argparse
import datetime
import io
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
TARGET = 0.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings.IMPORT_MAX_ROWS = max(settings.IMPORT_MAX_ROWS, args.rows)
    settings.UPLOAD_MAX_BYTES = max(settings.UPLOAD_MAX_BYTES, 200 * 1024 * 1024)
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        print(json.dumps(run(args.rows, args.repeat), ensure_ascii=False, indent=2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def make_world_and_file(n: int, cache: str | None = None):
    """The school, its five offered majors, a school administrator and an XLSX of ``n`` valid rows.

    Returns (admin, school, offerings, file, rows); ``rows`` are the cell values written.
    ``cache``: a path where the generated workbook is kept between runs (profiling only).
    """
    from zhijiao.accounts.choices import Role
    from zhijiao.core.tabular import write_xlsx
    from zhijiao.core.testing import InstitutionFactory, make_user, region
    from zhijiao.core.validators import resident_id_check_char
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.majors.testing import catalogue_major
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.students.importers import StudentImporter

    province = region("370000", "山东省", RegionLevel.PROVINCE)
    city = region("370100", "济南市", RegionLevel.CITY, province)
    county = region("370102", "历下区", RegionLevel.COUNTY, city)
    school = InstitutionFactory(name="基准测试职业学校", region=county)
    majors = [catalogue_major(code=f"7102{i:02d}", name=f"测试专业{i}") for i in range(1, 6)]
    offerings = [
        InstitutionMajor.objects.create(institution=school, major=m, start_year=2020) for m in majors
    ]
    admin = make_user("bench_school", Role.SCHOOL_ADMIN, node=school)

    given = "子涵浩宇欣怡梓轩思远雨桐佳琪俊杰明轩诗涵一诺"
    rows = []
    base = datetime.date(2007, 1, 1)
    for i in range(n):
        birth = base + datetime.timedelta(days=i % 1400)
        order = (i // 1400) % 1000
        division = f"3701{(i // 1_400_000) % 100:02d}"
        body = f"{division}{birth:%Y%m%d}{order:03d}"
        number = body + resident_id_check_char(body)
        male = order % 2 == 1
        name = "王" + given[i % len(given)] + given[(i // 7) % len(given)]
        if i % 1000 == 0:
            name = "欧阳䶮"
        rows.append(
            [
                name,
                "男" if male else "女",
                "",
                number,
                birth.isoformat(),
                majors[i % 5].code,
                2020,
                f"2024级{i % 40 + 1}班",
                3,
                "",
                "2024-09-01",
                "王家长",
                f"138{i:08d}",
                "",
            ]
        )
    numbers = {r[3] for r in rows}
    assert len(numbers) == n, "generated ID numbers must be unique"
    if cache and os.path.exists(cache):
        with open(cache, "rb") as f:
            buf = io.BytesIO(f.read())
    else:
        headers = [c.header() for c in StudentImporter.columns if c.importable and c.key != "institution"]
        buf = io.BytesIO()
        write_xlsx(buf, headers=headers, rows=rows)
        if cache:
            with open(cache, "wb") as f:
                f.write(buf.getvalue())
    buf.seek(0)
    return admin, school, offerings, buf, rows


def _default_columns(model, listed: str) -> list[tuple[str, object]]:
    """The NOT NULL columns of ``model`` beyond ``listed`` with the value the model gives them by default."""
    named = {c.strip() for c in listed.split(",")}
    out = []
    for f in model._meta.concrete_fields:
        if f.column in named or f.null or f.primary_key:
            continue
        out.append((f.column, f.get_default()))
    return out


def run(n: int, repeat: int = 3) -> dict:
    from django.db import connection, transaction
    from django.utils import timezone

    from zhijiao.core.importing import run_import
    from zhijiao.core.models import AuditEntry
    from zhijiao.students.models import Enrolment, Student

    admin, school, offerings, buf, rows = make_world_and_file(n)
    size = len(buf.getvalue())

    # Baseline: COPY the same rows into the same tables (students, then enrolments), rolled back.
    def copy_baseline() -> float:
        now = timezone.now()
        t0 = time.perf_counter()
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence('students_student', 'id')) FROM generate_series(1, %s)",
                    [n],
                )
                ids = [r[0] for r in cursor.fetchall()]
                cols = (
                    "id, created_at, updated_at, name, name_pinyin, gender, id_type, id_number, birth_date, "
                    "current_institution_id, phone, guardian_name, guardian_phone, name_flagged"
                )
                # Columns added since (民族, 户籍, 生源, 资助 …) get their model defaults, as the pipeline writes them.
                extra_student = _default_columns(Student, cols)
                cols += "".join(f", {c}" for c, _v in extra_student)
                with cursor.cursor.copy(f"COPY students_student ({cols}) FROM STDIN") as copy:
                    for pk, r in zip(ids, rows, strict=True):
                        copy.write_row(
                            (
                                pk,
                                now,
                                now,
                                r[0],
                                "",
                                "male" if r[1] == "男" else "female",
                                "resident_id",
                                r[3],
                                r[4],
                                school.pk,
                                "",
                                r[11],
                                r[12],
                                False,
                                *(v for _c, v in extra_student),
                            )
                        )
                cols = (
                    "created_at, updated_at, student_id, institution_id, offering_id, class_name, cohort_year, "
                    "entry_date, study_years, pathway, stage, status, is_current"
                )
                extra_enrolment = _default_columns(Enrolment, cols)
                cols += "".join(f", {c}" for c, _v in extra_enrolment)
                with cursor.cursor.copy(f"COPY students_enrolment ({cols}) FROM STDIN") as copy:
                    for pk, r, i in zip(ids, rows, range(n), strict=True):
                        copy.write_row(
                            (
                                now,
                                now,
                                pk,
                                school.pk,
                                offerings[i % 5].pk,
                                r[7],
                                2024,
                                "2024-09-01",
                                3,
                                "ordinary",
                                "secondary",
                                "pending",
                                True,
                                *(v for _c, v in extra_enrolment),
                            )
                        )
            elapsed = time.perf_counter() - t0
            transaction.set_rollback(True)
        return elapsed

    def vacuum() -> None:
        # Rolled-back runs leave dead rows and index entries behind: every run starts clean.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM students_enrolment, students_student, core_auditentry")

    def pipeline(first: bool) -> tuple[float, dict[str, float], dict]:
        stages: dict[str, float] = {}
        extra: dict = {}
        t0 = time.perf_counter()

        def progress(done, total, stage):
            stages.setdefault(stage, time.perf_counter() - t0)

        with transaction.atomic():
            buf.seek(0)
            result = run_import("students", buf, "roster.xlsx", actor=admin, progress=progress)
            elapsed = time.perf_counter() - t0
            if not result.ok or result.created != n:
                raise SystemExit(f"import failed: {[str(e) for e in result.errors[:5]]}")
            if first:
                extra["students"] = Student.objects.count()
                extra["enrolments"] = Enrolment.objects.count()
                audits = AuditEntry.objects.filter(object_type__in=["students.student", "students.enrolment"])
                extra["audit_entries"] = audits.count()
                # Re-import: every row is now a duplicate at this school; nothing is written.
                buf.seek(0)
                t1 = time.perf_counter()
                again = run_import("students", buf, "roster.xlsx", actor=admin)
                extra["reimport_seconds"] = round(time.perf_counter() - t1, 3)
                extra["reimport_rejected_rows"] = len(again.errors)
                extra["reimport_wrote_nothing"] = (
                    Student.objects.count() == n and audits.count() == extra["audit_entries"]
                )
            transaction.set_rollback(True)
        order = ["reading", "validating", "writing", "done"]
        durations = {
            name: round(stages[nxt] - stages[name], 3)
            for name, nxt in zip(order, order[1:], strict=False)
            if name in stages and nxt in stages
        }
        return elapsed, durations, extra

    import statistics

    copies, runs, ratios, stage_runs, extra = [], [], [], [], {}
    for i in range(repeat):
        vacuum()
        copies.append(copy_baseline())
        vacuum()
        seconds, durations, more = pipeline(first=i == 0)
        runs.append(seconds)
        stage_runs.append(durations)
        extra.update(more)
        ratios.append(copies[-1] / seconds)
    seconds = statistics.median(runs)
    copy_s = statistics.median(copies)
    ratio = statistics.median(ratios)
    stage_seconds = {k: round(statistics.median(d[k] for d in stage_runs), 3) for k in stage_runs[0]}
    return {
        "benchmark": "student_roster_import_xlsx",
        "rows": n,
        "file_bytes": size,
        "seconds": round(seconds, 3),
        "rows_per_s": round(n / seconds, 1),
        "copy_seconds": round(copy_s, 3),
        "copy_rows_per_s": round(n / copy_s, 1),
        "ratio": round(ratio, 3),
        "ratio_of_medians": round(copy_s / seconds, 3),
        "target_ratio": TARGET,
        "meets_target": ratio >= TARGET,
        "stage_seconds": stage_seconds,
        "samples_seconds": [round(x, 3) for x in runs],
        "copy_samples_seconds": [round(x, 3) for x in copies],
        "stage_samples_seconds": stage_runs,
        **extra,
        "database": connection.vendor,
        "database_version": ".".join(str(x) for x in connection.get_database_version()),
    }


if __name__ == "__main__":
    main()
