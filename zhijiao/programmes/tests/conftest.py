import datetime

import pytest
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import make_user
from zhijiao.programmes import definitions, services

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
