"""Check-in ingestion (签到), built for throughput: one read of the student's active placement, one
``INSERT … ON CONFLICT (client_key) DO NOTHING``. Idempotent by the client's key: a resubmission
returns the stored row and writes nothing. No audit entry per check-in: the row is itself the
append-only record (who, when, where, received when).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import CheckInKind, PlacementStatus
from .models import CheckIn

CLIENT_KEY = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


@dataclass
class CheckInResult:
    id: int
    placement_id: int
    kind: str
    occurred_at: dt.datetime
    client_key: str
    distance_m: int | None
    created: bool


def _decimal(value, name: str) -> Decimal:
    try:
        d = Decimal(str(value)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError({name: _("Enter a number.")}) from None
    if not d.is_finite():
        raise ValidationError({name: _("Enter a number.")})
    return d


def validate_checkin(
    *, kind: str, occurred_at: dt.datetime, latitude, longitude, accuracy_m, client_key: str, now: dt.datetime
):
    """Impossible coordinates or times, malformed keys: a clear message, nothing written."""
    errors = {}
    if kind not in CheckInKind.values:
        errors["kind"] = _("The kind is START or END.")
    if not isinstance(client_key, str) or not CLIENT_KEY.match(client_key):
        errors["client_key"] = _("The client key has 8 to 64 letters, digits or - _ . :")
    lat, lng = _decimal(latitude, "latitude"), _decimal(longitude, "longitude")
    if not (-90 <= lat <= 90) or not (-180 <= lng <= 180):
        errors["latitude"] = _("The coordinates are impossible.")
    elif lat == 0 and lng == 0:
        errors["latitude"] = _("The location was not captured (0, 0).")
    elif not (3 <= lat <= 54 and 73 <= lng <= 136) and getattr(
        settings, "INTERNSHIP_CHECKIN_CHINA_ONLY", True
    ):
        errors["latitude"] = _("The location is outside China.")
    if accuracy_m is not None and (int(accuracy_m) < 0 or int(accuracy_m) > 100_000):
        errors["accuracy_m"] = _("The accuracy is impossible.")
    if occurred_at is None or timezone.is_naive(occurred_at):
        errors["occurred_at"] = _("Give the time with its time zone.")
    else:
        ahead = dt.timedelta(minutes=getattr(settings, "INTERNSHIP_CHECKIN_MAX_AHEAD_MINUTES", 5))
        late = dt.timedelta(hours=getattr(settings, "INTERNSHIP_CHECKIN_MAX_DELAY_HOURS", 72))
        if occurred_at > now + ahead:
            errors["occurred_at"] = _("The time is in the future.")
        elif occurred_at < now - late:
            errors["occurred_at"] = _("The check-in is too old to be accepted.")
    if errors:
        raise ValidationError(errors)
    return lat, lng


# The hot path reads with one hand-written statement (no ORM compilation per request).
_ACTIVE_PLACEMENT = (
    "SELECT p.id, p.start_date, p.end_date, po.latitude, po.longitude"
    " FROM internships_placement p"
    " JOIN students_enrolment e ON e.id = p.enrolment_id"
    " JOIN students_student s ON s.id = e.student_id"
    " JOIN internships_post po ON po.id = p.post_id"
    " WHERE s.user_id = %s AND p.status = %s{extra} ORDER BY p.id LIMIT 1"
)


def _active_placement_row(actor, placement_id: int | None):
    params = [actor.pk, PlacementStatus.ACTIVE.value]
    sql = _ACTIVE_PLACEMENT.format(extra=" AND p.id = %s" if placement_id is not None else "")
    if placement_id is not None:
        params.append(placement_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


_INSERT = (
    "INSERT INTO internships_checkin (placement_id, kind, occurred_at, received_at, latitude, longitude, accuracy_m,"
    " address, client_key, distance_m) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (client_key) DO NOTHING RETURNING id"
)


def checkin_ingest(
    *,
    actor,
    kind: str,
    occurred_at: dt.datetime,
    latitude,
    longitude,
    client_key: str,
    accuracy_m: int | None = None,
    address: str = "",
    placement_id: int | None = None,
) -> CheckInResult:
    """Store one check-in of the actor's own active placement; a repeated client key returns the stored one."""
    now = timezone.now()
    lat, lng = validate_checkin(
        kind=kind,
        occurred_at=occurred_at,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy_m,
        client_key=client_key,
        now=now,
    )
    row = _active_placement_row(actor, placement_id)
    if row is None:
        existing = CheckIn.objects.filter(
            client_key=client_key, placement__enrolment__student__user_id=actor.pk
        ).first()
        if existing is not None:  # the placement ended after the first submission; still idempotent
            return _result(existing, created=False)
        raise ValidationError(_("You have no active placement to check in to."))
    pid, start, end, wlat, wlng = row
    day = timezone.localtime(occurred_at).date()
    if not (start <= day <= end):
        raise ValidationError({"occurred_at": _("The time is outside the placement's dates.")})
    distance = (
        round(haversine_m(float(lat), float(lng), float(wlat), float(wlng)))
        if wlat is not None and wlng is not None
        else None
    )
    params = [pid, kind, occurred_at, now, lat, lng, accuracy_m, (address or "")[:200], client_key, distance]
    with connection.cursor() as cursor:  # one statement: atomic by itself
        cursor.execute(_INSERT, params)
        inserted = cursor.fetchone()
    if inserted:
        return CheckInResult(inserted[0], pid, kind, occurred_at, client_key, distance, True)
    existing = CheckIn.objects.filter(client_key=client_key).first()
    if existing is None or existing.placement_id != pid:
        raise ValidationError({"client_key": _("This client key was already used for another check-in.")})
    return _result(existing, created=False)


def _result(c: CheckIn, *, created: bool) -> CheckInResult:
    return CheckInResult(c.pk, c.placement_id, c.kind, c.occurred_at, c.client_key, c.distance_m, created)
