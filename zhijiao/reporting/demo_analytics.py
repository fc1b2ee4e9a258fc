"""Demo data of the reporting analytics: the 2020 period of the 高职院校实验室信息统计 with the
colleges' approved submissions (so the pivot has a year-over-year base), and 示例 indicators with
invented targets for the dashboard. Every value is invented and marked 示例; everything is
written through the services by the demo actor."""

from __future__ import annotations

import datetime
import random

from django.db import transaction
from django.utils import timezone

from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire
from zhijiao.orgs.models import Institution

from . import services
from .demo import KEY, demo_values
from .models import DataSet, Indicator, Period, ScoringScheme

DEADLINE_2020 = datetime.date(2021, 1, 15)  # 示例: an invented deadline

# (code, name, element, target, unit): invented demo indicators and targets, not official ones.
INDICATORS = [
    ("demo_labs", "示例：高职院校实验室总数", "labs_total", 2000, "个"),
    ("demo_equipment_value", "示例：高职院校仪器设备资产总值", "equipment_value", 600000, "万元"),
    ("demo_lab_staff", "示例：专任实验室人员数", "staff_total", 1500, "人"),
]


# Invented demo scoring schemes (示例): no official 考核 scheme is cited.
SCHEMES = [
    (
        "demo_lab_school",
        "示例：高职院校实验室条件考核（演示方案）",
        "school",
        [
            ("实验室总数", "labs_total", 40, 20, 150),
            ("仪器设备资产总值", "equipment_value", 40, 5000, 50000),
            ("具有硕士及以上学位的实验室人员", "staff_master", 20, 0, 60),
        ],
    ),
    (
        "demo_lab_city",
        "示例：各市高职实验室条件考核（演示方案）",
        "city",
        [
            ("实验室总数", "labs_total", 50, 50, 400),
            ("当年新增设备值", "equipment_value_new", 50, 1000, 20000),
        ],
    ),
]


def _schemes(actor, data_set) -> None:
    for code, name, level, items in SCHEMES:
        if ScoringScheme.objects.filter(code=code).exists():
            continue
        services.scheme_create(
            actor=actor,
            code=code,
            name=name,
            data_set=data_set,
            level=level,
            items=[
                {"name": n, "element_code": e, "weight": w, "zero_at": z, "full_at": f}
                for n, e, w, z, f in items
            ],
        )


@transaction.atomic
def load_demo_analytics(*, actor=None):
    """Runs once (after the reporting demo); a second call finds the 2020 period and returns."""
    actor = actor or system_actor("demo")
    data_set = DataSet.objects.filter(code="lab_stats").first()
    if data_set is None:
        return
    _schemes(actor, data_set)
    if data_set.periods.filter(code="2020").exists():
        return
    period = Period.objects.create(
        data_set=data_set,
        code="2020",
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2020, 12, 31),
        # Entered as if on time: the period stays open while the demo replays the colleges' 2020
        # forms, then takes its real (示例, invented) deadline — a seed shortcut, not a service write.
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    colleges = Institution.objects.filter(kind__in=data_set.reporter_kinds).order_by("pk")[:12]
    for college in colleges:
        rng = random.Random(college.pk * 7 + 2020)
        submission = services.submission_open(actor=actor, institution=college, period=period)
        submission = services.submission_save_values(
            actor=actor, submission=submission, values=demo_values(rng), revision=submission.revision
        )
        submission = fire(KEY, submission, "submit", actor=actor)
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
    Period.objects.filter(pk=period.pk).update(deadline=DEADLINE_2020)
    for order, (code, name, element, target, unit) in enumerate(INDICATORS):
        if not Indicator.objects.filter(code=code).exists():
            services.indicator_create(
                actor=actor,
                code=code,
                name=name,
                data_set=data_set,
                element_code=element,
                target=target,
                target_year=2022,
                unit=unit,
                order=order,
            )
