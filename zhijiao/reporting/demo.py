"""The 高职院校实验室信息统计 (annual) in the demo: its definition loaded from
``data/lab_stats.yaml``, the 2021 period, and the colleges' submissions in every state (draft,
submitted, returned, approved, locked, re-opened). Every value is invented — each submission's
备注 says 示例数据 — and everything is written through the services by the demo actor."""

from __future__ import annotations

import datetime
import random
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.actors import system_actor
from zhijiao.core.lifecycle import fire
from zhijiao.orgs.models import Institution

from . import services
from .definitions import definition_load
from .models import DataSet, Period

LAB_STATS = Path(__file__).parent / "data" / "lab_stats.yaml"
KEY = "reporting.submission"
# The state each college's submission is brought to, in order; the rest are approved.
STATES = ["draft", "submitted", "returned", "approved", "locked", "reopened", "city_approved"]
MARK = "示例数据（数值为演示虚构）"


def demo_values(rng: random.Random) -> dict:
    labs = rng.randint(40, 180)
    equipment = rng.randint(3000, 30000)
    value = rng.randint(8000, 60000)
    values = {
        ("labs_total", ""): labs,
        ("labs_training", ""): rng.randint(10, labs),
        ("labs_area", ""): rng.randint(8000, 80000),
        ("open_rate", ""): rng.randint(20, 95),
        ("safety_officer", ""): "分管副院长",
        ("last_safety_check", ""): f"2021-{rng.randint(3, 11):02d}-15",
        ("equipment_count", ""): equipment,
        ("equipment_large", ""): rng.randint(5, 80),
        ("equipment_value", ""): value,
        ("equipment_value_new", ""): rng.randint(500, value // 5),
        ("funding_construction", ""): rng.randint(200, 3000),
        ("funding_operation", ""): rng.randint(50, 800),
        ("funding_source", ""): rng.choice(["government", "school", "enterprise"]),
        ("remarks", ""): MARK,
    }
    staff = 0
    for gender in ("male", "female"):
        for title in ("senior", "middle", "junior"):
            n = rng.randint(2, 25)
            staff += n
            values[("staff_total", f"{gender}.{title}")] = n
    values[("staff_master", "")] = rng.randint(0, staff)
    return {k: str(v) for k, v in values.items()}


def _city_user(submission):
    city = submission.institution.region.city
    ra = RoleAssignment.objects.filter(region=city, role="city_admin").select_related("user").first()
    return ra.user if ra else None


@transaction.atomic
def load_demo_reporting(*, actor=None):
    """Runs once; a second call finds the data set and returns it."""
    actor = actor or system_actor("demo")
    existing = DataSet.objects.filter(code="lab_stats").first()
    if existing is not None and existing.periods.exists():
        return existing
    version = definition_load(actor=actor, text=LAB_STATS.read_text(encoding="utf-8"))
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        # 示例: an invented deadline, a month ahead so the demo's forms are still open for entry.
        deadline=timezone.localdate() + datetime.timedelta(days=30),
    )
    colleges = Institution.objects.filter(kind__in=version.data_set.reporter_kinds).order_by("pk")[:12]
    for i, college in enumerate(colleges):
        state = STATES[i] if i < len(STATES) else "approved"
        rng = random.Random(college.pk)
        submission = services.submission_open(actor=actor, institution=college, period=period)
        submission = services.submission_save_values(
            actor=actor, submission=submission, values=demo_values(rng), revision=submission.revision
        )
        if state == "draft":
            continue
        submission = fire(KEY, submission, "submit", actor=actor)
        if state == "submitted":
            continue
        if state == "returned":
            city = _city_user(submission)
            if city is not None:
                services.submissions_decide(
                    actor=city, submissions=[submission], decision="return", reason="请核对仪器设备资产总值。"
                )
            continue
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        if state == "city_approved":
            continue  # waits for the province
        services.submissions_decide(actor=actor, submissions=[submission], decision="approve")
        submission.refresh_from_db()
        if state == "locked":
            fire(KEY, submission, "lock", actor=actor)
        elif state == "reopened":
            fire(KEY, submission, "reopen", actor=actor, reason="学校申请更正实验室面积（示例）")
    return version.data_set
