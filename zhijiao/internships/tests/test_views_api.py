import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from zhijiao.core.testing import make_token
from zhijiao.internships import services, sweep
from zhijiao.internships.models import CheckIn, DirectReport

pytestmark = pytest.mark.django_db


def api(user=None):
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return client


def test_school_placement_page_shows_blocked_violations(iw, login):
    p = iw.placement(complete=False)
    client = login(iw.school_admin)
    page = client.get(reverse("internships:placement_detail", args=[p.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "INT-AGREE" in body and "INT-INS" in body and 'data-testid="activate"' in body
    response = client.post(reverse("internships:placement_activate", args=[p.pk]), follow=True)
    assert response.status_code == 200
    p.refresh_from_db()
    assert p.status == "draft"


def test_placement_pages_are_scoped(iw, world, login):
    p = iw.placement()
    client = login(world["school_b"])
    assert client.get(reverse("internships:placement_detail", args=[p.pk])).status_code == 404
    assert client.post(reverse("internships:placement_activate", args=[p.pk])).status_code == 404
    assert p.pk not in [
        row.pk for row in client.get(reverse("internships:placement_list")).context["table"].data
    ]


def test_placement_list_query_budget(iw, login):
    for _ in range(3):
        iw.placement()
    client = login(iw.school_admin)
    client.get(reverse("internships:placement_list"))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("internships:placement_list"))
    for _ in range(5):
        iw.placement()
    with CaptureQueriesContext(connection) as more:
        client.get(reverse("internships:placement_list"))
    assert 0 < len(more) == len(few)


def test_student_sees_own_placement_checks_in_and_reports(iw, login):
    p = iw.placement(activate=True)
    other = iw.placement(activate=True)
    user = p.enrolment.student.user
    client = login(user)
    page = client.get(reverse("internships:my"))
    assert page.status_code == 200 and p.enterprise.name in page.content.decode()
    assert client.get(reverse("internships:placement_detail", args=[p.pk])).status_code == 200
    assert client.get(reverse("internships:placement_detail", args=[other.pk])).status_code == 404
    data = {
        "kind": "START",
        "latitude": "36.651300",
        "longitude": "117.120100",
        "accuracy_m": "12",
        "client_key": "web-key-0001",
    }
    client.post(reverse("internships:checkin"), data)
    client.post(reverse("internships:checkin"), data)
    assert CheckIn.objects.filter(placement=p).count() == 1
    client.post(
        reverse("internships:report_add"),
        {
            "kind": "day",
            "period_start": iw.today,
            "period_end": iw.today,
            "title": "日报",
            "content": "今天学习了接口测试",
        },
    )
    assert p.reports.count() == 1
    client.post(
        reverse("internships:direct_report_add"),
        {"category": "pay", "content": "工资未发", "anonymous_to_authority": "on"},
    )
    assert DirectReport.objects.get().anonymous_to_authority


def test_mentor_worklist_and_review(iw, login):
    p = iw.placement(activate=True)
    report = services.report_submit(
        actor=p.enrolment.student.user,
        placement=p,
        data={
            "kind": "day",
            "period_start": iw.today,
            "period_end": iw.today,
            "title": "日报",
            "content": "内容",
        },
    )
    sweep.run_sweep()
    client = login(iw.mentor_user)
    page = client.get(reverse("internships:worklist"))
    assert page.status_code == 200
    assert report in page.context["reports"]
    assert any(a.rule_id == "INT-MISSING" for a in page.context["missing"])
    client.post(reverse("internships:report_review", args=[report.pk]), {"accept": "on", "comment": "好"})
    report.refresh_from_db()
    assert report.status == "reviewed"


def test_dashboard_query_count_constant(iw, world, login, settings):
    settings.INTERNSHIP_DASHBOARD_CACHE_SECONDS = 0  # measure the aggregates, not the cache
    iw.placement(activate=True)
    client = login(world["province_admin"])
    client.get(reverse("internships:dashboard"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("internships:dashboard")).status_code == 200
    for _ in range(4):
        iw.placement(activate=True)
    sweep.run_sweep()
    with CaptureQueriesContext(connection) as more:
        page = client.get(reverse("internships:dashboard"))
    assert 0 < len(more) == len(few)
    assert page.context["d"]["total_active"] == 5
    assert "<script>" not in page.content.decode().replace('<script type="application/json"', "")


def test_dashboard_refused_to_students_and_enterprises(iw, login):
    p = iw.placement(activate=True)
    assert login(p.enrolment.student.user).get(reverse("internships:dashboard")).status_code == 403


# --- API ---------------------------------------------------------------------------------------------
def test_api_anonymous_is_401():
    assert api().get("/api/v1/placements/").status_code == 401
    assert api().post("/api/v1/checkins/", {}).status_code == 401


def test_api_checkin_idempotent_and_errors(iw):
    p = iw.placement(activate=True)
    client = api(p.enrolment.student.user)
    body = {
        "kind": "START",
        "occurred_at": timezone.now().isoformat(),
        "latitude": "36.6513",
        "longitude": "117.1201",
        "client_key": "api-key-0001",
    }
    first = client.post("/api/v1/checkins/", body, format="json")
    again = client.post("/api/v1/checkins/", body, format="json")
    assert first.status_code == 201 and again.status_code == 200 and first.json()["id"] == again.json()["id"]
    bad = client.post(
        "/api/v1/checkins/", body | {"client_key": "api-key-0002", "latitude": "123"}, format="json"
    )
    assert bad.status_code == 400 and "latitude" in bad.json()["error"]["details"]
    assert client.get("/api/v1/checkins/").json()["count"] == 1
    missing = client.post("/api/v1/checkins/", {"kind": "START"}, format="json")
    assert missing.status_code == 400 and {"occurred_at", "latitude", "client_key"} <= set(
        missing.json()["error"]["details"]
    )
    naive = client.post(
        "/api/v1/checkins/",
        body | {"client_key": "api-key-0003", "occurred_at": "2026-01-01T08:00:00"},
        format="json",
    )
    assert naive.status_code == 400 and "occurred_at" in naive.json()["error"]["details"]
    assert (
        api(iw.school_admin)
        .post("/api/v1/checkins/", body | {"client_key": "api-key-0004"}, format="json")
        .status_code
        == 400
    )


def test_api_placement_scoping_and_activate(iw, world):
    p = iw.placement(complete=False)
    assert api(world["school_b"]).get(f"/api/v1/placements/{p.pk}/").status_code == 404
    assert api(world["auditor"]).post(f"/api/v1/placements/{p.pk}/activate/").status_code == 403
    blocked = api(iw.school_admin).post(f"/api/v1/placements/{p.pk}/activate/")
    assert blocked.status_code == 400
    assert any("INT-AGREE" in m for m in blocked.json()["error"]["details"]["violations"])
    iw.complete(p)
    ok = api(iw.school_admin).post(f"/api/v1/placements/{p.pk}/activate/")
    assert ok.status_code == 200 and ok.json()["status"] == "active"
    listed = api(world["jinan"]).get("/api/v1/placements/").json()
    assert listed["count"] == 1
    assert api(world["qingdao"]).get("/api/v1/placements/").json()["count"] == 0


def test_api_create_placement_and_direct_report(iw):
    enrolment = iw.student()
    created = api(iw.school_admin).post(
        "/api/v1/placements/",
        {
            "plan": iw.plan.pk,
            "enrolment": enrolment.pk,
            "post": iw.post.pk,
            "start_date": str(iw.start),
            "end_date": str(iw.end),
            "monthly_pay": "3200",
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "draft" and created.json()["violations"]
    p = iw.placement(activate=True)
    student = api(p.enrolment.student.user)
    r = student.post(
        "/api/v1/direct-reports/",
        {"category": "fees", "content": "收押金", "anonymous_to_authority": True},
        format="json",
    )
    assert r.status_code == 201
    seen = api(iw.province).get(f"/api/v1/direct-reports/{r.json()['id']}/").json()
    assert seen["reporter"] is None and seen["placement"] is None
    assert api(iw.school_admin).get(f"/api/v1/direct-reports/{r.json()['id']}/").json()["reporter"]


def test_api_placement_body_cannot_point_outside_the_callers_school(iw, world):
    """The plan and the student must be the caller's own (read when the body is validated)."""
    from zhijiao.internships.models import Placement

    enrolment = iw.student()
    before = Placement.objects.count()
    body = {
        "plan": iw.plan.pk,
        "enrolment": enrolment.pk,
        "post": iw.post.pk,
        "start_date": str(iw.start),
        "end_date": str(iw.end),
        "monthly_pay": "3200",
    }
    refused = api(world["school_b"]).post("/api/v1/placements/", body, format="json")
    assert refused.status_code == 400, refused.content
    assert set(refused.json()["error"]["details"]) == {"plan", "enrolment"}
    assert Placement.objects.count() == before


def test_api_dashboard(iw):
    iw.placement(activate=True)
    data = api(iw.province).get("/api/v1/internship-dashboard/").json()
    assert data["total_active"] == 1


def test_inspection_page_and_xlsx_export(iw, world, login):
    iw.placement(activate=True)
    insp = services.inspection_launch(
        actor=world["jinan"], region=world.jinan, title="专项检查", answer_due=iw.today, sample_size=3
    )
    client = login(world["jinan"])
    assert client.get(reverse("internships:inspection_detail", args=[insp.pk])).status_code == 200
    export = client.get(reverse("internships:inspection_detail", args=[insp.pk]) + "?export=xlsx")
    assert export.status_code == 200 and "spreadsheetml" in export["Content-Type"]
    assert (
        login(world["qingdao"]).get(reverse("internships:inspection_detail", args=[insp.pk])).status_code
        == 404
    )


def test_dashboard_aggregates_are_cached_per_scope(iw, world, login):
    from django.core.cache import cache

    cache.clear()
    iw.placement(activate=True)
    client = login(world["province_admin"])
    client.get(reverse("internships:dashboard"))
    with CaptureQueriesContext(connection) as cached:
        page = client.get(reverse("internships:dashboard"))
    assert page.context["d"]["total_active"] == 1
    with CaptureQueriesContext(connection) as jinan:
        login(world["jinan"]).get(reverse("internships:dashboard"))
    assert len(cached) < len(jinan)
