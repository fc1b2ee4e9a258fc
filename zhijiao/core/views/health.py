"""``/healthz``: a liveness and readiness probe for load balancers, systemd and monitoring.

No login, no sensitive data: only "ok" or "error" per dependency. Failures are logged with their
details on the server side; the response never carries exception text.
"""

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)


def _check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            row = cursor.fetchone()
        return row is not None and row[0] == 1
    except Exception:
        logger.exception("healthz: database check failed")
        return False


def _check_cache() -> bool:
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except Exception:
        logger.exception("healthz: cache check failed")
        return False


@never_cache
@require_safe
def healthz(request):
    checks = {"database": _check_database()}
    if getattr(settings, "REDIS_URL", ""):
        checks["cache"] = _check_cache()
    healthy = all(checks.values())
    body = {"status": "ok" if healthy else "error"}
    body.update({name: "ok" if ok else "error" for name, ok in checks.items()})
    return JsonResponse(body, status=200 if healthy else 503)
