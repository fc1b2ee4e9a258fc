"""Background jobs: job functions registered by kind, run by Celery, seen by users as a ``Job`` row.

Celery (config/celery.py) carries the work: ``enqueue`` writes the row and, once the transaction
commits, sends the ``core.run_job`` task (zhijiao.core.tasks) with the row's id. The row stays the
single truth users see — status, progress, result, errors — and the only lock: a worker takes a job
with a compare-and-set update of its row (``claim``), so a message delivered twice (Redis
redelivery, ``acks_late`` after a lost worker, the resume sweep) runs the job once.

A worker that dies leaves its job RUNNING with a stale heartbeat (``JOBS_STALE_SECONDS``, a minute:
live workers beat every few seconds); the job then shows as interrupted, and it is run again — by
Celery at once when only the pool process died (``task_reject_on_worker_lost``), else by the
``core.resume_interrupted_jobs`` beat entry within the minute — up to ``JOBS_MAX_ATTEMPTS`` attempts.
Job functions must be idempotent; work done in steps records each step in the row's ``checkpoint``
in the same transaction as its writes (``once``), so a rerun skips what was committed.
A job that raises ``PermanentJobError`` (a refused file, a missing input) fails at once.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
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


def resend_after() -> timedelta:
    return timedelta(seconds=getattr(settings, "JOBS_RESEND_SECONDS", 600))


def eager() -> bool:
    """Jobs run inline in the calling process (the test settings; ``CELERY_TASK_ALWAYS_EAGER``)."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


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


# --- sending ---------------------------------------------------------------------------------------
def enqueue(kind: str, *, params: dict, created_by=None) -> Job:
    """Create the job row and hand it to a Celery worker once the transaction commits (eager: run it now)."""
    job = Job.objects.create(kind=kind, params=params, created_by=created_by, heartbeat_at=timezone.now())
    send(job.pk)
    job.refresh_from_db()
    return job


def send(pk: int, *, countdown: float | None = None) -> None:
    """Ask a worker to run job ``pk``; sending twice is harmless (``claim``)."""
    from .tasks import run_job as task

    if eager():
        task.apply(args=(pk,))
        return
    # After commit: a worker must find the row. robust: a broker that is down leaves the job
    # QUEUED (the resume sweep sends it again) instead of failing the request that made it.
    transaction.on_commit(lambda: task.apply_async(args=(pk,), countdown=countdown), robust=True)


# --- the job row ---------------------------------------------------------------------------------
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


def checkpoint_get(job: Job, key: str, default: Any = None) -> Any:
    """What an earlier attempt of this job committed under ``key`` (read from the row, not the copy)."""
    current = Job.objects.filter(pk=job.pk).values_list("checkpoint", flat=True).first() or {}
    job.checkpoint = current
    return current.get(key, default)


def checkpoint_set(job: Job, key: str, value: Any) -> None:
    """Record ``value`` under ``key``. Inside the caller's transaction it commits (or not) with the
    writes it vouches for — that is what makes a rerun skip exactly the committed steps."""
    current = Job.objects.filter(pk=job.pk).values_list("checkpoint", flat=True).first() or {}
    current[key] = value
    Job.objects.filter(pk=job.pk).update(checkpoint=current)
    job.checkpoint = current


def once(job: Job, key: str, fn: Callable[[], Any]) -> Any:
    """Run ``fn`` once per job: in one transaction with recording its (JSON) outcome under ``key``;
    a rerun after a crash returns the recorded outcome without running ``fn`` again.

    The row is written at the end of the transaction, so the heartbeat (another connection) is
    not held up by a long write.
    """
    missing = object()
    done = checkpoint_get(job, key, missing)
    if done is not missing:
        return done
    with transaction.atomic():
        value = fn()
        checkpoint_set(job, key, value)
    return value


# --- running (the core.run_job task) ---------------------------------------------------------------
def claim(pk: int) -> Job | None:
    """Take job ``pk`` for this worker: a QUEUED job, or a RUNNING one whose worker stopped beating.

    Compare-and-set on (status, attempts): of two deliveries of the same job, one wins. A stale
    job that already used every attempt (its workers keep dying) is given up instead.
    """
    cutoff = timezone.now() - stale_after()
    row = (
        Job.objects.filter(pk=pk)
        .filter(Q(status=JobStatus.QUEUED) | Q(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff))
        .values("status", "attempts")
        .first()
    )
    if row is None:
        return None
    if row["status"] == JobStatus.RUNNING and row["attempts"] >= max_attempts():
        Job.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=row["attempts"]).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"gave up after {row['attempts']} attempts (the worker stopped)",
        )
        return None
    now = timezone.now()
    won = Job.objects.filter(pk=pk, status=row["status"], attempts=row["attempts"]).update(
        status=JobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
    )
    return Job.objects.get(pk=pk) if won else None


def is_running(pk: int) -> bool:
    return Job.objects.filter(pk=pk, status=JobStatus.RUNNING).exists()


def execute(pk: int) -> Job | None:
    """Claim job ``pk`` and run it to the end with a heartbeat; None when it was not ours to run."""
    job = claim(pk)
    if job is None:
        return None
    heartbeat = _Heartbeat(job.pk)
    heartbeat.start()
    try:
        return run_job(job)
    finally:
        heartbeat.stopped.set()
        heartbeat.join(timeout=5)


def run_job(job: Job) -> Job:
    """Run a claimed job and record the outcome; a failure is sent again while attempts remain.

    Only ``Exception`` is caught: a worker that is killed (or a test simulating that with a
    ``BaseException``) leaves the row RUNNING, to be resumed.
    """
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
        if retry:
            send(job.pk, countdown=min(300, 10 * 2 ** (job.attempts - 1)))
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


def resume_interrupted() -> list[int]:
    """Send again the jobs no worker is running: RUNNING with a stale heartbeat (the worker died),
    and QUEUED ones not started ``JOBS_RESEND_SECONDS`` after they were last sent (a lost message).
    Run every minute by beat; returns the ids sent."""
    now = timezone.now()
    stale = Q(status=JobStatus.RUNNING, heartbeat_at__lt=now - stale_after())
    lost = Q(status=JobStatus.QUEUED) & (Q(heartbeat_at__lt=now - resend_after()) | Q(heartbeat_at=None))
    sent = []
    for pk in (
        Job.objects.filter(stale | lost).order_by("created_at", "id").values_list("pk", flat=True)[:500]
    ):
        # Mark when it was sent, so a lost message is re-sent at most once per JOBS_RESEND_SECONDS.
        Job.objects.filter(pk=pk, status=JobStatus.QUEUED).update(heartbeat_at=now)
        send(pk)
        sent.append(pk)
    return sent


class _Heartbeat(threading.Thread):
    """Keeps a running job's heartbeat fresh from its own connection, even during a long write
    transaction, so the job does not look interrupted while it is only slow."""

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
