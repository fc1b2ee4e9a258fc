from celery.schedules import crontab
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudentsConfig(AppConfig):
    name = "zhijiao.students"
    label = "students"
    verbose_name = _("Student registry")
    # Celery beat entries (zhijiao.core.tasks.contributed_beat_schedule): counts recounted nightly.
    beat_schedule = {
        "students.tally_rebuild": {
            "task": "core.tally_rebuild",
            "schedule": crontab(hour=3, minute=0),
            "kwargs": {"specs": ["zhijiao.students.tallies.STUDENTS", "zhijiao.students.tallies.ENROLMENTS"]},
        },
    }
