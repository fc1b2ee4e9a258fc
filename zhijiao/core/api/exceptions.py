"""One error envelope for the whole API: ``{"error": {"code", "message", "details"}}``.

Every failure an API client can meet comes out in this shape: DRF's own (400 validation, 401 not
authenticated / bad token, 403, 404, 405, 406, 415, 429 throttled), Django's ``ValidationError``
raised by services (400, field messages kept), ``Http404`` and ``OutOfScope`` (404: an object
outside the caller's organisation does not exist for them). ``error_payload`` / ``api_error_response``
let the site-wide error handlers answer ``/api/`` paths in the same shape.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from zhijiao.core.services import OutOfScope

API_PREFIX = "/api/"


def error_payload(code: str, message: str, details: Any = None) -> dict:
    return {"error": {"code": code, "message": str(message), "details": details or {}}}


def api_error_response(status_code: int, code: str, message: str, details: Any = None) -> JsonResponse:
    """A plain Django response in the envelope (for handler404/handler500 on ``/api/`` paths)."""
    return JsonResponse(
        error_payload(code, message, details), status=status_code, json_dumps_params={"ensure_ascii": False}
    )


def is_api_request(request) -> bool:
    return request is not None and request.path.startswith(API_PREFIX)


def _django_validation_details(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (api_settings.NON_FIELD_ERRORS_KEY if key == NON_FIELD_ERRORS else key): [str(m) for m in msgs]
            for key, msgs in exc.message_dict.items()
        }
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]}


def _drf_validation_details(detail: Any) -> dict:
    if isinstance(detail, dict):
        return detail
    if isinstance(detail, list):
        return {api_settings.NON_FIELD_ERRORS_KEY: detail}
    return {api_settings.NON_FIELD_ERRORS_KEY: [str(detail)]}


def _code(exc: exceptions.APIException) -> str:
    detail = getattr(exc, "detail", None)
    # A raise with an explicit code (``NotFound(code="gone")``) keeps it; else the class default.
    if isinstance(detail, exceptions.ErrorDetail) and detail.code:
        return str(detail.code)
    return str(getattr(exc, "default_code", "error"))


def _translated(exc):
    """DRF builds two messages without gettext ("CSRF Failed: …", "JSON parse error - …"): the
    user's language instead (core.framework_messages lists the other gaps of the frameworks)."""
    detail = str(getattr(exc, "detail", ""))
    if isinstance(exc, exceptions.PermissionDenied) and detail.startswith("CSRF Failed"):
        return exceptions.PermissionDenied(
            _("The security token of the form (CSRF) is missing or wrong. Reload the page and try again.")
        )
    if isinstance(exc, exceptions.ParseError) and detail.startswith("JSON parse error"):
        return exceptions.ParseError(_("The request body is not valid JSON."))
    return exc


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(
            error_payload("invalid", _("The data is not valid."), _django_validation_details(exc)),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, (OutOfScope, Http404)):
        # Never reveal that a record exists elsewhere: out of scope is indistinguishable from absent.
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)

    exc = _translated(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's handler500 answers (and logs it)
    if isinstance(exc, exceptions.ValidationError):
        payload = error_payload("invalid", _("The data is not valid."), _drf_validation_details(exc.detail))
    else:
        data = response.data
        message = data.get("detail", "") if isinstance(data, dict) else str(data)
        details = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            details = {"wait_seconds": int(exc.wait)}
        payload = error_payload(_code(exc), message, details)
    response.data = payload
    return response
