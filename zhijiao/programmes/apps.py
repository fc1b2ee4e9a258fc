from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import AUTHORITIES, PROVINCE, SCHOOL_SIDE, UNATTACHED, MenuGroup, MenuItem


class ProgrammesConfig(AppConfig):
    name = "zhijiao.programmes"
    label = "programmes"
    verbose_name = _("Programmes")
    lifecycles = "zhijiao.programmes.lifecycles"
    rules = "zhijiao.programmes.rules"
    home_panels = "zhijiao.programmes.home.panels"
    demo_loader = DemoLoader("zhijiao.programmes.demo.load_demo_programmes", after=("reporting",))
    urls = [("programmes/", "zhijiao.programmes.urls")]
    detail_panels = {
        "orgs.institution": "zhijiao.programmes.panels.institution_awards",
        "majors.institutionmajor": "zhijiao.programmes.panels.offering_awards",
        "enterprises.enterprise": "zhijiao.programmes.panels.enterprise_awards",
    }
    api_routes = "zhijiao.programmes.api.register"
    notification_kinds = "zhijiao.programmes.choices.NotificationKind"
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule), Asia/Shanghai times:
    # reminders before a follow-up report's deadline and escalation after it (idempotent per day).
    beat_schedule = {
        "programmes.followup_reminders": {
            "task": "programmes.followup_reminders",
            "schedule": crontab(hour=8, minute=30),
        },
    }
    menu = [
        MenuGroup("programmes", _("Programmes"), order=66),
        MenuItem(_("Calls"), "programmes:calls", "programmes", "view", SCHOOL_SIDE),
        MenuItem(_("Expert pool"), "programmes:experts", "programmes", "view", AUTHORITIES),
        MenuItem(_("My reviews"), "programmes:my_reviews", "programmes", None, frozenset({UNATTACHED})),
        MenuItem(_("Awards"), "programmes:awards", "programmes", "view", SCHOOL_SIDE),
        MenuItem(
            _("My follow-up reviews"),
            "programmes:followup_my_reviews",
            "programmes",
            None,
            frozenset({UNATTACHED}),
        ),
        MenuItem(_("Programme types"), "programmes:types", "programmes", "change", frozenset({PROVINCE})),
    ]
