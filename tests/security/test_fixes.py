"""Issue 11, item 6: the two 500s, who withdraws a request, existence oracles, a repeated import,
interrupted jobs, Text code columns in templates, no-store answers."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from zhijiao.core import jobs
from zhijiao.core.importing import run_import
from zhijiao.core.models import Job, JobStatus
from zhijiao.core.tabular import write_xlsx
from zhijiao.core.testing_api import api_client, url
from zhijiao.students import services as student_services
from zhijiao.students.importers import StudentImporter
from zhijiao.students.models import Student
from zhijiao.students.tests.factories import add_student, new_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def iw(world):
    from zhijiao.internships.tests.conftest import IWorld

    return IWorld(world)


# --- the two 500s ------------------------------------------------------------------------------------
@pytest.mark.parametrize("year", ["0", "99999999999999999999", "-1", "1.5", "abc"])
def test_certificate_year_out_of_range_is_400_not_500(world, english, year):
    response = api_client(world["province_admin"]).get(url("certificates"), {"year": year})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "year" in response.json()["error"]["details"]


def test_certificate_page_ignores_a_bad_year(world, login):
    assert login(world["province_admin"]).get("/credentials/", {"year": "0"}).status_code == 200


def test_batch_without_term_is_the_autumn_intake(world, english):
    add_student(world, name="批次生")
    response = api_client(world["school_a"]).post(
        url("registration-batches"), {"institution": world.school_a.pk, "year": 2024}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["term"] == "autumn"


@pytest.mark.parametrize("year", [0, 99999])
def test_batch_with_impossible_year_is_400(world, english, year):
    response = api_client(world["school_a"]).post(
        url("registration-batches"), {"institution": world.school_a.pk, "year": year}, format="json"
    )
    assert response.status_code == 400


# --- only the submitter withdraws ---------------------------------------------------------------------
def _submitted_batch(world):
    add_student(world, name="批次生")
    batch = student_services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=2024, term="autumn"
    )
    student_services.batch_override_deadline(actor=world["province_admin"], batch=batch, reason="补录")
    student_services.batch_submit(actor=world["school_a"], batch=batch)
    batch.refresh_from_db()
    return batch


def test_city_cannot_withdraw_a_schools_request(world, english, login):
    batch = _submitted_batch(world)
    approval = batch.approval
    endpoint = url("approval-requests", approval.pk, "cancel")
    refused = api_client(world["jinan"]).post(endpoint, {"comment": "不要了"}, format="json")
    assert refused.status_code == 403
    approval.refresh_from_db()
    assert approval.status == "in_review"
    # The page offers the button to the school only.
    city_page = login(world["jinan"]).get(f"/approvals/{approval.pk}/").content.decode()
    assert 'value="cancel"' not in city_page
    school_page = login(world["school_a"]).get(f"/approvals/{approval.pk}/").content.decode()
    assert 'value="cancel"' in school_page
    ok = api_client(world["school_a"]).post(endpoint, {"comment": "撤回"}, format="json")
    assert ok.status_code == 200
    approval.refresh_from_db()
    assert approval.status == "cancelled"


# --- existence oracles ---------------------------------------------------------------------------------
def test_pay_record_for_an_unseen_placement_answers_alike_with_or_without_a_record(iw, english):
    seen = iw.placement(activate=True)
    other = iw.placement(activate=True)
    host = api_client(iw.host_user)
    body = {"period": "2024-03-01", "amount": "3200", "paid_on": "2024-03-31", "method": "bank_transfer"}
    assert host.post(url("pay-records"), {**body, "placement": seen.pk}, format="json").status_code == 201
    # An outsider (another city's school) probes both placements: one has March recorded, one not.
    outsider = api_client(iw.w["school_b"])
    answers = []
    for placement in (seen, other, 987654321):
        pk = getattr(placement, "pk", placement)
        response = outsider.post(url("pay-records"), {**body, "placement": pk}, format="json")
        answers.append((response.status_code, str(response.json()["error"]).replace(f'"{pk}"', "N")))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][0] == 400 and "does not exist" in answers[0][1]
    # The host itself still learns that March is recorded.
    again = host.post(url("pay-records"), {**body, "placement": seen.pk}, format="json")
    assert again.status_code == 400 and "already recorded" in str(again.json())


# --- a repeated import ----------------------------------------------------------------------------------
HEADERS = [c.header() for c in StudentImporter.columns if c.importable and c.key != "institution"]
KEYS = [c.key for c in StudentImporter.columns if c.importable and c.key != "institution"]


def _roster(rows):
    buf = io.BytesIO()
    write_xlsx(buf, headers=HEADERS, rows=[[r.get(k, "") for k in KEYS] for r in rows])
    buf.seek(0)
    return buf


def _row(**kw):
    base = {
        "name": "张三", "gender": "男", "id_number": new_id(), "birth_date": "2008-01-01",
        "major": "710201", "start_year": 2020, "class_name": "2024级1班", "study_years": 3,
        "entry_date": "2024-09-01", "guardian_name": "张父", "guardian_phone": "13800000000",
    }  # fmt: skip
    base.update(kw)
    return base


def test_reimporting_the_same_roster_changes_nothing_and_says_so(world, english, login):
    rows = [_row(name=f"学生{i}") for i in range(5)]
    first = run_import("students", _roster(rows), "roster.xlsx", actor=world["school_a"])
    assert first.ok and first.created == 5
    count = Student.objects.count()
    again = run_import("students", _roster(rows), "roster.xlsx", actor=world["school_a"])
    assert again.ok, [str(e) for e in again.errors]
    assert (again.created, again.unchanged) == (0, 5)
    assert Student.objects.count() == count
    # A row that differs from what is stored is still an error naming the row.
    changed = [*rows[:4], {**rows[4], "name": "改名"}]
    conflict = run_import("students", _roster(changed), "roster.xlsx", actor=world["school_a"])
    assert not conflict.ok and "other details" in str(conflict.errors[0])
    # The page says that nothing changed.
    page = login(world["school_a"]).post("/imports/students/", {"file": _upload(rows)}).content.decode()
    assert "data-import-unchanged" in page and "imported before" in page


def _upload(rows):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("roster.xlsx", _roster(rows).read())


# --- interrupted jobs ---------------------------------------------------------------------------------
def test_a_job_without_heartbeat_for_a_minute_shows_interrupted_and_is_taken_again(
    world, english, login, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the row is inspected, not run
    job = Job.objects.create(
        kind="import",
        params={"importer": "students", "file": "x.xlsx"},
        created_by=world["school_a"],
        status=JobStatus.RUNNING,
        attempts=1,
        stage="writing",
        progress_done=50000,
        progress_total=50000,
        heartbeat_at=timezone.now() - timedelta(seconds=30),
    )
    assert not job.interrupted
    client = login(world["school_a"])
    assert "data-job-interrupted" not in client.get(f"/imports/jobs/{job.pk}/progress/").content.decode()
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=61))
    job.refresh_from_db()
    assert job.interrupted
    page = client.get(f"/imports/jobs/{job.pk}/progress/").content.decode()
    assert "data-job-interrupted" in page and "Interrupted" in page
    api = api_client(world["school_a"]).get(url("jobs", job.pk)).json()
    assert api["interrupted"] is True
    # The every-minute beat entry sends it to a worker again (within the minute, not after five),
    # and that worker may take it.
    assert jobs.resume_interrupted() == [job.pk]
    assert jobs.claim(job.pk).attempts == 2


def test_a_permanent_error_is_not_retried(world):
    calls = []

    @jobs.register("test-permanent")
    def refuse(job):
        calls.append(job.pk)
        raise jobs.PermanentJobError("refused file")

    job = jobs.enqueue("test-permanent", params={})
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1 and len(calls) == 1


# --- templates, caching ---------------------------------------------------------------------------------
def test_import_template_formats_code_columns_as_text(world, login):
    response = login(world["school_a"]).get("/imports/students/template.xlsx")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = wb.worksheets[0]
    codes = {c.header() for c in StudentImporter.import_columns() if c.type == "code"}
    assert len(codes) >= 4  # institution code, ID number, major code, guardian phone, 学籍号
    for index, cell in enumerate(ws[1], start=1):
        letter = cell.column_letter
        expected = "@" if cell.value in codes else "General"
        assert ws.column_dimensions[letter].number_format == expected, (cell.value, index)


def test_personal_pages_and_api_are_not_stored(world, login):
    student = add_student(world)
    page = login(world["school_a"]).get(f"/students/{student.pk}/")
    assert "no-store" in page["Cache-Control"]
    api = api_client(world["school_a"]).get(url("students", student.pk))
    assert "no-store" in api["Cache-Control"]
    keys = api_client().get("/verify/keys.json")
    assert "public" in keys["Cache-Control"] and "no-store" not in keys["Cache-Control"]
