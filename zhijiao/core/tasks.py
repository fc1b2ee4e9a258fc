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


@shared_task(name="core.run_job", bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def run_job(self, job_id: int) -> str:
    """Run the job row ``job_id`` (core.jobs); a second delivery of a finished job does nothing.

    Found RUNNING with a fresh heartbeat — another worker has it, or the pool process that had it
    was just killed and Celery put the message back — it looks again once the heartbeat would be
    stale, so a killed job resumes without waiting for the resume sweep.
    """
    from . import jobs

    job = jobs.execute(job_id)
    if job is not None:
        return job.status
    if jobs.is_running(job_id) and not self.request.is_eager:
        raise self.retry(countdown=jobs.stale_after().total_seconds() + 5, max_retries=120)
    return "skipped"


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

    paths = [*specs, *(sql or ())]
    if any(not (p.startswith("zhijiao.") and ".tallies." in p) for p in paths):
        # A message names what to import: only an app's tallies module, never anything else.
        raise ValueError(f"not a tallies path: {paths!r}")
    if not counters.available():
        return 0
    counters.tally_rebuild([import_string(path) for path in specs])
    statements = [stmt for path in sql or () for stmt in import_string(path)]
    if statements:
        with transaction.atomic(), connection.cursor() as cursor:
            for stmt in statements:
                cursor.execute(stmt)
    return len(specs) + len(sql or ())


@shared_task(name="core.send_daily_digests", ignore_result=True)
def send_daily_digests() -> int:
    """The daily digest email of waiting notifications (core.notifications; each message once)."""
    from .notifications import send_daily_digests as send

    return send()


def contributed_beat_schedule() -> dict:
    """Every installed app's ``AppConfig.beat_schedule``, merged (config/celery.py gives it to beat)."""
    schedule: dict = {}
    for cfg in apps.get_app_configs():
        for name, entry in (getattr(cfg, "beat_schedule", None) or {}).items():
            if name in schedule:
                raise ValueError(f"beat entry {name!r} is declared by two apps")
            schedule[name] = entry
    return schedule
