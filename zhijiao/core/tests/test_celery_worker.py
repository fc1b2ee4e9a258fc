"""Real Celery workers over Redis: one in a thread runs an import job to the end; one in a process,
killed mid-job, has its job resumed from the checkpoints in the job row.

Skips without REDIS_URL (CI sets it). The broker is that Redis's database 15, whose queue the test
empties first, so it never touches the cache's or a running installation's messages.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings as django_settings
from django.db import connection, connections

from zhijiao.core import jobs
from zhijiao.core.importing import store_upload
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.imports.jobs import JOB_KIND
from zhijiao.core.models import Job, JobStatus
from zhijiao.core.testing import make_uscc
from zhijiao.enterprises.importers import EnterpriseImporter
from zhijiao.enterprises.models import Enterprise


def _broker_url() -> str:
    return urlunsplit(urlsplit(django_settings.REDIS_URL)._replace(path="/15"))


@pytest.fixture
def redis_broker(settings):
    """Jobs are sent to Redis database 15, emptied first."""
    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")
    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    app.conf.update(broker_url=_broker_url(), broker_transport_options={}, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")
    try:
        yield app
    finally:
        app.conf.update(saved)


@pytest.fixture
def redis_app(redis_broker):
    """A worker in a thread of this process (solo pool) consuming that queue."""
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    def close_db(**kwargs):
        # The worker thread's connection would keep the test database open after the test.
        connections.close_all()

    task_postrun.connect(close_db, weak=False)
    try:
        with start_worker(redis_broker, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield redis_broker
    finally:
        task_postrun.disconnect(close_db)


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_an_import_job_to_done(redis_app, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
    f = xlsx_file([cols] + [[make_uscc(6000 + n), f"工人企业{n}", "C", "370102"] for n in range(5)])

    class Upload:
        name = "w.xlsx"

        def chunks(self):
            yield f.getvalue()

    job = jobs.enqueue(
        JOB_KIND,
        params={"importer": "enterprises", "file": store_upload(Upload()), "filename": "w.xlsx"},
        created_by=world["province_admin"],
    )  # autocommit: sent to Redis at once
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED):
            break
        time.sleep(0.2)
    assert job.status == JobStatus.SUCCEEDED, (job.status, job.error)
    assert job.result["created"] == 5 and job.attempts == 1
    assert Enterprise.objects.filter(name__startswith="工人企业").count() == 5
    # A second delivery of the same message (Redis redelivery, a resend) changes nothing.
    from zhijiao.core.tasks import run_job

    run_job.delay(job.pk)
    time.sleep(1)
    assert Job.objects.get(pk=job.pk).attempts == 1
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_process_is_killed_resumes_from_its_checkpoint(redis_broker, settings):
    """SIGKILL of the pool process running a job (as the OOM killer does): Celery puts the message
    back (acks_late, reject_on_worker_lost), the job shows interrupted once its heartbeat is stale,
    and a worker resumes it from the steps its row recorded — issue 11's promise, now on Celery."""
    from zhijiao.core.tests.slow_job import SLOW_JOB

    settings.JOBS_STALE_SECONDS = 4  # as the worker's, so the test sees it interrupted as soon
    root = Path(__file__).resolve().parents[3]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": _broker_url(),
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "JOBS_STALE_SECONDS": "4",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-I",
            "zhijiao.core.tests.slow_job",
            "--concurrency",
            "1",
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "WARNING",
            "-n",
            f"killtest{os.getpid()}@%h",
        ],
        cwd=root,
        env=env,
        start_new_session=True,
    )
    try:
        job = jobs.enqueue(SLOW_JOB, params={})
        job = _wait(job, lambda j: j.status == JobStatus.RUNNING and j.checkpoint.get("step", 0) >= 2, 60)
        children = subprocess.run(["pgrep", "-P", str(worker.pid)], capture_output=True, text=True)
        pids = [int(p) for p in children.stdout.split()]
        assert pids, "no pool process"
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        job = _wait(job, lambda j: j.interrupted, 30)
        job = _wait(job, lambda j: j.status == JobStatus.SUCCEEDED, 90)
        assert job.attempts == 2 and job.result["resumed_from"] >= 2
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=30)
        connection.close()


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the test database only on PostgreSQL")
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _wait(job, ready, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if ready(job):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job.pk}: {job.status} {job.checkpoint} {job.error}")
