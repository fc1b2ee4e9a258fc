"""Background job kinds of the internships app (``core.jobs``): the daily sweep, started by Celery
beat (``InternshipsConfig.beat_schedule``) and run by a Celery worker; ``manage.py internship_sweep``
runs it inline. The sweep is idempotent."""

import datetime as dt

from zhijiao.core.jobs import register


@register("internships.sweep")
def sweep_job(job) -> dict:
    from .sweep import run_sweep

    day = job.params.get("date")
    return run_sweep(today=dt.date.fromisoformat(day) if day else None)
