"""Check-in ingestion (签到), built for throughput. On PostgreSQL one statement reads the student's
active placement, checks its dates, computes the distance to the workplace and inserts
(``INSERT … SELECT … ON CONFLICT (client_key) DO NOTHING``), prepared once per connection; elsewhere
(and to explain a refusal or a repeat) one read and one insert. Idempotent by the client's key: a
resubmission returns the stored row and writes nothing. Every new check-in gets an audit entry (who,
which placement, when, where — the address masked), written in batches per process
(``core.audit.AuditBuffer``), so the hot path stays one statement.
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

    def as_payload(self) -> dict:
        """The API's answer for this check-in (both the plain fast path and the DRF view)."""
        return {
            "id": self.id,
            "placement": self.placement_id,
            "kind": self.kind,
            "occurred_at": self.occurred_at,
            "client_key": self.client_key,
            "distance_m": self.distance_m,
            "created": self.created,
        }


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


def _prepared() -> bool:
    """Server-side prepared statements for the hot path: on PostgreSQL with persistent connections
    (``CONN_MAX_AGE`` ≠ 0), unless ``INTERNSHIP_CHECKIN_PREPARED`` is False (e.g. behind a PgBouncer
    older than 1.21 in transaction mode). Django leaves psycopg's automatic preparing off."""
    return (
        connection.vendor == "postgresql"
        and connection.settings_dict.get("CONN_MAX_AGE") != 0
        and getattr(settings, "INTERNSHIP_CHECKIN_PREPARED", True)
    )


def fetch_one(sql: str, params: list):
    """Run one of the hot path's fixed statements and return its first row.

    On PostgreSQL (see ``_prepared``) the statement is prepared once per connection and then only
    bound and executed: planning the placement look-up (four joined tables) cost more server time
    than executing it. The statement still goes through Django's cursor wrapper (query logging,
    ``execute_wrapper``s, error translation); only the psycopg cursor under it binds on the server.
    """
    if not _prepared():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    from django.db.backends.postgresql.base import ServerBindingCursor

    connection.ensure_connection()
    raw = connection.connection
    if raw.prepare_threshold is None:  # Django's default: nothing is ever prepared, not even on request
        raw.prepare_threshold = _ONLY_ON_REQUEST
    with connection._prepare_cursor(_Prepare(ServerBindingCursor(raw))) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


# psycopg prepares a statement executed ``prepare_threshold`` times, or at once with ``prepare=True``:
# a threshold no statement reaches keeps every other query of the connection unprepared.
_ONLY_ON_REQUEST = 2**62


class _Prepare:
    """A psycopg cursor whose ``execute`` prepares the statement (cached per connection by psycopg)."""

    def __init__(self, cursor):
        self._cursor = cursor

    def execute(self, sql, params=None):
        return self._cursor.execute(sql, params, prepare=True)

    def __getattr__(self, name):
        return getattr(self._cursor, name)

    def __iter__(self):
        return iter(self._cursor)


# The hot path reads with one hand-written statement (no ORM compilation per request).
_ACTIVE_PLACEMENT = (
    "SELECT p.id, p.start_date, p.end_date, po.latitude, po.longitude, p.institution_id"
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
    return fetch_one(sql, params)


_INSERT = (
    "INSERT INTO internships_checkin (placement_id, institution_id, kind, occurred_at, received_at, latitude,"
    " longitude, accuracy_m, address, client_key, distance_m)"
    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT (client_key) DO NOTHING RETURNING id"
)


# PostgreSQL: the placement look-up, the date check, the distance and the insert in ONE statement (one
# round trip). The sub-select is the look-up above (the actor's first active placement, or the one
# named); the outer WHERE is the date check; the distance is ``haversine_m`` in SQL. Nothing returned
# means one of: no active placement, outside its dates, or a repeated client key — ``checkin_ingest``
# then takes the step-by-step path, which says which (and is idempotent, so running it after a no-op
# is safe).
_INSERT_SELECT = (
    "INSERT INTO internships_checkin (placement_id, institution_id, kind, occurred_at, received_at, latitude,"
    " longitude, accuracy_m, address, client_key, distance_m)"
    " SELECT x.id, x.institution_id, %s::varchar, %s::timestamptz, %s::timestamptz, %s::numeric, %s::numeric, %s::integer,"
    " %s::varchar, %s::varchar,"
    " CASE WHEN x.latitude IS NULL OR x.longitude IS NULL THEN NULL ELSE round(2 * "
    + str(EARTH_RADIUS_M)
    + " * asin(sqrt("
    "power(sin(radians(x.latitude::float8 - %s::float8) / 2), 2)"
    " + cos(radians(%s::float8)) * cos(radians(x.latitude::float8))"
    " * power(sin(radians(x.longitude::float8 - %s::float8) / 2), 2))))::integer END"
    " FROM (" + _ACTIVE_PLACEMENT + ") x"
    " WHERE x.start_date <= %s::date AND x.end_date >= %s::date"
    " ON CONFLICT (client_key) DO NOTHING RETURNING id, placement_id, distance_m"
)


def _insert_in_one_statement(
    sql: str, who, placement_id, *, kind, occurred_at, now, lat, lng, accuracy_m, address, client_key
):
    """Run ``_INSERT_SELECT`` (``who`` = the user's id) or ``_INSERT_SELECT_BY_TOKEN`` (``who`` = the
    token's key hash: its parameters come first, then the expiry time)."""
    extra = " AND p.id = %s" if placement_id is not None else ""
    day = timezone.localtime(occurred_at).date()
    if isinstance(who, TokenKey):  # the CTEs come first: touch, x (the look-up), then the insert
        params = [now, who.key_hash, now, now - TOKEN_LAST_USE_PRECISION, who.key_hash, now]
        params += [PlacementStatus.ACTIVE.value, *([placement_id] if placement_id is not None else [])]
        params += [kind, occurred_at, now, lat, lng, accuracy_m, address, client_key]
        params += [float(lat), float(lat), float(lng), day, day]
        return fetch_one(sql.format(extra=extra), params)
    params = [
        kind,
        occurred_at,
        now,
        lat,
        lng,
        accuracy_m,
        address,
        client_key,
        float(lat),
        float(lat),
        float(lng),
        who,
        PlacementStatus.ACTIVE.value,
        *([placement_id] if placement_id is not None else []),
        day,
        day,
    ]
    return fetch_one(sql.format(extra=extra), params)


# The same statement for a caller known only by an API token: the token, its active account and the
# account's first active placement (or the one named) are joined into the look-up, so a check-in sent
# with a token costs ONE round trip including authentication. Nothing returned: a bad token, an
# inactive account, any refusal above or a repeated key — the caller then takes the usual path
# (authenticate, then ``checkin_ingest``), which answers each of those.
# The token is looked up by the SHA-256 of its key (only the hash is stored), must be neither revoked
# nor expired, and its last use is recorded in the same statement (a data-modifying CTE), at most
# once a minute per token. The statement also returns the account (for the audit entry).
_ACTIVE_PLACEMENT_OF_TOKEN = (
    "SELECT p.id, p.start_date, p.end_date, po.latitude, po.longitude, p.institution_id, u.id AS user_id,"
    " u.username"
    " FROM accounts_apitoken t"
    " JOIN accounts_user u ON u.id = t.user_id"
    " JOIN students_student s ON s.user_id = u.id"
    " JOIN students_enrolment e ON e.student_id = s.id"
    " JOIN internships_placement p ON p.enrolment_id = e.id"
    " JOIN internships_post po ON po.id = p.post_id"
    " WHERE t.key_hash = %s AND t.revoked_at IS NULL AND t.expires_at > %s::timestamptz"
    " AND u.is_active AND p.status = %s{extra} ORDER BY p.id LIMIT 1"
)
_INSERT_SELECT_BY_TOKEN = (
    "WITH touch AS (UPDATE accounts_apitoken SET last_used_at = %s::timestamptz WHERE key_hash = %s"
    " AND revoked_at IS NULL AND expires_at > %s::timestamptz"
    " AND (last_used_at IS NULL OR last_used_at < %s::timestamptz) RETURNING 1),"
    " x AS (" + _ACTIVE_PLACEMENT_OF_TOKEN + "),"
    " ins AS (INSERT INTO internships_checkin (placement_id, institution_id, kind, occurred_at, received_at,"
    " latitude, longitude, accuracy_m, address, client_key, distance_m)"
    " SELECT x.id, x.institution_id, %s::varchar, %s::timestamptz, %s::timestamptz, %s::numeric, %s::numeric, %s::integer,"
    " %s::varchar, %s::varchar,"
    " CASE WHEN x.latitude IS NULL OR x.longitude IS NULL THEN NULL ELSE round(2 * "
    + str(EARTH_RADIUS_M)
    + " * asin(sqrt("
    "power(sin(radians(x.latitude::float8 - %s::float8) / 2), 2)"
    " + cos(radians(%s::float8)) * cos(radians(x.latitude::float8))"
    " * power(sin(radians(x.longitude::float8 - %s::float8) / 2), 2))))::integer END"
    " FROM x WHERE x.start_date <= %s::date AND x.end_date >= %s::date"
    " ON CONFLICT (client_key) DO NOTHING RETURNING id, placement_id, distance_m)"
    " SELECT ins.id, ins.placement_id, ins.distance_m, x.user_id, x.username FROM ins CROSS JOIN x"
)
TOKEN_LAST_USE_PRECISION = dt.timedelta(seconds=60)


class TokenKey(str):
    """An API token's key hash, as the token statement takes it."""

    @property
    def key_hash(self) -> str:
        return str(self)


def _validate_and_insert(
    sql: str, who, *, kind, occurred_at, latitude, longitude, client_key, accuracy_m, address, placement_id
):
    """Validate the values (``ValidationError``, nothing written), then on PostgreSQL try the one
    statement. Returns (the inserted row or None, now, latitude, longitude, address)."""
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
    address = (address or "")[:200]
    inserted = None
    if connection.vendor == "postgresql":
        inserted = _insert_in_one_statement(
            sql,
            who,
            placement_id,
            kind=kind,
            occurred_at=occurred_at,
            now=now,
            lat=lat,
            lng=lng,
            accuracy_m=accuracy_m,
            address=address,
            client_key=client_key,
        )
    return inserted, now, lat, lng, address


def checkin_ingest_by_token(
    *,
    token_key: str,
    kind: str,
    occurred_at: dt.datetime,
    latitude,
    longitude,
    client_key: str,
    accuracy_m: int | None = None,
    address: str = "",
    placement_id: int | None = None,
) -> CheckInResult | None:
    """Store a new check-in of the token holder's active placement in one statement (PostgreSQL).

    Returns None when it stored nothing — a bad or inactive token, no active placement, outside its
    dates, or a repeated client key — and the caller must then authenticate and call
    ``checkin_ingest``, which explains the refusal or returns the stored row. Values are validated
    first (``validate_checkin`` raises ``ValidationError``, nothing written)."""
    if connection.vendor != "postgresql":
        return None
    from zhijiao.accounts.authentication import hash_key

    inserted, _now, lat, lng, address = _validate_and_insert(
        _INSERT_SELECT_BY_TOKEN,
        TokenKey(hash_key(token_key)),
        kind=kind,
        occurred_at=occurred_at,
        latitude=latitude,
        longitude=longitude,
        client_key=client_key,
        accuracy_m=accuracy_m,
        address=address,
        placement_id=placement_id,
    )
    if not inserted:
        return None
    result = CheckInResult(inserted[0], inserted[1], kind, occurred_at, client_key, inserted[2], True)
    _audit(
        result,
        user_id=inserted[3],
        username=inserted[4],
        lat=lat,
        lng=lng,
        accuracy_m=accuracy_m,
        address=address,
    )
    return result


def _resolve_scope_paths(entries) -> None:
    """The audit entries' scope paths (the placement's school's region), one query per batch."""
    from .models import Placement

    wanted = {e["after"]["placement"] for e in entries}
    paths = dict(Placement.objects.filter(pk__in=wanted).values_list("pk", "institution__region__path"))
    for e in entries:
        e["scope_path"] = paths.get(e["after"]["placement"], "") or ""


_AUDIT = None


def _audit(result: CheckInResult, *, user_id, username, lat, lng, accuracy_m, address) -> None:
    """One audit entry per new check-in, through the batching buffer (core.audit.AuditBuffer)."""
    global _AUDIT
    from zhijiao.core.audit import AuditBuffer
    from zhijiao.core.sensitive import ADDRESS, mask

    if _AUDIT is None:
        _AUDIT = AuditBuffer(resolve=_resolve_scope_paths)
    when = timezone.localtime(result.occurred_at)
    _AUDIT.add(
        _AUDIT.entry(
            actor_id=user_id,
            actor_name=username,
            action="create",
            object_type="internships.checkin",
            object_id=result.id,
            object_repr=f"{result.kind} {when:%Y-%m-%d %H:%M}",
            after={
                "placement": result.placement_id,
                "kind": result.kind,
                "occurred_at": result.occurred_at.isoformat(),
                "latitude": str(lat),
                "longitude": str(lng),
                "accuracy_m": accuracy_m,
                "address": mask(ADDRESS, address) or "",
                "distance_m": result.distance_m,
            },
            message=_("Check-in"),
        )
    )


def flush_audit(*, stop: bool = False) -> None:
    """Write the buffered check-in audit entries of this process now; ``stop`` also ends the writer
    thread and closes its connection (tests)."""
    if _AUDIT is not None:
        _AUDIT.stop() if stop else _AUDIT.flush()


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
    inserted, now, lat, lng, address = _validate_and_insert(
        _INSERT_SELECT,
        actor.pk,
        kind=kind,
        occurred_at=occurred_at,
        latitude=latitude,
        longitude=longitude,
        client_key=client_key,
        accuracy_m=accuracy_m,
        address=address,
        placement_id=placement_id,
    )
    if inserted:
        result = CheckInResult(inserted[0], inserted[1], kind, occurred_at, client_key, inserted[2], True)
        _audit(
            result,
            user_id=actor.pk,
            username=actor.get_username(),
            lat=lat,
            lng=lng,
            accuracy_m=accuracy_m,
            address=address,
        )
        return result
    row = _active_placement_row(actor, placement_id)
    if row is None:
        existing = CheckIn.objects.filter(
            client_key=client_key, placement__enrolment__student__user_id=actor.pk
        ).first()
        if existing is not None:  # the placement ended after the first submission; still idempotent
            return _result(existing, created=False)
        raise ValidationError(_("You have no active placement to check in to."))
    pid, start, end, wlat, wlng, school = row
    day = timezone.localtime(occurred_at).date()
    if not (start <= day <= end):
        raise ValidationError({"occurred_at": _("The time is outside the placement's dates.")})
    distance = (
        round(haversine_m(float(lat), float(lng), float(wlat), float(wlng)))
        if wlat is not None and wlng is not None
        else None
    )
    params = [pid, school, kind, occurred_at, now, lat, lng, accuracy_m, address, client_key, distance]
    inserted = fetch_one(_INSERT, params)  # one statement: atomic by itself
    if inserted:
        result = CheckInResult(inserted[0], pid, kind, occurred_at, client_key, distance, True)
        _audit(
            result,
            user_id=actor.pk,
            username=actor.get_username(),
            lat=lat,
            lng=lng,
            accuracy_m=accuracy_m,
            address=address,
        )
        return result
    existing = CheckIn.objects.filter(client_key=client_key).first()
    if existing is None or existing.placement_id != pid:
        raise ValidationError({"client_key": _("This client key was already used for another check-in.")})
    return _result(existing, created=False)


def _result(c: CheckIn, *, created: bool) -> CheckInResult:
    return CheckInResult(c.pk, c.placement_id, c.kind, c.occurred_at, c.client_key, c.distance_m, created)
