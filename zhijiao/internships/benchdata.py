"""Bulk fixtures for the internship benchmarks (bench/bench_*.py): PostgreSQL only, written with COPY.

Not a service: it fills a throwaway benchmark database with registry and internship rows at
province scale (350,000 active placements) in a minute or two. Columns not given take the model
field's default, so the builder follows model changes of other apps.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, models
from django.utils import timezone

CITY_CODES = [
    "3701",
    "3702",
    "3703",
    "3704",
    "3705",
    "3706",
    "3707",
    "3708",
    "3709",
    "3710",
    "3711",
    "3713",
    "3714",
    "3715",
    "3716",
    "3717",
]


def _default(f, now):
    if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
        return now
    if f.has_default():
        return f.get_default()
    if f.null:
        return None
    if isinstance(f, (models.CharField, models.TextField, models.FileField)):
        return ""
    return None


def copy_rows(model, rows, *, with_pk: bool = True) -> int:
    """COPY dict rows into ``model``'s table; missing columns take field defaults. Returns the row count."""
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    defaults = {f.attname: _default(f, now) for f in fields}
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]
    n = 0
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for row in rows:
            values = []
            for name in names:
                value = row.get(name, defaults[name])
                if name in json_fields and value is not None:
                    value = json.dumps(value, ensure_ascii=False)
                values.append(value)
            copy.write_row(values)
            n += 1
    return n


def reset_sequences(*models_) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT max(id) FROM {table}), 1))"
            )


@dataclass
class Base:
    province_admin: object
    institutions: list
    offerings: dict
    plans: dict
    enterprises: list
    posts: dict  # enterprise id -> [post ids]
    post_coords: dict = field(default_factory=dict)
    users: list = field(default_factory=list)  # (user id, token key) of students who check in
    next_id: int = 1


def build_base(*, schools: int = 400, enterprises: int = 3500, seed: int = 7) -> Base:
    """Regions, schools with one offered major and a filed plan each, enterprises with two posts each."""
    from zhijiao.accounts.choices import Role
    from zhijiao.core.testing import make_uscc, make_user, region
    from zhijiao.enterprises.models import Enterprise
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.majors.testing import catalogue_major
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.orgs.models import Institution

    from .models import InternshipPlan, Post

    rng = random.Random(seed)
    province = region("370000", "山东省", RegionLevel.PROVINCE)
    counties = []
    for code in CITY_CODES:
        city = region(code + "00", f"市{code}", RegionLevel.CITY, province)
        counties.append(region(code + "02", f"区{code}", RegionLevel.COUNTY, city))
    admin = make_user("bench_province", Role.PROVINCE_ADMIN, node=province)
    major = catalogue_major()
    category = major.major_class.category
    insts = Institution.objects.bulk_create(
        [
            Institution(name=f"基准职业学校{i:04d}", kind="secondary", region=counties[i % len(counties)])
            for i in range(schools)
        ]
    )
    offerings = {
        o.institution_id: o
        for o in InstitutionMajor.objects.bulk_create(
            [InstitutionMajor(institution=i, major=major, start_year=2020) for i in insts]
        )
    }
    today = timezone.localdate()
    plans = {
        p.institution_id: p
        for p in InternshipPlan.objects.bulk_create(
            [
                InternshipPlan(
                    institution=i,
                    offering=offerings[i.pk],
                    title=f"岗位实习方案{i.pk}",
                    kind="post",
                    cohort_year=2024,
                    start_date=today - dt.timedelta(days=60),
                    end_date=today + dt.timedelta(days=200),
                    filing_status="filed",
                )
                for i in insts
            ]
        )
    }
    ents = Enterprise.objects.bulk_create(
        [
            Enterprise(
                name=f"基准企业{i:05d}有限公司",
                credit_code=make_uscc(i + 1),
                industry="C",
                region=counties[i % len(counties)],
                headcount=600 if rng.random() < 0.05 else rng.randint(1100, 1600),
            )
            for i in range(enterprises)
        ]
    )
    post_rows = []
    for e in ents:
        for k in range(2):
            post_rows.append(
                Post(
                    enterprise=e,
                    name=f"岗位{k}",
                    major_category=category,
                    on_duty_staff=300 if rng.random() > 0.03 else 150,
                    wage_standard=Decimal(4000),
                    lowest_grade_wage=Decimal(3000),
                    latitude=Decimal("36.6") + Decimal(rng.randint(0, 99999)) / 100000,
                    longitude=Decimal("117.0") + Decimal(rng.randint(0, 99999)) / 100000,
                    shift_start=dt.time(20) if rng.random() < 0.01 else dt.time(8, 30),
                    shift_end=dt.time(4) if rng.random() < 0.01 else dt.time(17, 30),
                )
            )
    posts_made = Post.objects.bulk_create(post_rows)
    posts: dict[int, list[int]] = {}
    coords = {}
    for p in posts_made:
        posts.setdefault(p.enterprise_id, []).append(p.pk)
        coords[p.pk] = (p.latitude, p.longitude)
    return Base(admin, insts, offerings, plans, ents, posts, coords)


def _vet_and_train(base: Base, ids, start: dt.date) -> None:
    """Each school's approved assessment of each host it places at (教职成〔2021〕4号第七条) and every
    placement's safety training before the start (第三十一条): compliant, or the sweep blocks them all."""
    from .models import HostAssessment, Placement, PlacementSafety
    from .models.vetting import ASSESSMENT_ITEMS

    pairs = set(
        Placement.objects.filter(pk__in=list(ids)).values_list("institution_id", "enterprise_id").distinct()
    ) - set(HostAssessment.objects.values_list("institution_id", "enterprise_id"))
    before = start - dt.timedelta(days=30)
    scores = {f"{key}_score": 85 for key, _label in ASSESSMENT_ITEMS}
    copy_rows(
        HostAssessment,
        (
            {
                "institution_id": inst,
                "enterprise_id": ent,
                "assessed_on": before,
                "assessors": "实习管理办公室",
                **scores,
                "conclusion": "符合接收学生实习条件。",
                "report_file": "internships/vetting/bench-report.pdf",
                "status": "approved",
                "decision_reference": "校党委会 示例",
                "created_by_id": base.province_admin.pk,
            }
            for inst, ent in sorted(pairs)
        ),
        with_pk=False,
    )
    trained = start - dt.timedelta(days=2)
    copy_rows(
        PlacementSafety,
        ({"placement_id": i, "training_on": trained, "test_passed_on": trained} for i in ids),
        with_pk=False,
    )


def add_placements(base: Base, count: int, *, users: int = 0, checkin_days: int = 1, seed: int = 11) -> None:
    """``count`` students, enrolments and active placements with complete documents, COPY'd; the first
    ``users`` students get accounts with API tokens. ``checkin_days`` of START/END check-ins each."""
    from zhijiao.accounts.authentication import hash_key
    from zhijiao.accounts.models import ApiToken, User
    from zhijiao.core.testing import make_resident_id
    from zhijiao.students.models import Enrolment, Student

    from .models import (
        Agreement,
        CheckIn,
        HostAssessment,
        InsurancePolicy,
        MentorAssignment,
        Placement,
        PlacementSafety,
    )

    rng = random.Random(seed + base.next_id)
    first = base.next_id
    ids = range(first, first + count)
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=30), today + dt.timedelta(days=120)
    n_inst, n_ent = len(base.institutions), len(base.enterprises)
    user_ids: dict[int, int] = {}
    if users:
        made = User.objects.bulk_create(
            [User(username=f"bench_stu_{i}", password="!") for i in range(first, first + users)]
        )
        keys = [secrets.token_hex(20) for _ in made]
        expires = timezone.now() + dt.timedelta(days=30)
        ApiToken.objects.bulk_create(
            [
                ApiToken(user=u, name="bench", prefix=k[:8], key_hash=hash_key(k), expires_at=expires)
                for k, u in zip(keys, made, strict=True)
            ]
        )
        for i, u in zip(range(first, first + users), made, strict=True):
            user_ids[i] = u.pk
        base.users += [(u.pk, k) for u, k in zip(made, keys, strict=True)]

    def inst_of(i):
        return base.institutions[i % n_inst]

    copy_rows(
        Student,
        (
            {
                "id": i,
                "name": f"学生{i}",
                "gender": "female" if i % 2 else "male",
                "id_type": "resident_id",
                "id_number": make_resident_id(birth="20060101", order=i % 999 + 1)[:6] + f"{i:011d}" + "X",
                "birth_date": dt.date(2006, 1 + i % 12, 1 + i % 28),
                "current_institution_id": inst_of(i).pk,
                "user_id": user_ids.get(i),
            }
            for i in ids
        ),
    )
    copy_rows(
        Enrolment,
        (
            {
                "id": i,
                "student_id": i,
                "institution_id": inst_of(i).pk,
                "offering_id": base.offerings[inst_of(i).pk].pk,
                "cohort_year": 2024,
                "entry_date": dt.date(2024, 9, 1),
                "status": "registered",
                "is_current": True,
            }
            for i in ids
        ),
    )
    post_of = {}

    def placement(i):
        ent = base.enterprises[rng.randrange(n_ent)]
        post = rng.choice(base.posts[ent.pk])
        post_of[i] = post
        inst = inst_of(i)
        return {
            "id": i,
            "plan_id": base.plans[inst.pk].pk,
            "enrolment_id": i,
            "post_id": post,
            "institution_id": inst.pk,
            "enterprise_id": ent.pk,
            "start_date": start,
            "end_date": end,
            "status": "active",
            "monthly_pay": Decimal(3300) if rng.random() > 0.02 else Decimal(2000),
            "violations": [],
            "activated_at": timezone.now(),
        }

    copy_rows(Placement, (placement(i) for i in ids))
    _vet_and_train(base, ids, start)
    signed = start - dt.timedelta(days=5)
    copy_rows(
        Agreement,
        (
            {
                "placement_id": i,
                "location": "x",
                "content": "x",
                "hours_and_rest": "x",
                "board_lodging": "x",
                "safety_protection": "x",
                "insurance_policy_no": f"P{i}",
                "accident_handling": "x",
                "assessment_method": "x",
                "pay_amount": Decimal(3300),
                "pay_cycle": "x",
                "breach_liability": "x",
                "school_signed_on": signed,
                "host_signed_on": signed,
                "student_signed_on": signed,
                # 知情同意书 (教职成〔2021〕4号): every 岗位实习 needs one, or the sweep blocks it.
                "guardian_consent_on": signed,
                "guardian_consent_file": "agreements/bench-consent.pdf",
                "fee_items": [],
            }
            for i in ids
            if i % 97
        ),
        with_pk=False,
    )
    copy_rows(
        InsurancePolicy,
        (
            {
                "placement_id": i,
                "policy_no": f"P{i}",
                "insurer": "人保",
                "coverage_start": start,
                "coverage_end": end,
            }
            for i in ids
            if i % 89
        ),
        with_pk=False,
    )
    copy_rows(
        MentorAssignment,
        (
            {"placement_id": i, "kind": kind, "name": "导师", "is_current": True}
            for i in ids
            for kind in ("school", "host")
        ),
        with_pk=False,
    )
    tz = timezone.get_current_timezone()
    rows = []
    for back in range(1, checkin_days + 1):
        day = today - dt.timedelta(days=back)
        for i in ids:
            lat, lng = base.post_coords[post_of[i]]
            t0 = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz) + dt.timedelta(
                seconds=rng.randint(0, 3600)
            )
            for kind, when in (("START", t0), ("END", t0 + dt.timedelta(hours=9))):
                rows.append(
                    {
                        "placement_id": i,
                        "institution_id": inst_of(i).pk,
                        "kind": kind,
                        "occurred_at": when,
                        "latitude": lat,
                        "longitude": lng,
                        "client_key": f"b{i}-{day:%m%d}-{kind}",
                        "distance_m": 0,
                        "received_at": when,
                    }
                )
    copy_rows(CheckIn, rows, with_pk=False)
    base.next_id = first + count
    reset_sequences(
        Student,
        Enrolment,
        Placement,
        Agreement,
        InsurancePolicy,
        MentorAssignment,
        CheckIn,
        HostAssessment,
        PlacementSafety,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
