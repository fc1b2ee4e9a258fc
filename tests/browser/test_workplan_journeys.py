"""Browser journeys of the work plan: the division head's board, and a city answering a sub-task.

The 2021 plan comes from the demo loader (board date 2021-06-15 on the plan). The UI is Chinese:
elements are found by name/class/data attributes and URLs, never by English text.
"""

import datetime
import re

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOARD_ROWS = "table.board-table tbody tr.board-row"


@pytest.fixture
def plan(world):
    from zhijiao.workplan.demo import load_demo_workplan

    return load_demo_workplan()


def _demo_password():
    from zhijiao.core.demo import demo_password

    return demo_password()


def test_division_head_board(page, sign_in, live_server, world, plan):
    from zhijiao.workplan.choices import TaskStatus

    head = plan.head
    assert head is not None
    sign_in(head, password=_demo_password(), next_url="/workplan/")
    page.goto("/workplan/")
    rows = page.locator(BOARD_ROWS)
    assert rows.count() == 60
    assert "2021-06-15" in page.locator(".as-of").inner_text()

    # an overdue row is red: the row is table-danger and its countdown is drawn in the danger colour
    overdue = page.locator(f"{BOARD_ROWS}.health-overdue")
    assert overdue.count() >= 3
    first = overdue.first
    assert "table-danger" in (first.get_attribute("class") or "")
    colour = first.locator(".countdown").evaluate("el => getComputedStyle(el).color")
    r, g, b = (int(x) for x in re.findall(r"\d+", colour)[:3])
    assert r > 150 and g < 100 and b < 100, colour
    assert page.locator("#overdue-count").inner_text().strip() == str(overdue.count())

    # filter by a status: fewer rows, all of them with that status
    completed = plan.tasks.filter(status=TaskStatus.COMPLETED).count()
    assert 0 < completed < 60
    page.select_option("form[role=search] select[name=status]", TaskStatus.COMPLETED)
    with page.expect_navigation():
        page.locator("form[role=search] button[type=submit]").click()
    assert "status=completed" in page.url
    assert rows.count() == completed
    assert page.locator(f"{BOARD_ROWS}.health-done").count() == completed

    # the dated PDF briefing downloads with the board's filters
    with page.expect_download() as download:
        page.locator("a[data-action=download-pdf]").first.click()
    assert download.value.suggested_filename == "工作要点督办简报-2021-06-15.pdf"

    # open a task's detail page from the board
    task = plan.tasks.get(pk=rows.first.get_attribute("data-task"))
    with page.expect_navigation():
        rows.first.locator(f'a[href="{task.get_absolute_url()}"]').click()
    assert page.url.endswith(task.get_absolute_url())
    assert task.title in page.locator("main").inner_text()
    assert page.console_errors == []


def test_city_answers_an_assigned_sub_task(page, sign_in, live_server, world, plan):
    from zhijiao.workplan import rules, selectors, services
    from zhijiao.workplan.choices import AssignmentStatus, ReportStatus
    from zhijiao.workplan.models import ProgressReport

    task = plan.tasks.get(kind="key_point", number=10)
    owner = task.owner
    asg = services.assignment_create(
        actor=owner,
        task=task,
        region=world.jinan,
        title="报送济南市高职扩招秋季录取进展",
        instructions="请报送秋季扩招录取人数。",
        due_date=datetime.date(2021, 10, 20),
    )
    url = asg.get_absolute_url()

    # the city finds the sub-task in its worklist and answers it through the form
    sign_in(world["jinan"])
    page.goto("/workplan/worklist/")
    link = page.locator(f'table.worklist a[href="{url}"]')
    assert link.inner_text().strip() == asg.title
    with page.expect_navigation():
        link.click()
    form = page.locator("form.answer-form")
    form.locator("textarea[name=text]").fill("济南市秋季扩招已录取 2,180 人，占计划的 65%。")
    form.locator("input[name=progress]").fill("65")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.url.endswith(url)
    assert "已录取 2,180 人" in page.locator(f"#report-{asg.reports.get().pk} .report-text").inner_text()

    report = ProgressReport.objects.get(assignment=asg)
    assert report.progress == 65 and report.status == ReportStatus.SUBMITTED
    assert report.author == world["jinan"]
    asg.refresh_from_db()
    assert asg.status == AssignmentStatus.SUBMITTED

    # a week later it would count as unanswered for the owner (事事有回音)
    later = rules.local_today() + datetime.timedelta(days=30)

    def unanswered():
        return sum(r["n"] for r in selectors.unanswered_counts(today=later, plan=plan) if r["owner"] == owner)

    before = unanswered()
    assert before >= 1

    # the owner, in a fresh session, accepts it on the assignment page
    page.context.clear_cookies()
    sign_in(owner, password=_demo_password())
    page.goto(url)
    ack = page.locator(f"#report-{report.pk} form.ack-form")
    ack.locator("input[name=decision][value=accepted]").check()
    with page.expect_navigation():
        ack.locator("button[type=submit]").click()
    assert page.locator(f"#report-{report.pk} .ack-accepted").count() == 1

    report.refresh_from_db()
    asg.refresh_from_db()
    assert report.status == ReportStatus.ACCEPTED and asg.status == AssignmentStatus.ACCEPTED
    assert report.acknowledgement.by == owner
    assert unanswered() == before - 1
    assert page.console_errors == []
