"""Benchmark: print 10,000 certificates through the real path vs a bare render of the same template.

Real path: read the issued certificates from the database (scoped selector), build each page
(the QR images were drawn at issue), render with WeasyPrint in batches of ``--batch`` pages per
PDF, record the print (counter + one audit entry per certificate). Bare baseline, same run: the
same template and the same page data already in memory — no database, no signing, no audit.
Issuing (numbering + Ed25519 signing + drawing both QR codes) is timed separately.

    DJANGO_SETTINGS_MODULE=config.settings_test [DATABASE_URL=postgres://…] python bench/bench_certificate_print.py

A throwaway test database (``test_<name>``) is created and dropped. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--certificates", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=250, help="pages per PDF document")
    parser.add_argument("--keepdb", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    settings.CREDENTIALS_KEY_DIR = Path(tempfile.mkdtemp(prefix="bench-keys-"))
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False)
    try:
        result = run(args.certificates, args.batch)
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def make_graduations(n: int):
    """Rows the students app would hold: bulk-created fixtures (the registry is not what is measured)."""
    from zhijiao.accounts.choices import Role
    from zhijiao.core.testing import InstitutionFactory, make_resident_id, make_user, region
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.majors.testing import catalogue_major
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.students.models import Enrolment, Graduation, Student

    province = region("370000", "山东省", RegionLevel.PROVINCE)
    city = region("370100", "济南市", RegionLevel.CITY, province)
    county = region("370102", "历下区", RegionLevel.COUNTY, city)
    school = InstitutionFactory(name="济南第一职业中专", code="3137000001", region=county)
    offering = InstitutionMajor.objects.create(institution=school, major=catalogue_major(), start_year=2020)
    user = make_user("bench_school", Role.SCHOOL_ADMIN, node=school)
    rare = ["欧阳䶮", "赵孟𫖯", "王𪚥", "李龘", "张靐"]
    students = Student.objects.bulk_create(
        [
            Student(
                name=rare[i % 5] + str(i % 97) if i % 50 == 0 else f"学生{i:05d}",
                gender="male" if i % 2 else "female",
                id_number=make_resident_id(birth=f"2008{1 + i % 12:02d}{1 + i % 28:02d}", order=i % 1000)
                + f"#{i}",
                birth_date=datetime.date(2008, 1 + i % 12, 1 + i % 28),
                current_institution=school,
            )
            for i in range(n)
        ],
        batch_size=2000,
    )
    enrolments = Enrolment.objects.bulk_create(
        [
            Enrolment(
                student=s,
                institution=school,
                offering=offering,
                class_name=f"2023级{1 + i // 50}班",
                cohort_year=2023,
                entry_date=datetime.date(2023, 9, 1),
                study_years=3,
                status="graduated",
            )
            for i, s in enumerate(students)
        ],
        batch_size=2000,
    )
    Graduation.objects.bulk_create(
        [
            Graduation(
                enrolment=e,
                outcome="graduated",
                graduation_date=datetime.date(2026, 6, 30),
                status="approved",
            )
            for e in enrolments
        ],
        batch_size=2000,
    )
    return user


def run(n: int, batch: int) -> dict:
    from django.db import connection

    from zhijiao.core import pdf
    from zhijiao.credentials import printing, selectors, services
    from zhijiao.credentials.models import Certificate

    user = make_graduations(n)
    graduations = list(selectors.graduations_awaiting_certificate(user=user).order_by("pk"))
    t0 = time.perf_counter()
    services.certificates_issue_bulk(actor=user, graduations=graduations, principal_name="李校长")
    issue_seconds = time.perf_counter() - t0
    assert Certificate.objects.count() == n

    pdf.font_config()
    printing.render_pdf(
        [printing.page_context(Certificate.objects.first(), with_photo=False)]
    )  # pre-warm fonts

    # Real path (database → pages → PDF → record the print) and the bare baseline (the same template
    # and page data already in memory) alternate batch by batch, so load from other processes on
    # the machine falls on both alike.
    ids = list(Certificate.objects.order_by("number").values_list("pk", flat=True))
    contexts = {c.pk: printing.page_context(c, with_photo=False) for c in Certificate.objects.all()}
    real_seconds = bare_seconds = 0.0
    pages_real = 0
    sizes = []
    for start in range(0, n, batch):
        batch_ids = ids[start : start + batch]
        t0 = time.perf_counter()
        chunk = list(selectors.certificate_print_list(user=user).filter(pk__in=batch_ids).order_by("number"))
        services.printable(chunk)
        pdf = printing.certificates_pdf(chunk)
        services.certificates_record_print(actor=user, certificates=chunk)
        real_seconds += time.perf_counter() - t0
        sizes.append(len(pdf))
        pages_real += len(chunk)
        bare_pages = [contexts[pk] for pk in batch_ids]
        t0 = time.perf_counter()
        printing.render_pdf(bare_pages)
        bare_seconds += time.perf_counter() - t0

    real_rate = pages_real / real_seconds
    bare_rate = n / bare_seconds
    return {
        "benchmark": "certificate_print",
        "database": connection.vendor,
        "certificates": n,
        "pages_per_pdf": batch,
        "issue_seconds": round(issue_seconds, 2),
        "issued_per_second": round(n / issue_seconds, 1),
        "print_seconds": round(real_seconds, 2),
        "certificates_per_second": round(real_rate, 1),
        "bare_render_seconds": round(bare_seconds, 2),
        "bare_certificates_per_second": round(bare_rate, 1),
        "ratio": round(real_rate / bare_rate, 3),
        "target_ratio": 0.7,
        "mean_pdf_bytes_per_page": int(sum(sizes) / pages_real),
    }


if __name__ == "__main__":
    main()
