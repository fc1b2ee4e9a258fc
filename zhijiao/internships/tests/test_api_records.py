"""/api/v1/ for the records of host vetting, incident 直报 and the batch work: read only, scoped like the
pages (the province, the city above the school and the school read school A's rows; another city and
another school get 404 for their ids and nothing in their lists), paginated, in the OpenAPI schema."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from zhijiao.core.testing_api import api_client
from zhijiao.internships import services
from zhijiao.internships.models import EarlyTermination, HostAssessment, PostChange
from zhijiao.internships.services import incidents, vetting

pytestmark = pytest.mark.django_db

ENDPOINTS = (
    "host-assessments",
    "incidents",
    "leave-requests",
    "post-changes",
    "early-terminations",
)


def _incident(iw, p):
    incident = incidents.incident_record(
        actor=iw.school_admin,
        institution=p.institution,
        data={
            "placement": p,
            "kind": "injury",
            "occurred_at": timezone.now() - dt.timedelta(hours=3),
            "learned_at": timezone.now() - dt.timedelta(hours=2),
            "place": "车间",
            "summary": "学生手部划伤。",
        },
    )
    incidents.incident_report(actor=iw.school_admin, incident=incident)
    incidents.incident_follow_up(actor=iw.school_admin, incident=incident, content="已就医，伤情稳定。")
    return incident


@pytest.fixture
def rows(iw):
    """One row of each record at school A (济南)."""
    p = iw.placement(activate=True)
    student = p.enrolment.student.user
    made = {
        "host-assessments": HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise),
        "incidents": _incident(iw, p),
        "leave-requests": services.leave_request_submit(
            actor=student,
            placement=p,
            kind="sick",
            start_date=iw.today,
            end_date=iw.today,
            reason="病假",
        ),
        "post-changes": PostChange.objects.create(
            placement=p,
            from_post=p.post,
            to_post=p.post,
            effective_on=p.start_date,
            reason="岗位调整",
            decided_by=iw.school_admin,
        ),
        "early-terminations": EarlyTermination.objects.create(
            placement=p,
            reason="other",
            explanation="示例",
            ended_on=p.end_date,
            decided_by_party="school",
            recorded_by=iw.school_admin,
        ),
    }
    made["student"] = student
    return made


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_each_endpoint_is_scoped(iw, rows, endpoint):
    row = rows[endpoint]
    for user in (iw.province, iw.w["jinan"], iw.school_admin):
        client = api_client(user)
        listed = client.get(f"/api/v1/{endpoint}/")
        assert listed.status_code == 200, (endpoint, user)
        assert [r["id"] for r in listed.json()["results"]] == [row.pk]
        assert client.get(f"/api/v1/{endpoint}/{row.pk}/").status_code == 200
    for user in (iw.w["qingdao"], iw.w["school_b"]):
        client = api_client(user)
        assert client.get(f"/api/v1/{endpoint}/").json()["results"] == []
        assert client.get(f"/api/v1/{endpoint}/{row.pk}/").status_code == 404
    assert api_client().get(f"/api/v1/{endpoint}/").status_code == 401
    # Read only: no write method.
    school = api_client(iw.school_admin)
    assert school.post(f"/api/v1/{endpoint}/", {}, format="json").status_code == 405
    assert school.delete(f"/api/v1/{endpoint}/{row.pk}/").status_code == 405


def test_students_read_their_own_records_and_their_schools_published_hosts(iw, rows):
    student = api_client(rows["student"])
    for endpoint in ("leave-requests", "post-changes", "early-terminations"):
        assert [r["id"] for r in student.get(f"/api/v1/{endpoint}/").json()["results"]] == [rows[endpoint].pk]
    assert student.get("/api/v1/incidents/").json()["results"] == []
    assessment = rows["host-assessments"]
    assert student.get("/api/v1/host-assessments/").json()["results"] == []  # approved, not published
    vetting.assessment_publish(actor=iw.school_admin, assessment=assessment)
    (shown,) = student.get("/api/v1/host-assessments/").json()["results"]
    assert shown["id"] == assessment.pk and shown["status_label"] == "已发布"


def test_records_are_shown_in_chinese_with_the_follow_ups(iw, rows):
    client = api_client(iw.school_admin)
    incident = client.get(f"/api/v1/incidents/{rows['incidents'].pk}/").json()
    assert incident["kind_label"] == "受伤" or incident["kind_label"] != incident["kind"]
    assert [f["content"] for f in incident["followups"]] == ["已就医，伤情稳定。"]
    assessment = client.get(f"/api/v1/host-assessments/{rows['host-assessments'].pk}/").json()
    assert assessment["report_url"].endswith(f"/hosts/assessments/{rows['host-assessments'].pk}/report/")
    assert "media" not in assessment["report_url"]
    leave = client.get(f"/api/v1/leave-requests/{rows['leave-requests'].pk}/").json()
    assert leave["kind_label"] != leave["kind"] and leave["status_label"] != leave["status"]


def test_the_blacklist_is_the_provinces_list_read_by_every_school(iw):
    entry = vetting.blacklist_add(
        actor=iw.province, enterprise=iw.w.ent_a, reason="克扣报酬", document_number="鲁教职字〔2026〕1号"
    )
    for user in (iw.province, iw.w["jinan"], iw.w["qingdao"], iw.school_admin, iw.w["school_b"]):
        (shown,) = api_client(user).get("/api/v1/host-blacklist/").json()["results"]
        assert shown["document_number"] == "鲁教职字〔2026〕1号"
        assert api_client(user).get(f"/api/v1/host-blacklist/{entry.pk}/").status_code == 200
    assert api_client(iw.w["ent_a"]).get(f"/api/v1/host-blacklist/{entry.pk}/").status_code == 404
    assert api_client(iw.province).put(f"/api/v1/host-blacklist/{entry.pk}/", {}).status_code == 405


def test_incident_list_reads_follow_ups_in_one_query(iw):
    client = api_client(iw.province)
    _incident(iw, iw.placement())
    client.get("/api/v1/incidents/")
    with CaptureQueriesContext(connection) as one:
        client.get("/api/v1/incidents/")
    for _ in range(3):
        _incident(iw, iw.placement())
    with CaptureQueriesContext(connection) as four:
        response = client.get("/api/v1/incidents/")
    assert response.json()["count"] == 4
    assert len(four) == len(one)


def test_the_endpoints_are_in_the_schema(iw):
    schema = api_client(iw.province).get("/api/schema/", {"format": "json"}).json()
    for endpoint in (*ENDPOINTS, "host-blacklist"):
        assert f"/api/v1/{endpoint}/" in schema["paths"]
        assert f"/api/v1/{endpoint}/{{id}}/" in schema["paths"]
