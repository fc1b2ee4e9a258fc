import datetime

import pytest

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect
from zhijiao.students import services
from zhijiao.students.choices import ChangeKind

from .factories import add_student, registered

pytestmark = pytest.mark.django_db


def _batch(world):
    add_student(world, name="批次生")
    return services.batch_create(
        actor=world["school_a"], institution=world.school_a, year=2024, term="autumn"
    )


# --- pages -------------------------------------------------------------------------------------------
def test_pages_need_login(world, client):
    s = add_student(world)
    for path in (
        "/students/",
        f"/students/{s.pk}/",
        "/students/batches/",
        "/students/status-changes/",
        "/students/graduation-lists/",
        "/students/me/",
        "/students/add/",
    ):
        assert_login_redirect(client, path)


def test_list_masks_and_scopes(world, login):
    s = add_student(world, "a", name="济南生")
    other = add_student(world, "b", name="青岛生")
    body = login(world["school_a"]).get("/students/").content.decode()
    assert "济南生" in body and "青岛生" not in body
    assert s.id_number not in body and s.id_number[:6] in body
    assert login(world["school_a"]).get(f"/students/{other.pk}/").status_code == 404
    assert login(world["jinan"]).get(f"/students/{s.pk}/").status_code == 200


def test_list_query_budget(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])
    add_student(world)

    def grow():
        for i in range(8):
            add_student(world, name=f"学生{i}")

    assert_constant_queries(client, "/students/", grow, 14, django_assert_max_num_queries)


def test_full_id_only_when_revealed_and_audited(world, login):
    s = add_student(world)
    client = login(world["school_a"])
    body = client.get(f"/students/{s.pk}/").content.decode()
    assert s.id_number not in body and "reveal=id" in body
    body = client.get(f"/students/{s.pk}/?reveal=id").content.decode()
    assert s.id_number in body
    assert AuditEntry.objects.filter(action="view_sensitive", object_id=str(s.pk)).count() == 1
    # the auditor reads, but never the full number
    body = login(world["auditor"]).get(f"/students/{s.pk}/?reveal=id").content.decode()
    assert s.id_number not in body
    assert AuditEntry.objects.filter(action="view_sensitive").count() == 1


def test_add_student_page(world, login):
    from .factories import new_id

    client = login(world["school_a"])
    assert client.get("/students/add/").status_code == 200
    number = new_id()
    response = client.post(
        "/students/add/",
        {
            "name": "新生",
            "id_type": "resident_id",
            "id_number": number,
            "institution": world.school_a.pk,
            "offering": world.offering_a.pk,
            "entry_date": "2024-09-01",
            "study_years": 3,
            "pathway": "ordinary",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    bad = client.post(
        "/students/add/",
        {
            "name": "坏号",
            "id_type": "resident_id",
            # a wrong check digit (never the right one, whatever number the counter gave)
            "id_number": number[:-1] + ("1" if number[-1] == "0" else "0"),
            "institution": world.school_a.pk,
            "offering": world.offering_a.pk,
            "entry_date": "2024-09-01",
            "study_years": 3,
            "pathway": "ordinary",
        },
    )
    assert bad.status_code == 200 and "invalid-feedback" in bad.content.decode()
    assert login(world["auditor"]).get("/students/add/").status_code == 403


def test_batch_page_submit_and_city_approves(world, login):
    batch = _batch(world)
    client = login(world["school_a"])
    late = client.post(f"/students/batches/{batch.pk}/", {"submit": "1"})  # 2024-11-20 has passed
    assert late.status_code == 200 and "batch-error" in late.content.decode()
    assert (
        login(world["province_admin"])
        .post(f"/students/batches/{batch.pk}/", {"override": "1", "override_reason": "补录"})
        .status_code
        == 302
    )
    response = login(world["school_a"]).post(f"/students/batches/{batch.pk}/", {"submit": "1"})
    assert response.status_code == 302
    batch.refresh_from_db()
    # out of order through the page: the province cannot approve the city's step
    page = login(world["province_admin"]).post(f"/students/batches/{batch.pk}/", {"decision": "approve"})
    assert page.status_code == 200 and "approval-error" in page.content.decode()
    assert login(world["qingdao"]).get(f"/students/batches/{batch.pk}/").status_code == 404
    assert (
        login(world["jinan"]).post(f"/students/batches/{batch.pk}/", {"decision": "approve"}).status_code
        == 302
    )
    assert (
        login(world["province_admin"])
        .post(f"/students/batches/{batch.pk}/", {"decision": "approve"})
        .status_code
        == 302
    )
    batch.refresh_from_db()
    assert batch.status == "approved"


def test_status_change_page(world, login):
    s = registered(world)
    client = login(world["school_a"])
    assert client.get(f"/students/{s.pk}/status-change/").status_code == 200
    response = client.post(
        f"/students/{s.pk}/status-change/",
        {
            "kind": "suspend",
            "reason": "病休",
            "effective_date": "2025-03-01",
            "months": "30",
            "suspension_reason": "illness",
        },
    )
    assert response.status_code == 200 and "12" in response.content.decode()
    response = client.post(
        f"/students/{s.pk}/status-change/",
        {
            "kind": "suspend",
            "reason": "病休",
            "effective_date": "2025-03-01",
            "months": "6",
            "suspension_reason": "illness",
        },
    )
    assert response.status_code == 302
    assert login(world["school_b"]).get(f"/students/{s.pk}/status-change/").status_code == 404


def test_self_service(world, login):
    from zhijiao.core.testing import make_user

    s = registered(world)
    user = make_user("stu1")
    services.student_link_account(actor=world["school_a"], student=s, user=user)
    body = login(user).get("/students/me/").content.decode()
    assert s.name in body and s.id_number not in body
    assert login(make_user("stu2")).get("/students/me/").status_code == 404
    assert login(user).get("/students/").content.decode().count(s.name) == 0


# --- API -----------------------------------------------------------------------------------------------
def _students(world, n):
    for i in range(n):
        add_student(world, name=f"接口{i}")


class TestStudentAPI(APIEndpointTests):
    endpoint = "students"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: add_student(w))
    make_rows = staticmethod(_students)
    list_max_queries = 6

    def test_outsider_cannot_patch_and_nobody_deletes(self, world):
        s = add_student(world)
        assert_error(
            api_client(world["qingdao"]).patch(url("students", s.pk), {"name": "改"}, format="json"), 404
        )
        assert_error(
            api_client(world["auditor"]).patch(url("students", s.pk), {"name": "改"}, format="json"), 403
        )
        assert_error(api_client(world["school_a"]).delete(url("students", s.pk)), 405)
        ok = api_client(world["school_a"]).patch(url("students", s.pk), {"name": "改名"}, format="json")
        assert ok.status_code == 200 and ok.json()["name"] == "改名"

    def test_id_masked(self, world):
        s = add_student(world)
        data = api_client(world["jinan"]).get(url("students", s.pk)).json()
        assert "id_number" not in data and data["id_number_masked"].count("*") == 8

    def test_create_checks_identity(self, world):
        from .factories import new_id

        client = api_client(world["school_a"])
        body = {
            "name": "接口新生",
            "id_number": new_id(),
            "institution": world.school_a.pk,
            "offering": world.offering_a.pk,
            "entry_date": "2024-09-01",
        }
        assert client.post(url("students"), body, format="json").status_code == 201
        body["id_number"] = body["id_number"]
        assert_error(client.post(url("students"), body, format="json"), 400)
        body["institution"] = world.school_b.pk
        assert_error(client.post(url("students"), body, format="json"), 400)


def _changes(world, n):
    for i in range(n):
        s = registered(world, name=f"异动{i}")
        services.status_change_request(
            actor=world["school_a"],
            student=s,
            kind=ChangeKind.RETAIN,
            reason="留级",
            effective_date=datetime.date(2025, 3, 1),
        )


class TestStatusChangeAPI(APIEndpointTests):
    endpoint = "status-changes"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(
        lambda w: services.status_change_request(
            actor=w["school_a"],
            student=registered(w),
            kind=ChangeKind.RETAIN,
            reason="留级",
            effective_date=datetime.date(2025, 3, 1),
        )
    )
    make_rows = staticmethod(_changes)
    list_max_queries = 6

    def test_approve_in_order_and_terminal(self, world):
        s = registered(world)
        response = api_client(world["school_a"]).post(
            url("status-changes"),
            {"student": s.pk, "kind": "withdraw", "reason": "退学", "effective_date": "2025-03-01"},
            format="json",
        )
        assert response.status_code == 201, response.content
        pk = response.json()["id"]
        assert_error(api_client(world["province_admin"]).post(url("status-changes", pk, "approve"), {}), 400)
        assert api_client(world["jinan"]).post(url("status-changes", pk, "approve"), {}).status_code == 200
        # a 退学 is filed with the city (XJ-FILING): nothing is left for the province
        assert_error(api_client(world["province_admin"]).post(url("status-changes", pk, "approve"), {}), 400)
        again = api_client(world["school_a"]).post(
            url("status-changes"),
            {"student": s.pk, "kind": "resume", "reason": "复学", "effective_date": "2025-04-01"},
            format="json",
        )
        assert_error(again, 400)
        assert_error(api_client(world["qingdao"]).post(url("status-changes", pk, "approve"), {}), 404)


class TestBatchAPI(APIEndpointTests):
    endpoint = "registration-batches"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(_batch)

    def test_return_needs_reason(self, world):
        batch = _batch(world)
        client = api_client(world["school_a"])
        assert client.post(url("registration-batches", batch.pk, "submit"), {}).status_code in (200, 400)
        batch.refresh_from_db()
        if batch.status != "in_review":
            pytest.skip("past the deadline today")
        assert_error(
            api_client(world["jinan"]).post(url("registration-batches", batch.pk, "return"), {}), 400
        )
        ok = api_client(world["jinan"]).post(
            url("registration-batches", batch.pk, "return"), {"comment": "缺照片"}
        )
        assert ok.status_code == 200 and ok.json()["status"] == "returned"


def test_workflow_worklist_api(world):
    batch = _batch(world)
    services.batch_submit(actor=world["school_a"], batch=batch, today=datetime.date(2024, 10, 1))
    assert result_ids(api_client(world["jinan"]).get(url("approval-requests") + "worklist/"))
    assert not result_ids(api_client(world["province_admin"]).get(url("approval-requests") + "worklist/"))
    assert not result_ids(api_client(world["qingdao"]).get(url("approval-requests")))
