"""Issue 2's journeys in Chromium: the province admin's tour and a school refused another school."""

import io
import re

import pytest
from openpyxl import load_workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_province_admin_home_filter_detail_export(page, sign_in, world):
    sign_in(world["province_admin"])

    # Home: the province at a glance, with charts drawn by ECharts (SVG inside each chart box).
    page.goto("/")
    assert CJK.search(page.locator("main h1").first.inner_text())
    page.locator(".chart svg").first.wait_for()
    assert page.get_by_text("济南市").first.is_visible()

    # Institutions: filter by city; the table swaps to the 济南 school only.
    page.goto("/institutions/")
    assert page.get_by_role("link", name="青岛第一职业中专").is_visible()
    page.select_option("select[name=city]", label="济南市")
    page.get_by_role("link", name="青岛第一职业中专").wait_for(state="detached")
    assert page.get_by_role("link", name="济南第一职业中专").is_visible()
    assert "city=" in page.url

    # Export the filtered list: a real XLSX holding just the filtered rows, with Chinese headers.
    with page.expect_download() as info:
        page.get_by_role("link", name="导出 XLSX").first.click()
    data = info.value.path().read_bytes()
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert any(CJK.search(str(h or "")) for h in rows[0])
    names = [str(c) for row in rows[1:] for c in row if c]
    assert "济南第一职业中专" in names and "青岛第一职业中专" not in names

    # Detail page with its change history panel.
    page.get_by_role("link", name="济南第一职业中专").click()
    page.wait_for_url(re.compile(rf"/institutions/{world.school_a.pk}/"))
    assert page.locator("h1").inner_text().strip().endswith("济南第一职业中专")
    assert page.console_errors == []


def test_school_user_is_refused_another_school(page, sign_in, world):
    sign_in(world["school_a"])
    response = page.goto(f"/institutions/{world.school_b.pk}/")
    assert response.status == 404
    assert "青岛第一职业中专" not in page.content()
    assert CJK.search(page.locator("h1").inner_text())
    # Its own school opens.
    response = page.goto(f"/institutions/{world.school_a.pk}/")
    assert response.status == 200
    api = page.request.get(f"/api/v1/institutions/{world.school_b.pk}/")
    assert api.status == 404
