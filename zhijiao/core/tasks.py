"""Celery tasks of the kernel: running a job row, resuming interrupted jobs, scheduled recounts.

Every app's ``tasks.py`` is autodiscovered (config/celery.py); every app's
``AppConfig.beat_schedule`` (a dict of Celery beat entries) is collected here for beat.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.apps import apps
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@shared_task(name="core.run_job", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(job_id: int) -> str:
    """Run the job row ``job_id`` (core.jobs); a second delivery of the same job does nothing."""
    from . import jobs

    job = jobs.execute(job_id)
    return "skipped" if job is None else job.status


@shared_task(name="core.resume_interrupted_jobs", ignore_result=True)
def resume_interrupted_jobs() -> list[int]:
    """Every minute: send again the jobs whose worker died or whose message was lost."""
    from . import jobs

    sent = jobs.resume_interrupted()
    if sent:
        logger.warning("resumed background jobs %s", sent)
    return sent


@shared_task(name="core.enqueue_job", ignore_result=True)
def enqueue_job(kind: str, params: dict | None = None) -> int:
    """For beat: start a job of ``kind`` (a row users and admins see, resumed if interrupted)."""
    from . import jobs

    return jobs.enqueue(kind, params=params or {}).pk


@shared_task(name="core.tally_rebuild", ignore_result=True)
def tally_rebuild(specs: list[str], sql: list[str] | None = None) -> int:
    """Recount tallies from their tables (nightly, so counts cannot drift from a missed trigger or a
    restored dump): ``specs`` are dotted paths of ``TallySpec``s, ``sql`` of lists of rebuild
    statements (counts kept by custom SQL). PostgreSQL only; elsewhere nothing is kept to rebuild."""
    from django.db import connection, transaction

    from . import counters

    if not counters.available():
        return 0
    counters.tally_rebuild([import_string(path) for path in specs])
    statements = [stmt for path in sql or () for stmt in import_string(path)]
    if statements:
        with transaction.atomic(), connection.cursor() as cursor:
            for stmt in statements:
                cursor.execute(stmt)
    return len(specs) + len(sql or ())


def contributed_beat_schedule() -> dict:
    """Every installed app's ``AppConfig.beat_schedule``, merged (config/celery.py gives it to beat)."""
    schedule: dict = {}
    for cfg in apps.get_app_configs():
        for name, entry in (getattr(cfg, "beat_schedule", None) or {}).items():
            if name in schedule:
                raise ValueError(f"beat entry {name!r} is declared by two apps")
            schedule[name] = entry
    return schedule
