"""Pages and API: scope (404 out of reach), the city journey, bad input shown as messages, query budgets."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.core.models import Notification
from zhijiao.core.testing import blank_pdf
from zhijiao.workplan import rules, services
from zhijiao.workplan.choices import AssignmentStatus, Decision, ReportStatus
from zhijiao.workplan.models import Assignment, Milestone, ProgressReport

D = datetime.date


@pytest.fixture
def asg(world, kp):
    return services.assignment_create(
        actor=world["province_staff"],
        task=kp(10),
        region=world.jinan,
        title="报送济南高职扩招进展",
        due_date=D(2021, 6, 10),
    )


def _busy_plan(world, plan, kp):
    """Milestones, targets, reports and acknowledgements on many tasks (for query budgets)."""
    staff = world["province_staff"]
    for n in range(1, 21):
        task = kp(n)
        services.milestone_create(actor=staff, task=task, title=f"m{n}", due_date=D(2021, 5, n))
        services.milestone_create(actor=staff, task=task, title=f"m{n}b", due_date=D(2021, 9, n))
        rep = services.report_submit(actor=staff, task=task, text=f"r{n}", progress=n * 2)
        if n % 2:
            services.report_acknowledge(actor=world["province_admin"], report=rep, decision=Decision.ACCEPTED)


def test_anonymous_is_sent_to_login(client, plan):
    for name in (
        "workplan:board",
        "workplan:worklist",
        "workplan:inbox",
        "workplan:forums",
        "workplan:timeline",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "login" in response["Location"]


def test_board_for_the_division_head(world, plan, kp, login):
    plan.as_of_date = D(2021, 7, 15)
    plan.save(update_fields=["as_of_date"])
    _busy_plan(world, plan, kp)
    client = login(world["province_admin"])
    response = client.get(reverse("workplan:board"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "党史学习" in body and "鲁教职处函〔2021〕6号" in body
    assert body.count('class="board-row') == 60
    # KP 9 is due 2021-06-30 with 18 %: overdue as of 15 July, shown in red.
    assert f'health-overdue table-danger" data-task="{kp(9).pk}"' in body
    # filters
    response = client.get(
        reverse("workplan:board"), {"kind": "key_point", "owner": world["province_staff"].pk}
    )
    assert response.content.decode().count('class="board-row') == 20
    theme = plan.themes.get(code="party")
    response = client.get(reverse("workplan:board"), {"theme": theme.pk})
    assert response.content.decode().count('class="board-row') == 2
    response = client.get(reverse("workplan:board"), {"health": "overdue"})
    assert 0 < response.content.decode().count('class="board-row') < 60


def test_board_query_budget_does_not_grow_with_tasks(world, plan, kp, login):
    client = login(world["province_admin"])
    client.get(reverse("workplan:board"))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("workplan:board"))
    _busy_plan(world, plan, kp)
    with CaptureQueriesContext(connection) as big:
        response = client.get(reverse("workplan:board"))
    assert response.status_code == 200
    assert len(big) == len(small)
    assert len(big) <= 20, [q["sql"][:120] for q in big.captured_queries]


def test_board_rows_selector_constant_queries(world, plan, kp, django_assert_max_num_queries):
    from zhijiao.core import workdays
    from zhijiao.workplan import selectors

    _busy_plan(world, plan, kp)
    user = world["province_admin"]
    selectors.task_list(user=user).exists()  # the user's grants are loaded once per user object
    workdays.calendar()  # and the working-day calendar once per process (the countdown counts on it)
    with django_assert_max_num_queries(3):
        rows = selectors.board_rows(user=user, plan=plan, today=D(2021, 6, 15))
    assert len(rows) == 60
    assert rows[0].next_milestone.title == "m1b" and rows[0].latest_report["text"] == "r1"


def test_board_export_xlsx(world, plan, login):
    import io

    from openpyxl import load_workbook

    client = login(world["province_admin"])
    response = client.get(reverse("workplan:board"), {"export": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert len(rows) == 61 and rows[1][2] == "深入学习贯彻党史学习教育动员大会精神"


def test_briefing_and_timeline(world, plan, login):
    client = login(world["province_admin"])
    response = client.get(reverse("workplan:briefing"), {"as_of": "2021-07-15"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "2021-07-15" in body and 'data-action="print"' in body and "<script>" not in body
    response = client.get(reverse("workplan:timeline"))
    assert response.status_code == 200
    assert 'id="timeline-data"' in response.content.decode()


def test_city_user_sees_only_its_worklist(world, plan, kp, asg, login):
    other = services.assignment_create(
        actor=world["province_staff"],
        task=kp(10),
        region=world.qingdao,
        title="报送青岛高职扩招进展",
        due_date=D(2021, 6, 10),
    )
    client = login(world["jinan"])
    # no plan of its own: the board sends the city to its worklist
    assert client.get(reverse("workplan:board"))["Location"] == reverse("workplan:worklist")
    body = client.get(reverse("workplan:worklist")).content.decode()
    assert "报送济南高职扩招进展" in body and "报送青岛高职扩招进展" not in body
    assert client.get(reverse("workplan:assignment_detail", args=[asg.pk])).status_code == 200
    # another city's assignment and any province task: 404
    assert client.get(reverse("workplan:assignment_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("workplan:task_detail", args=[kp(10).pk])).status_code == 404
    assert (
        client.post(reverse("workplan:assignment_answer", args=[other.pk]), {"text": "x"}).status_code == 404
    )
    assert (
        client.post(reverse("workplan:task_progress", args=[kp(10).pk]), {"progress": 5}).status_code == 404
    )


def test_city_answers_and_the_owner_acknowledges(world, plan, kp, asg, login, client):
    login(world["jinan"])
    pdf = SimpleUploadedFile("扩招进展.pdf", blank_pdf(), content_type="application/pdf")
    response = client.post(
        reverse("workplan:assignment_answer", args=[asg.pk]),
        {"text": "济南市已完成扩招录取 3,200 人", "links": "/workplan/worklist/", "files": [pdf]},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(assignment=asg)
    assert report.evidence.count() == 1
    asg.refresh_from_db()
    assert asg.status == AssignmentStatus.SUBMITTED
    # the evidence is downloadable by the city and the province, not by Qingdao
    ev = report.evidence.get()
    assert client.get(reverse("workplan:evidence_download", args=[ev.pk])).status_code == 200
    login(world["qingdao"])
    assert client.get(reverse("workplan:evidence_download", args=[ev.pk])).status_code == 404
    assert (
        client.post(
            reverse("workplan:report_acknowledge", args=[report.pk]), {"decision": "accepted"}
        ).status_code
        == 404
    )
    # the owner returns it with a reason (without one: a message, nothing changes)
    login(world["province_staff"])
    client.post(
        reverse("workplan:report_acknowledge", args=[report.pk]), {"decision": "returned", "reason": ""}
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    client.post(
        reverse("workplan:report_acknowledge", args=[report.pk]),
        {"decision": "returned", "reason": "请补充分院校数据"},
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.RETURNED
    # the city sees the reason in its inbox
    login(world["jinan"])
    assert client.get(reverse("workplan:inbox"))["Location"] == reverse("accounts:inbox")  # moved
    body = client.get(reverse("accounts:inbox")).content.decode()
    assert "请补充分院校数据" in body
    client.post(reverse("accounts:inbox"))
    assert not Notification.objects.filter(user=world["jinan"], read_at__isnull=True).exists()


def test_bad_input_on_the_task_page_is_a_message_not_a_500(world, plan, kp, login):
    client = login(world["province_staff"])
    task = kp(4)
    response = client.post(reverse("workplan:task_progress", args=[task.pk]), {"progress": 150})
    assert response.status_code == 400 and "between 0 and 100" in response.content.decode()
    client.post(reverse("workplan:task_progress", args=[task.pk]), {"progress": 50})
    response = client.post(reverse("workplan:task_progress", args=[task.pk]), {"progress": 20})
    assert response.status_code == 400 and "give a reason" in response.content.decode()
    task.refresh_from_db()
    assert task.progress == 50
    response = client.post(
        reverse("workplan:milestone_add", args=[task.pk]), {"title": "明年", "due_date": "2022-03-01"}
    )
    assert response.status_code == 400 and "2021" in response.content.decode()
    assert not Milestone.objects.exists()
    exe = SimpleUploadedFile("x.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(reverse("workplan:report_add", args=[task.pk]), {"text": "x", "files": [exe]})
    assert response.status_code == 400 and "file types" in response.content.decode()
    response = client.post(
        reverse("workplan:assignment_add", args=[task.pk]), {"title": "x", "due_date": "2021-06-01"}
    )
    assert response.status_code == 400
    assert not Assignment.objects.exists()
    # dependency cycle
    client.post(reverse("workplan:dependency_add", args=[kp(1).pk]), {"depends_on": kp(2).pk})
    response = client.post(reverse("workplan:dependency_add", args=[kp(2).pk]), {"depends_on": kp(1).pk})
    assert response.status_code == 400 and "circular" in response.content.decode()


def test_task_detail_page(world, plan, kp, asg, login):
    client = login(world["province_staff"])
    response = client.get(reverse("workplan:task_detail", args=[kp(10).pk]))
    assert response.status_code == 200
    assert "报送济南高职扩招进展" in response.content.decode()
    assert client.get(reverse("workplan:task_edit", args=[kp(10).pk])).status_code == 200
    # the auditor reads but cannot change
    client = login(world["auditor"])
    assert client.get(reverse("workplan:task_detail", args=[kp(10).pk])).status_code == 200
    assert (
        client.post(reverse("workplan:task_progress", args=[kp(10).pk]), {"progress": 5}).status_code == 404
    )


def test_forum_calendar_visible_to_schools(world, plan, login):
    services.forum_create(
        actor=world["province_staff"], plan=plan, theme="职教本科", date=D(2021, 5, 20), host=world.school_a
    )
    client = login(world["school_b"])
    response = client.get(reverse("workplan:forums"))
    assert response.status_code == 200 and "职教本科" in response.content.decode()
    assert (
        client.post(reverse("workplan:forums"), {"theme": "职教本科", "date": "2021-06-20"}).status_code
        == 404
    )
    client = login(world["province_staff"])
    response = client.post(reverse("workplan:forums"), {"theme": "职教本科", "date": "2022-01-20"})
    assert response.status_code == 400


# --- API -----------------------------------------------------------------------------------------


def test_api_tasks_scope_and_progress(world, plan, kp, asg, login):
    client = login(world["province_staff"])
    response = client.get("/api/v1/workplan-tasks/", {"kind": "key_point", "page_size": 100})
    assert response.status_code == 200 and response.json()["count"] == 20
    task = kp(4)
    response = client.post(
        f"/api/v1/workplan-tasks/{task.pk}/progress/", {"progress": 30}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["progress"] == 30
    response = client.post(
        f"/api/v1/workplan-tasks/{task.pk}/progress/", {"progress": 10}, content_type="application/json"
    )
    assert response.status_code == 400 and "reason" in response.json()["error"]["details"]
    response = client.post(
        f"/api/v1/workplan-tasks/{task.pk}/progress/", {"progress": 101}, content_type="application/json"
    )
    assert response.status_code == 400
    response = client.post(
        "/api/v1/workplan-milestones/",
        {"task": task.pk, "title": "x", "due_date": "2022-02-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = client.post(
        "/api/v1/workplan-milestones/",
        {"task": task.pk, "title": "遴选", "due_date": "2021-04-01"},
        content_type="application/json",
    )
    assert response.status_code == 201
    client = login(world["jinan"])
    assert client.get("/api/v1/workplan-tasks/").json()["count"] == 0
    assert client.get(f"/api/v1/workplan-tasks/{task.pk}/").status_code == 404
    assert client.get("/api/v1/workplan-assignments/").json()["count"] == 1


def test_api_city_answers_and_owner_acknowledges(world, plan, kp, asg, login):
    client = login(world["qingdao"])
    response = client.post(
        "/api/v1/workplan-reports/", {"assignment": asg.pk, "text": "冒名"}, content_type="application/json"
    )
    assert response.status_code == 400  # an id outside the caller's scope does not exist for it
    client = login(world["jinan"])
    response = client.post(
        "/api/v1/workplan-reports/", {"assignment": asg.pk, "text": "已完成"}, content_type="application/json"
    )
    assert response.status_code == 201, response.json()
    report_id = response.json()["id"]
    response = client.post(
        f"/api/v1/workplan-reports/{report_id}/acknowledge/",
        {"decision": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 404
    client = login(world["province_staff"])
    response = client.post(
        f"/api/v1/workplan-reports/{report_id}/acknowledge/",
        {"decision": "returned"},
        content_type="application/json",
    )
    assert response.status_code == 400
    response = client.post(
        f"/api/v1/workplan-reports/{report_id}/acknowledge/",
        {"decision": "accepted"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    assert client.get("/api/v1/workplan-acknowledgements/").json()["count"] == 1
    client = login(world["qingdao"])
    assert client.get("/api/v1/workplan-acknowledgements/").json()["count"] == 0
    assert client.get("/api/v1/workplan-reports/").json()["count"] == 0


def test_api_anonymous(client, plan):
    assert client.get("/api/v1/workplan-tasks/").status_code in (401, 403)


def test_demo_loads_a_realistic_mix(world):
    from zhijiao.workplan import selectors
    from zhijiao.workplan.demo import load_demo_workplan

    plan = load_demo_workplan()
    assert plan.tasks.count() == 60 and plan.as_of_date == D(2021, 6, 15)
    rows = selectors.board_rows(user=world["province_admin"], plan=plan, today=plan.as_of_date)
    summary = selectors.board_summary(rows)
    assert (
        summary["overdue"] >= 3
        and summary["at_risk"] >= 3
        and summary["on_track"] >= 10
        and summary["done"] >= 5
    )
    assert summary["unanswered"] >= 1
    assert plan.forums.count() == 11
    assert Assignment.objects.filter(task__plan=plan).count() >= 3
    # a second run changes nothing
    reports = ProgressReport.objects.count()
    load_demo_workplan()
    assert ProgressReport.objects.count() == reports
    assert rules.local_today()  # sanity


def test_board_and_task_show_units_and_mark_example_values(world, plan, login):
    """责任单位 is a unit, not a person; invented owners and dates carry a 示例 mark (the plan names none)."""
    from django.conf import settings
    from django.utils import translation

    plan.tasks.update(example_fields=[])
    task = plan.tasks.get(kind="key_point", number=16)
    task.example_fields = ["due_date", "owner"]
    task.save(update_fields=["example_fields"])
    client = login(world["province_admin"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"  # chosen: these tests run in English
    with translation.override("zh-hans"):
        board = client.get(reverse("workplan:board")).content.decode()
        detail = client.get(task.get_absolute_url()).content.decode()
        kp6 = client.get(plan.tasks.get(kind="key_point", number=6).get_absolute_url()).content.decode()
        r17 = client.get(plan.tasks.get(kind="routine", number=17).get_absolute_url()).content.decode()
    assert "牵头单位" in board and "山东省教育厅职业教育处" in board
    assert board.count(">示例</span>") == 2  # KP16's owner and due date only
    assert "配合单位" in detail and "山东省教育招生考试院" in detail
    assert detail.count(">示例</span>") == 2
    assert "2–3所" in kp6
    assert "与要点4为同一指标，只计一次" in r17


def test_task_edit_sets_units_and_clears_the_example_mark(world, plan, login):
    task = plan.tasks.get(kind="routine", number=36)
    task.example_fields = ["due_date", "owner"]
    task.save(update_fields=["example_fields"])
    client = login(world["province_admin"])
    response = client.post(
        reverse("workplan:task_edit", args=[task.pk]),
        {
            "theme": task.theme_id,
            "lead_unit": "山东省教育厅职业教育处",
            "co_units": "山东省教育招生考试院、 各市教育局，山东省教育招生考试院",
            "owner": world["province_staff"].pk,
            "status": task.status,
            "start_date": task.start_date.isoformat() if task.start_date else "",
            "due_date": "2021-07-01",
            "plan_a": "",
            "plan_b": "",
            "chosen_alternative": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    task.refresh_from_db()
    assert task.co_units == ["山东省教育招生考试院", "各市教育局"]
    assert task.due_date.isoformat() == "2021-07-01" and task.example_fields == ["owner"]
