"""Staff and holder pages: anonymous → login, out of scope → 404, in scope → the page."""

from urllib.parse import quote

import pytest

from zhijiao.credentials import services
from zhijiao.credentials.demo import load_demo_credentials
from zhijiao.credentials.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(world, graduate):
    return services.certificate_issue(
        actor=world["school_a"], graduation=graduate(name="欧阳䶮"), principal_name="李校长"
    )


def test_anonymous_is_sent_to_login(client, cert):
    for path in [
        "/credentials/",
        f"/credentials/{cert.pk}/",
        f"/credentials/{cert.pk}/pdf/",
        "/credentials/issue/",
        "/credentials/print/",
        "/credentials/publish/",
        "/credentials/my/",
    ]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/" in response["Location"], path


def test_out_of_scope_is_404(world, login, cert):
    client = login(world["school_b"])
    assert client.get(f"/credentials/{cert.pk}/").status_code == 404
    assert client.get(f"/credentials/{cert.pk}/pdf/").status_code == 404
    assert client.post(f"/credentials/{cert.pk}/void/", {"reason": "x"}).status_code == 404
    assert "欧阳䶮" not in client.get("/credentials/").content.decode()


def test_in_scope_pages(world, login, cert, django_assert_max_num_queries):
    client = login(world["school_a"])
    with django_assert_max_num_queries(12):
        body = client.get("/credentials/").content.decode()
    assert "欧阳䶮" in body
    assert cert.number in client.get(f"/credentials/{cert.pk}/").content.decode()
    response = client.get(f"/credentials/{cert.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith("inline; ")


def test_viewing_the_pdf_is_not_printing_it(world, login, cert):
    """打印次数 counts recorded prints (the explicit action), never a look at the PDF."""
    client = login(world["school_a"])
    for _ in range(2):
        assert client.get(f"/credentials/{cert.pk}/pdf/").status_code == 200
    cert.refresh_from_db()
    assert (cert.print_count, cert.last_printed_at) == (0, None)
    detail = client.get(f"/credentials/{cert.pk}/").content.decode()
    assert f'action="/credentials/{cert.pk}/print/"' in detail
    assert client.get(f"/credentials/{cert.pk}/print/").status_code == 405
    response = client.post(f"/credentials/{cert.pk}/print/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].startswith('attachment; filename="certificate-')
    cert.refresh_from_db()
    assert cert.print_count == 1 and cert.last_printed_at is not None


def test_the_auditor_is_offered_no_print_button(world, login, cert):
    detail = login(world["auditor"]).get(f"/credentials/{cert.pk}/").content.decode()
    assert f"/credentials/{cert.pk}/pdf/" not in detail and f"/credentials/{cert.pk}/print/" not in detail
    assert login(world["auditor"]).post(f"/credentials/{cert.pk}/print/").status_code == 403


def test_auditor_sees_but_may_not_print(world, login, cert):
    client = login(world["auditor"])
    assert client.get(f"/credentials/{cert.pk}/").status_code == 200
    assert client.get(f"/credentials/{cert.pk}/pdf/").status_code == 403


def test_issue_page_and_publish_page(world, login, graduate):
    g = graduate(name="赵孟𫖯")
    client = login(world["school_a"])
    assert "赵孟𫖯" in client.get("/credentials/issue/").content.decode()
    response = client.post(
        "/credentials/issue/", {"graduation": [g.pk], "principal_name": "李校长", "issue_date": "2026-07-01"}
    )
    assert response.status_code == 302
    cert = Certificate.objects.get(graduation=g)
    assert client.get("/credentials/publish/").status_code == 403
    city = login(world["jinan"])
    assert cert.number in city.get("/credentials/publish/").content.decode()
    city.post("/credentials/publish/", {"certificate": [cert.pk]})
    cert.refresh_from_db()
    assert cert.published_at is not None


def test_class_print_and_refusal_message(world, login, cert, graduate):
    client = login(world["school_a"])
    response = client.post(
        "/credentials/print/", {"institution": world.school_a.pk, "class_name": cert.class_name}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    # RFC 6266: an ASCII fallback and the class's Chinese name as UTF-8 (not RFC 2047, which browsers ignore)
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="certificates-')
    assert "filename*=UTF-8''" in disposition and "=?utf-8?" not in disposition
    assert quote(cert.class_name) in disposition


def test_class_print_large_runs_as_a_job(world, login, graduate, settings):
    settings.CREDENTIALS_PRINT_SYNC_MAX = 1
    for _ in range(2):
        services.certificate_issue(
            actor=world["school_a"], graduation=graduate(class_name="大班"), principal_name="李校长"
        )
    client = login(world["school_a"])
    response = client.post("/credentials/print/", {"institution": world.school_a.pk, "class_name": "大班"})
    assert response.status_code == 302 and "/print/jobs/" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "100%" in page
    download = client.get(response["Location"] + "download/")
    assert download.status_code == 200
    assert login(world["school_b"]).get(response["Location"]).status_code == 404


def test_void_from_the_page(world, login, cert):
    client = login(world["school_a"])
    client.post(f"/credentials/{cert.pk}/void/", {"reason": "打印错误"})
    cert.refresh_from_db()
    assert cert.status == "voided"


def test_holder_page(world, login, cert):
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    student = cert.graduation.enrolment.student
    student.user = world["expert"]
    student.save()
    client = login(world["expert"])
    assert cert.number in client.get("/credentials/my/").content.decode()
    client.post("/credentials/my/", {"certificate": cert.pk, "validity_days": 30})
    report = cert.reports.get()
    response = client.get(f"/credentials/my/reports/{report.pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert login(world["school_a"]).get(f"/credentials/my/reports/{report.pk}/pdf/").status_code == 404


def test_demo_loader(world, graduate):
    for i in range(3):
        graduate(name=f"学生{i}")
    result = load_demo_credentials(actor=world["province_admin"])
    assert result == {"issued": 3, "published": 3, "revoked": 1, "reports": 0}  # no student_demo here
    assert load_demo_credentials(actor=world["province_admin"]) == {
        "issued": 0,
        "published": 0,
        "revoked": 0,
        "reports": 0,
    }


def test_a_print_job_killed_after_recording_is_rerun_without_recording_twice(
    world, graduate, settings, monkeypatch
):
    """Chunks rendered and the print recorded, then the worker dies before the job is marked done:
    the rerun renders nothing again and counts and audits the print once (checkpoints in the job row)."""
    from zhijiao.core import jobfiles, jobs
    from zhijiao.core.models import AuditEntry, Job, JobStatus
    from zhijiao.credentials import jobs as print_jobs
    from zhijiao.credentials import printing

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CREDENTIALS_PRINT_CHUNK = 1
    certs = [
        services.certificate_issue(
            actor=world["school_a"], graduation=graduate(class_name="重跑班"), principal_name="李校长"
        )
        for _ in range(2)
    ]
    job = jobs.enqueue(
        print_jobs.PRINT_JOB, params={"ids": [c.pk for c in certs]}, created_by=world["school_a"]
    )

    class Killed(BaseException):
        """The worker process dies (SIGKILL): nothing after this point runs, nothing is caught."""

    rendered, real_render = [], printing.certificates_pdf
    monkeypatch.setattr(
        printing, "certificates_pdf", lambda chunk: rendered.append(chunk) or real_render(chunk)
    )
    real_delete = jobfiles.delete

    def die_on_cleanup(name):
        raise Killed

    monkeypatch.setattr(jobfiles, "delete", die_on_cleanup)
    audits = AuditEntry.objects.count()
    with pytest.raises(Killed):
        jobs.execute(job.pk)
    monkeypatch.setattr(jobfiles, "delete", real_delete)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and job.checkpoint == {"rendered": 2, "recorded": 2}
    printed = AuditEntry.objects.count() - audits
    assert printed == 2 and len(rendered) == 2

    Job.objects.filter(pk=job.pk).update(heartbeat_at=job.heartbeat_at - jobs.stale_after() * 2)
    assert jobs.resume_interrupted() == [job.pk]
    job = jobs.execute(job.pk)
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2 and job.result["pages"] == 2
    assert len(rendered) == 2  # no chunk rendered again
    assert AuditEntry.objects.count() - audits == printed  # no second audit entry
    assert sorted(
        Certificate.objects.filter(pk__in=[c.pk for c in certs]).values_list("print_count", flat=True)
    ) == [1, 1]
    assert jobfiles.exists(print_jobs.output_name(job)) and not jobfiles.exists(print_jobs.part_name(job, 0))
