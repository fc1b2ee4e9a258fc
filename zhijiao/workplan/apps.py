from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkplanConfig(AppConfig):
    name = "zhijiao.workplan"
    label = "workplan"
    verbose_name = _("Work plan tracking")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule): reminders and escalation
    # each morning (workplan.tasks; safe to run twice).
    beat_schedule = {
        "workplan.send_reminders": {"task": "workplan.send_reminders", "schedule": crontab(hour=8, minute=0)},
    }
