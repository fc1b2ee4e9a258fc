"""The 2021 plan as a live demo: owners at the division, progress, reports, answers, forums.

Everything is written through the services. The board date is set to 2021-06-15 on the plan so the
demo shows a realistic mid-year mix of finished, on-track, at-risk and overdue tasks whatever
today's date is (clear ``as_of_date`` on the plan to count against the real date).
"""

from __future__ import annotations

import datetime
import os

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.actors import system_actor
from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.services import model_update
from zhijiao.orgs.choices import InstitutionKind, RegionLevel
from zhijiao.orgs.models import Institution, Region

from . import services
from .choices import Decision, TaskKind
from .loader import PLAN_2021, PLAN_2021_EXAMPLES, plan_load, read_examples_file, read_plan_file
from .models import Plan, ProgressReport, Target, Task

AS_OF = datetime.date(2021, 6, 15)
KP, RT = TaskKind.KEY_POINT, TaskKind.ROUTINE

# (kind, number) → progress as of the board date; tasks not listed follow an even pace, slightly
# ahead or behind by number. Due before the board date and not listed here: completed.
OVERDUE = {(RT, 6): 70, (RT, 15): 60, (RT, 34): 90}
AT_RISK = {(KP, 9): 40, (RT, 3): 45, (RT, 36): 30, (KP, 6): 12, (RT, 21): 50, (KP, 1): 70}

MILESTONES = {
    (KP, 3): [
        ("制定年度论坛计划（12个主题）", "2021-03-15", "各主题由牵头院校轮流承办", "按片区联合承办", "A"),
        ("上半年6场论坛举办完毕", "2021-06-30", "", "", ""),
        ("优秀论坛和典型案例评选", "2021-12-10", "", "", ""),
    ],
    (KP, 4): [
        ("教学创新团队遴选通知印发", "2021-04-15", "", "", ""),
        ("专业教学标准修订初稿", "2021-08-31", "按专业大类分组修订", "委托行指委牵头修订", "B"),
        ("认定结果公示", "2021-11-30", "", "", ""),
    ],
    (KP, 6): [
        ("高水平中职学校申报评审", "2021-05-31", "", "", ""),
        ("首批立项名单公布", "2021-07-31", "", "", ""),
    ],
    (KP, 9): [
        ("3+4、3+2贯通培养试点布局方案", "2021-05-20", "", "", ""),
        ("四年制联合培养试点确定", "2021-06-25", "与应用型本科院校联合", "与职业技术大学联合", ""),
    ],
    (KP, 10): [
        ("各市扩招进展调度", "2021-06-30", "", "", ""),
        ("秋季扩招录取完成", "2021-10-15", "", "", ""),
    ],
    (KP, 14): [
        ("承办方案报教育部", "2021-03-20", "线下主赛场集中举办", "线上线下结合（疫情应急方案）", "A"),
        ("启动仪式暨主赛场开幕", "2021-05-08", "", "", ""),
    ],
    (RT, 9): [("第三批课程立项评审", "2021-07-15", "", "", ""), ("立项名单公布", "2021-09-20", "", "", "")],
    (RT, 14): [("示范项目申报", "2021-06-30", "", "", "")],
    (RT, 16): [("骨干职教集团评审", "2021-07-31", "", "", "")],
    (RT, 34): [("省赛决赛", "2021-05-30", "集中赛点", "分赛区举办", "B")],
    (RT, 36): [("中职招生学校及专业备案", "2021-06-18", "", "", "")],
}

TARGET_ACTUALS = {
    ("key_point", 2, "试验区建设督查"): 2,
    ("key_point", 4, "教学创新团队"): 0,
    ("key_point", 6, "“双高”计划高职院校建设"): 15,
    ("routine", 9, "第三批省精品资源共享课程"): 0,
    ("routine", 14, "校企一体化合作办学示范项目"): 12,
    ("routine", 16, "省级骨干职教集团"): 6,
}

DEPENDENCIES = [((RT, 20), (KP, 3)), ((RT, 35), (KP, 14)), ((RT, 17), (KP, 4)), ((RT, 11), (KP, 6))]


def _at(day: str | datetime.date, hour: int = 10) -> datetime.datetime:
    if isinstance(day, str):
        day = datetime.date.fromisoformat(day)
    from .rules import time_zone

    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=time_zone())


def _password() -> str:
    try:
        from zhijiao.core.demo import demo_password

        return demo_password()
    except ImportError:  # the platform demo is not there: the same environment variable
        return os.environ.get("DEMO_PASSWORD", "Demo-Passw0rd!")


def _ensure_user(*, actor, username: str, display_name: str, role: str, region=None, institution=None):
    """Demo people: created once with a role at their node (accounts are demo data here)."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is not None:
        return user
    user = User.objects.create_user(
        username=username, password=_password(), display_name=display_name, password_changed_at=timezone.now()
    )
    audit_record(
        actor=actor, action=AuditAction.CREATE, instance=user, after=snapshot(user), message="workplan demo"
    )
    ra = RoleAssignment(user=user, role=role, region=region, institution=institution)
    ra.full_clean()
    ra.save()
    audit_record(
        actor=actor, action=AuditAction.CREATE, instance=ra, after=snapshot(ra), message="workplan demo"
    )
    return user


def _progress_for(task: Task) -> int:
    key = (task.kind, task.number)
    if key in OVERDUE:
        return OVERDUE[key]
    if key in AT_RISK:
        return AT_RISK[key]
    if task.due_date and task.due_date < AS_OF:
        return 100
    from .rules import expected_progress

    pace = expected_progress(task.start_date, task.due_date, AS_OF)
    return max(5, min(95, pace + (task.number % 4) * 5 - 5))


def _city_contact(*, actor, city: Region):
    ra = (
        RoleAssignment.objects.filter(region=city, role=Role.CITY_ADMIN, user__is_active=True)
        .select_related("user")
        .first()
    )
    if ra:
        return ra.user
    return _ensure_user(
        actor=actor,
        username=f"wp_city_{city.code}",
        display_name=f"{city.name}教育局职教科",
        role=Role.CITY_ADMIN,
        region=city,
    )


def _school_contact(*, actor, school: Institution):
    ra = (
        RoleAssignment.objects.filter(institution=school, role=Role.SCHOOL_ADMIN, user__is_active=True)
        .select_related("user")
        .first()
    )
    if ra:
        return ra.user
    return _ensure_user(
        actor=actor,
        username=f"wp_school_{school.pk}",
        display_name=f"{school.name}教务处",
        role=Role.SCHOOL_ADMIN,
        institution=school,
    )


@transaction.atomic
def load_demo_workplan(*, actor=None) -> Plan:
    """Load the 2021 plan and bring it to life as of 2021-06-15. Runs once; a second call returns the plan."""
    province = Region.objects.filter(code="370000").first()
    if province is None:
        province = Region.objects.filter(level=RegionLevel.PROVINCE).first()
    if province is None:
        raise RuntimeError("load the reference data (regions) before the work-plan demo")
    data = read_plan_file(PLAN_2021)
    data["region_code"] = province.code
    examples = read_examples_file(PLAN_2021_EXAMPLES)
    for person in examples["people"]:
        _ensure_user(
            actor=actor,
            username=person["username"],
            display_name=person["display_name"],
            role=Role.PROVINCE_STAFF,
            region=province,
        )
    plan, _counts = plan_load(actor=None, path=PLAN_2021, data=data, examples=examples)
    if ProgressReport.objects.filter(task__plan=plan).exists():
        return plan
    model_update(actor=actor or system_actor("demo"), instance=plan, data={"as_of_date": AS_OF})
    tasks = {(t.kind, t.number): t for t in plan.tasks.select_related("owner")}
    head = plan.head

    # Milestones with plans A/B, then dependencies.
    for key, items in MILESTONES.items():
        task = tasks[key]
        for title, due, a, b, chosen in items:
            ms = services.milestone_create(
                actor=task.owner,
                task=task,
                title=title,
                due_date=datetime.date.fromisoformat(due),
                alternative_a=a,
                alternative_b=b,
                chosen_alternative=chosen,
            )
            if ms.due_date < AS_OF and key not in OVERDUE and key not in AT_RISK:
                services.milestone_update(actor=task.owner, milestone=ms, data={"done_on": ms.due_date})
    for a, b in DEPENDENCIES:
        services.dependency_add(actor=head, task=tasks[a], depends_on=tasks[b])

    # Progress and reports: each started task has a report; most are answered, some wait.
    for i, task in enumerate(sorted(tasks.values(), key=lambda t: (t.kind, t.number))):
        progress = _progress_for(task)
        owner = task.owner or head
        if progress == 0:
            continue
        done_day = min(task.due_date or AS_OF, AS_OF)
        report_day = done_day - datetime.timedelta(days=2 + i % 9)
        text = (
            f"{task.title}：已完成阶段工作，进度{progress}%。"
            if progress < 100
            else f"{task.title}：已按期完成，材料已归档。"
        )
        report = services.report_submit(
            actor=owner, task=task, text=text, progress=progress, submitted_at=_at(report_day), today=done_day
        )
        # Every fourth report still waits for the head's answer (事事有回音 shows it on the board).
        if i % 4 == 3:
            continue
        decision = Decision.RETURNED if i % 11 == 5 else Decision.ACCEPTED
        reason = "请补充佐证材料（文件、名单或数据）后重新报送。" if decision == Decision.RETURNED else ""
        ack_actor = head if owner != head else owner
        services.report_acknowledge(
            actor=ack_actor, report=report, decision=decision, reason=reason, answered_at=_at(report_day, 16)
        )

    for (kind, number, label), actual in TARGET_ACTUALS.items():
        target = Target.objects.filter(task=tasks[(kind, number)], label=label).first()
        if target:
            services.target_update_actual(
                actor=tasks[(kind, number)].owner or head, target=target, actual=actual
            )

    # Sub-tasks to cities: "each city reports its 高职扩招 progress" (key point 10).
    kp10 = tasks[(KP, 10)]
    cities = list(Region.objects.filter(level=RegionLevel.CITY, parent=province).order_by("code")[:6])
    outcomes = ["accepted", "returned", "late", "submitted", "open", "open"]
    for city, outcome in zip(cities, outcomes, strict=False):
        asg = services.assignment_create(
            actor=kp10.owner,
            task=kp10,
            region=city,
            title=f"报送{city.name}高职扩招进展",
            instructions="请报送本市承担扩招任务院校的招生计划、录取人数及“送教到田间地头”开展情况。",
            due_date=datetime.date(2021, 6, 10),
        )
        if outcome == "open":
            continue
        contact = _city_contact(actor=actor, city=city)
        day = datetime.date(2021, 6, 1) if outcome == "late" else datetime.date(2021, 6, 8)
        rep = services.report_submit(
            actor=contact,
            assignment=asg,
            submitted_at=_at(day, 9),
            text=f"{city.name}已完成扩招录取工作，退役军人、农民工等群体均已覆盖，详见附表。",
        )
        if outcome in ("accepted", "returned"):
            services.report_acknowledge(
                actor=kp10.owner,
                report=rep,
                decision=Decision.ACCEPTED if outcome == "accepted" else Decision.RETURNED,
                reason="" if outcome == "accepted" else "缺少分院校录取人数，请补报。",
                answered_at=_at(day + datetime.timedelta(days=1), 15),
            )

    # Sub-tasks to schools: internship management 直报 (routine 30).
    rt30 = tasks[(RT, 30)]
    schools = list(
        Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL).order_by("code")[:3]
    ) or list(Institution.objects.order_by("pk")[:3])
    for n, school in enumerate(schools):
        asg = services.assignment_create(
            actor=rt30.owner,
            task=rt30,
            institution=school,
            title=f"{school.name}实习备案数据直报",
            instructions="请于截止日前完成跟岗、顶岗实习备案，并在实习管理平台直报。",
            due_date=datetime.date(2021, 6, 25),
        )
        if n == 0:
            services.report_submit(
                actor=_school_contact(actor=actor, school=school),
                assignment=asg,
                submitted_at=_at("2021-06-09"),
                text="已完成本学期实习备案，共备案实习学生1,286人。",
            )

    # Monthly forums (key point 3): February to December, one theme a month.
    kp3 = tasks[(KP, 3)]
    hosts = list(
        Institution.objects.filter(kind=InstitutionKind.HIGHER_VOCATIONAL).order_by("code")[:11]
    ) or [None]
    for month, theme in zip(range(2, 13), plan.forum_themes, strict=False):
        day = datetime.date(2021, month, 20 if month != 2 else 25)
        host = hosts[(month - 2) % len(hosts)]
        cases = ""
        if day < AS_OF:
            cases = f"{host.name if host else '承办院校'}：{theme}典型案例\n兄弟院校经验交流案例"
        services.forum_create(
            actor=head,
            plan=plan,
            task=kp3,
            theme=theme,
            date=day,
            host=host,
            title=f"全省职业院校“{theme}”专题论坛",
            venue=host.name if host else "",
            outcome_cases=cases,
        )
    return plan
