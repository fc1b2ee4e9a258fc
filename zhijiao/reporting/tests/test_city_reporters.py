"""A data set the cities fill themselves (``reporters: {by: city}``, the 高地 dispatch): no school
reports it; the city bureau fills its own return (typed, checked, optimistic locking), submits it
when the form's checks pass, the province accepts it (its values enter the city's and the
province's rollups) or returns it (the diff shows labels), and only the province re-opens it
(the values leave the rollups)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from zhijiao.core.lifecycle import fire
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import analytics, reporters, services
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.diff import city_changes_since_return
from zhijiao.reporting.models import Aggregate, CityDataValue, Fact, Period

CITY = "reporting.city_submission"

DISPATCH = """
code: dispatch
name: 高地调度
version: 1
period_type: quarter
reporters: {by: city}
sections:
  - code: main
    name: 主要指标
    elements:
      - {code: bases, name: 实训基地, type: integer, unit: 个, min: 0, max: 100}
      - {code: level, name: 进展, type: choice, choices: [{code: ok, name: 按期推进}, {code: late, name: 滞后}]}
      - {code: lead, name: 牵头学校, type: org}
rules:
  - {code: r1, expression: bases <= 50, message: 基地数不超过50}
"""


@pytest.fixture
def period(world):
    version = definition_load(actor=world["province_admin"], text=DISPATCH)
    return Period.objects.create(
        data_set=version.data_set,
        code="2021Q3",
        start=datetime.date(2021, 7, 1),
        end=datetime.date(2021, 9, 30),
        deadline=datetime.date(2099, 1, 1),
    )


def _agg(region, period):
    row = Aggregate.objects.filter(region=region, period=period, element_code="bases").first()
    return row and row.total


def test_reporters_by_city_is_checked_and_no_school_reports(world, period):
    assert reporters.check({"by": "county"}) and not reporters.check({"by": "city"})
    assert reporters.by_city(period.data_set)
    assert not services.may_report(world.school_a, period.data_set)
    with pytest.raises(ValidationError):
        services.submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def test_city_fills_submits_province_accepts_returns_reopens(world, period):
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    ret.version.refresh_from_db()
    assert ret.version == period.data_set.current_version() and ret.version.in_use
    with pytest.raises(ValidationError) as bad:
        services.submission_save_values(
            actor=world["jinan"], submission=ret, values={("bases", ""): "x"}, revision=ret.revision
        )
    assert "bases" in bad.value.message_dict and not CityDataValue.objects.exists()
    with pytest.raises(OutOfScope):
        services.submission_save_values(
            actor=world["qingdao"], submission=ret, values={("bases", ""): "3"}, revision=ret.revision
        )
    ret = services.submission_save_values(
        actor=world["jinan"],
        submission=ret,
        values={("bases", ""): "60", ("level", ""): "ok", ("lead", ""): world.school_a.code},
        revision=0,
    )
    assert ret.revision == 1
    with pytest.raises(ValidationError):  # a save on an older revision is refused
        services.submission_save_values(
            actor=world["jinan"], submission=ret, values={("bases", ""): "4"}, revision=0
        )
    with pytest.raises(ValidationError) as rule:  # the form's checks guard the submit
        fire(CITY, ret, "submit", actor=world["jinan"])
    assert "基地数不超过50" in str(rule.value)
    ret = services.submission_save_values(
        actor=world["jinan"], submission=ret, values={("bases", ""): "5"}, revision=1
    )
    ret = fire(CITY, ret, "submit", actor=world["jinan"])
    assert ret.summary["totals"]["bases|"] == "5"
    with pytest.raises(ValidationError):  # submitted: no longer editable
        services.submission_save_values(
            actor=world["jinan"], submission=ret, values={("bases", ""): "6"}, revision=ret.revision
        )

    ret = fire(CITY, ret, "return", actor=world["province_admin"], reason="请核对")
    ret = services.submission_save_values(
        actor=world["jinan"],
        submission=ret,
        values={("bases", ""): "7", ("level", ""): "late", ("lead", ""): world.school_b.code},
        revision=ret.revision,
    )
    ret = fire(CITY, ret, "submit", actor=world["jinan"])
    changes = {c["label"]: (c["before"], c["after"]) for c in city_changes_since_return(ret)}
    assert changes["实训基地"] == ("5个", "7个")
    assert changes["进展"] == ("按期推进", "滞后")  # labels, not codes
    assert changes["牵头学校"] == (world.school_a.name, world.school_b.name)
    assert _agg(world.province, period) is None

    ret = fire(CITY, ret, "accept", actor=world["province_admin"])
    assert _agg(world.jinan, period) == 7 and _agg(world.province, period) == 7
    fact = Fact.objects.get(period=period, element_code="bases")
    assert (fact.region, fact.city, fact.kind) == (world.jinan, world.jinan, analytics.CITY_REPORTER)
    with pytest.raises(ValidationError):  # accepted locks
        services.submission_save_values(
            actor=world["jinan"], submission=ret, values={("bases", ""): "8"}, revision=ret.revision
        )
    ret = fire(CITY, ret, "reopen", actor=world["province_admin"], reason="更正")
    assert _agg(world.province, period) is None and not Fact.objects.filter(period=period).exists()


def test_only_the_city_bureau_opens_its_return(world, period):
    with pytest.raises(PermissionDenied):
        services.city_submission_open(actor=world["province_admin"], city=world.jinan, period=period)
    period.data_set.reporters = {"by": "city", "cities": ["370200"]}
    period.data_set.save()
    with pytest.raises(ValidationError):
        services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)


def test_city_return_page_is_the_form_for_the_bureau_only(world, period, client, login):
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    url = reverse("reporting:city_submission", args=[ret.pk])
    login(world["jinan"])
    page = client.get(url).content.decode()
    assert 'name="v__bases__"' in page and "按期推进" in page
    r = client.post(url, {"revision": "0", "v__bases__": "abc"})
    assert r.status_code == 200 and "is-invalid" in r.content.decode()
    assert not CityDataValue.objects.exists()
    r = client.post(url, {"revision": "0", "v__bases__": "4", "v__level__": "ok"})
    assert r.status_code == 302 and CityDataValue.objects.get(element__code="bases").value == "4"
    login(world["province_admin"])
    page = client.get(url).content.decode()
    assert 'name="v__bases__"' not in page and "实训基地" in page
    assert client.post(url, {"revision": "1", "v__bases__": "9"}).status_code == 404
    login(world["qingdao"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"revision": "1", "v__bases__": "9"}).status_code == 404
    assert CityDataValue.objects.get(element__code="bases").value == "4"


def test_completeness_of_a_city_filled_set_points_to_the_city_returns(world, period, client, login):
    login(world["province_admin"])
    page = client.get(reverse("reporting:completeness"), {"period": period.pk}).content.decode()
    assert "filled by the city bureaus themselves" in page
    assert reverse("reporting:city_returns") + f"?period={period.pk}" in page


def test_a_school_is_told_of_the_city_returns_but_not_linked_to_them(world, period, client, login):
    """The city returns are the authorities' page: a school sees the note on completeness, never a link
    that would answer 404 (every link a role sees opens for that role)."""
    link = reverse("reporting:city_returns") + f"?period={period.pk}"
    login(world["school_a"])
    page = client.get(reverse("reporting:completeness"), {"period": period.pk}).content.decode()
    assert "filled by the city bureaus themselves" in page and link not in page
    assert client.get(link).status_code == 404
    login(world["jinan"])
    assert link in client.get(reverse("reporting:completeness"), {"period": period.pk}).content.decode()
    assert client.get(link).status_code == 200


def test_the_city_returns_of_a_city_filled_set_count_no_schools(world, period, client, login):
    """The cities fill it themselves: the list says so and shows no school columns (they were all 0)."""
    login(world["province_admin"])
    page = client.get(reverse("reporting:city_returns"), {"period": period.pk}).content.decode()
    assert "The city bureaus fill this data set themselves" in page
    assert "Schools that report" not in page and "After its schools" not in page
