"""Benchmark: the public /verify/ lookup with 2,000,000 students on PostgreSQL, under load on loopback.

Same-run baseline: a bare Django view on the same gunicorn server doing one indexed SQL lookup.

1. A throwaway database (Django's ``test_<name>``) is migrated; regions, schools, 2M students,
   enrolments, approved graduations and published certificates are loaded with COPY.
2. gunicorn serves the project on a free port on 127.0.0.1 (settings = the project's, plus the bare
   view's URL and a per-client lookup limit raised above the load: every request comes from one
   address; the limiter still runs on every request).
3. A load generator (threads, keep-alive HTTP/1.1, bounded in requests and seconds) measures:
   - closed loop, ``--concurrency`` clients: requests/s and latency for the lookup and the bare view;
   - open loop at ``--rate`` requests/s (200): latency p50/p99 measured from each request's
     scheduled start (no coordinated omission).
   Lookups use random existing certificates: the scanned short link ``GET /verify/v/<no>?c=<code>``
   and the form ``POST /verify/`` (number + name, with its CSRF token).
4. The server is stopped normally (SIGTERM) and the lookup log is counted: every lookup answered
   must be in it (``every_lookup_logged``), buffered rows included.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao python bench/bench_verify.py [--students 2000000]

Prints JSON. Requires PostgreSQL (COPY) and gunicorn.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/zhijiao")

SETTINGS_MODULE = """
from config.settings import *  # noqa
ROOT_URLCONF = "bench_verify_urls"
CREDENTIALS_LOOKUP_LIMIT = 10_000_000
LOGGING["root"]["level"] = "ERROR"
"""

URLS_MODULE = """
from django.db import connection
from django.http import HttpResponse
from django.urls import include, path

from config.urls import urlpatterns as project


def bare(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT number, holder_name, status FROM credentials_certificate WHERE verify_code = %s",
            [request.GET.get("c", "")],
        )
        row = cursor.fetchone()
    return HttpResponse(("%s %s %s" % row) if row else "not found", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench-bare/", bare), *project]
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- data --------------------------------------------------------------------------------------------
def load_data(n: int, schools: int) -> list[tuple[str, str, str]]:
    """COPY the registry and the certificates; returns a random sample of (number, name, code)."""
    import datetime

    from django.db import connection

    from zhijiao.core.testing import make_resident_id, region
    from zhijiao.credentials.numbering import iso7064_mod11_2
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.majors.testing import catalogue_major
    from zhijiao.orgs.choices import InstitutionKind, RegionLevel
    from zhijiao.orgs.models import Institution

    province = region("370000", "山东省", RegionLevel.PROVINCE)
    cities = [region(f"37{c:02d}00", f"城市{c}", RegionLevel.CITY, province) for c in range(1, 17)]
    counties = [region(f"{c.code[:4]}02", f"{c.name}区", RegionLevel.COUNTY, c) for c in cities]
    major = catalogue_major()
    insts, offerings = [], []
    for i in range(schools):
        inst = Institution.objects.create(
            name=f"测试职业学校{i:04d}",
            code=f"31370{i:05d}",
            kind=InstitutionKind.SECONDARY_VOCATIONAL,
            region=counties[i % len(counties)],
        )
        insts.append(inst)
        offerings.append(InstitutionMajor.objects.create(institution=inst, major=major, start_year=2020))

    surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
    given = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌宇浩凯健俊帆帅旭宁龙林欣悦"
    rng = random.Random(20260630)
    now = datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC)
    sample_every = max(1, n // 20000)
    sample: list[tuple[str, str, str]] = []
    from zhijiao.credentials.models import Certificate
    from zhijiao.students.models import Enrolment, Graduation, Student

    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")  # no FK triggers during the load
        chunk = 50_000
        for start in range(0, n, chunk):
            students, enrolments, graduations, certificates = [], [], [], []
            for i in range(start, min(n, start + chunk)):
                pk = 1 + i
                school = insts[i % schools]
                name = rng.choice(surnames) + rng.choice(given) + (rng.choice(given) if i % 3 else "")
                birth = datetime.date(2006 + i % 3, 1 + i % 12, 1 + i % 28)
                rid = make_resident_id(division="370102", birth=birth.strftime("%Y%m%d"), order=i % 1000)
                gender = "male" if i % 2 else "female"
                students.append(
                    {
                        "id": pk,
                        "name": name,
                        "gender": gender,
                        "id_type": "resident_id",
                        "id_number": f"{rid[:-4]}{i:010d}",
                        "birth_date": birth,
                        "current_institution_id": school.pk,
                    }
                )
                enrolments.append(
                    {
                        "id": pk,
                        "student_id": pk,
                        "institution_id": school.pk,
                        "offering_id": offerings[i % schools].pk,
                        "class_name": f"2023级{1 + (i // schools) % 20}班",
                        "cohort_year": 2023,
                        "entry_date": datetime.date(2023, 9, 1),
                        "study_years": 3,
                        "status": "graduated",
                        "is_current": True,
                    }
                )
                graduations.append(
                    {
                        "id": pk,
                        "enrolment_id": pk,
                        "outcome": "graduated",
                        "graduation_date": datetime.date(2026, 6, 30),
                        "status": "approved",
                        "credits_complete": True,
                        "approved_at": now,
                    }
                )
                serial = i // schools + 1
                body = f"37{school.code[-5:]}26{serial:05d}"
                number = body + iso7064_mod11_2(body)
                code = base64.b32encode(rng.randbytes(10)).decode()
                certificates.append(
                    {
                        "id": pk,
                        "graduation_id": pk,
                        "institution_id": school.pk,
                        "kind": "graduation",
                        "number": number,
                        "number_rule": "provincial",
                        "verify_code": code,
                        "issue_date": datetime.date(2026, 7, 1),
                        "principal_name": "王建国",
                        "status": "issued",
                        "is_current": True,
                        "published_at": now,
                        "holder_name": name,
                        "holder_gender": gender,
                        "holder_birth_date": birth,
                        "institution_code": school.code,
                        "institution_name": school.name,
                        "major_code": major.code,
                        "major_name": major.name,
                        "level": "secondary",
                        "study_years": 3,
                        "entry_date": datetime.date(2023, 9, 1),
                        "graduation_date": datetime.date(2026, 6, 30),
                        "class_name": "2023级",
                    }
                )
                if i % sample_every == 0:
                    sample.append((number, name, code))
            for model, rows in (
                (Student, students),
                (Enrolment, enrolments),
                (Graduation, graduations),
                (Certificate, certificates),
            ):
                copy_model(cursor, model, rows, now)
        cursor.execute("SET session_replication_role = DEFAULT")
        for model in (Student, Enrolment, Graduation, Certificate):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
            cursor.execute(f"ANALYZE {table}")
    rng.shuffle(sample)
    return sample


def copy_model(cursor, model, rows: list[dict], now) -> None:
    """COPY rows (attname → value) into ``model``'s table; every other column gets the field's default,
    so fields the owning app adds later do not break the load."""
    from django.db import models as m
    from psycopg.types.json import Jsonb

    fields = model._meta.concrete_fields
    fill = {}
    for f in fields:
        if isinstance(f, m.DateTimeField) and (f.auto_now or f.auto_now_add):
            fill[f.attname] = now
        elif f.has_default():
            fill[f.attname] = f.get_default()
        elif f.null:
            fill[f.attname] = None
        elif f.empty_strings_allowed:  # text, and file fields (a photo the registry added later)
            fill[f.attname] = ""
        else:
            fill[f.attname] = None
    json_fields = {f.attname for f in fields if isinstance(f, m.JSONField)}
    columns = ", ".join(f'"{f.column}"' for f in fields)
    with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
        for row in rows:
            values = []
            for f in fields:
                value = row.get(f.attname, fill[f.attname])
                if f.attname in json_fields and value is not None:
                    value = Jsonb(value)
                values.append(value)
            copy.write_row(values)


# --- load generator ----------------------------------------------------------------------------------
class Client:
    """One keep-alive connection; for the form it keeps the CSRF cookie and token."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = ""
        self.token = ""

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict | None = None
    ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                cookie = response.getheader("Set-Cookie")
                if cookie and "csrftoken=" in cookie:
                    self.cookie = cookie.split(";", 1)[0]
                return response.status, data
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def prepare_form(self) -> None:
        _status, body = self.request("GET", "/verify/")
        self.token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()


def make_request(kind: str, item: tuple[str, str, str]):
    number, name, code = item
    if kind == "link":
        return "GET", f"/verify/v/{number}?c={code}", None, {}, b'data-result="valid"'
    if kind == "bare":
        return "GET", f"/bench-bare/?c={code}", None, {}, number.encode()
    raise ValueError(kind)


def form_request(client: Client, item):
    number, name, _code = item
    body = urlencode({"csrfmiddlewaretoken": client.token, "form": "number", "number": number, "name": name})
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{client.port}/verify/",
    }
    return "POST", "/verify/", body, headers, b'data-result="valid"'


def one(client: Client, kind: str, item) -> bool:
    if kind == "form":
        method, path, body, headers, expect = form_request(client, item)
    else:
        method, path, body, headers, expect = make_request(kind, item)
    status, data = client.request(method, path, body, headers)
    return status == 200 and expect in data


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


def closed_loop(port: int, kind: str, sample, *, concurrency: int, seconds: float, max_requests: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    counter = iter(range(max_requests))

    def worker(seed: int):
        client = Client(port)
        if kind == "form":
            client.prepare_form()
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            item = sample[rng.randrange(len(sample))]
            t0 = time.perf_counter()
            ok = one(client, kind, item)
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return summary(latencies, errors[0], wall)


def open_loop(port: int, kind: str, sample, *, rate: float, seconds: float, pool: int) -> dict:
    """Requests start on a fixed schedule; latency counts from the scheduled start."""
    total = int(rate * seconds)
    start = time.perf_counter() + 0.2
    schedule = iter(range(total))
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()

    def worker(seed: int):
        client = Client(port)
        if kind == "form":
            client.prepare_form()
        rng = random.Random(seed)
        while True:
            with lock:
                i = next(schedule, None)
            if i is None:
                return
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            ok = one(client, kind, sample[rng.randrange(len(sample))])
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed)
                if not ok:
                    errors[0] += 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(pool)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    result = summary(latencies, errors[0], wall)
    del result["_latencies"]
    result["target_rate"] = rate
    return result


def merge(total: dict, part: dict) -> None:
    total.setdefault("_latencies", []).extend(part.pop("_latencies"))
    total["errors"] = total.get("errors", 0) + part["errors"]
    total["seconds"] = round(total.get("seconds", 0) + part["seconds"], 2)


def finish(total: dict) -> None:
    latencies = total.pop("_latencies")
    total.update(summary(latencies, total["errors"], total["seconds"]))
    del total["_latencies"]


def summary(latencies: list[float], errors: int, wall: float) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "_latencies": latencies,
        "requests": len(ms),
        "errors": errors,
        "seconds": round(wall, 2),
        "requests_per_second": round(len(ms) / wall, 1) if wall else 0,
        "p50_ms": round(statistics.median(ms), 2) if ms else None,
        "p99_ms": round(percentile(ms, 99), 2) if ms else None,
        "max_ms": round(max(ms), 2) if ms else None,
    }


def wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=2_000_000)
    parser.add_argument("--schools", type=int, default=400)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 2) + 1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20, help="per closed-loop phase")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per closed-loop phase")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--rate-seconds", type=float, default=20)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument(
        "--redis-url",
        default="",
        help="the shared cache for the rate-limit counters, as in production (REDIS_URL); "
        "default: each worker's memory cache",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        sys.exit("bench_verify needs PostgreSQL: set DATABASE_URL=postgres://…")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False
    )
    server = None
    tmp = Path(tempfile.mkdtemp(prefix="bench-verify-"))
    try:
        t0 = time.perf_counter()
        from zhijiao.credentials.models import Certificate

        if args.keepdb and Certificate.objects.count() >= args.students:
            sample = [
                (c.number, c.holder_name, c.verify_code)
                for c in Certificate.objects.order_by("?").only("number", "holder_name", "verify_code")[
                    :20000
                ]
            ]
        else:
            sample = load_data(args.students, args.schools)
        load_seconds = time.perf_counter() - t0
        from zhijiao.credentials.models import LookupLog

        logged_before = LookupLog.objects.count()  # --keepdb: rows of earlier runs
        connection.close()

        (tmp / "bench_verify_settings.py").write_text(textwrap.dedent(SETTINGS_MODULE))
        (tmp / "bench_verify_urls.py").write_text(textwrap.dedent(URLS_MODULE))
        port = free_port()
        db = connection.settings_dict
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="bench_verify_settings",
            DJANGO_SECRET_KEY="bench-only-secret",
            DJANGO_DEBUG="0",
            DATABASE_URL=f"postgres://{db['USER']}:{quote(db.get('PASSWORD') or '')}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{test_name}",
            PYTHONPATH=f"{tmp}{os.pathsep}{ROOT}",
            DATABASE_CONN_MAX_AGE="600",
        )
        env.pop("REDIS_URL", None)
        if args.redis_url:
            env["REDIS_URL"] = args.redis_url
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "gthread",
                "--threads",
                str(args.threads),
                "--keep-alive",
                "30",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        wait_for(port)
        # Warm every worker's connection and caches.
        warm = closed_loop(port, "link", sample, concurrency=args.concurrency, seconds=3, max_requests=2000)
        closed_loop(port, "bare", sample, concurrency=args.concurrency, seconds=2, max_requests=2000)
        # Closed loop: the three kinds alternate in short rounds so load from other processes on
        # the machine falls on each alike; the rounds of one kind are added up.
        phases = {}
        rounds = 4
        for _round in range(rounds):
            for kind in ("bare", "link", "form"):
                part = closed_loop(
                    port,
                    kind,
                    sample,
                    concurrency=args.concurrency,
                    seconds=args.seconds / rounds,
                    max_requests=args.max_requests // rounds,
                )
                merge(phases.setdefault(f"closed_{kind}", {}), part)
        for phase in phases.values():
            finish(phase)
        for kind in ("link", "form", "bare"):
            phases[f"open_{kind}"] = open_loop(
                port,
                kind,
                sample,
                rate=args.rate,
                seconds=args.rate_seconds,
                pool=max(32, int(args.rate // 4)),
            )
        # Every lookup answered must be in the log once the server has stopped normally (the
        # workers write their buffered rows on exit).
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        server = None
        connection.connect()
        logged = LookupLog.objects.count() - logged_before
        sent = len(warm["_latencies"]) + sum(
            phases[f"{loop}_{kind}"]["requests"] for loop in ("closed", "open") for kind in ("link", "form")
        )
        bare_rps = phases["closed_bare"]["requests_per_second"]
        result = {
            "benchmark": "verify",
            "students": args.students,
            "certificates": Certificate.objects.count(),
            "load_seconds": round(load_seconds, 1),
            "server": f"gunicorn gthread {args.workers} workers x {args.threads} threads on 127.0.0.1",
            "rate_limit_store": "redis" if args.redis_url else "per-worker memory cache",
            "cpus": os.cpu_count(),
            "concurrency": args.concurrency,
            "phases": phases,
            "ratio_link": round(phases["closed_link"]["requests_per_second"] / bare_rps, 3),
            "ratio_form": round(phases["closed_form"]["requests_per_second"] / bare_rps, 3),
            "p99_ms_at_rate_link": phases["open_link"]["p99_ms"],
            "p99_ms_at_rate_form": phases["open_form"]["p99_ms"],
            "lookups_sent": sent,
            "lookups_logged": logged,
            "every_lookup_logged": logged == sent,
            "targets": {"ratio": 0.6, "p99_ms": 50, "rate": args.rate},
        }
        print(json.dumps(result, ensure_ascii=False, indent=2))
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    main()
