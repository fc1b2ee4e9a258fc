from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, SCHOOL_SIDE, MenuGroup, MenuItem

#: Menu entries a student sees (a user with a student record).
STUDENT = "zhijiao.students.selectors.user_has_student_record"


class CredentialsConfig(AppConfig):
    name = "zhijiao.credentials"
    label = "credentials"
    verbose_name = _("Credentials")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule): counts recounted nightly.
    beat_schedule = {
        "credentials.tally_rebuild": {
            "task": "core.tally_rebuild",
            "schedule": crontab(hour=3, minute=15),
            "kwargs": {"specs": ["zhijiao.credentials.tallies.CERTIFICATES"]},
        },
    }
    # The public lookup first (order 0): the busiest page, resolved before the ~200 staff page patterns.
    urls = [("verify/", "zhijiao.credentials.urls_public", 0), ("credentials/", "zhijiao.credentials.urls")]
    demo_loader = DemoLoader("zhijiao.credentials.demo.load_demo_credentials", after=("students",))
    api_routes = "zhijiao.credentials.api.routes.register"
    home_panels = "zhijiao.credentials.home.panels"

    menu = [
        MenuGroup("credentials", pgettext_lazy("menu group", "Certificates"), order=40),
        MenuItem(_("Certificates"), "credentials:certificate_list", "credentials", "view", SCHOOL_SIDE),
        MenuItem(_("Issue certificates"), "credentials:issue", "credentials", "change", SCHOOL_SIDE),
        MenuItem(_("Print certificates"), "credentials:print_batch", "credentials", "change", SCHOOL_SIDE),
        MenuItem(_("Publish credentials"), "credentials:publish", "credentials", "change", AUTHORITIES),
        MenuItem(_("My credentials"), "credentials:my", "mine", None, visible_if=STUDENT),
    ]
    lifecycles = "zhijiao.credentials.lifecycles"

    def ready(self):
        from django.core import checks

        checks.register(check_verify_base_url, checks.Tags.compatibility)


def check_verify_base_url(app_configs=None, **kwargs):
    """Production must say where /verify/ is served: it is printed on every certificate."""
    from django.conf import settings
    from django.core import checks

    if settings.DEBUG or getattr(settings, "CREDENTIALS_VERIFY_BASE_URL", ""):
        return []
    return [
        checks.Error(
            "CREDENTIALS_VERIFY_BASE_URL is not set.",
            hint="Set it to the public address of the platform, e.g. https://zhijiao.example.gov.cn; "
            "it is printed in every certificate's verification QR code.",
            id="credentials.E001",
        )
    ]
