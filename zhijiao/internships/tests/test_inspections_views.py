"""专项检查 pages, API and the report (XLSX and PDF with vector charts): scoping, bad input, query counts."""

import datetime as dt
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import make_token
from zhijiao.internships.models import Inspection, InspectionItem
from zhijiao.internships.services import inspections as svc

from .test_inspections_services import PDF, active, launch, pdf, school_b_placements

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {make_token(user)}")
    return client


def url(name, *args):
    return reverse(f"internships:{name}", args=args)


@pytest.fixture
def province_insp(iw, world):
    """A provincial inspection sampling two Jinan and two Qingdao placements."""
    for _ in range(2):
        active(iw.placement(complete=False))
    school_b_placements(iw, world, 2)
    return launch(world["province_admin"], world.province, iw, sample_size=4, rule_ids=["INT-PAY", "INT-INS"])


# --- launch page ----------------------------------------------------------------------------------
def test_launch_page(iw, world, login):
    active(iw.placement(complete=False))
    client = login(world["jinan"])
    page = client.get(url("inspection_launch"))
    assert page.status_code == 200
    regions = list(page.context["form"].fields["region"].queryset)
    assert regions == [world.jinan]  # a city bureau launches over its own city only
    response = client.post(
        url("inspection_launch"),
        {
            "title": "济南市实习专项检查",
            "region": world.jinan.pk,
            "rule_ids": ["INT-PAY", "INT-HOURS"],
            "sample_size": 5,
            "answer_due": (iw.today + dt.timedelta(days=10)).isoformat(),
        },
    )
    insp = Inspection.objects.get()
    assert response.status_code == 302 and response["Location"] == insp.get_absolute_url()
    assert [c["rule_id"] for c in insp.checklist] == ["INT-HOURS", "INT-PAY"]
    assert insp.items.count() == 1


def test_launch_page_bad_input_shows_the_message_and_writes_nothing(iw, world, login):
    active(iw.placement(complete=False))
    client = login(world["jinan"])
    response = client.post(
        url("inspection_launch"),
        {
            "title": "检查",
            "region": world.jinan.pk,
            "rule_ids": ["INT-PAY"],
            "sample_size": 5,
            "answer_due": "2020-01-01",
        },
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 400
    assert response.context["form"].errors["answer_due"]
    assert not Inspection.objects.exists()
    # Another city's region is not a choice: the form refuses it (nothing written either).
    response = client.post(
        url("inspection_launch"),
        {
            "title": "检查",
            "region": world.qingdao.pk,
            "rule_ids": ["INT-PAY"],
            "sample_size": 5,
            "answer_due": iw.today.isoformat(),
        },
    )
    assert response.status_code == 400 and "region" in response.context["form"].errors
    assert not Inspection.objects.exists()


def test_schools_and_auditors_cannot_launch(world, login):
    assert login(world["school_a"]).get(url("inspection_launch")).status_code == 403
    assert login(world["auditor"]).get(url("inspection_launch")).status_code == 403
    list_page = login(world["school_a"]).get(url("inspection_list"))
    assert list_page.status_code == 200 and not list_page.context["can_launch"]


# --- scoping --------------------------------------------------------------------------------------
def test_school_sees_only_its_own_items(province_insp, world, login):
    page = login(world["school_a"]).get(province_insp.get_absolute_url())
    assert page.status_code == 200
    assert {it.institution_id for it in page.context["items"]} == {world.school_a.pk}
    assert page.context["s"]["total"].total == 2
    body = page.content.decode()
    assert world.school_b.name not in body
    assert all(it.can_answer and not it.can_find for it in page.context["items"])
    other = InspectionItem.objects.filter(institution=world.school_b).first()
    client = login(world["school_a"])
    assert client.get(url("inspection_answer", other.pk)).status_code == 404
    assert client.post(url("inspection_answer", other.pk), {"school_answer": "x"}).status_code == 404
    assert client.get(url("inspection_finding", other.pk)).status_code == 404
    assert client.get(url("inspection_evidence", other.pk)).status_code == 404


def test_city_sees_its_share_of_a_provincial_inspection_but_does_not_inspect(province_insp, world, login):
    client = login(world["qingdao"])
    page = client.get(province_insp.get_absolute_url())
    assert page.status_code == 200
    assert {it.institution_id for it in page.context["items"]} == {world.school_b.pk}
    assert not page.context["inspector"]
    item = page.context["items"][0]
    assert client.get(url("inspection_finding", item.pk)).status_code == 403
    assert client.post(url("inspection_close", province_insp.pk)).status_code == 403


def test_another_citys_inspection_is_a_404(iw, world, login):
    active(iw.placement(complete=False))
    insp = launch(world["jinan"], world.jinan, iw)
    item = insp.items.get()
    client = login(world["qingdao"])
    for path in (
        insp.get_absolute_url(),
        url("inspection_report", insp.pk, "pdf"),
        url("inspection_report", insp.pk, "xlsx"),
        url("inspection_finding", item.pk),
        url("inspection_answer", item.pk),
    ):
        assert client.get(path).status_code == 404, path
    assert client.post(url("inspection_close", insp.pk)).status_code == 404
    assert insp.get_absolute_url() not in client.get(url("inspection_list")).content.decode()
    assert login(world["school_b"]).get(insp.get_absolute_url()).status_code == 404
    assert login(world["jinan"]).get(url("inspection_report", insp.pk, "docx")).status_code == 404


def test_anonymous_is_sent_to_login(iw, world, client):
    assert client.get(url("inspection_list")).status_code == 302
    assert client.get(url("inspection_launch")).status_code == 302


# --- answer, finding, close through the pages -----------------------------------------------------
def test_answer_finding_and_close_pages(iw, world, login):
    active(iw.placement(complete=False))
    insp = launch(world["jinan"], world.jinan, iw, rule_ids=["INT-PAY", "INT-INS"])
    item = insp.items.get()
    school = login(world["school_a"])
    assert school.get(url("inspection_answer", item.pk)).status_code == 200
    bad = school.post(
        url("inspection_answer", item.pk),
        {"school_answer": "见附件", "evidence": pdf("fake.pdf", b"GIF89a")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert bad.status_code == 400 and "fake.pdf 的文件内容与其扩展名不符。" in bad.content.decode()
    item.refresh_from_db()
    assert item.answered_at is None
    ok = school.post(url("inspection_answer", item.pk), {"school_answer": "协议保单齐全", "evidence": pdf()})
    assert ok.status_code == 302
    item.refresh_from_db()
    assert item.answered_at and item.evidence
    download = school.get(url("inspection_evidence", item.pk))
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")
    assert school.get(url("inspection_finding", item.pk)).status_code == 403  # the school does not inspect

    inspector = login(world["jinan"])
    assert inspector.get(url("inspection_evidence", item.pk)).status_code == 200
    missing_due = inspector.post(
        url("inspection_finding", item.pk),
        {"result": "non_compliant", "failed_rules": ["INT-PAY"]},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert missing_due.status_code == 400
    assert "检查结果为不合规的，请设定整改期限。" in missing_due.content.decode()
    due = iw.today + dt.timedelta(days=20)
    done = inspector.post(
        url("inspection_finding", item.pk),
        {
            "result": "non_compliant",
            "failed_rules": ["INT-PAY"],
            "note": "工资低于标准",
            "rectification_due": due.isoformat(),
        },
    )
    assert done.status_code == 302
    item.refresh_from_db()
    assert item.result == "non_compliant" and item.rectification_due == due
    assert inspector.post(url("inspection_close", insp.pk)).status_code == 302
    insp.refresh_from_db()
    assert insp.status == "closed"
    # Closed: the school may still report the rectification, but no longer answer.
    school = login(world["school_a"])  # the fixture signs one client in as another user
    assert school.post(url("inspection_answer", item.pk), {"school_answer": "改"}).status_code == 400
    assert school.post(url("inspection_rectify", item.pk), {"school_answer": "已整改"}).status_code == 302
    item.refresh_from_db()
    assert item.rectified_at


def test_close_with_pending_items_shows_the_reason(iw, world, login):
    active(iw.placement(complete=False))
    insp = launch(world["jinan"], world.jinan, iw)
    response = login(world["jinan"]).post(url("inspection_close", insp.pk), follow=True)
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    insp.refresh_from_db()
    assert insp.status == "open"


# --- query counts ---------------------------------------------------------------------------------
def _queries(client, path):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_detail_and_list_query_counts_do_not_grow_with_items(iw, world, login):
    active(iw.placement(complete=False))
    small = launch(world["province_admin"], world.province, iw, sample_size=1)
    client = login(world["province_admin"])
    one_inspection = _queries(client, url("inspection_list"))
    for _ in range(3):
        active(iw.placement(complete=False))
    school_b_placements(iw, world, 3)
    big = launch(world["province_admin"], world.province, iw, sample_size=7)
    assert big.items.count() == 7
    client = login(world["province_admin"])
    assert _queries(client, big.get_absolute_url()) == _queries(client, small.get_absolute_url())
    assert _queries(client, big.get_absolute_url()) <= 10
    assert _queries(client, url("inspection_list")) == one_inspection <= 10


# --- report ---------------------------------------------------------------------------------------
def _with_findings(insp, iw, world):
    items = list(insp.items.order_by("id"))
    svc.inspection_finding(
        actor=world["province_admin"],
        item=items[0],
        result="non_compliant",
        failed_rules=["INT-PAY"],
        note="实习报酬低于岗位工资的百分之八十",
        rectification_due=iw.today + dt.timedelta(days=30),
    )
    svc.inspection_finding(actor=world["province_admin"], item=items[1], result="compliant")
    svc.inspection_finding(
        actor=world["province_admin"],
        item=items[2],
        result="non_compliant",
        failed_rules=["INT-PAY", "INT-INS"],
        rectification_due=iw.today + dt.timedelta(days=30),
    )
    return items


def test_report_xlsx(province_insp, iw, world, login):
    _with_findings(province_insp, iw, world)
    response = login(world["province_admin"]).get(url("inspection_report", province_insp.pk, "xlsx"))
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert len(wb.sheetnames) == 5
    summary = {row[0]: row[1] for row in wb.worksheets[0].iter_rows(min_row=2, values_only=True)}
    assert province_insp.title in summary.values()
    by_rule = list(wb.worksheets[2].iter_rows(min_row=2, values_only=True))
    assert ("INT-PAY", 2) in [(r[0], r[2]) for r in by_rule]
    assert wb.worksheets[2]._charts  # a native bar chart
    items = list(wb.worksheets[1].iter_rows(min_row=2, values_only=True))
    assert len(items) == 4
    assert AuditEntry.objects.filter(
        action="export", object_id=str(province_insp.pk), message="xlsx"
    ).exists()


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_report_pdf_has_the_title_a_finding_and_vector_charts(province_insp, iw, world, login):
    _with_findings(province_insp, iw, world)
    response = login(world["province_admin"]).get(url("inspection_report", province_insp.pk, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    content = response.content
    assert content.startswith(b"%PDF")
    text = re.sub(r"\s+", "", _pdf_text(content))
    assert re.sub(r"\s+", "", province_insp.title) in text
    assert "实习报酬低于岗位工资的百分之八十" in text  # a finding's note
    assert "INT-PAY" in text

    from pypdf import PdfReader

    first = PdfReader(io.BytesIO(content)).pages[0]
    ops = first.get_contents().get_data().decode("latin-1")
    # The SVG bars are drawn as filled vector rectangles ("x y w h re" … "f"), not as an embedded image.
    assert len(re.findall(r"[\d.\-]+ [\d.\-]+ [\d.\-]+ [\d.\-]+ re", ops)) >= 8
    resources = first.get("/Resources") or {}
    xobjects = resources.get("/XObject") or {}
    assert not any(x.get_object().get("/Subtype") == "/Image" for x in xobjects.values())


def test_report_of_a_school_rolls_up_its_own_items_only(province_insp, iw, world, login):
    _with_findings(province_insp, iw, world)
    response = login(world["school_b"]).get(url("inspection_report", province_insp.pk, "xlsx"))
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    names = {row[0] for row in wb.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert names == {world.school_b.name}


# --- API ------------------------------------------------------------------------------------------
def test_api_launch_answer_finding_close(iw, world):
    active(iw.placement(complete=False))
    body = {
        "title": "API 专项检查",
        "region": world.jinan.pk,
        "answer_due": (iw.today + dt.timedelta(days=7)).isoformat(),
        "sample_size": 3,
        "rule_ids": ["INT-PAY", "INT-INS"],
    }
    assert api(world["school_a"]).post("/api/v1/inspections/", body, format="json").status_code == 403
    assert api(world["qingdao"]).post("/api/v1/inspections/", body, format="json").status_code == 400
    r = api(world["jinan"]).post("/api/v1/inspections/", body, format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert [c["rule_id"] for c in r.json()["checklist"]] == ["INT-PAY", "INT-INS"]
    bad = api(world["jinan"]).post(
        "/api/v1/inspections/", {**body, "answer_due": "2020-01-01"}, format="json"
    )
    assert bad.status_code == 400 and Inspection.objects.count() == 1

    items = api(world["school_a"]).get(f"/api/v1/inspections/{pk}/items/").json()
    assert len(items) == 1
    item_id = items[0]["id"]
    assert api(world["school_b"]).get(f"/api/v1/inspections/{pk}/").status_code == 404
    assert (
        api(world["school_b"])
        .post(f"/api/v1/inspections/{pk}/answer/", {"item": item_id, "school_answer": "x"})
        .status_code
        == 404
    )
    answered = api(world["school_a"]).post(
        f"/api/v1/inspections/{pk}/answer/",
        {"item": item_id, "school_answer": "已整改", "evidence": pdf()},
        format="multipart",
    )
    assert answered.status_code == 200, answered.content
    assert answered.json()["has_evidence"] and answered.json()["school_answer"] == "已整改"
    wrong_type = api(world["school_a"]).post(
        f"/api/v1/inspections/{pk}/answer/",
        {"item": item_id, "school_answer": "再答", "evidence": pdf("a.png", PDF)},
        format="multipart",
    )
    assert wrong_type.status_code == 400

    assert (
        api(world["school_a"])
        .post(f"/api/v1/inspections/{pk}/finding/", {"item": item_id, "result": "compliant"}, format="json")
        .status_code
        == 403
    )
    found = api(world["jinan"]).post(
        f"/api/v1/inspections/{pk}/finding/",
        {
            "item": item_id,
            "result": "non_compliant",
            "failed_rules": ["INT-INS"],
            "rectification_due": (iw.today + dt.timedelta(days=5)).isoformat(),
        },
        format="json",
    )
    assert found.status_code == 200 and found.json()["failed_rules"] == ["INT-INS"]
    closed = api(world["jinan"]).post(f"/api/v1/inspections/{pk}/close/")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
