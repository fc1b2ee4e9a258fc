"""Issue 11, items 2 and 7: every importer and every upload refuses hostile files — decompression
bombs, huge cells, far-away columns, too many parts or rows, wrong types, bad encodings, PDF and
image bombs — in well under a second, with a message, writing nothing; a refused file in a
background job is never retried."""

from __future__ import annotations

import contextlib
import gc
import io
import re
import time

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from zhijiao.core import jobs
from zhijiao.core.importing import autodiscover, run_import
from zhijiao.core.importing.reading import estimate_rows
from zhijiao.core.importing.runner import store_upload
from zhijiao.core.models import AuditEntry, Job, JobStatus
from zhijiao.core.uploads import UploadRejected, check_upload, sniff

from . import hostile_files as corpus

pytestmark = pytest.mark.django_db
KINDS = sorted(autodiscover())
# CPU seconds of this thread (time.thread_time): the bound is on the work a hostile file costs, not
# on the wall clock of a machine other work may be loading, nor on other threads of the test process
# (a live server's, the audit writer's).
FAST = 1.0


@pytest.fixture(scope="module", autouse=True)
def _generated():
    """Generate the corpus once (the 300 MB cell takes a second to compress)."""
    for name in [*corpus.TABLE_CORPUS, *corpus.ATTACHMENT_CORPUS]:
        corpus.make(name)


@pytest.mark.parametrize("name", sorted(corpus.TABLE_CORPUS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_importer_refuses_every_hostile_file(world, name, kind):
    filename, data = corpus.make(name)
    before = AuditEntry.objects.count()
    with _check_cpu_time() as spent:
        result = run_import(kind, io.BytesIO(data), filename, actor=world["province_admin"])
    elapsed = spent()
    assert not result.ok
    assert result.errors and str(result.errors[0]).strip()
    assert elapsed < FAST, f"{name} took {elapsed:.2f} s"
    assert AuditEntry.objects.count() == before


def test_refusals_are_in_chinese(world):
    for name in ("huge_inline_cell", "far_column", "zip_bomb_part", "csv_long_line"):
        filename, data = corpus.make(name)
        result = run_import("enterprises", io.BytesIO(data), filename, actor=world["province_admin"])
        message = str(result.errors[0])
        assert re.search(r"[\u4e00-\u9fff]", message), message


@pytest.mark.parametrize("name", sorted(corpus.TABLE_CORPUS))
def test_the_upload_page_refuses_every_hostile_file(world, login, name):
    filename, data = corpus.make(name)
    client = login(world["province_admin"])
    client.get("/imports/enterprises/")  # templates compiled, session loaded: time the refusal only
    with _check_cpu_time() as spent:
        response = client.post("/imports/enterprises/", {"file": SimpleUploadedFile(filename, data)})
    elapsed = spent()
    assert response.status_code in (400, 413, 422), response.status_code
    assert elapsed < FAST + 0.5, f"{name} took {elapsed:.2f} s"
    assert not Job.objects.exists()  # never queued for the worker


def test_limits_hold_in_the_row_estimate(settings):
    _filename, data = corpus.far_column()
    with pytest.raises(UploadRejected):
        estimate_rows(io.BytesIO(data), "far.xlsx")
    settings.IMPORT_MAX_ROWS = 50
    _filename, data = corpus.too_many_rows(60)
    with pytest.raises(UploadRejected, match="50"):
        estimate_rows(io.BytesIO(data), "many.xlsx")
    _filename, data = corpus.csv_too_many_rows(60)
    with pytest.raises(UploadRejected, match="50"):
        estimate_rows(io.BytesIO(data), "many.csv")
    _filename, data = corpus.too_many_rows(20)
    assert estimate_rows(io.BytesIO(data), "ok.xlsx") == 20


def test_a_refused_file_in_a_background_job_is_not_retried(world, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    filename, data = corpus.make("far_column")
    stored = store_upload(SimpleUploadedFile(filename, data))
    job = jobs.enqueue(
        "import",
        params={"importer": "enterprises", "file": stored, "filename": filename},
        created_by=world["province_admin"],
    )
    job.refresh_from_db()
    assert job.attempts == 1 and job.status == JobStatus.SUCCEEDED
    assert job.result["ok"] is False and "XFD" in job.result["errors"][0]["reason"]
    gone = jobs.enqueue(
        "import",
        params={"importer": "enterprises", "file": "missing.xlsx"},
        created_by=world["province_admin"],
    )
    gone.refresh_from_db()
    assert gone.status == JobStatus.FAILED and gone.attempts == 1


def test_types_are_told_by_content():
    assert sniff(io.BytesIO(corpus.small_pdf()[1])) == "pdf"
    assert sniff(io.BytesIO(corpus.small_png()[1])) == "png"
    assert sniff(io.BytesIO(corpus.far_column(2)[1])) == "xlsx"
    assert sniff(io.BytesIO(b"a,b\n1,2\n")) == "text"
    assert sniff(io.BytesIO(corpus.old_xls()[1])) == "ole"


# --- attachments ------------------------------------------------------------------------------------
def _upload(name):
    filename, data = corpus.make(name)
    return SimpleUploadedFile(filename, data)


@contextlib.contextmanager
def _check_cpu_time():
    """The CPU time of this thread inside the block, without a garbage collection of what earlier
    tests left: late in a full run one took 1.2 s of a many-page PDF's check (the check: 0.03 s)."""
    gc.collect()
    gc.disable()
    started, ended = time.thread_time(), None
    try:
        yield lambda: ended - started
    finally:
        ended = time.thread_time()
        gc.enable()


@pytest.mark.parametrize("name", sorted(corpus.ATTACHMENT_CORPUS))
def test_every_attachment_check_refuses_every_hostile_file(name):
    from zhijiao.internships.models.base import validate_attachment_size
    from zhijiao.internships.services.inspections import check_evidence
    from zhijiao.students.services.status_changes import check_attachment
    from zhijiao.workplan.services import validate_evidence

    for check in (check_attachment, check_evidence, validate_evidence):
        # The hostile file is made before the clock starts: making it is the test's work, and late in
        # a full run (a large heap to collect) it took 1.1 s of the 1.0 allowed; the check 0.03 s.
        upload = _upload(name)
        with _check_cpu_time() as spent:
            with pytest.raises(ValidationError):
                check(upload)
        assert spent() < FAST
    with pytest.raises(ValidationError):
        from django.core.files.base import File
        from django.db.models.fields.files import FieldFile

        from zhijiao.internships.models import Report

        field_file = FieldFile(Report(), Report._meta.get_field("attachment"), None)
        field_file.file = File(_upload(name), name=corpus.make(name)[0])
        field_file.name = corpus.make(name)[0]
        field_file._committed = False
        validate_attachment_size(field_file)


def test_good_attachments_pass():
    from zhijiao.students.services.status_changes import check_attachment

    check_attachment(SimpleUploadedFile("doc.pdf", corpus.small_pdf()[1]))
    check_attachment(SimpleUploadedFile("photo.png", corpus.small_png()[1]))
    assert check_upload(io.BytesIO(corpus.small_pdf(pages=3)[1]), name="a.pdf", kinds={"pdf"}).kind == "pdf"


def test_status_change_page_refuses_a_pixel_bomb(world, login):
    from zhijiao.students.models import StatusChange
    from zhijiao.students.tests.factories import registered

    student = registered(world)
    response = login(world["school_a"]).post(
        f"/students/{student.pk}/status-change/",
        {
            "kind": "suspend",
            "reason": "病休",
            "effective_date": "2025-03-01",
            "months": "6",
            "suspension_reason": "illness",
            "attachments": [_upload("png_pixel_bomb")],
        },
    )
    assert response.status_code == 200
    assert "bomb.png" in response.content.decode()
    assert not StatusChange.objects.exists()
