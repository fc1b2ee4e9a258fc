from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from zhijiao.core.contributions import DemoLoader
from zhijiao.core.navigation import SCHOOL_SIDE, MenuGroup, MenuItem


class WorkplanConfig(AppConfig):
    name = "zhijiao.workplan"
    label = "workplan"
    verbose_name = _("Work plan tracking")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule): reminders and escalation
    # each morning (workplan.tasks; safe to run twice).
    beat_schedule = {
        "workplan.send_reminders": {"task": "workplan.send_reminders", "schedule": crontab(hour=8, minute=0)},
    }
    urls = [("workplan/", "zhijiao.workplan.urls")]
    demo_loader = DemoLoader("zhijiao.workplan.demo.load_demo_workplan")
    api_routes = "zhijiao.workplan.api.routes.register"
    autocomplete = "zhijiao.workplan.autocomplete"

    menu = [
        MenuGroup("workplan", _("Work plan supervision"), order=60),
        MenuItem(_("Work plan"), "workplan:board", "workplan", "view", SCHOOL_SIDE),
    ]
    # The messages the work plan sends (core.notifications).
    notification_kinds = "zhijiao.workplan.choices.NotificationKind"
    lifecycles = "zhijiao.workplan.lifecycles"
    # Called by reporting when approved figures change (reporting.analytics.notify_changed).
    reporting_listeners = "zhijiao.workplan.services.reported.targets_sync_listener"
