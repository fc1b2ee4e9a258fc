"""The public 学历查询: lookups, per-client rate limits, the challenge after misses, the lookup log.

credentials.md §1.4–1.5: lookup by certificate number + name or by the random code; rate-limit and
challenge every public lookup; log every lookup; show the minimum (never the ID number).
Counters and CAPTCHA answers live in Redis (``core.ratelimit``), shared by every worker and host:
one round trip per lookup. Pages set no cookie.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import hmac
import logging
import re
import threading
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from zhijiao.core.validators import strip_invisible

from . import selectors
from .choices import CertificateStatus, LookupKind, LookupResult, ReportStatus
from .models import Certificate, LookupLog, VerificationReport
from .numbering import parse_certificate_number

logger = logging.getLogger(__name__)

CODE_RE = re.compile(r"^[A-Z0-9]{16}$")
_CHALLENGE_KEY = "credentials_challenge"


def setting(name: str, default):
    return getattr(settings, name, default)


def client_address(request) -> str:
    """REMOTE_ADDR, or behind our own reverse proxy (``CREDENTIALS_TRUST_X_FORWARDED_FOR``) the
    address that proxy appended last to X-Forwarded-For (earlier entries are client-controlled)."""
    if setting("CREDENTIALS_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or ""


def client_hash(request) -> str:
    """A keyed hash of the client address: enough to count and to correlate, not to identify."""
    ip = client_address(request)
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()[:24]


# --- rate limit and CAPTCHA: one round trip per lookup ---------------------------------------------
def gate(client: str, *, is_miss: bool, captcha_token: str = "", captcha_answer: str = ""):
    """After the lookup, before its answer: count the request in the client's sliding window
    (``CREDENTIALS_LOOKUP_LIMIT`` per ``CREDENTIALS_LOOKUP_WINDOW`` seconds), require the image
    CAPTCHA from ``CREDENTIALS_CHALLENGE_AFTER`` misses within ``CREDENTIALS_MISS_WINDOW`` seconds
    (a correct answer clears the misses) and record this miss — one Redis round trip
    (``core.ratelimit.verify_gate``), shared by every worker. The answer of a lookup that did not
    pass is never shown."""
    from zhijiao.core import ratelimit

    return ratelimit.verify_gate(
        client,
        limit=setting("CREDENTIALS_LOOKUP_LIMIT", 30),
        window=setting("CREDENTIALS_LOOKUP_WINDOW", 60),
        miss_window=setting("CREDENTIALS_MISS_WINDOW", 900),
        challenge_after=setting("CREDENTIALS_CHALLENGE_AFTER", 1),
        is_miss=is_miss,
        captcha_token=captcha_token,
        captcha_answer=_captcha_answer(captcha_answer) if captcha_answer else "",
    )


def _captcha_answer(value: str) -> str:
    from zhijiao.core.captcha import normalise_answer

    return normalise_answer(value)


# --- logging --------------------------------------------------------------------------------------
_LOG_TABLE = LookupLog._meta.db_table
_LOG_COLUMNS = ("timestamp", "client_hash", "kind", "result", "certificate_id", "query")
_LOG_INSERT = "INSERT INTO {table} ({columns}) VALUES {values}"
# PostgreSQL, outside any transaction: one statement that is its own transaction and commits without
# waiting for the WAL flush (set_config(..., true) is local to that statement's transaction).
_LOG_INSERT_ASYNC = (
    "WITH async AS (SELECT set_config('synchronous_commit', 'off', true)) "
    "INSERT INTO {table} ({columns}) SELECT v.* FROM (VALUES {values}) AS v, async"
)
_LOG_SQL: dict[tuple[str, bool, int], str] = {}


def _log_sql(vendor: str, asynchronous: bool, count: int) -> str:
    key = (vendor, asynchronous, count)
    sql = _LOG_SQL.get(key)
    if sql is None:
        qn = connection.ops.quote_name
        template = _LOG_INSERT_ASYNC if asynchronous else _LOG_INSERT
        placeholders = "(%s, %s, %s, %s, %s, %s)"
        if asynchronous:  # VALUES in a sub-select needs the column types spelled out once
            placeholders = "(%s::timestamptz, %s, %s, %s, %s::bigint, %s)"
        values = ", ".join([placeholders] + ["(%s, %s, %s, %s, %s, %s)"] * (count - 1))
        sql = template.format(
            table=qn(_LOG_TABLE), columns=", ".join(qn(c) for c in _LOG_COLUMNS), values=values
        )
        if len(_LOG_SQL) < 256:
            _LOG_SQL[key] = sql
    return sql


def _write_rows(rows: list[list]) -> None:
    """Insert log rows with one statement, in this thread's connection."""
    if not rows:
        return
    asynchronous = False
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        asynchronous = connection.get_autocommit() and not connection.in_atomic_block
    sql = _log_sql(connection.vendor, asynchronous, len(rows))
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows for value in row])


class LookupLogBuffer:
    """Log rows of one process waiting to be written together.

    A row is added before the lookup's answer is sent. The buffer is written, with one multi-row
    INSERT, when it holds ``CREDENTIALS_LOOKUP_LOG_BATCH`` rows (by the request that fills it), when
    its oldest row is ``CREDENTIALS_LOOKUP_LOG_MAX_AGE`` seconds old (by a timer thread, so an idle
    worker does not sit on rows), and when the process exits normally (atexit: gunicorn's graceful
    stop, restart and max-requests recycling all exit normally). What it can lose: the rows of the
    last ≤ MAX_AGE seconds of a process that is killed outright (SIGKILL, OOM killer, power loss).
    A failed write keeps the rows (up to ``MAX_PENDING``) for the next attempt and is logged.
    """

    MAX_PENDING = 10_000

    def __init__(self):
        self._rows: list[list] = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        atexit.register(self.flush)

    def add(self, row: list) -> None:
        batch = setting("CREDENTIALS_LOOKUP_LOG_BATCH", 50)
        with self._lock:
            self._rows.append(row)
            if len(self._rows) < batch:
                if self._timer is None:
                    self._timer = threading.Timer(
                        setting("CREDENTIALS_LOOKUP_LOG_MAX_AGE", 1.0), self._on_timer
                    )
                    self._timer.daemon = True
                    self._timer.start()
                return
            rows, self._rows = self._rows, []
        self._write(rows)

    def pending(self) -> int:
        return len(self._rows)

    def flush(self) -> None:
        with self._lock:
            rows, self._rows = self._rows, []
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._write(rows)

    def _on_timer(self) -> None:
        with self._lock:
            self._timer = None
            rows, self._rows = self._rows, []
        try:
            self._write(rows)
        finally:
            connection.close()  # this short-lived thread's own connection

    def _write(self, rows: list[list]) -> None:
        if not rows:
            return
        try:
            _write_rows(rows)
        except Exception:
            logger.exception("Writing %d lookup log rows failed; they are kept for the next write", len(rows))
            with self._lock:
                self._rows[:0] = rows[-self.MAX_PENDING :]


_buffer = LookupLogBuffer()


def flush_lookup_log() -> None:
    """Write every buffered lookup log row of this process now."""
    _buffer.flush()


def log_lookup(
    *, client: str, kind: str, result: str, certificate_id: int | None = None, query: str = ""
) -> None:
    """Every lookup is logged, before its answer is sent.

    On PostgreSQL outside a transaction (a normal request) the row goes to this process's
    ``LookupLogBuffer`` and is written in a batch that commits without waiting for the WAL flush
    (synchronous_commit off for that statement only). Inside a caller's transaction, and on
    SQLite, the row is written at once. The trade-offs are in bench/README.md (bench_verify).
    """
    row = [
        connection.ops.adapt_datetimefield_value(timezone.now()),
        client,
        kind,
        result,
        certificate_id,
        query[:64],
    ]
    if (
        # SQLite: one machine, one writer, little to gain (and an in-memory test database is
        # invisible to the timer thread's connection).
        connection.vendor != "postgresql"
        or connection.in_atomic_block
        or setting("CREDENTIALS_LOOKUP_LOG_BATCH", 50) <= 1
    ):
        _write_rows([row])
    else:
        _buffer.add(row)


# --- outcomes -------------------------------------------------------------------------------------
@dataclass
class Outcome:
    result: str
    certificate: Certificate | PublicCertificate | None = None
    report: VerificationReport | None = None
    report_state: str | None = None
    message: str = ""
    errors: dict = field(default_factory=dict)

    @property
    def found(self) -> bool:
        return self.certificate is not None

    @property
    def is_miss(self) -> bool:
        return self.result in (LookupResult.NOT_FOUND, LookupResult.BAD_INPUT)


class PublicCertificate:
    """The columns a verifier may see of one certificate, read with one indexed query.

    The public lookup is the hottest page of the platform: building the ORM query and a model
    instance cost several times the query itself, so it reads these columns with plain SQL (the
    attribute names are the model's, so ``public_fields`` takes either).
    """

    FIELDS = selectors.VERIFIER_FIELDS
    __slots__ = FIELDS

    def __init__(self, row):
        for name, value in zip(self.FIELDS, row, strict=True):
            setattr(self, name, value)

    @property
    def pk(self) -> int:
        return self.id

    def __repr__(self) -> str:
        return f"<PublicCertificate {self.number} {self.status}>"


_CERT_SQL: dict[str, str] = {}


def _public_certificate(column: str, value: str) -> PublicCertificate | None:
    """One row by a unique column (``number`` or ``verify_code``), or None."""
    sql = _CERT_SQL.get(column)
    if sql is None:
        qn = connection.ops.quote_name
        sql = _CERT_SQL[column] = "SELECT {} FROM {} WHERE {} = %s".format(
            ", ".join(qn(Certificate._meta.get_field(f).column) for f in PublicCertificate.FIELDS),
            qn(Certificate._meta.db_table),
            qn(column),
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    cert = PublicCertificate(row)
    if cert.published_at is not None and timezone.is_naive(cert.published_at):  # SQLite
        cert.published_at = timezone.make_aware(cert.published_at, datetime.UTC)
    return cert


def normalise_name(value: str) -> str:
    """Names compare without spaces, invisible characters (zero-width, bidi) or width variants:
    "张\u200b三" typed or stored matches 张三 (core.validators.strip_invisible)."""
    if value and value.isprintable() and value.isalpha():  # the common case: nothing to do
        return unicodedata.normalize("NFKC", value)
    value = strip_invisible(unicodedata.normalize("NFKC", value or ""), keep_private_use=True)
    return re.sub(r"\s+", "", value)


def certificate_result(cert: Certificate | None) -> str:
    if cert is None or cert.published_at is None:
        return LookupResult.NOT_FOUND
    if cert.status == CertificateStatus.ISSUED:
        return LookupResult.VALID
    if cert.status == CertificateStatus.REVOKED:
        return LookupResult.REVOKED
    return LookupResult.NOT_VALID


def lookup_by_number(number: str, name: str) -> Outcome:
    try:
        parsed = parse_certificate_number(number)
    except ValidationError as exc:
        return Outcome(LookupResult.BAD_INPUT, errors={"number": exc.messages})
    if not normalise_name(name):
        return Outcome(LookupResult.BAD_INPUT, errors={"name": ["required"]})
    cert = _public_certificate("number", parsed.number)
    if cert is None or normalise_name(cert.holder_name) != normalise_name(name):
        return Outcome(LookupResult.NOT_FOUND)
    result = certificate_result(cert)
    return Outcome(result, certificate=cert if result != LookupResult.NOT_FOUND else None)


def normalise_code(value: str) -> str:
    return re.sub(r"[\s-]", "", unicodedata.normalize("NFKC", value or "")).upper()


def lookup_by_code(code: str) -> Outcome:
    """A certificate's printed code, or a holder's report code."""
    code = normalise_code(code)
    if not CODE_RE.fullmatch(code):
        return Outcome(LookupResult.BAD_INPUT, errors={"code": ["format"]})
    cert = _public_certificate("verify_code", code)
    if cert is not None:
        result = certificate_result(cert)
        return Outcome(result, certificate=cert if result != LookupResult.NOT_FOUND else None)
    report = selectors.public_report_by_code(code)
    if report is None:
        return Outcome(LookupResult.NOT_FOUND)
    state = report.state()
    result = {
        ReportStatus.ACTIVE: certificate_result(report.certificate),
        ReportStatus.EXPIRED: LookupResult.EXPIRED,
        ReportStatus.CLOSED: LookupResult.CLOSED,
        ReportStatus.INVALID: certificate_result(report.certificate),
    }[state]
    shown = report.certificate if state == ReportStatus.ACTIVE or result == LookupResult.REVOKED else None
    return Outcome(result, certificate=shown, report=report, report_state=state)


def lookup_short_link(number: str, code: str) -> Outcome:
    """The scanned short link ``/verify/v/<number>?c=<code>``: both halves must match one certificate."""
    code = normalise_code(code)
    try:
        parsed = parse_certificate_number(number)
    except ValidationError as exc:
        return Outcome(LookupResult.BAD_INPUT, errors={"number": exc.messages})
    if not CODE_RE.fullmatch(code):
        return Outcome(LookupResult.BAD_INPUT, errors={"code": ["format"]})
    cert = _public_certificate("verify_code", code)
    if cert is None or cert.number != parsed.number:
        return Outcome(LookupResult.NOT_FOUND)
    result = certificate_result(cert)
    return Outcome(result, certificate=cert if result != LookupResult.NOT_FOUND else None)


def kind_query(kind: str, outcome: Outcome, raw: str) -> str:
    """What the log keeps of the query: the number (never the name), or the code's first 4 characters."""
    if kind == LookupKind.NUMBER_NAME:
        return normalise_code(raw)[:32]
    return normalise_code(raw)[:4]
