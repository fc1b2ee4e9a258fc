"""The demo's competitions: the 2021 provincial vocational-college skills competition, 中职组 (示例),
with two students' skills contests in the 专业类 the demo registry's secondary schools have most
students of, a teachers' teaching-ability contest and a 班主任 ability contest; entries by those
schools (registered students of the 专业类; teachers named 示例), sent by their city's demo account
within quota (a city with more than two entries returns one; cities without a demo account leave
theirs submitted), judges from the programmes expert pool (the demo's expert account among them),
scores (the expert account's own, the others recorded from their score sheets), times, approved and
published results and award certificates. Every value is invented and marked 示例."""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.actors import system_actor
from zhijiao.students.models import Enrolment

from . import services
from .choices import EntryStatus
from .models import Entry, Event, JudgeAssignment

DEMO_EVENT = "2021-skills"
#: An event still open for entries, for the province to edit and the schools to enter (示例).
DEMO_OPEN_EVENT = "2021-teaching-ability"
# The event is the 中职组: secondary and technical schools only.
SECONDARY = ("secondary", "technical")
SKILLS_RUBRIC = [
    {"code": "operation", "name": "实操任务", "max": 70},
    {"code": "theory", "name": "理论知识", "max": 20},
    {"code": "conduct", "name": "职业素养", "max": 10},
]
TEACHING_RUBRIC = [
    {"code": "design", "name": "教学设计", "max": 40},
    {"code": "delivery", "name": "课堂实施", "max": 40},
    {"code": "defence", "name": "答辩", "max": 20},
]
HEAD_TEACHER_RUBRIC = [
    {"code": "plan", "name": "班级建设方案", "max": 40},
    {"code": "case", "name": "育人故事", "max": 30},
    {"code": "scenario", "name": "情景答辩", "max": 30},
]


def _city_user(institution):
    path = services.city_path(institution)
    ra = (
        RoleAssignment.objects.filter(region__path=path, role="city_admin")
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return ra.user if ra else None


def _students_by_class():
    """Registered students of the demo registry's secondary schools by 专业类 and school."""
    rows = (
        Enrolment.objects.filter(
            is_current=True,
            status__in=services.STUDYING,
            offering__isnull=False,
            institution__kind__in=SECONDARY,
        )
        .select_related("student", "institution__region", "offering__major__major_class")
        .order_by("institution_id", "student__name", "pk")
    )
    by_class: dict = defaultdict(lambda: defaultdict(list))
    for e in rows:
        if e.student.current_institution_id == e.institution_id:
            by_class[e.offering.major.major_class][e.institution].append(e.student)
    return by_class


def _send(actor_for, contest, entries) -> None:
    by_city = defaultdict(list)
    for entry in entries:
        by_city[services.city_path(entry.institution)].append(entry)
    for city_entries in by_city.values():
        user = actor_for(city_entries[0].institution)
        if user is None:
            continue
        if len(city_entries) > 2:
            services.city_return(actor=user, entry=city_entries[-1], reason="参赛选手信息需核对（示例）")
            city_entries = city_entries[:-1]
        room = contest.quota_per_city
        services.city_send(actor=user, contest=contest, entries=city_entries[:room])


def _open_event(actor, by_class) -> Event:
    """This year's teaching-ability event of the 高职/中职 teachers (示例), open for entries for
    another month (named and dated by the year it is held, so the demo never shows a 2021 event in 2027): a teaching contest with a school's entry waiting at its city, a students'
    contest in the registry's largest 专业类 — the province edits it, schools enter, cities send."""
    today = timezone.localdate()
    held = today + datetime.timedelta(days=60)
    event = services.event_create(
        actor=actor,
        code=DEMO_OPEN_EVENT,
        name=f"{held.year}年全省职业院校教学能力比赛（示例）",
        year=held.year,
        organiser="山东省教育厅（示例）",
        entry_deadline=today + datetime.timedelta(days=30),
        city_deadline=today + datetime.timedelta(days=40),
        starts_on=held,
        ends_on=held + datetime.timedelta(days=2),
        ratios=(10, 20, 30),
        is_demo=True,
    )
    teaching = services.contest_create(
        actor=actor, event=event, name="教学能力比赛（专业课程一组）（示例）", kind="teaching",
        rubric=TEACHING_RUBRIC, team_size=3, quota_per_school=1, quota_per_city=3, judges_needed=3,
        blind=True, is_demo=True,
    )  # fmt: skip
    ranked = sorted(by_class, key=lambda c: (-len(by_class[c]), c.code))
    if ranked:
        services.contest_create(
            actor=actor, event=event, name=f"{ranked[0].name}教学设计（示例）", kind="teaching",
            major_class=ranked[0], rubric=TEACHING_RUBRIC, team_size=1, quota_per_school=2,
            quota_per_city=4, judges_needed=3, blind=False, is_demo=True,
        )  # fmt: skip
    schools = sorted({s for c in by_class.values() for s in c}, key=lambda s: s.pk)[:3]
    for i, school in enumerate(schools):
        services.entry_create(
            actor=actor,
            contest=teaching,
            institution=school,
            teachers=[f"示例教师{i + 1}{'丁戊己'[j]}" for j in range(3)],
            team_name=f"{school.name}教学团队（示例）",
        )
    return event


@transaction.atomic
def load_demo_competitions(*, actor=None):
    if Event.objects.filter(code=DEMO_EVENT).exists():
        if Event.objects.filter(code=DEMO_OPEN_EVENT).exists():
            return None
        return _open_event(actor or system_actor("demo"), _students_by_class())
    actor = actor or system_actor("demo")
    rng = random.Random(2021)
    today = timezone.localdate()
    event = services.event_create(
        actor=actor,
        code=DEMO_EVENT,
        name="2021年山东省职业院校技能大赛（中职组）（示例）",
        year=2021,
        organiser="山东省教育厅（示例）",
        entry_deadline=today + datetime.timedelta(days=30),
        city_deadline=today + datetime.timedelta(days=40),
        starts_on=today + datetime.timedelta(days=50),
        ends_on=today + datetime.timedelta(days=52),
        is_demo=True,
    )
    by_class = _students_by_class()
    _open_event(actor, by_class)
    ranked_classes = sorted(
        by_class, key=lambda c: (-len(by_class[c]), -sum(map(len, by_class[c].values())), c.code)
    )
    contests = []
    for major_class in ranked_classes[:2]:
        contest = services.contest_create(
            actor=actor,
            event=event,
            name=f"{major_class.name}技能（示例）",
            kind="student_skills",
            major_class=major_class,
            rubric=SKILLS_RUBRIC,
            quota_per_school=2,
            quota_per_city=3,
            judges_needed=3,
            is_demo=True,
        )
        entries = []
        for school, students in sorted(by_class[major_class].items(), key=lambda kv: kv[0].pk):
            for student in students[:2]:
                entries.append(
                    services.entry_create(
                        actor=actor, contest=contest, institution=school, students=[student]
                    )
                )
        _send(_city_user, contest, entries)
        contests.append(contest)
    schools = sorted({s for c in by_class.values() for s in c}, key=lambda s: s.pk)[:6]
    for kind, name, rubric, size in (
        ("teaching", "教学能力比赛（公共基础课程组）（示例）", TEACHING_RUBRIC, 3),
        ("head_teacher", "中职班主任能力比赛（示例）", HEAD_TEACHER_RUBRIC, 1),
    ):
        contest = services.contest_create(
            actor=actor, event=event, name=name, kind=kind, rubric=rubric, team_size=size,
            quota_per_school=1, quota_per_city=2, judges_needed=3, blind=kind == "teaching", is_demo=True,
        )  # fmt: skip
        entries = [
            services.entry_create(
                actor=actor,
                contest=contest,
                institution=school,
                teachers=[f"示例教师{i + 1}{'甲乙丙'[j]}" for j in range(size)],
                team_name=f"{school.name}团队（示例）" if size > 1 else "",
            )
            for i, school in enumerate(schools)
        ]
        _send(_city_user, contest, entries)
        contests.append(contest)
    # The notice's 2021 dates (示例), now that the entries are in.
    services.event_reschedule(
        actor=actor,
        event=event,
        entry_deadline=datetime.date(2021, 4, 16),
        city_deadline=datetime.date(2021, 4, 30),
        starts_on=datetime.date(2021, 5, 17),
        ends_on=datetime.date(2021, 5, 21),
    )
    if not Entry.objects.filter(contest__event=event, status=EntryStatus.SENT).exists():
        return event
    try:
        services.judges_assign(actor=actor, event=event)
    except Exception:  # noqa: BLE001 - a demo without enough experts stays open for entries
        return event
    for judge in JudgeAssignment.objects.filter(contest__event=event).select_related("contest", "user"):
        for entry in Entry.objects.filter(contest=judge.contest, status=EntryStatus.SENT).order_by("pk"):
            items = {}
            for item in judge.contest.rubric:
                top = int(item["max"])
                items[item["code"]] = str(rng.randint(top * 6, top * 10) / 10)
            if judge.user_id and judge.user.is_active and judge.user.username == "expert":
                services.score_submit(actor=judge.user, entry=entry, items=items)
            else:
                services.score_submit(actor=actor, entry=entry, items=items, judge=judge)
    for contest in contests:
        for entry in Entry.objects.filter(contest=contest, status=EntryStatus.SENT):
            services.entry_time_record(actor=actor, entry=entry, seconds=rng.randint(5400, 7200))
    services.results_approve(actor=actor, event=event)
    services.results_publish(actor=actor, event=event)
    return event


__all__ = ["load_demo_competitions"]
