"""One error envelope for the whole API: {"error": {"code", "message", "details"}}."""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from zhijiao.core.services import OutOfScope


def _django_validation_details(exc: DjangoValidationError):
    if hasattr(exc, "message_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def exception_handler(exc, context):
    if isinstance(exc, OutOfScope):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, DjangoValidationError):
        data = _django_validation_details(exc)
        return Response(
            {"error": {"code": "invalid", "message": _("The data is not valid."), "details": data}},
            status=status.HTTP_400_BAD_REQUEST,
        )
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    detail = response.data
    if isinstance(exc, exceptions.ValidationError):
        message = _("The data is not valid.")
        details = detail
    else:
        message = detail.get("detail", "") if isinstance(detail, dict) else str(detail)
        details = {}
    code = getattr(exc, "default_code", "error")
    response.data = {"error": {"code": code, "message": str(message), "details": details}}
    return response
