import datetime

import pytest
from django.urls import reverse

from zhijiao.reporting.definitions import DefinitionError, definition_load
from zhijiao.reporting.models import DataValue, Period
from zhijiao.reporting.services import submission_open, submission_save_values
from zhijiao.reporting.services_prefill import submission_prefill
from zhijiao.students.tests.factories import add_student, registered

PREFILLED = """
code: enrolment
name: 在校生情况
version: 1
period_type: year
categories:
  - code: sector
    name: 专业大类
    options: [{code: it, name: 电子信息}, {code: health, name: 医药卫生}]
sections:
  - code: main
    name: 基本
    elements:
      - {code: enrolled, name: 在校生数, type: integer, prefill: {source: students.enrolled}}
      - code: by_sector
        name: 分大类在校生
        type: integer
        categories: [sector]
        prefill: {source: students.enrolled, cells: {it: {major: "71"}, health: {major: "72"}}}
      - {code: capped, name: 不超过0, type: integer, max: 0, prefill: {source: students.enrolled}}
      - {code: placed, name: 实习人数, type: integer, prefill: {source: internships.placements}}
      - {code: diplomas, name: 毕业证书, type: integer, prefill: {source: credentials.issued, kind: diploma}}
      - {code: note, name: 说明, type: text}
"""


@pytest.fixture
def period(world):
    version = definition_load(actor=world["province_admin"], text=PREFILLED)
    return Period.objects.create(
        data_set=version.data_set,
        code="2024",
        start=datetime.date(2024, 1, 1),
        end=datetime.date(2024, 12, 31),
        deadline=datetime.date(2099, 1, 1),
    )


def values():
    return {(v.element.code, v.cell): v.value for v in DataValue.objects.select_related("element")}


def test_opening_prefills_from_the_platform(world, period):
    registered(world, "a", name="甲")
    registered(world, "a", name="乙")
    add_student(world, "a", name="丙")  # not registered yet: not counted
    registered(world, "b", name="丁")  # another school
    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    assert values() == {
        ("enrolled", ""): "2",
        ("by_sector", "it"): "2",  # the world's major is 710201
        ("by_sector", "health"): "0",
        ("placed", ""): "0",
        ("diplomas", ""): "0",
        # "capped" (max 0) would be out of bounds: left empty for the school.
    }
    assert sub.revision == 1


def test_prefill_never_overwrites_what_was_typed(world, period, login, client):
    sub = submission_open(actor=world["school_a"], institution=world.school_a, period=period)
    sub = submission_save_values(
        actor=world["school_a"],
        submission=sub,
        values={("enrolled", ""): "40", ("placed", ""): ""},
        revision=sub.revision,
    )
    registered(world, "a", name="甲")
    assert submission_prefill(actor=world["school_a"], submission=sub) == 1  # placed only
    assert values()[("enrolled", "")] == "40" and values()[("placed", "")] == "0"
    login(world["school_a"])
    r = client.post(reverse("reporting:prefill", args=[sub.pk]), follow=True)
    assert "No empty cell is filled" in r.content.decode()
    login(world["school_b"])
    assert client.post(reverse("reporting:prefill", args=[sub.pk])).status_code == 404


def test_definition_checks_prefill():
    bad = PREFILLED.replace("source: internships.placements", "source: nowhere").replace(
        '{it: {major: "71"}', '{it: {colour: red}, web: {major: "1"}'
    )
    with pytest.raises(DefinitionError) as exc:
        from zhijiao.reporting.definitions import check, parse_text

        errors = check(parse_text(bad))
        raise DefinitionError(errors)
    text = " | ".join(exc.value.messages)
    assert "unknown source “nowhere”" in text
    assert "unknown parameter “colour”" in text
    assert "no cell “web” in this element" in text
