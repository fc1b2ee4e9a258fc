"""API token authentication: ``Authorization: Token <key>`` against ``ApiToken`` (hashed, expiring).

A request with a revoked or expired token is refused (401) whatever else it carries; the token's last
use is written at most once a minute (a check-in app polling does not rewrite the row each time).
``request.auth`` is the ``ApiToken``, so views can ask for a scope (``token_has_scope``).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

KEYWORD = "Token"
#: The last use is written when the stored one is older than this.
LAST_USE_PRECISION = timedelta(seconds=60)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def key_from_header(value: str) -> str | None:
    parts = value.split()
    if len(parts) == 2 and parts[0].lower() == KEYWORD.lower():
        return parts[1]
    return None


class ApiTokenAuthentication(BaseAuthentication):
    keyword = KEYWORD

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key: str):
        from .models import ApiToken

        if not key or len(key) > 200:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
        if token is None or token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(_("The token has expired; create a new one."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        if token.last_used_at is None or token.last_used_at < now - LAST_USE_PRECISION:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return (token.user, token)

    def authenticate_header(self, request):
        return self.keyword


def token_has_scope(request, scope: str) -> bool:
    """A session (a person at the browser) has every scope its roles allow; a token only those it was
    made with."""
    from .models import ApiToken

    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        return auth.has_scope(scope)
    return True
