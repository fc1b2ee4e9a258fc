"""What the board and the timeline show people: labelled dates, Chinese file names, tabs that open."""

import json
from urllib.parse import unquote

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_timelines_today_line_is_labelled_with_the_date(world, login, plan):
    page = login(world["province_staff"]).get(reverse("workplan:timeline"))
    chart = json.loads(
        page.content.decode().split('id="timeline-data" type="application/json">', 1)[1].split("<")[0]
    )
    assert chart["today_label"] == f"Board date {chart['today']}"


def test_the_board_export_has_the_plans_name(world, login, plan):
    response = login(world["province_staff"]).get(reverse("workplan:board"), {"export": "xlsx"})
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{plan.year}-workplan-board-')
    assert unquote(disposition.split("UTF-8''", 1)[1]).startswith(f"{plan.title} board ")


def test_users_without_a_plan_get_no_board_or_timeline_tab(world, login, plan):
    client = login(world["jinan"])
    assert client.get(reverse("workplan:timeline")).status_code == 302
    worklist = client.get(reverse("workplan:worklist")).content.decode()
    assert reverse("workplan:timeline") not in worklist
    staff = login(world["province_staff"]).get(reverse("workplan:worklist")).content.decode()
    assert reverse("workplan:timeline") in staff
