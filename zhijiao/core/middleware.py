import logging
import re
import uuid

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .context import client_ip_var, request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Tag each request with an id (X-Request-ID from the proxy, or a new one) for logs and audit."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = rid
        token = request_id_var.set(rid)
        ip_token = client_ip_var.set(request.META.get("REMOTE_ADDR"))
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
            client_ip_var.reset(ip_token)
        response["X-Request-ID"] = rid
        return response


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy: every asset is served by us, no inline script.

    Every answer the application itself makes (pages, API, exports, PDFs, the public lookup's
    result) may carry personal data, so none is stored by a browser or a proxy
    (``Cache-Control: no-store``) unless the view chose its own caching (the public key list).
    Static files never reach this middleware (WhiteNoise answers them first, cacheable).
    """

    POLICY = (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; connect-src 'self'; font-src 'self' data:; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", self.POLICY)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self)")
        response.setdefault("Cache-Control", "no-store")
        return response


class RequestIdLogFilter(logging.Filter):
    def filter(self, record):
        record.request_id = request_id_var.get() or "-"
        return True


class FriendlyErrorPagesMiddleware:
    """Our Chinese 404 and 500 pages in every mode, ``make demo``'s DEBUG=1 included.

    With DEBUG on, Django answers a missing page or an unhandled error with its English debug page.
    This middleware (outermost but for the security layers) replaces those with the friendly pages
    the handlers render when DEBUG is off; ``DJANGO_DEBUG_PAGES=1`` keeps Django's pages for a
    developer. The error has been logged by Django before it gets here. API requests keep their
    JSON envelope. Responses of our own handlers carry ``FRIENDLY`` and pass untouched.
    """

    FRIENDLY = "_zhijiao_friendly_error"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)

        if not settings.DEBUG or getattr(settings, "DEBUG_ERROR_PAGES", False):
            return response
        if response.status_code not in (404, 500) or getattr(response, self.FRIENDLY, False):
            return response
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        from zhijiao.core.views import errors

        if response.status_code == 404:
            return errors.page_not_found(request)
        return errors.server_error(request)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The UI speaks ``LANGUAGE_CODE`` (简体中文) unless its user chose another language with the
    switch in the account menu (Django's language cookie, set by ``/i18n/setlang/``).

    The browser's ``Accept-Language`` is not asked: a Chinese office machine whose browser happens to
    say ``en-US`` got the English UI, where every user of the platform works in Chinese. The public
    pages (the diploma lookup at ``/verify/``, the competitions' results and award lookup) are the
    exception: they set no cookie, and a verifier abroad reads them in the browser's language
    (Chinese unless the browser asks for English).
    """

    BROWSER_LANGUAGE_PREFIXES = ("/verify/", "/competitions/public/")

    def _follows_browser(self, request) -> bool:
        return request.path_info.startswith(self.BROWSER_LANGUAGE_PREFIXES)

    def process_request(self, request):
        if self._follows_browser(request):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        try:
            language = (
                translation.get_supported_language_variant(chosen) if chosen else settings.LANGUAGE_CODE
            )
        except LookupError:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        if self._follows_browser(request):
            return super().process_response(request, response)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response
