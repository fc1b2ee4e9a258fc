"""Benchmark: every list page and list API endpoint at province scale, as the province and as a school.

Data (COPY into a throwaway ``test_<name>`` database; ``--keepdb`` keeps it for the next run):
2,700,000 students with current enrolments in 550 schools (names with realistic surnames, valid
ID numbers), 2,000,000 approved graduations with published certificates, 350,000 active placements
with ``--checkin-days`` (30) days of START/END check-ins, 60,000 alerts, 30,000 status changes and
10,000,000 audit entries.

Every list page (``ObjectListView``) and every list API endpoint is requested in-process through
Django's test client (full middleware, templates, serializers) — plain, page 50, sorted by each
sortable column, and, where the list has a search box, searched by a 1-, 2- and 3-character name
and an ID-number prefix — as province staff and as the administrator of one school (≈ 4,900
students); audit pages as the province auditor (no school may read the audit log).

For each request kind: p50/p95 of ``--repeat`` timed requests, the statements of one captured
request and the share of its time spent in its longest statement. Targets (issue 16): province p95
≤ 1.5 × the school's p95 for the same page; the statement count not growing with the data (the
province's statements no more than the school's: a count is one statement at most, whichever way it
is made); no page spending more than half its time in one statement.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_scale_bench \
    .venv/bin/python bench/bench_lists.py [--keepdb] [--students 2700000] [--repeat 20] [--only students]

Prints a table per page and one JSON object (``--json-out`` also writes it to a file).
"""

from __future__ import annotations

import argparse
import datetime as dt
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

SCHOOLS = 550
SURNAMES = (
    "王王王王王王王李李李李李李李张张张张张张刘刘刘刘刘陈陈陈陈杨杨杨黄黄赵赵吴吴周周徐孙马朱胡郭何高林罗郑梁谢宋唐"
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷"
    "侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧阳"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣悦璇琦瑶"
)
# Searches: a common surname, a frequent two-character name, a three-character name, an ID prefix.
SEARCHES = {"q1": "王", "q2": "王芳", "q3": "李秀英", "qid": "37010220070"}


# --- loading -------------------------------------------------------------------------------------------
def _copy(model, rows, chunk: int = 200_000) -> int:
    from zhijiao.internships.benchdata import copy_rows

    n, batch = 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            n += copy_rows(model, batch, with_pk="id" in batch[0])
            batch = []
    if batch:
        n += copy_rows(model, batch, with_pk="id" in batch[0])
    return n


def rebuild_aggregates() -> None:
    """The COPYs ran with the triggers off (``session_replication_role = replica``): recount every
    aggregate the triggers keep, set-based — each app's nightly ``core.tally_rebuild`` (per-school
    tallies, blocked placements, the dashboard's aggregates), the plans' placement counts and the
    placements' search terms."""
    from django.apps import apps

    from zhijiao.core.tasks import tally_rebuild
    from zhijiao.internships import search, tallies

    for config in apps.get_app_configs():
        for entry in (getattr(config, "beat_schedule", None) or {}).values():
            if entry.get("task") == "core.tally_rebuild":
                tally_rebuild(**entry.get("kwargs", {}))
    tallies.plan_count_rebuild()
    search.backfill()


def load(args) -> dict:
    """Build the province; returns what the measurement needs (users, a school)."""
    from django.db import connection
    from django.utils import timezone

    from zhijiao.accounts.choices import Role
    from zhijiao.core.models import AuditEntry
    from zhijiao.core.testing import make_resident_id, make_user
    from zhijiao.credentials.models import Certificate
    from zhijiao.internships.benchdata import build_base, reset_sequences
    from zhijiao.internships.models import Alert, CheckIn, Placement
    from zhijiao.orgs.models import Region
    from zhijiao.students.models import Enrolment, Graduation, StatusChange, Student

    t0 = time.perf_counter()
    stages = {}
    rng = random.Random(20261205)
    base = build_base(schools=SCHOOLS, enterprises=3500)
    insts = base.institutions
    paths = {r.pk: r.path for r in Region.objects.all()}
    codes = {r.pk: r.code for r in Region.objects.all()}
    inst_path = {i.pk: paths[i.region_id] for i in insts}
    inst_county = {i.pk: codes[i.region_id] for i in insts}
    now = timezone.now()
    n, graduated = args.students, min(args.certificates, args.students)
    placed = min(args.placements, n - graduated)

    def school(i):  # students arrive by school in batches of 1,000 (roster imports)
        return insts[(i // 1000) % len(insts)]

    def name(i):
        r = rng.random()
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if r < 0.62 else "")
        return rng.choice(SURNAMES) + given

    def rid(i):
        day = dt.date(2006, 1, 1) + dt.timedelta(days=i % 1461)
        return make_resident_id(
            division=inst_county[school(i).pk], birth=day.strftime("%Y%m%d"), order=(i // 1461) % 1000
        ), day

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    names: dict[int, str] = {}

    def students():
        for i in range(1, n + 1):
            number, birth = rid(i)
            nm = name(i)
            if i <= graduated or graduated < i <= graduated + placed:
                names[i] = nm
            yield {
                "id": i,
                "name": nm,
                "gender": "female" if i % 2 else "male",
                "id_type": "resident_id",
                "id_number": number,
                "birth_date": birth,
                "registry_number": "G" + number,
                "current_institution_id": school(i).pk,
                "created_at": now - dt.timedelta(minutes=n - i),
            }

    t = time.perf_counter()
    _copy(Student, students())
    stages["students_s"] = round(time.perf_counter() - t, 1)

    def enrolments():
        for i in range(1, n + 1):
            inst = school(i)
            cohort = 2023 if i <= graduated else 2024 + i % 2
            yield {
                "id": i,
                "student_id": i,
                "institution_id": inst.pk,
                "offering_id": base.offerings[inst.pk].pk,
                "class_name": f"{cohort}级{1 + (i // 50) % 20}班",
                "cohort_year": cohort,
                "entry_date": dt.date(cohort, 9, 1),
                "status": "graduated" if i <= graduated else ("suspended" if i % 97 == 0 else "registered"),
                "is_current": True,
            }

    t = time.perf_counter()
    _copy(Enrolment, enrolments())
    stages["enrolments_s"] = round(time.perf_counter() - t, 1)

    grad_day = dt.date(2026, 6, 30)

    def graduations():
        for i in range(1, graduated + 1):
            yield {
                "id": i,
                "enrolment_id": i,
                "outcome": "graduated",
                "graduation_date": grad_day - dt.timedelta(days=365 * (i % 3)),
                "status": "approved",
                "credits_complete": True,
                "approved_at": now,
            }

    def certificates():
        for i in range(1, graduated + 1):
            inst = school(i)
            yield {
                "id": i,
                "graduation_id": i,
                "institution_id": inst.pk,
                "kind": "graduation",
                "number": f"37{inst.pk:05d}{26 - i % 3:02d}{i:08d}",
                "number_rule": "provincial",
                "verify_code": f"{i:016X}",
                "issue_date": grad_day,
                "principal_name": "王建国",
                "status": "issued" if i % 211 else "revoked",
                "is_current": True,
                "published_at": now - dt.timedelta(days=i % 700) if i % 7 else None,
                "holder_name": names.get(i, ""),
                "holder_gender": "female" if i % 2 else "male",
                "institution_code": inst.code or "",
                "institution_name": inst.name,
                "major_code": "710201",
                "major_name": ("计算机应用", "数控技术应用", "会计事务", "护理")[i % 4],
                "level": "secondary",
                "study_years": 3,
                "entry_date": dt.date(2023, 9, 1),
                "graduation_date": grad_day - dt.timedelta(days=365 * (i % 3)),
                "class_name": f"2023级{1 + (i // 50) % 20}班",
            }

    t = time.perf_counter()
    _copy(Graduation, graduations())
    _copy(Certificate, certificates())
    stages["certificates_s"] = round(time.perf_counter() - t, 1)

    today = timezone.localdate()
    first = graduated + 1
    post_of = {}
    school_of = {}

    def placements():
        for i in range(first, first + placed):
            inst = school(i)
            ent = base.enterprises[rng.randrange(len(base.enterprises))]
            post = rng.choice(base.posts[ent.pk])
            post_of[i] = post
            school_of[i] = inst.pk
            start = today - dt.timedelta(days=30 + i % 60)
            yield {
                "id": i,
                "plan_id": base.plans[inst.pk].pk,
                "enrolment_id": i,
                "post_id": post,
                "institution_id": inst.pk,
                "enterprise_id": ent.pk,
                "start_date": start,
                "end_date": start + dt.timedelta(days=150 + i % 40),
                "status": "active",
                "monthly_pay": 3300,
                "violations": [],
                "activated_at": now,
            }

    t = time.perf_counter()
    _copy(Placement, placements())
    stages["placements_s"] = round(time.perf_counter() - t, 1)

    tz = timezone.get_current_timezone()

    def checkins():
        for back in range(args.checkin_days, 0, -1):
            day = today - dt.timedelta(days=back)
            start = dt.datetime.combine(day, dt.time(8, 0), tzinfo=tz)
            for i in range(first, first + placed):
                lat, lng = base.post_coords[post_of[i]]
                t_in = start + dt.timedelta(seconds=(i * 37) % 3600)
                for kind, when in (("START", t_in), ("END", t_in + dt.timedelta(hours=9))):
                    yield {
                        "placement_id": i,
                        "institution_id": school_of[i],
                        "kind": kind,
                        "occurred_at": when,
                        "received_at": when,
                        "latitude": lat,
                        "longitude": lng,
                        "client_key": f"b{i}-{day:%m%d}-{kind}",
                        "distance_m": 0,
                    }

    t = time.perf_counter()
    _copy(CheckIn, checkins(), chunk=500_000)
    stages["checkins_s"] = round(time.perf_counter() - t, 1)

    rules = [
        "INT-AGE-16",
        "INT-HOURS",
        "INT-NIGHT",
        "INT-PAY-MIN",
        "INT-INSURANCE",
        "INT-AGREEMENT",
        "INT-MENTOR",
    ]

    def alerts():
        for k, i in enumerate(range(first, first + placed, max(1, placed // args.alerts))):
            when = now - dt.timedelta(hours=k % 2000)
            yield {
                "placement_id": i,
                "institution_id": school(i).pk,
                "enterprise_id": None,
                "rule_id": rules[k % len(rules)],
                "severity": ("block", "warn", "info")[k % 3],
                "message": "Internship pay below the minimum",
                "first_seen": when,
                "last_seen": when,
                "resolved_at": when + dt.timedelta(days=3) if k % 4 == 0 else None,
                "escalation_level": k % 3,
            }

    kinds = [
        ("suspend", "registered", "suspended"),
        ("resume", "suspended", "registered"),
        ("retain", "registered", "retained"),
        ("withdraw", "registered", "withdrawn"),
    ]

    def changes():
        for k, i in enumerate(range(graduated + 1, n + 1, max(1, (n - graduated) // args.changes))):
            kind, before, after = kinds[k % len(kinds)]
            yield {
                "id": k + 1,
                "student_id": i,
                "enrolment_id": i,
                "institution_id": school(i).pk,
                "kind": kind,
                "status": ("in_review", "approved", "returned")[k % 3],
                "reason": "家庭原因",
                "effective_date": today - dt.timedelta(days=k % 300),
                "from_status": before,
                "to_status": after,
                "created_at": now - dt.timedelta(minutes=k * 7),
            }

    t = time.perf_counter()
    _copy(Alert, alerts())
    _copy(StatusChange, changes())
    stages["alerts_changes_s"] = round(time.perf_counter() - t, 1)

    actions = ["create", "update", "import", "login", "export", "view_sensitive"]

    def audit():
        span = 365 * 24 * 3600
        for k in range(1, args.audit + 1):
            i = 1 + (k * 7919) % n
            inst = school(i)
            action = actions[k % len(actions)]
            when = now - dt.timedelta(seconds=span * (args.audit - k) // args.audit)
            yield {
                "id": k,
                "timestamp": when,
                "actor_name": f"school{inst.pk}_admin" if k % 5 else "province_staff",
                "actor_org": inst.name,
                "request_id": f"{k:032x}",
                "ip_address": "10.0.0.1",
                "action": action,
                "object_type": "students.student" if k % 3 else "credentials.certificate",
                "object_id": str(i),
                "object_repr": names.get(i) or f"学生{i}",
                "scope_path": inst_path[inst.pk],
                "before": None,
                "after": {"name": names.get(i, ""), "status": "registered"}
                if action in ("create", "import")
                else None,
                "message": "",
            }

    t = time.perf_counter()
    _copy(AuditEntry, audit(), chunk=500_000)
    stages["audit_s"] = round(time.perf_counter() - t, 1)

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = DEFAULT")
    reset_sequences(
        Student, Enrolment, Graduation, Certificate, Placement, CheckIn, Alert, StatusChange, AuditEntry
    )
    t = time.perf_counter()
    rebuild_aggregates()
    stages["aggregates_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    stages["vacuum_analyze_s"] = round(time.perf_counter() - t, 1)
    province = Region.objects.get(code="370000")
    target = insts[0]
    make_user("bench_province_staff", Role.PROVINCE_STAFF, node=province)
    make_user("bench_auditor", Role.AUDITOR, node=province)
    make_user("bench_school_admin", Role.SCHOOL_ADMIN, node=target)
    stages["total_s"] = round(time.perf_counter() - t0, 1)
    return stages


# --- measuring -----------------------------------------------------------------------------------------
def list_pages() -> list[tuple[str, str, type]]:
    """(url name, path, view class) of every ObjectListView page."""
    from django.urls import URLPattern, URLResolver, get_resolver

    from zhijiao.core.views.generic import ObjectListView

    found = []

    def walk(patterns, prefix, ns):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or ns)
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "view_class", None)
                route = prefix + str(p.pattern)
                if cls and issubclass(cls, ObjectListView) and "<" not in route:
                    found.append((f"{ns}:{p.name}", "/" + route.lstrip("^").rstrip("$"), cls))

    walk(get_resolver().url_patterns, "", "")
    return found


def api_lists() -> list[tuple[str, str, type]]:
    """(basename, path, viewset) of every list endpoint under /api/v1/."""
    from django.urls import URLResolver, get_resolver

    found = []

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
                continue
            cls = getattr(p.callback, "cls", None)
            actions = getattr(p.callback, "actions", {}) or {}
            route = prefix + str(p.pattern)
            if cls is not None and actions.get("get") == "list" and "<" not in route and "(?P" not in route:
                path = "/" + route.replace("^", "").replace("$", "").replace("\\.(?P<format>[a-z0-9]+)/?", "")
                if path.startswith("/api/v1/") and not path.endswith("\\"):
                    found.append((cls.__name__, path, cls))

    walk(get_resolver().url_patterns, "")
    unique = {}
    for name, path, cls in found:
        unique.setdefault(path, (name, path, cls))
    return sorted(unique.values(), key=lambda r: r[1])


def page_variants(cls) -> list[tuple[str, dict]]:
    table = cls.table_class([])
    variants = [("plain", {}), ("page 50", {"page": 50})]
    for column in table.columns:
        if column.orderable:
            variants.append((f"sort={column.name}", {"sort": column.name}))
    if cls.filterset_class is not None and "q" in cls.filterset_class.base_filters:
        variants += [(f"q={v}", {"q": v}) for v in SEARCHES.values()]
    return variants


def api_variants(cls) -> list[tuple[str, dict]]:
    variants = [("plain", {}), ("page 50", {"page": 50})]
    for name in getattr(cls, "ordering_fields", ()) or ():
        variants.append((f"ordering={name}", {"ordering": name}))
    filterset = getattr(cls, "filterset_class", None)
    if filterset is not None and "q" in filterset.base_filters:
        variants += [(f"q={v}", {"q": v}) for v in SEARCHES.values()]
    return variants


def measure(clients: list, path: str, params: dict, repeat: int) -> list[dict]:
    """Time the same request as each client, interleaved: one round is one request per client, the
    order alternating round by round, so what the machine does meanwhile (other sessions' work, the
    autovacuum) falls on both sides of a ratio alike instead of on whichever side ran second."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for client in clients:
        client.get(path, params)  # warm: caches, the planner's statistics, the buffer pool
    times: list[list[float]] = [[] for _ in clients]
    statuses: list[int | None] = [None for _ in clients]
    order = list(range(len(clients)))
    for round_ in range(repeat):
        for i in order if round_ % 2 == 0 else reversed(order):
            t = time.perf_counter()
            response = clients[i].get(path, params)
            times[i].append(time.perf_counter() - t)
            statuses[i] = response.status_code
    results = []
    for i, client in enumerate(clients):
        with CaptureQueriesContext(connection) as ctx:
            t = time.perf_counter()
            captured_response = client.get(path, params)
            captured = time.perf_counter() - t
        stmt_times = [float(q["time"]) for q in ctx.captured_queries]
        longest = max(stmt_times, default=0.0)
        samples = sorted(times[i])
        results.append(
            {
                "status": statuses[i],
                "rows_shown": rows_shown(captured_response),
                "p50_ms": round(statistics.median(samples) * 1000, 1),
                "p95_ms": round(
                    samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))] * 1000, 1
                ),
                "statements": len(stmt_times),
                "longest_statement_ms": round(longest * 1000, 1),
                "longest_share": round(longest / captured, 2) if captured else 0,
                "longest_sql": max(ctx.captured_queries, key=lambda q: float(q["time"]))["sql"][:300]
                if ctx.captured_queries
                else "",
                # Every statement of the captured request (time in ms, the SQL's start): what the
                # province runs that the school does not shows in a diff of two rows.
                "sql": [f"{float(q['time']) * 1000:.1f} {q['sql'][:160]}" for q in ctx.captured_queries],
            }
        )
    return results


def rows_shown(response) -> int | None:
    """How many rows the answer shows: the API page's results, or the rows of the page's first table
    body. A school whose whole list is shorter than a page renders fewer rows than the province, and
    then the ratio measures the page's length, not the province's size (``summarise`` keeps them apart)."""
    if response.status_code != 200:
        return None
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        data = json.loads(response.content)
        if isinstance(data, dict):
            data = data.get("results", [])
        return len(data) if isinstance(data, list) else None
    html = response.content.decode(errors="replace")
    start = html.find("<tbody")
    if start < 0:
        return 0
    end = html.find("</tbody>", start)
    end = end if end > 0 else len(html)
    rows = html.count("<tr", start, end)
    if rows == 1 and html.count("<td", start, end) == 1 and "colspan=" in html[start:end]:
        return 0  # the one line of an empty table ("nothing matches", core.tablebody)
    return rows


def run_measurements(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    users = get_user_model().objects
    clients = {}
    for key, username in (
        ("province", "bench_province_staff"),
        ("school", "bench_school_admin"),
        ("auditor", "bench_auditor"),
    ):
        client = Client()
        client.force_login(users.get(username=username))
        clients[key] = client

    results = []
    targets = [("page", name, path, cls, page_variants(cls)) for name, path, cls in list_pages()]
    targets += [("api", name, path, cls, api_variants(cls)) for name, path, cls in api_lists()]
    for kind, name, path, _cls, variants in targets:
        if args.only and not any(o in path for o in args.only.split(",")):
            continue
        is_audit = "audit" in path
        for label, params in variants:
            row = {"kind": kind, "list": name, "path": path, "variant": label}
            if is_audit:
                (row["province"],) = measure([clients["auditor"]], path, params, args.repeat)
                row["school"] = None
                row["ratio"] = None
            else:
                row["province"], row["school"] = measure(
                    [clients["province"], clients["school"]], path, params, args.repeat
                )
                row["ratio"] = (
                    round(row["province"]["p95_ms"] / row["school"]["p95_ms"], 2)
                    if row["school"]["p95_ms"]
                    else None
                )
                shorter = _school_page_shorter(row)
                if kind == "api" and shorter:
                    # The same request with the province's page as long as the school's (the API's
                    # ``page_size``): what is left of the ratio is the province's size, not the
                    # page's length. Reported beside the literal ratio, which stays as measured.
                    same = {**params, "page_size": row["school"]["rows_shown"]}
                    province, school = measure(
                        [clients["province"], clients["school"]], path, same, args.repeat
                    )
                    row["equal_length"] = {
                        "page_size": row["school"]["rows_shown"],
                        "province": province,
                        "school": school,
                        "ratio": round(province["p95_ms"] / school["p95_ms"], 2)
                        if school["p95_ms"]
                        else None,
                    }
            results.append(row)
            print_row(row)
    return summarise(results)


def _school_page_shorter(row: dict) -> bool:
    """Both sides answered and the school's page shows fewer rows (but some) than the province's."""
    p, s = row["province"], row["school"]
    return (
        s is not None
        and p["status"] == 200
        and s["status"] == 200
        and bool(s["rows_shown"])
        and p["rows_shown"] is not None
        and s["rows_shown"] < p["rows_shown"]
    )


def print_row(row: dict) -> None:
    p, s = row["province"], row["school"]
    school = (
        f"{s['p95_ms']:8.1f} {s['statements']:4d} {s['rows_shown'] or 0:4d}" if s else "       –    –    –"
    )
    ratio = f"{row['ratio']:5.2f}×" if row["ratio"] is not None else "    – "
    flag = ""
    if row["ratio"] is not None and row["ratio"] > 1.5:
        flag += " RATIO"
    if p["longest_share"] > 0.5:
        flag += " ONE-STATEMENT"
    if p["status"] != 200 or (s and s["status"] != 200):
        flag += f" HTTP {p['status']}/{s['status'] if s else '-'}"
    print(
        f"{row['kind']:4} {row['path'][:34]:34} {row['variant'][:24]:24} {school} {p['p95_ms']:8.1f} {p['statements']:4d}"
        f" {p['rows_shown'] or 0:4d}"
        f" {p['longest_share']:5.2f} {ratio}{flag}",
        flush=True,
    )
    same = row.get("equal_length")
    if same:
        print(
            f"{'':4} {'':34} {'… page_size=' + str(same['page_size']):24} {same['school']['p95_ms']:8.1f}"
            f" {same['school']['statements']:4d} {same['school']['rows_shown'] or 0:4d}"
            f" {same['province']['p95_ms']:8.1f} {same['province']['statements']:4d}"
            f" {same['province']['rows_shown'] or 0:4d} {same['province']['longest_share']:5.2f}"
            + (f" {same['ratio']:5.2f}×" if same["ratio"] is not None else "     –")
            + (" RATIO" if same["ratio"] and same["ratio"] > 1.5 else ""),
            flush=True,
        )


def summarise(results: list[dict]) -> dict:
    ratios = [r["ratio"] for r in results if r["ratio"] is not None]
    over = [r for r in results if r["ratio"] is not None and r["ratio"] > 1.5]
    heavy = [r for r in results if r["province"]["longest_share"] > 0.5]
    grew = [
        r
        for r in results
        if r["school"] is not None and r["province"]["statements"] > r["school"]["statements"]
    ]
    # Over the target with the school's page as long as the province's: a gap of scale. Over it
    # with a shorter school page (the school's whole list is a few rows): the page's length.
    same_rows = [
        r
        for r in over
        if r["school"]["rows_shown"] is not None
        and r["province"]["rows_shown"] is not None
        and r["school"]["rows_shown"] >= r["province"]["rows_shown"]
    ]
    return {
        "requests_measured": len(results),
        "ratio_max": max(ratios, default=None),
        "ratio_median": statistics.median(ratios) if ratios else None,
        "over_1_5": [f"{r['path']} {r['variant']}: {r['ratio']}" for r in over],
        "over_1_5_same_rows": [
            f"{r['path']} {r['variant']}: {r['ratio']} ({r['school']['rows_shown']} rows)" for r in same_rows
        ],
        "over_1_5_school_page_shorter": [
            f"{r['path']} {r['variant']}: {r['ratio']} (school {r['school']['rows_shown']} rows, "
            f"province {r['province']['rows_shown']})"
            for r in over
            if r not in same_rows
        ],
        # The school's page shorter (API): the same request with the province's page as long.
        "school_page_shorter_at_equal_length": [
            f"{r['path']} {r['variant']} page_size={r['equal_length']['page_size']}: "
            f"{r['equal_length']['ratio']} (literal {r['ratio']})"
            for r in results
            if r.get("equal_length")
        ],
        "over_1_5_at_equal_length": [
            f"{r['path']} {r['variant']} page_size={r['equal_length']['page_size']}: {r['equal_length']['ratio']}"
            for r in results
            if r.get("equal_length") and (r["equal_length"]["ratio"] or 0) > 1.5
        ],
        "over_half_in_one_statement": [
            f"{r['path']} {r['variant']}: {r['province']['longest_share']}" for r in heavy
        ],
        "statements_grew": [
            f"{r['path']} {r['variant']}: {r['school']['statements']} → {r['province']['statements']}"
            for r in grew
        ],
        "results": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2_700_000)
    parser.add_argument("--certificates", type=int, default=2_000_000)
    parser.add_argument("--placements", type=int, default=350_000)
    parser.add_argument("--checkin-days", type=int, default=30)
    parser.add_argument("--audit", type=int, default=10_000_000)
    parser.add_argument("--alerts", type=int, default=60_000)
    parser.add_argument("--changes", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the loaded database")
    parser.add_argument("--load-only", action="store_true")
    parser.add_argument(
        "--rebuild-aggregates",
        action="store_true",
        help="recount the maintained aggregates of a kept database loaded before the loader did so",
    )
    parser.add_argument("--only", default="", help="comma-separated path fragments to measure")
    parser.add_argument("--json-out", default="")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        sys.exit("bench_lists needs PostgreSQL (DATABASE_URL=postgres://…)")
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0
    settings.LIST_COUNT_PLAN_SECONDS = 120  # as in use (the test settings plan every count)
    settings.SESSION_LAST_SEEN_SECONDS = 60  # as in use (the test settings write the session per request)
    # The API's per-user rate limit (2,000 requests a minute) is not what is measured: 20 timed
    # requests of each kind, a few milliseconds each, would hit it and time 429 answers instead.
    from rest_framework.throttling import SimpleRateThrottle

    SimpleRateThrottle.THROTTLE_RATES = {scope: "1000000/min" for scope in SimpleRateThrottle.THROTTLE_RATES}
    setup_test_environment()
    # Render templates as in use: the test environment's instrumented render sends a signal on which
    # the test client copies the whole page context, once per template — per cell for a date column
    # (a TemplateColumn) — a cost that grows with the page's rows and that no server pays.
    from django.template import Template
    from django.test.utils import _TestState

    Template._render = _TestState.saved_data.template_render
    old_name = connection.settings_dict["NAME"]
    # The database is DATABASE_URL's own name (not test_<name>): one reusable bench database.
    connection.settings_dict.setdefault("TEST", {})["NAME"] = old_name
    connection.creation.create_test_db(
        verbosity=0, autoclobber=not args.keepdb, keepdb=args.keepdb, serialize=False
    )
    try:
        from zhijiao.students.models import Student

        loaded = Student.objects.exists()
        stages = None
        if not loaded:
            stages = load(args)
            print(json.dumps({"load": stages}), flush=True)
        elif args.rebuild_aggregates:
            t = time.perf_counter()
            rebuild_aggregates()
            print(json.dumps({"aggregates_s": round(time.perf_counter() - t, 1)}), flush=True)
        out = {"database": connection.settings_dict["NAME"], "load": stages}
        if not args.load_only:
            from zhijiao.core.models import AuditEntry
            from zhijiao.credentials.models import Certificate
            from zhijiao.internships.models import CheckIn, Placement

            out["rows"] = {
                "students": Student.objects.count(),
                "certificates": Certificate.objects.count(),
                "placements": Placement.objects.count(),
                "checkins": CheckIn.objects.count(),
                "audit_entries": AuditEntry.objects.count(),
            }
            print(
                f"{'':4} {'path':34} {'variant':24} {'school p95 ms':>8} {'stm':>4} {'rows':>4} {'province p95':>8} {'stm':>4}"
                f" {'rows':>4}"
                f" {'1-stmt':>5} ratio",
                flush=True,
            )
            out.update(run_measurements(args))
        text = json.dumps(out, ensure_ascii=False, indent=2)
        if args.json_out:
            Path(args.json_out).write_text(text)
        print(text)
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    main()
