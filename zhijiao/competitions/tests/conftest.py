import datetime

import pytest
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.competitions import services
from zhijiao.core.testing import make_user
from zhijiao.programmes import services as programmes
from zhijiao.students.tests.factories import registered

RUBRIC = [{"code": "op", "name": "实操", "max": 70}, {"code": "theory", "name": "理论", "max": 30}]


@pytest.fixture(autouse=True)
def _english(english):
    yield


@pytest.fixture
def event(world):
    today = timezone.localdate()
    return services.event_create(
        actor=world["province_admin"],
        code="test-2021",
        name="测试技能大赛",
        year=2021,
        organiser="山东省教育厅",
        entry_deadline=today + datetime.timedelta(days=3),
        city_deadline=today + datetime.timedelta(days=6),
        starts_on=today + datetime.timedelta(days=10),
        ends_on=today + datetime.timedelta(days=12),
    )


@pytest.fixture
def contest(world, event):
    return services.contest_create(
        actor=world["province_admin"],
        event=event,
        name="计算机网络应用",
        kind="student_skills",
        major_class=world.major.major_class,
        rubric=RUBRIC,
        quota_per_school=2,
        quota_per_city=2,
        judges_needed=2,
    )


@pytest.fixture
def teaching(world, event):
    return services.contest_create(
        actor=world["province_admin"],
        event=event,
        name="教学能力比赛（信息类）",
        kind="teaching",
        rubric=RUBRIC,
        team_size=2,
        quota_per_school=1,
        quota_per_city=2,
        judges_needed=2,
    )


@pytest.fixture
def make_expert(world):
    def _make(name, *, city=None, employer=None, former=(), account=True):
        user = make_user(f"judge_{name}", Role.EXPERT) if account else None
        return programmes.expert_create(
            actor=world["province_admin"],
            name=name,
            title="professor",
            employer=employer,
            employer_name=employer.name if employer else "示例企业",
            city=city or world.qingdao,
            specialties=["51"],
            former=former,
            user=user,
        )

    return _make


@pytest.fixture
def entered(world, event, contest, make_expert):
    """School A: one entry sent, one waiting at its city; school B: one sent; two judges."""
    entry = lambda who, school, name: services.entry_create(  # noqa: E731
        actor=world[who],
        contest=contest,
        institution=school,
        students=[registered(world, who[-1], name=name)],
    )
    a, waiting, b = (
        entry("school_a", world.school_a, "甲同学"),
        entry("school_a", world.school_a, "丙同学"),
        entry("school_b", world.school_b, "乙同学"),
    )
    services.city_send(actor=world["jinan"], contest=contest, entries=[a])
    services.city_send(actor=world["qingdao"], contest=contest, entries=[b])
    for i in range(2):
        make_expert(f"j{i}")
    services.judges_assign(actor=world["province_admin"], event=event)
    return {"a": a, "waiting": waiting, "b": b, "judge": contest.judges.select_related("user").first().user}
