"""Background jobs: a registry of job functions, a queue in the ``Job`` table, and the worker loop.

The queue is the database itself, so jobs survive restarts and any number of ``run_worker``
processes (on any host) can share it: a worker claims a job with ``SELECT … FOR UPDATE SKIP
LOCKED`` where the database has it, and always with a compare-and-set update, so SQLite works
too. A worker that dies leaves its job RUNNING with a stale heartbeat (``JOBS_STALE_SECONDS``, a
minute: live workers beat every few seconds); the job then shows as interrupted and the next worker
takes it again, up to ``JOBS_MAX_ATTEMPTS`` attempts. Job functions must therefore be idempotent.
A job that raises ``PermanentJobError`` (a refused file, a missing input) fails at once: trying
again could only fail again, or do the same harm again.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from .models import Job, JobStatus

logger = logging.getLogger(__name__)

JobFunction = Callable[[Job], dict | None]
_registry: dict[str, JobFunction] = {}


class PermanentJobError(Exception):
    """The job cannot succeed by being run again; it is marked failed without a retry."""


def max_attempts() -> int:
    return getattr(settings, "JOBS_MAX_ATTEMPTS", 3)


def stale_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "JOBS_STALE_SECONDS", 60))


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """``@register("import")`` makes a function runnable as a job of that kind."""

    def decorator(fn: JobFunction) -> JobFunction:
        _registry[kind] = fn
        return fn

    return decorator


def registered(kind: str) -> JobFunction | None:
    if kind not in _registry:
        _autodiscover()
    return _registry.get(kind)


def _autodiscover() -> None:
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("jobs")
    # The import job lives with the pipeline, the export job with the list exports.
    import zhijiao.core.exports  # noqa: F401
    import zhijiao.core.imports.jobs  # noqa: F401


def enqueue(kind: str, *, params: dict, created_by=None) -> Job:
    """Queue a job; with ``JOBS_EAGER`` it runs at once in this process (tests, demos)."""
    job = Job.objects.create(kind=kind, params=params, created_by=created_by)
    if settings.JOBS_EAGER:
        if _claim(job.pk, job.status, job.attempts):
            job.refresh_from_db()
            run_job(job)
            job.refresh_from_db()
    return job


def set_progress(
    job: Job, done: int | None = None, total: int | None = None, stage: str | None = None
) -> None:
    """Record progress and a heartbeat. Call it outside the write transaction (readers see it at once)."""
    fields: dict = {"heartbeat_at": timezone.now()}
    if done is not None:
        job.progress_done = fields["progress_done"] = done
    if total is not None:
        job.progress_total = fields["progress_total"] = total
    if stage is not None:
        job.stage = fields["stage"] = stage[:100]
    job.heartbeat_at = fields["heartbeat_at"]
    Job.objects.filter(pk=job.pk).update(**fields)


def run_job(job: Job) -> Job:
    """Run a claimed job to the end and record the outcome; never raises."""
    fn = registered(job.kind)
    language = (job.params or {}).get("language") or settings.LANGUAGE_CODE
    try:
        if fn is None:
            raise LookupError(f"no job function registered for {job.kind!r}")
        with translation.override(language):
            result = fn(job) or {}
    except Exception as exc:  # the job failed: record it and retry or give up
        logger.exception("job %s failed", job.pk)
        retry = job.attempts < max_attempts() and not isinstance(exc, PermanentJobError)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.QUEUED if retry else JobStatus.FAILED,
            error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"[:5000],
            finished_at=None if retry else timezone.now(),
            heartbeat_at=timezone.now(),
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.SUCCEEDED,
            result=result,
            error="",
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            stage="done",
        )
    job.refresh_from_db()
    return job


def _claim(pk: int, status: str, attempts: int) -> bool:
    """Compare-and-set: only the worker whose update matches the row it read gets the job."""
    now = timezone.now()
    return bool(
        Job.objects.filter(pk=pk, status=status, attempts=attempts).update(
            status=JobStatus.RUNNING,
            attempts=F("attempts") + 1,
            started_at=now,
            heartbeat_at=now,
        )
    )


def claim_next() -> Job | None:
    """Take the oldest queued job, or a RUNNING one whose worker stopped sending heartbeats."""
    while True:
        cutoff = timezone.now() - stale_after()
        qs = Job.objects.filter(
            Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
        ).order_by("created_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # PostgreSQL: workers skip rows another worker is claiming instead of queueing on them.
            with transaction.atomic():
                candidate = qs.select_for_update(skip_locked=True).only("pk", "status", "attempts").first()
                outcome = _take(candidate)
        else:
            # SQLite: no row locks; the compare-and-set update alone decides who wins.
            candidate = qs.only("pk", "status", "attempts").first()
            outcome = _take(candidate)
        if outcome is not False:
            return outcome
        # Lost the race for that row, or gave it up; look again.


def _take(candidate: Job | None) -> Job | None | bool:
    if candidate is None:
        return None
    if candidate.attempts >= max_attempts():
        # A stale job that already used every attempt (its worker kept dying): give up on it.
        Job.objects.filter(pk=candidate.pk, attempts=candidate.attempts).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"gave up after {candidate.attempts} attempts (the worker stopped)",
        )
        return False
    if _claim(candidate.pk, candidate.status, candidate.attempts):
        return Job.objects.get(pk=candidate.pk)
    return False


class _Heartbeat(threading.Thread):
    """Keeps a running job's heartbeat fresh from its own connection, even during a long write
    transaction, so no other worker mistakes a slow job for a dead one."""

    def __init__(self, pk: int):
        super().__init__(name=f"job-heartbeat-{pk}", daemon=True)
        self.pk = pk
        self.interval = min(10.0, max(1.0, stale_after().total_seconds() / 4))
        self.stopped = threading.Event()

    def run(self) -> None:
        from django.db import connection as thread_connection

        try:
            while not self.stopped.wait(self.interval):
                try:
                    Job.objects.filter(pk=self.pk, status=JobStatus.RUNNING).update(
                        heartbeat_at=timezone.now()
                    )
                except Exception:  # e.g. SQLite busy while the job writes: try again next beat
                    logger.warning("heartbeat for job %s failed", self.pk, exc_info=True)
        finally:
            thread_connection.close()


def work(*, once: bool = False, sleep: float = 1.0, max_jobs: int | None = None, stop=None) -> int:
    """The worker loop behind ``manage.py run_worker``; returns how many jobs it ran."""
    import time

    done = 0
    while True:
        if stop is not None and stop():
            return done
        job = claim_next()
        if job is None:
            if once:
                return done
            time.sleep(sleep)
            continue
        heartbeat = _Heartbeat(job.pk)
        heartbeat.start()
        try:
            run_job(job)
        finally:
            heartbeat.stopped.set()
            heartbeat.join(timeout=5)
        done += 1
        if max_jobs is not None and done >= max_jobs:
            return done
