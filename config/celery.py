"""The Celery application: background jobs and the schedules apps contribute.

Workers and beat start with ``celery -A config worker`` / ``celery -A config beat`` (``make serve``,
``make demo``, docs/deploy.md). Settings come from Django's, prefixed ``CELERY_`` (config/settings.py).
Tasks live in each app's ``tasks.py`` (autodiscovered); schedules in each app's
``AppConfig.beat_schedule`` (collected by ``zhijiao.core.tasks.contributed_beat_schedule``).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhijiao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _contributed_schedules(sender, **kwargs):
    # Runs once the tasks are registered (Django's apps are ready by then): beat reads the result.
    from zhijiao.core.tasks import contributed_beat_schedule

    schedule = dict(sender.conf.beat_schedule or {})
    for name, entry in contributed_beat_schedule().items():
        schedule.setdefault(name, entry)
    sender.conf.beat_schedule = schedule
