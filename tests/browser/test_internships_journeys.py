"""Internship journeys: student check-in and report, mentor review, a school's blocked placement,
the authority dashboard."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def iw(db):
    from zhijiao.core.testing import World
    from zhijiao.internships.tests.conftest import IWorld

    return IWorld(World())


def test_student_checks_in_and_writes_a_report(page, sign_in, iw):
    p = iw.placement(activate=True)
    user = p.enrolment.student.user
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 36.6513, "longitude": 117.1201, "accuracy": 15})
    page.set_viewport_size({"width": 390, "height": 844})  # a phone
    sign_in(user, next_url="/internships/my/")
    page.goto("/internships/my/")
    with page.expect_navigation():
        page.locator("button[data-kind=START]").click()
    assert p.checkins.count() == 1
    assert page.locator("[data-testid=recent-checkins] li").count() == 1
    page.fill("input[name=title]", "第一天日报")
    page.fill("textarea[name=content]", "今天熟悉了测试环境，学习了缺陷管理流程。")
    with page.expect_navigation():
        page.locator("form[action$='/my/reports/'] button[type=submit]").click()
    assert p.reports.filter(title="第一天日报").exists()
    assert page.console_errors == []


def test_mentor_reviews_a_report(page, sign_in, iw):
    from zhijiao.internships import services

    p = iw.placement(activate=True)
    report = services.report_submit(
        actor=p.enrolment.student.user,
        placement=p,
        data={
            "kind": "day",
            "period_start": iw.today,
            "period_end": iw.today,
            "title": "日报一",
            "content": "内容",
        },
    )
    sign_in(iw.mentor_user, next_url="/internships/worklist/")
    page.goto("/internships/worklist/")
    row = page.locator("[data-testid=reports] li", has_text="日报一")
    row.locator("input[name=comment]").fill("写得不错")
    with page.expect_navigation():
        row.locator("button[name=accept]").click()
    report.refresh_from_db()
    assert report.status == "reviewed" and report.review_comment == "写得不错"


def test_school_sees_a_blocked_placement(page, sign_in, iw):
    p = iw.placement(complete=False)
    sign_in(iw.school_admin)
    page.goto(f"/internships/placements/{p.pk}/")
    violations = page.locator("[data-testid=violations]")
    assert "INT-AGREE" in violations.inner_text() and "INT-INS" in violations.inner_text()
    with page.expect_navigation():
        page.locator("[data-testid=activate]").click()
    assert page.locator(".alert-danger").count() >= 1
    p.refresh_from_db()
    assert p.status == "draft"


def test_authority_dashboard_draws_charts(page, sign_in, iw):
    from zhijiao.internships.sweep import run_sweep

    iw.placement(activate=True)
    iw.placement(activate=True)
    run_sweep()
    sign_in(iw.province)
    page.goto("/internships/")
    assert page.locator("[data-testid=total-active]").inner_text().strip() == "2"
    page.locator("[data-source=chart-city] svg").first.wait_for()
    assert page.console_errors == []
