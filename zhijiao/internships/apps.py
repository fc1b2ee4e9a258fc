from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InternshipsConfig(AppConfig):
    name = "zhijiao.internships"
    label = "internships"
    verbose_name = _("Internships")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule), Asia/Shanghai times.
    beat_schedule = {
        # The compliance sweep (alerts, escalation) as a job row, before the offices open.
        "internships.sweep": {
            "task": "core.enqueue_job",
            "schedule": crontab(hour=1, minute=15),
            "kwargs": {"kind": "internships.sweep"},
        },
        "internships.tally_rebuild": {
            "task": "core.tally_rebuild",
            "schedule": crontab(hour=3, minute=30),
            "kwargs": {
                "specs": [
                    "zhijiao.internships.tallies.PLACEMENTS",
                    "zhijiao.internships.tallies.ALERTS_OPEN",
                ],
                "sql": ["zhijiao.internships.tallies.BLOCKED_REBUILD"],
            },
        },
    }
