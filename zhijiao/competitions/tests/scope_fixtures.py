"""Scope-matrix rows for 技能大赛: a published event (the province's) with a students' contest (a
school A entry submitted, a school B entry returned) and a teachers' contest judged by the matrix's
expert (济南专家 of the programmes fixture): entries of school A and school B sent, scored,
ranked and awarded with certificates, and a college entry left submitted."""

from __future__ import annotations

import datetime

from django.utils import timezone

from zhijiao.competitions import services
from zhijiao.competitions.choices import EntryStatus
from zhijiao.competitions.models import (
    AwardCertificate,
    Contest,
    Entry,
    Event,
    JudgeAssignment,
    Score,
)
from zhijiao.core.testing_scope import (
    object_url,
    relation_allows,
    scope_fixture,
    scope_rule,
    single_owner,
    tree_allows,
)

RUBRIC = [{"code": "op", "name": "实操", "max": 70}, {"code": "theory", "name": "理论", "max": 30}]


@scope_fixture(after=("students.students", "programmes.programmes"))
def competitions(sw) -> None:
    admin = sw["province_admin"]
    today = timezone.localdate()
    event = services.event_create(
        actor=admin,
        code="scope-comp",
        name="范围测试大赛",
        year=2021,
        organiser="山东省教育厅",
        entry_deadline=today + datetime.timedelta(days=2),
        city_deadline=today + datetime.timedelta(days=4),
        starts_on=today + datetime.timedelta(days=6),
        ends_on=today + datetime.timedelta(days=7),
        ratios=(50, 50, 0),
    )
    skills = services.contest_create(
        actor=admin, event=event, name="范围技能赛", kind="student_skills", major_class=sw.major.major_class,
        rubric=RUBRIC, quota_per_school=1, quota_per_city=2, judges_needed=1,
    )  # fmt: skip
    teaching = services.contest_create(
        actor=admin, event=event, name="范围教学能力赛", kind="teaching", rubric=RUBRIC,
        quota_per_school=1, quota_per_city=2, judges_needed=1, blind=False,
    )  # fmt: skip
    students = sw.made["students"]
    services.entry_create(
        actor=sw["school_a"], contest=skills, institution=sw.school_a, students=[students["a"]["placed"]]
    )
    returned = services.entry_create(
        actor=sw["school_b"], contest=skills, institution=sw.school_b, students=[students["b"]["placed"]]
    )
    services.city_return(actor=sw["qingdao"], entry=returned, reason="材料不全")
    a = services.entry_create(
        actor=sw["school_a"], contest=teaching, institution=sw.school_a, teachers=["甲老师"]
    )
    b = services.entry_create(
        actor=sw["school_b"], contest=teaching, institution=sw.school_b, teachers=["乙老师"]
    )
    services.entry_create(actor=sw["college"], contest=teaching, institution=sw.college, teachers=["丙老师"])
    services.city_send(actor=sw["jinan"], contest=teaching, entries=[a])
    services.city_send(actor=sw["qingdao"], contest=teaching, entries=[b])
    services.judges_assign(actor=admin, event=event)
    judge = JudgeAssignment.objects.get(contest=teaching)
    assert judge.user == sw["expert"], "the matrix's expert judges the teachers' contest"
    services.score_submit(actor=sw["expert"], entry=a, items={"op": "60", "theory": "25"})
    services.score_submit(actor=sw["expert"], entry=b, items={"op": "55", "theory": "25"})
    services.results_approve(actor=admin, event=event)
    services.results_publish(actor=admin, event=event)


def _entry(row, user, action) -> bool:
    """The tree, and a contest's judges for the entries the cities have sent (never one a city has
    not approved: submitted, returned or withdrawn)."""
    if tree_allows(row, user, action):
        return True
    return row.status == EntryStatus.SENT and relation_allows(row, user, action)


scope_rule(Entry, _entry)
single_owner(Event, "every event is organised by the province")
single_owner(Contest, "contests belong to the province's events")
single_owner(JudgeAssignment, "judges are assigned by the province")
single_owner(Score, "scores are filed under the province that organises the event")
object_url("competitions:event_detail", Event)
object_url("competitions:event_manage", Event)
object_url("competitions:event_edit", Event)
object_url("competitions:contest_create", Event)
object_url("competitions:contest_edit", Contest)
object_url("competitions:contest_detail", Contest)
object_url("competitions:contest_send", Contest)
object_url("competitions:entry_detail", Entry)
object_url("competitions:judging", JudgeAssignment)
object_url("competitions:certificate_pdf", AwardCertificate)
