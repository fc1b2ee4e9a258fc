import datetime

import pytest

from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import Period

SMALL = """
code: teachers
name: 教师情况
version: 1
period_type: year
categories:
  - code: gender
    name: 性别
    options: [{code: male, name: 男}, {code: female, name: 女}]
sections:
  - code: main
    name: 基本
    elements:
      - {code: teachers_total, name: 教师总数, type: integer, unit: 人, min: 0, max: 5000, required: true}
      - {code: teachers_fulltime, name: 专任教师, type: integer, min: 0, categories: [gender]}
      - {code: budget, name: 经费, type: money, unit: 万元}
      - {code: rate, name: 双师比例, type: percentage}
      - {code: since, name: 建校日期, type: date}
      - code: mode
        name: 办学形式
        type: choice
        choices: [{code: day, name: 全日制}, {code: part, name: 非全日制}]
rules:
  - {code: ft_le_total, expression: teachers_fulltime <= teachers_total, message: 专任教师不能多于教师总数}
"""


@pytest.fixture
def version(world):
    return definition_load(actor=world["province_admin"], text=SMALL)


@pytest.fixture
def period(version):
    return Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )


@pytest.fixture(autouse=True)
def _english(english):
    yield
