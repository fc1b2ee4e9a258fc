import threading
from datetime import timedelta

import pytest
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
    # enqueue then only writes the row (the message would go out on commit); the tests play the
    # worker by running the core.run_job task's body.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    CALLS.clear()


def worker(job) -> Job | None:
    """What a Celery worker does with the message for ``job``."""
    return jobs.execute(job.pk)


@pytest.mark.django_db
class TestQueue:
    def test_enqueue_then_worker_runs_it(self, world):
        job = jobs.enqueue("test.ok", params={"x": 7}, created_by=world["school_a"])
        assert job.status == JobStatus.QUEUED
        assert worker(job) is not None
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
        settings.CELERY_TASK_ALWAYS_EAGER = True
        job = jobs.enqueue("test.ok", params={"x": 1})
        assert job.status == JobStatus.SUCCEEDED and CALLS == [job.pk]

    def test_enqueue_sends_the_task_on_commit(self, django_capture_on_commit_callbacks, monkeypatch):
        from zhijiao.core import tasks

        sent = []
        monkeypatch.setattr(tasks.run_job, "apply_async", lambda args, countdown=None: sent.append(args))
        with django_capture_on_commit_callbacks(execute=True):
            job = jobs.enqueue("test.ok", params={})
            assert sent == []  # not before the row is committed: a worker must find it
        assert sent == [(job.pk,)] and CALLS == []

    def test_a_second_delivery_does_nothing(self):
        job = jobs.enqueue("test.ok", params={"x": 5})
        assert worker(job).status == JobStatus.SUCCEEDED
        assert worker(job) is None
        from zhijiao.core.tasks import run_job

        assert run_job.apply(args=(job.pk,)).get() == "skipped"
        assert CALLS == [job.pk]

    def test_failures_are_retried_then_recorded(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 2
        job = jobs.enqueue("test.fail", params={})
        worker(job)
        job.refresh_from_db()
        assert job.status == JobStatus.QUEUED and job.attempts == 1  # sent again, after a pause
        worker(job)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and job.attempts == 2
        assert "RuntimeError: boom" in job.error

    def test_unknown_kind_fails_cleanly(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 1
        job = jobs.enqueue("no.such.kind", params={})
        worker(job)
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "no job function" in job.error

    def test_restart_takes_a_stale_running_job_again(self):
        job = jobs.enqueue("test.ok", params={"x": 2})
        # A worker claimed it and died: RUNNING, one attempt used, heartbeat long ago.
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert jobs.resume_interrupted() == [job.pk]
        assert worker(job) is not None
        job.refresh_from_db()
        assert (job.status, job.attempts, CALLS) == (JobStatus.SUCCEEDED, 2, [job.pk])

    def test_a_running_job_with_a_fresh_heartbeat_is_left_alone(self):
        job = jobs.enqueue("test.ok", params={})
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=1, heartbeat_at=timezone.now()
        )
        assert jobs.resume_interrupted() == []
        assert worker(job) is None  # e.g. Redis redelivered the message of a slow job
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING

    def test_a_job_whose_workers_keep_dying_is_given_up(self, settings):
        settings.JOBS_MAX_ATTEMPTS = 2
        job = jobs.enqueue("test.ok", params={})
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, attempts=2, heartbeat_at=timezone.now() - timedelta(hours=1)
        )
        assert worker(job) is None
        job.refresh_from_db()
        assert job.status == JobStatus.FAILED and "gave up" in job.error

    def test_only_one_claimer_wins(self):
        job = jobs.enqueue("test.ok", params={})
        assert jobs.claim(job.pk) is not None
        assert jobs.claim(job.pk) is None  # a second delivery of the same message

    def test_a_queued_job_whose_message_was_lost_is_sent_again(self):
        job = jobs.enqueue("test.ok", params={})
        assert jobs.resume_interrupted() == []  # just sent: its worker may be busy
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
        assert jobs.resume_interrupted() == [job.pk]
        assert jobs.resume_interrupted() == []  # at most once per JOBS_RESEND_SECONDS


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
        worker(job)
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
        worker(job)
        job.refresh_from_db()
        assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 1
        assert Enterprise.objects.filter(name="重启企业").count() == 1

    def test_an_import_killed_after_its_write_is_rerun_without_writing_twice(
        self, world, settings, tmp_path, monkeypatch
    ):
        """The rows are committed, then the worker dies before the job is marked done: Celery runs the
        job again, which finds the write in the job row's checkpoint and imports nothing twice."""
        from zhijiao.core.importing import store_upload
        from zhijiao.core.imports import jobs as import_jobs
        from zhijiao.core.models import AuditEntry
        from zhijiao.enterprises.importers import EnterpriseImporter
        from zhijiao.enterprises.models import Enterprise

        settings.MEDIA_ROOT = tmp_path
        cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
        f = xlsx_file([cols] + [[make_uscc(5000 + n), f"断点企业{n}", "C", "370102"] for n in range(3)])

        class Upload:
            name = "k.xlsx"

            def chunks(self):
                yield f.getvalue()

        name = store_upload(Upload())
        job = jobs.enqueue(
            import_jobs.JOB_KIND,
            params={"importer": "enterprises", "file": name, "filename": "k.xlsx"},
            created_by=world["province_admin"],
        )

        class Killed(BaseException):
            """The worker process dies (SIGKILL): nothing after this point runs, nothing is caught."""

        real_progress = import_jobs.set_progress

        def progress(job, done=None, total=None, stage=None):
            if stage == "done":  # after the write transaction committed
                raise Killed
            real_progress(job, done, total, stage)

        monkeypatch.setattr(import_jobs, "set_progress", progress)
        audits = AuditEntry.objects.count()
        with pytest.raises(Killed):
            worker(job)
        job.refresh_from_db()
        assert job.status == JobStatus.RUNNING and job.checkpoint["written"]["created"] == 3
        written = AuditEntry.objects.count() - audits
        assert Enterprise.objects.filter(name__startswith="断点企业").count() == 3 and written >= 1

        # A minute without heartbeat: shown as interrupted, sent again, run again.
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - jobs.stale_after() * 2)
        job.refresh_from_db()
        assert job.interrupted
        assert jobs.resume_interrupted() == [job.pk]
        job = worker(job)
        assert job.status == JobStatus.SUCCEEDED and job.attempts == 2, job.error
        assert job.result["created"] == 3 and job.result["filename"] == "k.xlsx"
        assert Enterprise.objects.filter(name__startswith="断点企业").count() == 3
        assert AuditEntry.objects.count() - audits == written  # no audit entry twice
        assert not (tmp_path / "imports" / name).exists()


class TestBeat:
    def test_apps_contribute_the_schedules(self):
        from zhijiao.core.tasks import contributed_beat_schedule

        schedule = contributed_beat_schedule()
        assert schedule["core.resume_interrupted_jobs"]["schedule"] == 60.0
        assert schedule["internships.sweep"]["kwargs"] == {"kind": "internships.sweep"}
        assert {"workplan.send_reminders", "students.tally_rebuild", "credentials.tally_rebuild"} <= set(
            schedule
        )

    def test_beat_gets_them_and_every_entry_names_a_task(self):
        from django.utils.module_loading import import_string

        from config.celery import app

        app.loader.import_default_modules()
        app.finalize()
        for name, entry in app.conf.beat_schedule.items():
            assert entry["task"] in app.tasks, name
            for path in [*entry.get("kwargs", {}).get("specs", ()), *entry.get("kwargs", {}).get("sql", ())]:
                assert import_string(path), path

    @pytest.mark.django_db
    def test_the_scheduled_tasks_run(self, settings):
        from zhijiao.core import tasks

        settings.CELERY_TASK_ALWAYS_EAGER = True
        pk = tasks.enqueue_job.apply(kwargs={"kind": "test.ok", "params": {"x": 9}}).get()
        assert Job.objects.get(pk=pk).result == {"echo": 9}
        assert tasks.resume_interrupted_jobs.apply().get() == []
        rebuilt = tasks.tally_rebuild.apply(
            kwargs={"specs": ["zhijiao.students.tallies.STUDENTS"], "sql": []}
        ).get()
        assert rebuilt == (1 if connection.vendor == "postgresql" else 0)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs row locks across connections")
def test_several_workers_run_each_job_once():
    """Every job delivered to four workers at once (redelivery, resends): each runs once."""
    created = [jobs.enqueue("test.ok", params={"n": n}).pk for n in range(12)]
    errors = []

    def worker():
        try:
            for pk in created:
                jobs.execute(pk)
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
