"""/api/v1/ of 数据报送: read-only, scoped and paginated — data sets, periods, submissions with their
status, the values of an approved submission, city returns, analytics facts and the pivot; an id
of another organisation is a 404; the OpenAPI schema lists the routes."""

import datetime
import json

import pytest

from zhijiao.core.lifecycle import fire
from zhijiao.core.testing_api import (
    APIEndpointTests,
    api_client,
    assert_error,
    fresh_throttles,
    result_ids,
    url,
)
from zhijiao.reporting import services
from zhijiao.reporting.definitions import definition_load
from zhijiao.reporting.models import CitySubmission, Fact, Period, Submission

__all__ = ["fresh_throttles"]

DEFINITION = """
code: api_demo
name: 接口测试数据集
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
      - {code: teachers_total, name: 教师总数, type: integer, unit: 人, min: 0}
      - {code: teachers_ft, name: 专任教师, type: integer, unit: 人, min: 0, categories: [gender]}
      - code: mode
        name: 办学形式
        type: choice
        choices: [{code: day, name: 全日制}, {code: part, name: 非全日制}]
"""


def _data(world):
    """School A approved, school B submitted (not approved); 济南's return submitted. Cached on the
    world (one build per test)."""
    if hasattr(world, "_reporting_api"):
        return world._reporting_api
    version = definition_load(actor=world["province_admin"], text=DEFINITION)
    period = Period.objects.create(
        data_set=version.data_set,
        code="2021",
        start=datetime.date(2021, 1, 1),
        end=datetime.date(2021, 12, 31),
        deadline=datetime.date(2099, 12, 31),
    )
    version.data_set.reporters = {"city_return": "any_time"}
    version.data_set.save()
    subs = {}
    for who, school, city in (("school_a", world.school_a, "jinan"), ("school_b", world.school_b, None)):
        s = services.submission_open(actor=world[who], institution=school, period=period)
        s = services.submission_save_values(
            actor=world[who],
            submission=s,
            values={
                ("teachers_total", ""): "12",
                ("teachers_ft", "male"): "3",
                ("teachers_ft", "female"): "4",
                ("mode", ""): "day",
            },
            revision=s.revision,
        )
        s = fire("reporting.submission", s, "submit", actor=world[who])
        if city:
            services.submissions_decide(actor=world[city], submissions=[s], decision="approve")
            services.submissions_decide(actor=world["province_admin"], submissions=[s], decision="approve")
        subs[who] = s
    ret = services.city_submission_open(actor=world["jinan"], city=world.jinan, period=period)
    ret = fire("reporting.city_submission", ret, "submit", actor=world["jinan"])
    world._reporting_api = {"period": period, "subs": subs, "return": ret}
    return world._reporting_api


class TestDataSetAPI(APIEndpointTests):
    endpoint = "reporting-data-sets"
    viewer = "expert"
    outsider = None
    obj = staticmethod(lambda w: _data(w)["period"].data_set)


class TestPeriodAPI(APIEndpointTests):
    endpoint = "reporting-periods"
    viewer = "school_b"
    outsider = None
    obj = staticmethod(lambda w: _data(w)["period"])


class TestSubmissionAPI(APIEndpointTests):
    endpoint = "reporting-submissions"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: _data(w)["subs"]["school_a"])


class TestCityReturnAPI(APIEndpointTests):
    endpoint = "reporting-city-returns"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: _data(w)["return"])


class TestFactAPI(APIEndpointTests):
    endpoint = "reporting-facts"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: Fact.objects.filter(period=_data(w)["period"]).order_by("pk").first())


def test_submission_status_and_values_of_an_approved_one(world):
    data = _data(world)
    a, b = data["subs"]["school_a"], data["subs"]["school_b"]
    client = api_client(world["province_admin"])
    row = client.get(url("reporting-submissions", a.pk)).json()
    assert (row["status"], row["status_label"], row["institution_name"]) == (
        "approved",
        "Approved",
        "济南第一职业中专",
    )
    values = client.get(url("reporting-submissions", a.pk, "values")).json()
    by_key = {(v["element"], v["cell"]): v for v in values}
    assert by_key[("teachers_ft", "female")]["cell_label"] == "女"
    assert by_key[("mode", "")]["shown"] == "全日制" and by_key[("teachers_total", "")]["unit"] == "人"
    assert [v["element"] for v in values][:1] == ["teachers_total"]
    assert_error(client.get(url("reporting-submissions", b.pk, "values")), 400)
    # Another city's school: 404, values too.
    assert_error(api_client(world["qingdao"]).get(url("reporting-submissions", a.pk, "values")), 404)
    assert result_ids(api_client(world["school_b"]).get(url("reporting-submissions"))) == {b.pk}
    filtered = client.get(url("reporting-submissions"), {"status": "submitted"})
    assert result_ids(filtered) == {b.pk}


def test_pivot_scoped_and_refusing_bad_input(world):
    data = _data(world)
    period = data["period"]
    body = api_client(world["province_admin"]).get(
        url("reporting-pivot"), {"period": period.pk, "element": "teachers_ft", "rows": "city"}
    )
    assert body.status_code == 200, body.content
    pivot = body.json()
    assert pivot["row_labels"] == ["济南市"] and pivot["row_totals"] == ["7.0000"]
    county = api_client(world["qingdao"]).get(
        url("reporting-pivot"), {"period": period.pk, "element": "teachers_ft"}
    )
    assert county.json()["row_labels"] == []
    for bad in (
        {"period": "x", "element": "teachers_ft"},
        {"period": period.pk, "element": "nope"},
        {"period": period.pk, "element": "teachers_ft", "rows": "evil"},
        {"period": period.pk, "element": "teachers_ft", "rows": "city", "cols": "city"},
    ):
        assert_error(api_client(world["province_admin"]).get(url("reporting-pivot"), bad), 400)
    assert_error(api_client().get(url("reporting-pivot"), {"period": period.pk}), 401)


def test_city_return_summary_and_scope(world):
    ret = _data(world)["return"]
    row = api_client(world["province_admin"]).get(url("reporting-city-returns", ret.pk)).json()
    assert row["status"] == "submitted" and row["summary"]["approved"] == 1
    assert result_ids(api_client(world["school_a"]).get(url("reporting-city-returns"))) == set()
    assert CitySubmission.objects.count() == 1 and Submission.objects.count() == 2


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/reporting-data-sets/",
        "/api/v1/reporting-periods/",
        "/api/v1/reporting-submissions/{id}/",
        "/api/v1/reporting-submissions/{id}/values/",
        "/api/v1/reporting-city-returns/",
        "/api/v1/reporting-facts/",
        "/api/v1/reporting-pivot/",
    ],
)
def test_routes_in_the_openapi_schema(world, path):
    schema = json.loads(api_client().get("/api/schema/", {"format": "json"}).content)
    assert path in schema["paths"]
    assert "get" in schema["paths"][path]
