import threading
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from zhijiao.core import jobs
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.models import Job, JobStatus
from zhijiao.core.testing import make_uscc

CALLS: list[int] = []
_lock = threading.Lock()


@jobs.register("test.ok")
def _ok(job):
    with _lock:
        CALLS.append(job.pk)
    jobs.set_progress(job, 1, 2, "halfway")
    return {"echo": job.params.get("x")}


@jobs.register("test.fail")
def _fail(job):
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def not_eager(settings):
    settings.JOBS_EAGER = False
    CALLS.clear()


@pytest.mark.django_db
class TestQueue:
    def test_enqueue_then_worker_runs_it(self, world):
        job = jobs.enqueue("test.ok", params={"x": 7}, created_by=world["school_a"])
        assert job.status == JobStatus.QUEUED
        assert jobs.work(once=True) == 1
        job.refresh_from_db()
        assert (job.status, job.result, job.attempts, job.stage) == (
            JobStatus.SUCCEEDED,
            {"echo": 7},
            1,
            "done",
        )
        assert job.progress_done == 1 and job.progress_total == 2
        assert job.finished_at and job.heartbeat_at

    def test_eager_runs_inline(self, settings):
        settings.JOBS_EAGER = True
        job = jobs.enqueue("test.ok", params={"x": 1})
        assert job.status == JobStatus.SUCCEEDED and CALLS == [job.pk]

    def test_failures_are_retried_then_recorded(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 2
        job = jobs.enqueue("test.fail", params={})
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.attempts == 2
        assert "RuntimeError: boom" in job.error

    def test_unknown_kind_fails_cleanly(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 1
        job = jobs.enqueue("no.such.kind", params={})
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "no job function" in job.error

    def test_restart_takes_a_stale_running_job_again(self):
        job = jobs.enqueue("test.ok", params={"x": 2})
        # A worker claimed it and died: RUNNING, one attempt used, heartbeat long ago.
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert jobs.work(once=True) == 1
        job.refresh_from_db()
        assert (job.status, job.attempts, CALLS) == (JobStatus.SUCCEEDED, 2, [job.pk])

    def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(self):
        job = jobs.enqueue("test.ok", params={})
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
        )
        assert jobs.work(once=True) == 0
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING

    def test_a_job_whose_workers_keep_dying_is_given_up(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 2
        job = jobs.enqueue("test.ok", params={})
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=2, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert jobs.work(once=True) == 0
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "gave up" in job.error

    def test_only_one_claimer_wins(self):
        job = jobs.enqueue("test.ok", params={})
        assert jobs._claim(job.pk, JobStatus.QUEUED, 0) is True
        assert jobs._claim(job.pk, JobStatus.QUEUED, 0) is False  # a second worker read the same row

    def test_run_worker_command(self):
        job = jobs.enqueue("test.ok", params={"x": 3})
        call_command("run_worker", "--once", "--sleep", "0")
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED


@pytest.mark.django_db
class TestImportJob:
    def test_large_import_runs_as_job_with_progress(self, world, settings, tmp_path):
        from zhijiao.core.importing import store_upload
        from zhijiao.core.imports.jobs import JOB_KIND
        from zhijiao.enterprises.importers import EnterpriseImporter
        from zhijiao.enterprises.models import Enterprise

        settings.MEDIA_ROOT = tmp_path
        cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
        f = xlsx_file([cols] + [[make_uscc(3000 + n), f"作业企业{n}", "C", "370102"] for n in range(1500)])

        class Upload:
            name = "big.xlsx"

            def chunks(self):
                yield f.getvalue()

        name = store_upload(Upload())
        job = jobs.enqueue(
            JOB_KIND,
            params={"importer": "enterprises", "file": name, "filename": "big.xlsx"},
            created_by=world["province_admin"],
        )
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED, job.error
        assert job.result["ok"] and job.result["created"] == 1500
        assert (job.progress_done, job.progress_total, job.percent) == (1500, 1500, 100)
        assert Enterprise.objects.filter(name__startswith="作业企业").count() == 1500
        assert not (tmp_path / "imports" / name).exists()  # the upload is removed once imported

    def test_restarted_import_job_completes_once(self, world, settings, tmp_path):
        from zhijiao.core.importing import store_upload
        from zhijiao.core.imports.jobs import JOB_KIND
        from zhijiao.enterprises.importers import EnterpriseImporter
        from zhijiao.enterprises.models import Enterprise

        settings.MEDIA_ROOT = tmp_path
        cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
        f = xlsx_file([cols, [make_uscc(4001), "重启企业", "C", "370102"]])

        class Upload:
            name = "r.xlsx"

            def chunks(self):
                yield f.getvalue()

        job = jobs.enqueue(
            JOB_KIND,
            params={"importer": "enterprises", "file": store_upload(Upload())},
            created_by=world["province_admin"],
        )
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(hours=2)
        )
        jobs.work(once=True)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 1
        assert Enterprise.objects.filter(name="重启企业").count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs row locks across connections")
def test_several_workers_run_each_job_once():
    created = [jobs.enqueue("test.ok", params={"n": n}).pk for n in range(12)]
    errors = []

    def worker():
        try:
            jobs.work(once=True)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(CALLS) == sorted(created)
    assert set(Job.objects.values_list("status", flat=True)) == {JobStatus.SUCCEEDED}
