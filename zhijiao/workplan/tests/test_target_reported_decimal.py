"""A target linked to a reporting indicator takes the reported value as a decimal (an amount in
万元, a rate), shown with its unit; a typed actual stays a whole count."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhijiao.core.lifecycle import fire
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import Indicator, Period
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.workflows import services as wf
from zhijiao.workflows.models import ApprovalRequest
from zhijiao.workplan import services
from zhijiao.workplan.models import Target

FUNDS = """
code: funds
name: 经费投入
version: 1
period_type: year
sections:
  - code: main
    name: 基本
    elements:
      - {code: invest, name: 实训经费, type: money, unit: 万元, min: 0}
"""


def test_linked_target_carries_a_decimal_with_its_unit(world, plan, kp, login, client):
    data_set = definition_load(actor=world["province_admin"], text=FUNDS).data_set
    period = Period.objects.create(
        data_set=data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )
    indicator = Indicator.objects.create(
        code="invest", name="实训经费投入", data_set=data_set, element_code="invest"
    )
    task = kp(1)
    target = Target.objects.create(task=task, label="实训经费", quantity=100, unit="万元")
    target = services.target_link_indicator(actor=world["province_admin"], target=target, indicator=indicator)

    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = submission_save_values(
        actor=world["school_a"], submission=sub, values={("invest", ""): "12.35"}, revision=sub.revision
    )
    sub = fire("reporting.submission", sub, "submit", actor=world["school_a"])
    request = ApprovalRequest.objects.filter(object_id=sub.pk, kind="reporting.submission").latest("id")
    wf.request_approve(actor=world["jinan"], request=request)
    wf.request_approve(actor=world["province_admin"], request=request)

    target.refresh_from_db()
    assert target.actual == Decimal("12.35") and target.actual_text == "12.35"
    assert target.percent == 12
    login(world["province_admin"])
    html = client.get(task.get_absolute_url()).content.decode()
    assert "12.35万元" in html
    api = client.get(f"/api/v1/workplan-tasks/{task.pk}/").json()
    row = next(t for t in api["targets"] if t["label"] == "实训经费")
    assert row["actual_text"] == "12.35"


def test_typed_actual_stays_a_whole_count(world, plan, kp):
    target = Target.objects.create(task=kp(1), label="团队", quantity=100, unit="个")
    target = services.target_update_actual(actor=world["province_staff"], target=target, actual=40)
    assert target.actual_text == "40"
    with pytest.raises(ValidationError):
        services.target_update_actual(actor=world["province_staff"], target=target, actual="4.5")
