"""专项检查 journey: the province launches an inspection, a school answers with evidence, the inspector
records a finding, the report downloads as PDF and XLSX."""

import datetime as dt

import pytest

from zhijiao.core.testing import blank_pdf

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = blank_pdf()


@pytest.fixture
def iw(db):
    from zhijiao.core.testing import World
    from zhijiao.internships.models import Placement
    from zhijiao.internships.tests.conftest import IWorld

    iw = IWorld(World())
    p = iw.placement(complete=False)
    Placement.objects.filter(pk=p.pk).update(status="active")  # the sample reads only the status
    return iw


def test_province_launches_school_answers_inspector_finds_report_downloads(page, sign_in, iw, tmp_path):
    from zhijiao.internships.models import Inspection

    w = iw.w
    due = iw.today + dt.timedelta(days=14)

    # 1. The province launches an inspection over the province, with a short checklist.
    sign_in(w["province_admin"], next_url="/internships/inspections/")
    page.goto("/internships/inspections/")
    with page.expect_navigation():
        page.locator("[data-testid=launch]").click()
    page.fill("input[name=title]", "2026年实习管理专项检查")
    page.select_option("select[name=region]", str(w.province.pk))
    for box in page.locator("[data-testid=checklist] input[type=checkbox]").all():
        box.uncheck()
    page.check("[data-testid=checklist] input[value=INT-PAY]")
    page.check("[data-testid=checklist] input[value=INT-INS]")
    page.fill("input[name=sample_size]", "5")
    page.fill("input[name=answer_due]", due.isoformat())
    with page.expect_navigation():
        page.locator("[data-testid=launch-form] button[type=submit]").click()
    inspection = Inspection.objects.get()
    assert page.url.endswith(inspection.get_absolute_url())
    assert [c["rule_id"] for c in inspection.checklist] == ["INT-PAY", "INT-INS"]
    assert page.locator("[data-testid=items] tbody tr").count() == 1
    assert page.console_errors == []

    # 2. The school answers its item with an evidence file.
    page.context.clear_cookies()
    sign_in(w["school_a"], next_url=inspection.get_absolute_url())
    page.goto(inspection.get_absolute_url())
    with page.expect_navigation():
        page.locator("[data-testid=answer]").first.click()
    page.fill("textarea[name=school_answer]", "三方协议和保单已上传，实习报酬按月发放。")
    evidence = tmp_path / "协议.pdf"
    evidence.write_bytes(PDF)
    page.set_input_files("input[name=evidence]", str(evidence))
    with page.expect_navigation():
        page.locator("[data-testid=answer-form] button[type=submit]").click()
    item = inspection.items.get()
    assert item.answered_at and item.evidence
    assert page.locator("[data-testid=evidence]").count() == 1
    assert page.locator("[data-testid=finding]").count() == 0  # schools do not inspect

    # 3. The inspector records a non-compliant finding with a rectification deadline.
    page.context.clear_cookies()
    sign_in(w["province_admin"], next_url=inspection.get_absolute_url())
    page.goto(inspection.get_absolute_url())
    with page.expect_navigation():
        page.locator("[data-testid=finding]").first.click()
    assert "三方协议和保单已上传" in page.locator("[data-testid=school-answer]").inner_text()
    page.check("input[name=result][value=non_compliant]")
    page.check("[data-testid=failed-rules] input[value=INT-PAY]")
    page.fill("textarea[name=note]", "实习报酬低于岗位工资的80%")
    page.fill("input[name=rectification_due]", (iw.today + dt.timedelta(days=30)).isoformat())
    with page.expect_navigation():
        page.locator("[data-testid=finding-form] button[type=submit]").click()
    item.refresh_from_db()
    assert item.result == "non_compliant" and item.failed_rules == ["INT-PAY"]
    assert page.locator("[data-testid=non-compliant]").inner_text().strip() == "1"
    assert page.locator("[data-testid=chart-rule] svg rect").count() >= 2  # the server-drawn chart

    # 4. The report downloads as PDF and XLSX.
    with page.expect_download() as pdf_download:
        page.locator("[data-testid=report-pdf]").click()
    pdf_path = tmp_path / "report.pdf"
    pdf_download.value.save_as(pdf_path)
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    assert pdf_path.read_bytes().startswith(b"%PDF")
    with page.expect_download() as xlsx_download:
        page.locator("[data-testid=report-xlsx]").click()
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    assert page.console_errors == []
