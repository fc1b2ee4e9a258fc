"""The files of background jobs go through the file storage (core.jobfiles), not the disk of the host
that ran the job: with the storage swapped for one that keeps nothing on disk, an export job, an
import job and their downloads still work and MEDIA_ROOT stays empty."""

from __future__ import annotations

import datetime
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from zhijiao.core import exports, jobfiles, jobs
from zhijiao.core.models import Job, JobStatus
from zhijiao.core.tests.views_helpers import xlsx_rows
from zhijiao.students.tests.factories import add_student

IN_MEMORY = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


@pytest.fixture
def memory_storage(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = IN_MEMORY
    yield tmp_path / "media"


def test_save_open_replace_delete(memory_storage):
    assert jobfiles.save("exports/job-1.csv", b"a,b\n") == "exports/job-1.csv"
    assert jobfiles.read_bytes("exports/job-1.csv") == b"a,b\n"
    jobfiles.save("exports/job-1.csv", io.BytesIO(b"c,d\n"))  # the same name, replaced — never job-1_abc.csv
    assert jobfiles.read_bytes("exports/job-1.csv") == b"c,d\n"
    assert default_storage.listdir("exports")[1] == ["job-1.csv"]
    jobfiles.delete("exports/job-1.csv")
    jobfiles.delete("exports/job-1.csv")  # deleting what is gone is no error
    assert not jobfiles.exists("exports/job-1.csv")
    assert not memory_storage.exists()  # nothing on the host's disk


@pytest.mark.parametrize("name", ["", "/etc/passwd", "../x", "exports/../../x", "a//b", "a\\b", "./a"])
def test_names_outside_the_storage_are_refused(memory_storage, name):
    with pytest.raises(ValueError):
        jobfiles.exists(name)


def test_writing_stores_only_a_complete_file(memory_storage):
    with pytest.raises(RuntimeError):
        with jobfiles.writing("exports/job-2.xlsx") as fh:
            fh.write(b"half")
            raise RuntimeError("the job died")
    assert not jobfiles.exists("exports/job-2.xlsx")
    with jobfiles.writing("exports/job-2.xlsx") as fh:
        fh.write(b"whole")
    assert jobfiles.read_bytes("exports/job-2.xlsx") == b"whole"


def test_purge_removes_old_job_files_only(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    jobfiles.save("exports/job-1.csv", b"old")
    jobfiles.save("exports/job-2.csv", b"new")
    jobfiles.save("exports/keep.txt", b"not a job file")
    old = (timezone.now() - datetime.timedelta(hours=50)).timestamp()
    os.utime(tmp_path / "exports" / "job-1.csv", (old, old))
    os.utime(tmp_path / "exports" / "keep.txt", (old, old))
    assert jobfiles.purge("exports", older_than_hours=48) == 1
    assert not jobfiles.exists("exports/job-1.csv") and jobfiles.exists("exports/job-2.csv")
    assert jobfiles.exists("exports/keep.txt")
    assert jobfiles.purge("nothing-here", older_than_hours=1) == 0


@pytest.mark.django_db
def test_export_job_and_download_go_through_the_storage(world, login, settings, memory_storage):
    for name in ("赵六", "钱七"):
        add_student(world, name=name)
    settings.EXPORT_SYNC_MAX_ROWS = 0
    client = login(world["school_a"])
    response = client.get(reverse("students:student_list"), {"export": "xlsx"})
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert jobfiles.exists(exports.output_name(job))
    rows = xlsx_rows(client.get(reverse("core:export_download", args=[job.pk])))
    assert {"赵六", "钱七"} <= {str(v) for r in rows for v in r}
    assert not memory_storage.exists()
    # the file gone from the storage (purged): the page says so and the download is 404
    jobfiles.delete(exports.output_name(job))
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404


@pytest.mark.django_db
def test_import_job_reads_its_upload_from_the_storage_and_removes_it(world, memory_storage):
    from zhijiao.core.importing import store_upload, stored_name
    from zhijiao.core.importing.testing import headers, xlsx_file
    from zhijiao.core.imports.jobs import JOB_KIND
    from zhijiao.core.testing import make_uscc
    from zhijiao.core.tests.test_jobs import worker
    from zhijiao.enterprises.importers import EnterpriseImporter
    from zhijiao.enterprises.models import Enterprise

    cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
    f = xlsx_file([cols, [make_uscc(6001), "存储企业", "C", "370102"]])

    class Upload:
        name = "s.xlsx"

        def chunks(self):
            yield f.getvalue()

    name = store_upload(Upload())
    assert jobfiles.exists(stored_name(name)) and not memory_storage.exists()
    with pytest.raises(ValueError):
        stored_name("../" + name)
    job = jobs.enqueue(
        JOB_KIND, params={"importer": "enterprises", "file": name}, created_by=world["province_admin"]
    )
    worker(job)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 1, job.error
    assert Enterprise.objects.filter(name="存储企业").exists()
    assert not jobfiles.exists(stored_name(name))  # personal data kept no longer than needed
