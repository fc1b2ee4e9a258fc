"""A real Celery worker (in a thread, over Redis) runs an import job to the end.

Skips without REDIS_URL (CI sets it). The broker is that Redis's database 15, whose queue the test
empties first, so it never touches the cache's or a running installation's messages.
"""

import time
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


@pytest.fixture
def redis_app(settings):
    if not django_settings.REDIS_URL:
        pytest.skip("REDIS_URL not set")
    from celery.contrib.testing.worker import start_worker
    from celery.signals import task_postrun

    from config.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "broker_transport_options", "task_always_eager")}
    broker = urlunsplit(urlsplit(django_settings.REDIS_URL)._replace(path="/15"))
    app.conf.update(broker_url=broker, broker_transport_options={}, task_always_eager=False)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge("celery")

    def close_db(**kwargs):
        # The worker thread's connection would keep the test database open after the test.
        connections.close_all()

    task_postrun.connect(close_db, weak=False)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        task_postrun.disconnect(close_db)
        app.conf.update(saved)


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
