import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from zhijiao.core.scoping import user_scope

_LAST_SEEN = "_last_seen"


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
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('accounts:login')}?timeout=1&next={request.path}")
            request.session[_LAST_SEEN] = now
        return self.get_response(request)


class RequireOTPMiddleware:
    """Roles in OTP_REQUIRED_ROLES must pass a TOTP check before using any page.

    A user without a device yet is sent to set one up; one with a device to verify it.
    Token-authenticated API calls are not sessions and are not affected.
    """

    EXEMPT_PREFIXES = ("/accounts/", "/static/", "/healthz", "/i18n/", "/verify/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and user_scope(user).has_role(*settings.OTP_REQUIRED_ROLES)
            and not user.is_verified()
        ):
            return redirect(f"{reverse('accounts:otp')}?next={request.path}")
        return self.get_response(request)
