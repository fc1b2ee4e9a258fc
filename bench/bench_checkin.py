"""Benchmark: check-in ingestion over HTTP on PostgreSQL with 350,000 active placements.

A gunicorn server on 127.0.0.1 (``--workers``, sync) serves the real endpoint ``POST /api/v1/checkins/``
(the check-in throttle, validation, then on PostgreSQL one prepared ``INSERT … SELECT … ON CONFLICT
(client_key) DO NOTHING`` that checks the token and its account, finds the student's active placement,
checks its dates and computes the distance; a resent key is answered by the DRF view)
and, in the same run, a bare endpoint that inserts the same row with no auth and no checks
(``POST /api/bench-bare-checkin/``, body carries the placement id; its statement is not prepared). A load generator in a
separate process (asyncio, ``--concurrency`` connections, at most ``--requests`` requests and
``--seconds`` seconds per phase, loopback only) posts check-ins of ``--users`` students; 5 % of the
real requests resend an earlier client key. Afterwards every acknowledged key must be stored
exactly once (zero lost, zero duplicated). Target: ≥ 500 check-ins/s and ratio ≥ 0.6 to the bare one.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/zhijiao_int python bench/bench_checkin.py

Rows are COPY'd into a throwaway test database (``test_<name>``), dropped at the end. Prints JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

SETTINGS = """
from config.settings import *  # noqa
ROOT_URLCONF = "bench_checkin_urls"
DATABASES["default"]["NAME"] = {db!r}
DATABASES["default"]["CONN_MAX_AGE"] = 600
ALLOWED_HOSTS = ["127.0.0.1"]
"""
URLS = """
import json
from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
import os
from config.urls import urlpatterns as base
if os.environ.get("BENCH_API_FIRST") == "1":  # the proposed config/urls.py order: /api/v1/ resolved first
    base = [p for p in base if str(p.pattern) == "api/v1/"] + [p for p in base if str(p.pattern) != "api/v1/"]

SQL = ("INSERT INTO internships_checkin (placement_id, institution_id, kind, occurred_at, received_at, latitude,"
       " longitude, accuracy_m, address, client_key, distance_m) SELECT %s, p.institution_id, %s, %s, %s, %s, %s, %s,"
       " %s, %s, %s FROM internships_placement p WHERE p.id = %s"
       " ON CONFLICT (client_key) DO NOTHING RETURNING id")

@csrf_exempt
def bare(request):
    d = json.loads(request.body)
    with connection.cursor() as c:
        c.execute(SQL, [d["placement"], d["kind"], parse_datetime(d["occurred_at"]), timezone.now(), d["latitude"],
                        d["longitude"], d.get("accuracy_m"), "", d["client_key"], None, d["placement"]])
        row = c.fetchone()
    return JsonResponse({"id": row[0] if row else None}, status=201 if row else 200)

urlpatterns = [path("api/bench-bare-checkin/", bare)] + base
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--placements", type=int, default=350_000)
    parser.add_argument("--users", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=20_000, help="per phase")
    parser.add_argument("--seconds", type=float, default=90.0, help="per phase")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument(
        "--api-first",
        action="store_true",
        help="resolve /api/v1/ before the page URLs (a proposed config change)",
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    if connection.vendor != "postgresql":
        sys.exit("bench_checkin needs PostgreSQL (DATABASE_URL=postgres://…)")
    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    test_name = connection.creation.create_test_db(
        verbosity=0, autoclobber=True, keepdb=args.keepdb, serialize=False
    )
    try:
        print(json.dumps(run(args, test_name), ensure_ascii=False, indent=2))
    finally:
        connection.close()
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def run(args, db_name: str) -> dict:
    from django.db import connection

    from zhijiao.internships.benchdata import add_placements, build_base
    from zhijiao.internships.models import CheckIn, Placement

    t = time.perf_counter()
    base = build_base()
    add_placements(base, args.placements, users=args.users, checkin_days=0)
    build_s = time.perf_counter() - t
    placement_of = dict(
        Placement.objects.filter(enrolment__student__user_id__in=[u for u, _k in base.users]).values_list(
            "enrolment__student__user_id", "pk"
        )
    )
    coords = {
        pid: (str(lat), str(lng))
        for pid, lat, lng in Placement.objects.filter(pk__in=placement_of.values()).values_list(
            "pk", "post__latitude", "post__longitude"
        )
    }
    users = [(key, placement_of[uid], *coords[placement_of[uid]]) for uid, key in base.users]
    connection.close()

    tmp = Path(tempfile.mkdtemp(prefix="bench-checkin-"))
    (tmp / "bench_checkin_settings.py").write_text(SETTINGS.format(db=db_name))
    (tmp / "bench_checkin_urls.py").write_text(URLS)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "bench_checkin_settings",
        "DJANGO_DEBUG": "0",
        "BENCH_API_FIRST": "1" if args.api_first else "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "sync",
            "--backlog",
            "512",
            "--log-level",
            "warning",
        ],
        cwd=str(ROOT),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(port)
        results = {}
        for phase in ("warmup_bare", "bare", "warmup_real", "real"):
            real = phase.endswith("real")
            n = 300 if phase.startswith("warmup") else args.requests
            with multiprocessing.get_context("spawn").Pool(1) as pool:
                results[phase] = pool.apply(
                    load, (port, users, real, n, args.seconds, args.concurrency, phase)
                )
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    real, bare = results["real"], results["bare"]
    acked = set(real.pop("acked_keys"))
    bare.pop("acked_keys")
    stored = CheckIn.objects.filter(client_key__startswith="real-real-").values_list("client_key", flat=True)
    stored_list = list(stored)
    stored_set = set(stored_list)
    lost = len(acked - stored_set)
    duplicated = len(stored_list) - len(stored_set)
    return {
        "benchmark": "internship_checkin_ingest",
        "placements": args.placements,
        "users": args.users,
        "server": f"gunicorn sync × {args.workers} on 127.0.0.1",
        "concurrency": args.concurrency,
        "api_urls_first": args.api_first,
        "build_s": round(build_s, 1),
        "real": real,
        "bare": bare,
        "ratio_real_to_bare": round(real["per_s"] / bare["per_s"], 2) if bare["per_s"] else None,
        "acknowledged_unique_keys": len(acked),
        "stored_rows": len(stored_list),
        "lost": lost,
        "duplicated": duplicated,
        "targets": {"per_s": 500, "ratio": 0.6},
    }


def _wait_for(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start")


def load(port, users, real, total, seconds, concurrency, phase) -> dict:
    return asyncio.run(_load(port, users, real, total, seconds, concurrency, phase))


async def _load(port, users, real, total, seconds, concurrency, phase) -> dict:
    import datetime as dt

    rng = random.Random(phase)
    path = "/api/v1/checkins/" if real else "/api/bench-bare-checkin/"
    sent = {"n": 0}
    ok = err = dup_sent = 0
    latencies: list[float] = []
    acked: list[str] = []
    recent: list[tuple[int, str]] = []
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def one(i: int) -> None:
        nonlocal ok, err, dup_sent
        u = i % len(users)
        key, placement, lat, lng = users[u]
        if real and recent and rng.random() < 0.05:
            u, client_key = recent[rng.randrange(len(recent))]
            key, placement, lat, lng = users[u]
            dup_sent += 1
        else:
            client_key = f"{'real' if real else 'bare'}-{phase}-{i}-{secrets.token_hex(4)}"
        body = json.dumps(
            {
                "kind": "START" if i % 2 == 0 else "END",
                "occurred_at": dt.datetime.now(dt.UTC).isoformat(),
                "latitude": lat,
                "longitude": lng,
                "accuracy_m": 20,
                "client_key": client_key,
                "placement": placement,
            }
        ).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n"
        )
        if real:
            head += f"Authorization: Token {key}\r\n"
        t0 = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(head.encode() + b"\r\n" + body)
            await writer.drain()
            data = await reader.read()
            writer.close()
        except OSError as exc:
            err += 1
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
            return
        latencies.append(time.perf_counter() - t0)
        status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/") else 0
        if status in (200, 201):
            ok += 1
            acked.append(client_key)
            if real and len(recent) < 5000:
                recent.append((u, client_key))
        else:
            err += 1
            errors[str(status)] = errors.get(str(status), 0) + 1

    async def worker() -> None:
        while sent["n"] < total and time.perf_counter() < deadline:
            i = sent["n"]
            sent["n"] += 1
            await one(i)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    p = (
        (lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000, 1))
        if latencies
        else (lambda q: None)
    )
    return {
        "requests": sent["n"],
        "ok": ok,
        "errors": err,
        "error_kinds": errors,
        "resent_keys": dup_sent,
        "elapsed_s": round(elapsed, 2),
        "per_s": round(ok / elapsed, 1) if elapsed else 0,
        "p50_ms": p(0.5),
        "p95_ms": p(0.95),
        "acked_keys": acked,
    }


if __name__ == "__main__":
    main()
