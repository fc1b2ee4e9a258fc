import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from zhijiao.core.scoping import user_scope

_LAST_SEEN = "_last_seen"


def _redirect_with_next(url_name: str, request, **extra):
    params = {**extra, "next": request.get_full_path()}
    return redirect(f"{reverse(url_name)}?{urlencode(params)}")


class IdleTimeoutMiddleware:
    """Sign a session out after SESSION_IDLE_TIMEOUT_MINUTES without a request (等保 2.0)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(_LAST_SEEN)
            limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
            if last is not None and now - int(last) > limit:
                from .services import logout_recorded

                logout_recorded(user=user, reason="idle timeout")
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return _redirect_with_next("accounts:login", request, timeout=1)
            # The time of the last request is written when it is SESSION_LAST_SEEN_SECONDS old, not
            # on every request: a page then costs no session write (a transaction and a flush to
            # disk), and the idle limit is reached at most that many seconds early, never late.
            if last is None or now - int(last) >= settings.SESSION_LAST_SEEN_SECONDS:
                request.session[_LAST_SEEN] = now
        return self.get_response(request)


class RequireOTPMiddleware:
    """Roles in OTP_REQUIRED_ROLES must pass a TOTP check before using any page.

    A user without a device yet is sent to set one up; one with a device to verify it.
    Only the sign-in, sign-out and TOTP pages themselves are open before that (so an unverified
    session cannot rotate an API token or change a password). Token-authenticated API calls are
    not sessions and are not affected.
    """

    EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/", "/verify/")
    EXEMPT_URL_NAMES = ("accounts:login", "accounts:logout", "accounts:otp")

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt_paths: frozenset[str] | None = None

    def _is_exempt(self, path: str) -> bool:
        if self._exempt_paths is None:
            self._exempt_paths = frozenset(reverse(name) for name in self.EXEMPT_URL_NAMES)
        return path in self._exempt_paths or path.startswith(self.EXEMPT_PREFIXES)

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not self._is_exempt(request.path)
            and user_scope(user).has_role(*settings.OTP_REQUIRED_ROLES)
            and not user.is_verified()
        ):
            return _redirect_with_next("accounts:otp", request)
        return self.get_response(request)
