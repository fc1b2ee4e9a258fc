import pytest

from zhijiao.core.testing_api import api_client, assert_error, url
from zhijiao.credentials import services
from zhijiao.credentials.models import Certificate

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert(world, graduate):
    return services.certificate_issue(
        actor=world["school_a"], graduation=graduate(name="赵孟𫖯"), principal_name="李校长"
    )


def test_anonymous_is_401(cert):
    assert api_client().get(url("certificates")).status_code == 401
    assert api_client().get(url("certificates", cert.pk)).status_code == 401
    assert api_client().post(url("certificates", cert.pk, "void"), {"reason": "x"}).status_code == 401


def test_list_is_scoped(world, cert, graduate, django_assert_max_num_queries):
    for _ in range(5):
        services.certificate_issue(
            actor=world["school_b"], graduation=graduate(school="b"), principal_name="周校长"
        )
    client = api_client(world["jinan"])
    with django_assert_max_num_queries(6):
        data = client.get(url("certificates")).json()
    assert [r["number"] for r in data["results"]] == [cert.number]
    assert len(api_client(world["province_admin"]).get(url("certificates")).json()["results"]) == 6
    assert api_client(world["qingdao"]).get(url("certificates", cert.pk)).status_code == 404
    body = api_client(world["school_a"]).get(url("certificates", cert.pk)).json()
    assert body["holder_name"] == "赵孟𫖯" and "signed_qr" not in body


def test_out_of_scope_actions_are_404(world, cert):
    client = api_client(world["school_b"])
    for verb, payload in [
        ("void", {"reason": "x"}),
        ("reissue", {"reason": "x"}),
        ("revoke", {"reason": "x"}),
        ("publish", {}),
        ("print", {}),
    ]:
        assert_error(client.post(url("certificates", cert.pk, verb), payload, format="json"), 404)


def test_auditor_may_read_not_write(world, cert):
    client = api_client(world["auditor"])
    assert client.get(url("certificates", cert.pk)).status_code == 200
    assert_error(client.post(url("certificates", cert.pk, "void"), {"reason": "x"}, format="json"), 403)


def test_issue_void_reissue_publish_revoke(world, graduate):
    school = api_client(world["school_a"])
    g = graduate()
    response = school.post(
        url("certificates") + "issue/", {"graduation": g.pk, "principal_name": "李校长"}, format="json"
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert_error(school.post(url("certificates") + "issue/", {"graduation": g.pk}, format="json"), 400)
    response = school.post(url("certificates", pk, "print"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert_error(school.post(url("certificates", pk, "void"), {}, format="json"), 400)
    response = school.post(url("certificates", pk, "reissue"), {"reason": "遗失"}, format="json")
    assert response.status_code == 200
    new_pk = Certificate.objects.get(replaces_id=pk).pk
    assert_error(school.post(url("certificates", new_pk, "publish")), 403)  # the school may not publish
    city = api_client(world["jinan"])
    assert city.post(url("certificates", new_pk, "publish")).json()["published_at"]
    response = city.post(url("certificates", new_pk, "revoke"), {"reason": "撤销"}, format="json")
    assert response.json()["status"] == "revoked"


def test_unapproved_print_is_refused(world, graduate):
    from zhijiao.students.models import Graduation

    g = graduate()
    cert = services.certificate_issue(actor=world["school_a"], graduation=g, principal_name="李校长")
    Graduation.objects.filter(pk=g.pk).update(status="rejected")
    error = assert_error(api_client(world["school_a"]).post(url("certificates", cert.pk, "print")), 400)
    assert "not approved" in error["message"] or "not approved" in str(error["details"])


def test_batch_publish_and_print_job(world, graduate, tmp_path):
    certs = [
        services.certificate_issue(actor=world["school_a"], graduation=graduate(), principal_name="李校长")
        for _ in range(3)
    ]
    ids = [c.pk for c in certs]
    assert api_client(world["jinan"]).post(
        url("certificates") + "publish/", {"ids": ids}, format="json"
    ).json() == {"published": 3}
    response = api_client(world["school_a"]).post(url("certificates") + "print/", {"ids": ids}, format="json")
    assert response.status_code == 202
    job = response.json()["job"]
    data = api_client(world["school_a"]).get(url("jobs", job)).json()
    assert data["status"] == "succeeded", data
    from pypdf import PdfReader

    from zhijiao.core import jobfiles
    from zhijiao.core.models import Job
    from zhijiao.credentials.jobs import output_name

    assert len(PdfReader(jobfiles.open(output_name(Job.objects.get(pk=job)))).pages) == 3
    assert_error(
        api_client(world["school_b"]).post(url("certificates") + "print/", {"ids": ids}, format="json"), 404
    )


def test_verification_reports_api(world, cert):
    services.certificates_publish(actor=world["jinan"], certificates=[cert])
    holder = world["expert"]
    student = cert.graduation.enrolment.student
    student.user = holder
    student.save()
    client = api_client(holder)
    assert_error(
        client.post(
            url("verification-reports"), {"certificate": cert.pk, "validity_days": 1000}, format="json"
        ),
        400,
    )
    response = client.post(
        url("verification-reports"), {"certificate": cert.pk, "validity_days": 30}, format="json"
    )
    assert response.status_code == 201, response.content
    report = response.json()
    assert report["state"] == "active" and len(report["code"]) == 16
    assert client.post(url("verification-reports", report["id"], "close")).json()["state"] == "closed"
    assert api_client(world["school_a"]).get(url("verification-reports", report["id"])).status_code == 404
    # Another holder's certificate is not among the caller's choices (a scoped related field).
    error = assert_error(
        api_client(world["school_a"]).post(
            url("verification-reports"), {"certificate": cert.pk, "validity_days": 30}, format="json"
        ),
        400,
    )
    assert "certificate" in error["details"]
