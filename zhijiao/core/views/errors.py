"""Friendly error pages (config.urls handler400/403/404/500).

The 500 page is rendered from a template without a request context: it must work when the
database or a context processor is what failed.
"""

import logging

from django.http import (
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.translation import gettext as _

from zhijiao.core.api.exceptions import api_error_response, is_api_request

logger = logging.getLogger(__name__)


def _render(request, template_name: str, context: dict | None = None) -> str:
    try:
        return loader.render_to_string(template_name, context or {}, request=request)
    except Exception:  # the nav menu needs the database; fall back to the bare page
        logger.exception("error page %s failed with a request context", template_name)
        return loader.render_to_string("500.html", {})


def _friendly(response):
    """Marks a page of ours, so FriendlyErrorPagesMiddleware leaves it as it is."""
    response._zhijiao_friendly_error = True
    return response


def bad_request(request, exception=None, template_name="400.html"):
    if is_api_request(request):
        return api_error_response(400, "bad_request", _("The request is not valid."))
    return _friendly(HttpResponseBadRequest(_render(request, template_name)))


def permission_denied(request, exception=None, template_name="403.html"):
    message = ""
    if exception is not None and exception.args and isinstance(exception.args[0], str):
        message = exception.args[0]
    if is_api_request(request):
        return api_error_response(403, "permission_denied", message or _("You do not have permission."))
    return _friendly(HttpResponseForbidden(_render(request, template_name, {"message": message})))


def page_not_found(request, exception=None, template_name="404.html"):
    if is_api_request(request):
        return api_error_response(404, "not_found", _("Not found."))
    return _friendly(HttpResponseNotFound(_render(request, template_name, {"request_path": request.path})))


def server_error(request, template_name="500.html"):
    if request is not None and is_api_request(request):
        return api_error_response(500, "server_error", _("An internal error occurred; it has been logged."))
    template = loader.get_template(template_name)
    return _friendly(HttpResponseServerError(template.render({})))
