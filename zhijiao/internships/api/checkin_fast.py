"""``POST /api/v1/checkins/`` with an API token, answered by a plain Django view.

Check-ins are the platform's busiest write (every intern, twice a day, mostly from the app). DRF's
request cycle — content negotiation, authenticator and permission objects, the throttle list,
``Response`` rendering — cost more CPU than the check-in itself, so a POST carrying
``Authorization: Token <key>`` and a JSON body is first tried here:

1. the check-in throttle (scope ``checkin``, counted per token, ``DEFAULT_THROTTLE_RATES``) — the
   same sliding window as DRF's throttles, answered with the API's 429 envelope and Retry-After;
2. the body parsed and validated exactly as the DRF action does (``parse_checkin_body``,
   ``validate_checkin``);
3. ``checkin_ingest_by_token``: the token, the account, its active placement, the dates, the
   distance and the insert in ONE prepared statement.

Anything else — another method or authentication, a malformed body, a value refused, a bad token,
no active placement, a repeated client key — goes on to the DRF view unchanged, which answers it
(nothing was written here, so the usual path sees the request as new). The check-in throttle is not
counted twice for such a request.
"""

from __future__ import annotations

import functools
import hashlib
import json
from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.encoders import JSONEncoder

from zhijiao.core.api.exceptions import error_payload

from ..checkins import checkin_ingest_by_token

#: Set on the Django request once the fast path has counted it in the check-in throttle.
COUNTED = "_checkin_throttle_counted"


def token_ident(key: str) -> str:
    """The throttle's name for a token (no secret in cache keys)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class CheckInRateThrottle(SimpleRateThrottle):
    """Check-ins per caller (``DEFAULT_THROTTLE_RATES["checkin"]``): per token for token requests,
    else per account. Generous for an app sending a queued backlog, tight for a runaway client."""

    scope = "checkin"
    default_rate = "120/min"

    def get_rate(self):
        # A settings file that overrides DEFAULT_THROTTLE_RATES without "checkin" keeps the default
        # rather than failing every check-in.
        return self.THROTTLE_RATES.get(self.scope, self.default_rate)

    def get_cache_key(self, request, view):
        auth = getattr(request, "auth", None)
        if isinstance(auth, str):
            ident = token_ident(auth)
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request, view):
        django_request = getattr(request, "_request", request)
        if getattr(django_request, COUNTED, False):  # already counted by the fast path
            return True
        return super().allow_request(request, view)


def parse_checkin_body(data) -> dict:
    """The check-in body as the keyword arguments of ``checkin_ingest`` (``placement`` → ``placement_id``);
    a missing or malformed field is a 400 naming the field."""
    if not hasattr(data, "get"):
        raise ValidationError(_("Send a JSON object."))
    errors, out = {}, {}
    for name in ("kind", "occurred_at", "latitude", "longitude", "client_key"):
        if data.get(name) in (None, ""):
            errors[name] = [_("This field is required.")]
    try:
        out["occurred_at"] = parse_datetime(str(data.get("occurred_at") or ""))
    except ValueError:
        out["occurred_at"] = None
    if out["occurred_at"] is None and "occurred_at" not in errors:
        errors["occurred_at"] = [_("Give the time as ISO 8601 with its time zone.")]
    for name, key in (("accuracy_m", "accuracy_m"), ("placement", "placement_id")):
        value = data.get(name)
        if value in (None, ""):
            out[key] = None
            continue
        try:
            out[key] = int(value)
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
    if errors:
        raise ValidationError(errors)
    out.update(
        kind=str(data["kind"]),
        latitude=data["latitude"],
        longitude=data["longitude"],
        client_key=str(data["client_key"]),
        address=str(data.get("address") or "")[:200],
    )
    return out


def _json(payload: dict, status: int, headers: dict | None = None) -> HttpResponse:
    # Rendered like DRF's JSONRenderer (its encoder, compact, UTF-8) so both paths answer alike.
    body = json.dumps(payload, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
    return HttpResponse(body.encode(), status=status, content_type="application/json", headers=headers)


def _token(request) -> str | None:
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    if len(parts) == 2 and parts[0].lower() == "token":
        return parts[1]
    return None


def try_checkin(request) -> HttpResponse | None:
    """The answer for a token check-in stored here, a 429, or None: let the DRF view answer."""
    key = _token(request)
    if key is None or request.content_type != "application/json":
        return None
    throttle = CheckInRateThrottle()
    allowed = throttle.allow_request(SimpleNamespace(auth=key, user=None, META=request.META), None)
    setattr(request, COUNTED, True)
    if not allowed:
        exc = exceptions.Throttled(throttle.wait())
        wait = int(exc.wait or 0)
        return _json(
            error_payload("throttled", str(exc.detail), {"wait_seconds": wait}),
            429,
            {"Retry-After": str(wait)},
        )
    try:
        result = checkin_ingest_by_token(token_key=key, **parse_checkin_body(json.loads(request.body)))
    except (ValueError, TypeError, ValidationError, exceptions.ValidationError):
        return None  # the DRF view validates again and answers 400 in the envelope
    if result is None:
        return None
    return _json(result.as_payload(), 201)


def with_fast_checkin(drf_view):
    """Wrap the router's ``checkins/`` collection view: token POSTs are tried by ``try_checkin`` first."""

    @functools.wraps(drf_view)
    def view(request, *args, **kwargs):
        if request.method == "POST":
            response = try_checkin(request)
            if response is not None:
                return response
        return drf_view(request, *args, **kwargs)

    return csrf_exempt(view)
