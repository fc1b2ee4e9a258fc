from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.navigation import MenuGroup, MenuItem


class CoreConfig(AppConfig):
    name = "zhijiao.core"
    label = "core"
    verbose_name = _("Core")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule), Asia/Shanghai times.
    beat_schedule = {
        # Jobs whose worker died show as interrupted after JOBS_STALE_SECONDS and are resumed here.
        "core.resume_interrupted_jobs": {"task": "core.resume_interrupted_jobs", "schedule": 60.0},
        # One email per user with the day's waiting notifications (core.notifications).
        "core.send_daily_digests": {
            "task": "core.send_daily_digests",
            "schedule": crontab(hour=17, minute=30),
        },
    }
    urls = [("", "zhijiao.core.urls"), ("imports/", "zhijiao.core.imports.urls")]
    api_routes = "zhijiao.core.api.routes.register"
    home_panels = "zhijiao.core.home.panels"

    menu = [
        MenuGroup("start", "", order=0),
        MenuGroup("mine", _("My pages"), order=80),
        MenuGroup("system", _("System administration"), order=90),
        MenuItem(_("Home"), "core:home", "start", None, order=0),
        MenuItem(_("Imports"), "imports:index", "system", "import", order=90),
        MenuItem(_("Audit log"), "core:audit_list", "system", "view_audit", order=90),
    ]

    def ready(self):
        # django-tables2 reads a function's signature once, not on every cell (core.tablebody).
        from .tablebody import install_cached_signature

        install_cached_signature()
        # Any decoding of an image anywhere (Pillow) refuses a pixel bomb (core.uploads).
        from PIL import Image

        from .uploads import limit

        Image.MAX_IMAGE_PIXELS = limit("UPLOAD_IMAGE_MAX_PIXELS")

        from django.core import checks

        checks.register(shared_counters_check, checks.Tags.security, deploy=False)
        # What the code assumes about the data, checked with the database (core.checks).
        from .checks import one_province_root

        checks.register(one_province_root, checks.Tags.database)


def shared_counters_check(app_configs, **kwargs):
    """Served without Redis, each worker counts sign-in failures and lookups on its own: the limits
    then multiply with the number of workers."""
    from django.conf import settings
    from django.core import checks

    if settings.DEBUG or settings.REDIS_URL or getattr(settings, "RATELIMIT_BACKEND", "") == "memory":
        return []
    return [
        checks.Warning(
            "REDIS_URL is not set: sign-in and lookup limits are counted per worker process.",
            hint="Set REDIS_URL (make serve does when a Redis answers on 127.0.0.1:6379); see .env.example.",
            id="zhijiao.W001",
        )
    ]
