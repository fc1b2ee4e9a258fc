import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from zhijiao.core import jobs
from zhijiao.core.importing.testing import headers, xlsx_file
from zhijiao.core.imports.jobs import JOB_KIND
from zhijiao.core.models import AuditEntry, Job, JobStatus
from zhijiao.core.testing import make_uscc
from zhijiao.enterprises.importers import EnterpriseImporter
from zhijiao.enterprises.models import Enterprise
from zhijiao.majors.importers import OfferingImporter


@pytest.fixture(autouse=True)
def english(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def enterprise_file(n=1, start=0, **over):
    cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
    rows = [[make_uscc(7000 + start + i), f"页面企业{start + i}", "C", "370102"] for i in range(n)]
    return xlsx_file([cols] + rows).getvalue()


URLS = [
    ("imports:index", []),
    ("imports:upload", ["enterprises"]),
    ("imports:template", ["enterprises"]),
    ("imports:job_detail", [1]),
    ("imports:job_progress", [1]),
]


@pytest.mark.django_db
class TestAccess:
    @pytest.mark.parametrize("name,args", URLS)
    def test_anonymous_is_sent_to_login(self, client, name, args):
        response = client.get(reverse(name, args=args))
        assert response.status_code == 302
        assert reverse("accounts:login") in response["Location"]

    def test_index_lists_only_the_kinds_the_user_may_import(self, world, login):
        client = login(world["school_a"])
        page = client.get(reverse("imports:index")).content.decode()
        assert reverse("imports:upload", args=["offerings"]) in page
        assert reverse("imports:upload", args=["enterprises"]) not in page
        client = login(world["province_admin"])
        page = client.get(reverse("imports:index")).content.decode()
        for kind in ("offerings", "enterprises", "institutions"):
            assert reverse("imports:upload", args=[kind]) in page

    def test_users_without_import_right_are_refused(self, world, login):
        client = login(world["auditor"])
        assert client.get(reverse("imports:index")).status_code == 403
        assert client.get(reverse("imports:upload", args=["enterprises"])).status_code == 404

    def test_school_user_cannot_open_province_imports(self, world, login):
        client = login(world["school_a"])
        assert client.get(reverse("imports:upload", args=["institutions"])).status_code == 404
        assert client.get(reverse("imports:template", args=["enterprises"])).status_code == 404
        assert client.get(reverse("imports:upload", args=["no-such-kind"])).status_code == 404

    def test_jobs_are_private_to_their_creator(self, world, login, settings):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        job = jobs.enqueue(
            JOB_KIND,
            params={"importer": "offerings", "file": "x.xlsx", "filename": "mine.xlsx"},
            created_by=world["school_a"],
        )
        for user, status in (("school_a", 200), ("school_b", 404), ("jinan", 404), ("province_admin", 200)):
            client = login(world[user])
            assert client.get(reverse("imports:job_detail", args=[job.pk])).status_code == status, user
            assert client.get(reverse("imports:job_progress", args=[job.pk])).status_code == status, user
        client = login(world["school_b"])
        assert "mine.xlsx" not in client.get(reverse("imports:index")).content.decode()


@pytest.mark.django_db
class TestUpload:
    def test_template_has_the_headers_and_instructions(self, world, login):
        client = login(world["school_a"])
        response = client.get(reverse("imports:template", args=["offerings"]))
        assert response.status_code == 200
        wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
        data, notes = wb.worksheets
        assert [c.value for c in data[1]] == [c.header() for c in OfferingImporter.import_columns()]
        assert notes["A1"].value == "Column"
        assert notes["B2"].value == "No"  # the institution code is optional for a school user

    def test_valid_file_is_imported_inline(self, world, login):
        client = login(world["province_admin"])
        response = client.post(
            reverse("imports:upload", args=["enterprises"]), {"file": upload("e.xlsx", enterprise_file(3))}
        )
        assert response.status_code == 200
        assert "Imported 3 rows: 3 created, 0 updated, 0 unchanged." in response.content.decode()
        assert Enterprise.objects.filter(name__startswith="页面企业").count() == 3

    def test_errors_are_listed_and_nothing_is_written(self, world, login):
        client = login(world["province_admin"])
        cols = headers(EnterpriseImporter, "credit_code", "name", "industry", "region")
        data = xlsx_file(
            [cols, [make_uscc(8001), "好企业", "C", "370102"], [make_uscc(8002), "<b>坏</b>", "C", "370102"]]
        ).getvalue()
        audits = AuditEntry.objects.count()
        response = client.post(
            reverse("imports:upload", args=["enterprises"]), {"file": upload("e.xlsx", data)}
        )
        assert response.status_code == 422
        page = response.content.decode()
        assert "Row 3 · Enterprise name · Must not contain markup" in page
        assert "<b>坏</b>" not in page
        assert not Enterprise.objects.filter(name="好企业").exists()
        assert AuditEntry.objects.count() == audits

    def test_renamed_file_gets_a_message_not_a_500(self, world, login):
        client = login(world["province_admin"])
        response = client.post(
            reverse("imports:upload", args=["enterprises"]),
            {"file": upload("fake.xlsx", b"this is not a workbook")},
        )
        assert response.status_code == 422
        assert "not an Excel workbook" in response.content.decode()

    def test_oversize_upload_gets_a_message_not_a_500(self, world, login, settings):
        settings.UPLOAD_MAX_BYTES = 1000
        client = login(world["province_admin"])
        response = client.post(
            reverse("imports:upload", args=["enterprises"]), {"file": upload("big.xlsx", b"x" * 200_000)}
        )
        assert response.status_code == 413
        assert "too large" in response.content.decode()
        response = client.post(
            reverse("imports:upload", args=["enterprises"]), {"file": upload("big.xlsx", b"x" * 5000)}
        )
        assert response.status_code == 400
        assert "too large" in response.content.decode()

    def test_large_file_becomes_a_job_with_progress(self, world, login, settings):
        settings.IMPORT_SYNC_MAX_ROWS = 2
        settings.CELERY_TASK_ALWAYS_EAGER = True
        client = login(world["province_admin"])
        response = client.post(
            reverse("imports:upload", args=["enterprises"]),
            {"file": upload("many.xlsx", enterprise_file(5, start=100))},
        )
        job = Job.objects.get(kind=JOB_KIND)
        assert response.status_code == 302
        assert response["Location"] == reverse("imports:job_detail", args=[job.pk])
        assert job.status == JobStatus.SUCCEEDED and job.result["created"] == 5
        page = client.get(response["Location"]).content.decode()
        assert "Imported 5 rows: 5 created" in page and "many.xlsx" in page
        progress = client.get(reverse("imports:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
        assert progress.status_code == 200 and progress["HX-Refresh"] == "true"
        assert 'aria-valuenow="100"' in progress.content.decode()

    def test_running_job_polls_and_reloads_without_js(self, world, login, settings):
        settings.CELERY_TASK_ALWAYS_EAGER = False
        job = jobs.enqueue(
            JOB_KIND,
            params={"importer": "offerings", "file": "x.xlsx", "filename": "q.xlsx"},
            created_by=world["school_a"],
        )
        client = login(world["school_a"])
        page = client.get(reverse("imports:job_detail", args=[job.pk])).content.decode()
        assert 'hx-trigger="every 1s"' in page
        assert 'http-equiv="refresh"' in page
        partial = client.get(reverse("imports:job_progress", args=[job.pk]), HTTP_HX_REQUEST="true")
        assert "HX-Refresh" not in partial
