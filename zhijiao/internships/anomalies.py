"""Anomaly flags for faked evidence (internships.md §13): flagged for mentors, never punished.

- ANOM-SAME-COORD: the same coordinates (to 1e-6°) on every clock-in of the window;
- ANOM-FAR: check-ins more than R km (default 3) from the post's workplace;
- ANOM-CLOCKWORK: clock-in times with (almost) no spread — scripts run by cron at 08:28:00;
- ANOM-DUP-TEXT: near-duplicate report texts across different students (64-bit simhash of character
  trigrams, Hamming distance ≤ 8; candidates found by splitting the hash into 9 bands, so any pair
  within the distance shares a band).

Thresholds: ``INTERNSHIP_ANOMALY_WINDOW_DAYS`` (7), ``INTERNSHIP_ANOMALY_MIN_CHECKINS`` (5),
``INTERNSHIP_GEOFENCE_KM`` (3), ``INTERNSHIP_CLOCKWORK_SECONDS`` (30), ``INTERNSHIP_DUP_TEXT_BITS`` (8).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict

from django.conf import settings
from django.db import connection
from django.db.models import Avg, Count, F, FloatField, Q
from django.db.models.functions import Cast, ExtractHour, ExtractMinute, ExtractSecond
from django.utils import timezone

from .models import CheckIn, Report


def _conf(name: str, default):
    return getattr(settings, name, default)


def text_fingerprint(text: str) -> int:
    """64-bit simhash of character trigrams (whitespace and punctuation ignored), as a signed bigint."""
    chars = [c for c in (text or "") if c.isalnum()]
    grams = ["".join(chars[i : i + 3]) for i in range(max(1, len(chars) - 2))]
    weights = [0] * 64
    for gram in grams:
        h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
        for bit in range(64):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(64) if weights[bit] > 0)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    return bin((a ^ b) & ((1 << 64) - 1)).count("1")


def _window(today: dt.date):
    days = _conf("INTERNSHIP_ANOMALY_WINDOW_DAYS", 7)
    return dt.datetime.combine(
        today - dt.timedelta(days=days), dt.time.min, tzinfo=timezone.get_current_timezone()
    )


def same_coordinates(today: dt.date) -> set[int]:
    minimum = _conf("INTERNSHIP_ANOMALY_MIN_CHECKINS", 5)
    rows = (
        CheckIn.objects.filter(kind="START", occurred_at__gte=_window(today))
        .values("placement_id")
        .annotate(n=Count("id"), lat=Count("latitude", distinct=True), lng=Count("longitude", distinct=True))
        .filter(n__gte=minimum, lat=1, lng=1)
    )
    return {r["placement_id"] for r in rows}


def far_from_workplace(today: dt.date) -> set[int]:
    metres = int(float(_conf("INTERNSHIP_GEOFENCE_KM", 3)) * 1000)
    rows = (
        CheckIn.objects.filter(occurred_at__gte=_window(today), distance_m__gt=metres)
        .values("placement_id")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
    )
    return {r["placement_id"] for r in rows}


def clockwork_times(today: dt.date) -> set[int]:
    minimum = _conf("INTERNSHIP_ANOMALY_MIN_CHECKINS", 5)
    spread = float(_conf("INTERNSHIP_CLOCKWORK_SECONDS", 30))
    tz = timezone.get_current_timezone()
    seconds = Cast(
        ExtractHour("occurred_at", tzinfo=tz) * 3600
        + ExtractMinute("occurred_at", tzinfo=tz) * 60
        + ExtractSecond("occurred_at", tzinfo=tz),
        FloatField(),
    )
    rows = (
        CheckIn.objects.filter(kind="START", occurred_at__gte=_window(today))
        .annotate(sec=seconds)
        .values("placement_id")
        .annotate(n=Count("id"), mean=Avg("sec"), mean_sq=Avg(F("sec") * F("sec")))
        .filter(n__gte=minimum)
    )
    return {r["placement_id"] for r in rows if max(0.0, r["mean_sq"] - r["mean"] ** 2) <= spread**2}


def duplicate_reports(today: dt.date) -> set[int]:
    """Placements whose recent report nearly equals another student's."""
    bits = _conf("INTERNSHIP_DUP_TEXT_BITS", 8)
    bands = bits + 1
    width = 64 // bands
    rows = list(
        Report.objects.filter(submitted_at__gte=_window(today), fingerprint__isnull=False)
        .filter(~Q(content=""))
        .values_list("placement_id", "placement__enrolment__student_id", "fingerprint")
    )
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for i, (_pid, _sid, fp) in enumerate(rows):
        for band in range(bands):
            size = width if band < bands - 1 else 64 - width * (bands - 1)
            buckets[(band, (fp >> (width * band)) & ((1 << size) - 1))].append(i)
    flagged: set[int] = set()
    for members in buckets.values():
        if len(members) < 2 or len(members) > 2000:  # a degenerate bucket (empty texts): skip, bounded work
            continue
        for x in range(len(members)):
            for y in range(x + 1, len(members)):
                a, b = rows[members[x]], rows[members[y]]
                if a[1] != b[1] and hamming(a[2], b[2]) <= bits:
                    flagged.update((a[0], b[0]))
    return flagged


DETECTORS = {
    "ANOM-SAME-COORD": same_coordinates,
    "ANOM-FAR": far_from_workplace,
    "ANOM-CLOCKWORK": clockwork_times,
    "ANOM-DUP-TEXT": duplicate_reports,
}


def fill_anomalies(*, table: str, today: dt.date, skip: tuple[str, ...] = ()) -> list[str]:
    """Add (placement, ANOM-*, info) rows to the sweep's temp table; returns the rule ids swept.

    ``skip``: detectors already computed by the PostgreSQL single pass (``sweep.ANOMALY_CONDITIONS``).
    """
    from .models import Placement

    rows = []
    for rule_id, detect in DETECTORS.items():
        if rule_id not in skip:
            rows += [(pid, rule_id, "info") for pid in detect(today)]
    if rows:
        live = set(
            Placement.objects.filter(pk__in={r[0] for r in rows}, status="active").values_list(
                "pk", flat=True
            )
        )
        rows = [r for r in rows if r[0] in live]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (placement_id, rule_id, severity) VALUES (%s, %s, %s)", rows
            )
    return list(DETECTORS)
