"""Exports of any size (core.exports): small ones at once, larger ones as a job with progress, in the
list's scope, filters and order; the file only for its owner, each download audited."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from zhijiao.core.models import AuditAction, AuditEntry, Job, JobStatus
from zhijiao.core.tests.views_helpers import xlsx_rows
from zhijiao.students.tests.factories import add_student


@pytest.fixture
def students(world):
    names = ["赵六", "钱七", "孙八", "李九"]
    for name in names:
        add_student(world, name=name)
    add_student(world, "b", name="外校生")
    return names


def _start(client, params):
    response = client.get(reverse("students:student_list"), params)
    assert response.status_code == 302, response.status_code
    assert "/exports/" in response["Location"]
    return Job.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_small_export_answers_at_once_sorted(world, login, students):
    client = login(world["school_a"])
    response = client.get(reverse("students:student_list"), {"export": "xlsx", "sort": "-name"})
    rows = xlsx_rows(response)
    names = [r[1] for r in rows[1:]]  # the column map: institution code, then the name
    assert sorted(students, reverse=True) == [n for n in names if n in students]
    assert "外校生" not in [str(v) for r in rows for v in r]


def test_large_export_is_a_job_scoped_sorted_and_owned(world, login, settings, students):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = login(world["school_a"])
    job = _start(client, {"export": "csv", "sort": "name"})
    assert job.status == JobStatus.SUCCEEDED, job.error  # CELERY_TASK_ALWAYS_EAGER in tests
    assert job.progress_done == job.progress_total == 4
    page = client.get(reverse("core:export_detail", args=[job.pk]))
    assert page.status_code == 200 and reverse("core:export_download", args=[job.pk]) in page.content.decode()

    download = client.get(reverse("core:export_download", args=[job.pk]))
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    body = rows[1:]
    assert [r[1] for r in body] == sorted(
        students
    )  # the column map: institution code, then the name  # the page's sort, only the school's rows
    assert "外校生" not in text
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert entry.object_type == "students.student" and entry.actor_name == "school_a"
    assert f"{job.pk}" in entry.message

    # Someone else — even a province administrator — does not get the file or the page.
    other = login(world["province_admin"])
    assert other.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    assert other.get(reverse("core:export_detail", args=[job.pk])).status_code == 404


def test_export_job_keeps_filters_and_writes_xlsx(world, login, settings, students):
    settings.EXPORT_SYNC_MAX_ROWS = 0
    client = login(world["province_admin"])
    job = _start(client, {"export": "xlsx", "q": "李"})
    rows = xlsx_rows(client.get(reverse("core:export_download", args=[job.pk])))
    flat = [str(v) for r in rows[1:] for v in r]
    assert "李九" in flat and "赵六" not in flat
    assert job.result["rows"] == 1


def test_export_job_of_a_list_without_an_exporter(world, login, settings):
    """The audit log (no column map): its table's columns, newest first, as a job — the page that
    took 10–14 s at 10 M entries now only queues the work."""
    settings.EXPORT_SYNC_MAX_ROWS = 0
    add_student(world, name="周十")
    client = login(world["auditor"])
    response = client.get(reverse("core:audit_list"), {"export": "xlsx"})
    assert response.status_code == 302
    job = Job.objects.latest("id")
    assert job.status == JobStatus.SUCCEEDED, job.error
    rows = xlsx_rows(client.get(reverse("core:export_download", args=[job.pk])))
    assert len(rows) - 1 == job.result["rows"] >= 1


def test_download_before_the_job_is_done_is_404(world, login, settings, students):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = login(world["school_a"])
    job = _start(client, {"export": "xlsx"})
    assert job.status == JobStatus.QUEUED
    assert client.get(reverse("core:export_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("core:export_detail", args=[job.pk]))
    assert 'hx-trigger="every 2s"' in page.content.decode()
