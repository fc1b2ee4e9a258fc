"""Test settings: the normal settings with test-friendly environment defaults.

DATABASE_URL decides the database (CI sets PostgreSQL; unset means SQLite).
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")
os.environ.setdefault("CREDENTIALS_VERIFY_BASE_URL", "http://testserver")

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
# Uploads made by tests go to a throwaway directory, never into var/media.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="zhijiao-test-media-"))
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Abuse counters in this process's memory, emptied before each test (conftest.py); the Redis
# scripts have their own tests (tests/security/test_ratelimit.py), which skip without REDIS_URL.
RATELIMIT_BACKEND = "memory"
# Jobs run inline (CELERY_TASK_ALWAYS_EAGER); anything sent regardless stays in this process.
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# Lists plan every count (core.listing): tests compare a list's first request with later ones. In use
# the plan is cached for listing.COUNT_PLAN_SECONDS (core/tests/test_listing_statements.py turn it on).
LIST_COUNT_PLAN_SECONDS = 0
# Every request renews the session's time of last request: tests compare a page's first request with
# later ones. In use it is renewed once a minute old (accounts/tests/test_views.py turns that on).
SESSION_LAST_SEEN_SECONDS = 0
