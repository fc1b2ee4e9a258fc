import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.reporting import validation
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import DataValue, Period
from zhijiao.reporting.services import submission_open, submission_save_values

from .conftest import SMALL


@pytest.fixture
def sub(world, period):
    return submission_open(actor=world["school_a"], institution=world.school_a, period=period)


def test_check_values_uses_the_save_rules_and_expressions(version):
    elements = list(version.elements.prefetch_related("categories"))
    rules = list(version.rules.all())
    result = validation.check_values(
        elements,
        rules,
        {
            ("teachers_total", ""): "5",
            ("teachers_fulltime", "male"): "4",
            ("teachers_fulltime", "female"): "3",
            ("rate", ""): "120",
            ("nope", ""): "1",
        },
    )
    assert result.errors == {
        "rate": ["A percentage lies between 0 and 100."],
        "nope": ["No such field in this form."],
    }
    assert result.failures == ["专任教师不能多于教师总数（teachers_fulltime <= teachers_total）"]
    assert result.numbers[("teachers_fulltime", "male")] == Decimal(4)
    # A rule reading a value that is not accepted is not checked (its message would mislead).
    result = validation.check_values(
        elements, rules, {("teachers_total", ""): "x", ("teachers_fulltime", "male"): "9"}
    )
    assert result.failures == [] and list(result.errors) == ["teachers_total"]
    assert not validation.check_values(elements, rules, {("teachers_total", ""): "9"}).failures


def test_flags_against_expected_range_and_previous_period(version):
    elements = list(version.elements.all())
    definition = {
        "max_change": 0.3,
        "sections": [{"elements": [{"code": "teachers_total", "expected_min": 10, "expected_max": 100}]}],
    }
    found = validation.flags(
        elements,
        definition,
        {("teachers_total", ""): Decimal(5), ("budget", ""): Decimal(140), ("rate", ""): Decimal(50)},
        {("budget", ""): Decimal(100), ("rate", ""): Decimal(45), ("teachers_total", ""): Decimal(5)},
    )
    assert found == {
        "teachers_total": ["Unusually low: usually at least 10."],
        "budget": ["Changed by 40% from the previous period (100); please check."],
    }
    # Without a definition's own share the default (50%) applies.
    assert (
        validation.flags(elements, {}, {("budget", ""): Decimal(140)}, {("budget", ""): Decimal(100)}) == {}
    )
    assert "budget" in validation.flags(
        elements, {}, {("budget", ""): Decimal(40)}, {("budget", ""): Decimal(100)}
    )


def post_check(client, sub, data, trigger=""):
    headers = {"HX-Request": "true"}
    if trigger:
        headers["HX-Trigger-Name"] = trigger
    return client.post(reverse("reporting:check", args=[sub.pk]), data, headers=headers)


def test_live_check_partial(world, login, client, sub):
    login(world["school_a"])
    page = client.get(reverse("reporting:submission_form", args=[sub.pk])).content.decode()
    check_url = reverse("reporting:check", args=[sub.pk])
    assert f'hx-post="{check_url}"' in page and 'id="fb-v__teachers_fulltime__male"' in page
    r = post_check(
        client,
        sub,
        {"v__teachers_total__": "abc", "v__teachers_fulltime__male": "3", "v__rate__": "50"},
        trigger="v__teachers_total__",
    )
    body = r.content.decode()
    assert r.status_code == 200
    assert "教师总数：Enter a number." in body
    assert 'id="fb-v__teachers_total__" class="live-feedback small" hx-swap-oob="true"' in body
    r = post_check(
        client,
        sub,
        {"v__teachers_total__": "2", "v__teachers_fulltime__male": "3"},
        trigger="v__teachers_total__",
    )
    body = r.content.decode()
    assert "专任教师不能多于教师总数" in body
    # The field typed is cleared (an empty out-of-band swap) now that its value is accepted.
    assert 'id="fb-v__teachers_total__" class="live-feedback small" hx-swap-oob="true"></div>' in body
    assert not DataValue.objects.exists()  # checking never saves
    r = post_check(client, sub, {"v__teachers_total__": "9", "v__teachers_fulltime__male": "3"})
    assert "All checks pass so far." in r.content.decode()


def test_live_check_flags_a_jump_from_last_year(world, login, client, sub, period):
    earlier = Period.objects.create(
        data_set=period.data_set,
        code="2020",
        start=datetime.date(2020, 1, 1),
        end=datetime.date(2020, 12, 31),
        deadline=datetime.date(2099, 3, 1),
    )
    last = submission_open(actor=world["school_a"], institution=world.school_a, period=earlier)
    submission_save_values(
        actor=world["school_a"], submission=last, values={("teachers_total", ""): "100"}, revision=0
    )
    login(world["school_a"])
    body = post_check(client, sub, {"v__teachers_total__": "300"}).content.decode()
    assert "教师总数：Changed by 200% from the previous period (100); please check." in body
    assert "saving is not blocked" in body


def test_live_check_scope_and_query_count(world, login, client, sub):
    login(world["school_b"])
    assert post_check(client, sub, {"v__teachers_total__": "1"}).status_code == 404
    login(world["school_a"])
    with CaptureQueriesContext(connection) as small:
        post_check(client, sub, {"v__teachers_total__": "1"})
    big = SMALL.replace("version: 1", "version: 2\nmax_change: 0.2").replace(
        "      - {code: budget,",
        "".join(
            f"      - {{code: extra{i}, name: 项{i}, type: integer, categories: [gender]}}\n"
            for i in range(30)
        )
        + "      - {code: budget,",
    )
    definition_load(actor=world["province_admin"], text=big)
    other = Period.objects.create(
        data_set=sub.period.data_set,
        code="2022",
        start=datetime.date(2022, 1, 1),
        end=datetime.date(2022, 12, 31),
        deadline=datetime.date(2099, 1, 1),
    )
    sub2 = submission_open(actor=world["school_a"], institution=world.school_a, period=other)
    data = {f"v__extra{i}__male": str(i) for i in range(30)}
    with CaptureQueriesContext(connection) as large:
        r = post_check(client, sub2, data)
    assert r.status_code == 200
    assert len(large) == len(small)
