import datetime

import pytest
from django.core.exceptions import ValidationError

from zhijiao.orgs.models import Institution
from zhijiao.reporting import reporters, selectors
from zhijiao.reporting.definitions import check, definition_load, parse_text
from zhijiao.reporting.models import Period
from zhijiao.reporting.services import may_report, submission_open

from .conftest import SMALL


def load(world, block):
    text = SMALL.replace("period_type: year\n", "period_type: year\n" + block)
    version = definition_load(actor=world["province_admin"], text=text)
    return Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 1, 1),
    )


def test_reports_by_kind_level_ownership_and_city(world):
    a, b = world.school_a, world.school_b  # 中职 schools in 济南 and 青岛
    Institution.objects.filter(pk=b.pk).update(ownership="private")
    b.refresh_from_db()
    assert reporters.reports(a, {}) and reporters.reports(a, {"levels": ["secondary"]})
    assert not reporters.reports(a, {"levels": ["higher"]})
    assert not reporters.reports(a, {"kinds": ["higher"]})
    assert reporters.reports(a, {"cities": ["370100"]}) and not reporters.reports(b, {"cities": ["370100"]})
    assert reporters.reports(a, {"ownership": ["public"]}) and not reporters.reports(
        b, {"ownership": ["public"]}
    )
    # The filter agrees with the test, school by school.
    for conf in ({"cities": ["370200"]}, {"ownership": ["private"]}, {"levels": ["bachelor"]}, {}):
        expected = {s.pk for s in (a, b) if reporters.reports(s, conf)}
        got = set(
            Institution.objects.filter(pk__in=[a.pk, b.pk])
            .filter(reporters.institution_q(conf))
            .values_list("pk", flat=True)
        )
        assert got == expected, conf


def test_definition_reporters_drive_opening_and_completeness(world):
    period = load(world, 'reporters: {cities: ["370100"], levels: [secondary]}\n')
    assert period.data_set.reporters == {"cities": ["370100"], "levels": ["secondary"]}
    assert may_report(world.school_a, period.data_set) and not may_report(world.school_b, period.data_set)
    with pytest.raises(ValidationError):
        submission_open(actor=world["province_admin"], institution=world.school_b, period=period)
    rows = selectors.completeness(user=world["province_admin"], period=period)
    assert [r["institution"] for r in rows] == [world.school_a]


def test_definition_refuses_bad_reporters():
    text = SMALL.replace(
        "period_type: year\n",
        'period_type: year\nreporters: {levels: [phd], cities: ["jinan"], colour: [red]}\n',
    )
    errors = " | ".join(check(parse_text(text)))
    assert "reporters.levels: “phd” is not one of" in errors
    assert "“jinan” is not a city code" in errors
    assert "reporters.colour: unknown key" in errors
