"""The public 学历查询: lookups, per-client rate limits, the challenge after misses, the lookup log.

credentials.md §1.4–1.5: lookup by certificate number + name or by the random code; rate-limit and
challenge every public lookup; log every lookup; show the minimum (never the ID number).
Counters live in the cache (Redis in production, shared by every app server); the challenge
answer lives in the session, which is touched only once a client has missed repeatedly.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from . import selectors
from .choices import CertificateStatus, LookupKind, LookupResult, ReportStatus
from .models import Certificate, LookupLog, VerificationReport
from .numbering import parse_certificate_number

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


# --- rate limit and challenge ---------------------------------------------------------------------
def _incr(key: str, ttl: int) -> int:
    try:
        return cache.incr(key)
    except ValueError:
        if cache.add(key, 1, ttl):
            return 1
        return cache.incr(key)


def rate_limited(client: str) -> bool:
    """More than ``CREDENTIALS_LOOKUP_LIMIT`` lookups in ``CREDENTIALS_LOOKUP_WINDOW`` seconds."""
    limit = setting("CREDENTIALS_LOOKUP_LIMIT", 30)
    window = setting("CREDENTIALS_LOOKUP_WINDOW", 60)
    bucket = int(timezone.now().timestamp()) // window
    return _incr(f"cred:rl:{client}:{bucket}", window + 1) > limit


def misses(client: str) -> int:
    return cache.get(f"cred:miss:{client}", 0)


def record_miss(client: str) -> None:
    _incr(f"cred:miss:{client}", setting("CREDENTIALS_MISS_WINDOW", 900))


def clear_misses(client: str) -> None:
    cache.delete(f"cred:miss:{client}")


def challenge_required(client: str) -> bool:
    return misses(client) >= setting("CREDENTIALS_CHALLENGE_AFTER", 3)


def new_challenge(request) -> tuple[int, int]:
    a, b = random.randint(2, 19), random.randint(2, 19)
    request.session[_CHALLENGE_KEY] = a + b
    return a, b


def challenge_question(request) -> tuple[int, int]:
    return new_challenge(request)


def check_challenge(request, answer) -> bool:
    """One try per question: the stored answer is dropped whatever the outcome."""
    expected = request.session.pop(_CHALLENGE_KEY, None)
    try:
        return expected is not None and int(str(answer).strip()) == expected
    except (TypeError, ValueError):
        return False


# --- logging --------------------------------------------------------------------------------------
def log_lookup(
    *, client: str, kind: str, result: str, certificate_id: int | None = None, query: str = ""
) -> None:
    """Every lookup is logged. On PostgreSQL the insert does not wait for the WAL flush: a crash may
    lose the last fraction of a second of log rows, never a certificate (SET LOCAL applies to this
    insert's transaction only)."""
    row = LookupLog(
        timestamp=timezone.now(),
        client_hash=client,
        kind=kind,
        result=result,
        certificate_id=certificate_id,
        query=query[:64],
    )
    if connection.vendor == "postgresql" and connection.get_autocommit():
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            row.save(force_insert=True)
    else:
        row.save(force_insert=True)


# --- outcomes -------------------------------------------------------------------------------------
@dataclass
class Outcome:
    result: str
    certificate: Certificate | None = None
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


def normalise_name(value: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


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
    cert = selectors.public_certificate_by_number(parsed.number)
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
    cert = selectors.public_certificate_by_code(code)
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
    cert = selectors.public_certificate_by_code(code)
    if cert is None or cert.number != parsed.number:
        return Outcome(LookupResult.NOT_FOUND)
    result = certificate_result(cert)
    return Outcome(result, certificate=cert if result != LookupResult.NOT_FOUND else None)


def kind_query(kind: str, outcome: Outcome, raw: str) -> str:
    """What the log keeps of the query: the number (never the name), or the code's first 4 characters."""
    if kind == LookupKind.NUMBER_NAME:
        return normalise_code(raw)[:32]
    return normalise_code(raw)[:4]
