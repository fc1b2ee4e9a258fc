import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import blank_pdf, make_user
from zhijiao.programmes import definitions, services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.models import Call, Review

TYPE = """
code: test_type
version: 1
name: 测试项目
applicant: institution
phases:
  - {code: apply, actor: school, names: {school: 填报, province: 学校申报}}
  - {code: recommend, actor: city, names: {city: 推荐}}
  - {code: screen, actor: province, names: {province: 形式审查}}
  - {code: review, actor: expert, names: {expert: 评审打分}}
  - {code: decide, actor: province, names: {province: 拟立项}}
  - {code: publicise, actor: province, names: {province: 公示}}
  - {code: approve, actor: province, names: {province: 立项}}
transitions:
  - {from: apply, to: recommend}
attachments:
  - {code: plan, name: 建设方案, required: true, kinds: [pdf]}
rubric:
  - {code: basis, name: 基础, max: 40}
  - {code: plan, name: 方案, max: 60}
form:
  code: prog_test
  name: 测试申报书
  version: 1
  period_type: year
  sections:
    - code: main
      name: 基本
      elements:
        - {code: teachers, name: 教师数, type: integer, min: 0, max: 100, required: true}
        - {code: dual, name: 双师数, type: integer, min: 0, max: 100}
  rules:
    - {code: dual_le, expression: dual <= teachers, message: 双师数不能多于教师数}
"""


@pytest.fixture(autouse=True)
def _english(english):
    yield


@pytest.fixture
def ptype(world):
    return definitions.type_load(actor=world["province_admin"], text=TYPE)


@pytest.fixture
def call(world, ptype):
    today = timezone.localdate()
    return services.call_create(
        actor=world["province_admin"],
        programme_type=ptype,
        code="test-call",
        name="测试通知",
        year=2021,
        total_quota=2,
        city_quotas={world.jinan: 1, world.qingdao: 2},
        opens_on=today - datetime.timedelta(days=1),
        apply_deadline=today + datetime.timedelta(days=5),
        recommend_deadline=today + datetime.timedelta(days=10),
        eligibility=[{"rule": "PROG-ELIG-KIND", "kinds": ["secondary"]}],
        reviewers_per_application=2,
    )


@pytest.fixture
def expert_user(db):
    return lambda name: make_user(name, Role.EXPERT)


def submitted_application(world, call, who, school):
    app = services.application_create(
        actor=world[who], call=call, institution=school, title="申报", field="46"
    )
    app = services.application_save(
        actor=world[who], application=app, title="申报", field="46", values={"teachers": "50", "dual": "20"}
    )
    services.attachment_add(
        actor=world[who],
        application=app,
        kind="plan",
        upload=SimpleUploadedFile("plan.pdf", blank_pdf(), content_type="application/pdf"),
    )
    return services.application_submit(actor=world[who], application=app)


@pytest.fixture
def approved(world, call, expert_user):
    """School B's application approved (立项) through the whole round; school A's not selected."""
    admin = world["province_admin"]
    a = submitted_application(world, call, "school_a", world.school_a)
    b = submitted_application(world, call, "school_b", world.school_b)
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    services.city_recommend(actor=world["qingdao"], call=call, ranking=[b])
    for app in (a, b):
        services.screen(actor=admin, application=app, passed=True)
    experts = [
        services.expert_create(
            actor=admin,
            name=f"专家{i}",
            title="professor",
            employer_name="x",
            city=world.jinan,
            specialties=["46"],
            user=expert_user(f"ex{i}"),
        )
        for i in range(3)
    ]
    services.reviewers_assign(actor=admin, call=call)
    for review in Review.objects.select_related("user"):
        score = ("30", "50") if review.application_id == a.pk else ("35", "55")
        services.review_submit(
            actor=review.user, review=review, scores={"basis": score[0], "plan": score[1]}, comments={}
        )
    Call.objects.filter(pk=call.pk).update(total_quota=1)
    call.refresh_from_db()
    services.decide(actor=admin, call=call)
    call = services.publicise(
        actor=admin, call=call, start=timezone.localdate() - datetime.timedelta(days=30)
    )
    services.approve(actor=admin, call=call, funding={b.pk: Decimal("200")})
    b.refresh_from_db()
    assert b.status == S.APPROVED
    return {"call": call, "a": a, "b": b, "experts": experts}
