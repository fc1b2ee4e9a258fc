"""The ranking and recommendation pages read in a constant number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing import InstitutionFactory
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.choices import ReviewStatus
from zhijiao.programmes.models import Application, Expert, Review

pytestmark = pytest.mark.django_db


def _rows(world, call, n, start):
    expert = Expert.objects.create(
        name=f"专家{start}", title="professor", employer_name="x", city=world.qingdao, specialties=["46"]
    )
    for i in range(start, start + n):
        school = InstitutionFactory(name=f"学校{i}", region=world.lixia)
        app = Application.objects.create(
            call=call,
            institution=school,
            title=f"申报{i}",
            field="46",
            status=S.UNDER_REVIEW,
            city_rank=i,
            score=Decimal(70 + i % 5),
        )
        Review.objects.create(
            application=app,
            expert=expert,
            status=ReviewStatus.SUBMITTED,
            scores={"1": "30", "2": "40"},
            total=Decimal(70),
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_pages_read_in_constant_queries(world, call, login):
    client = login(world["province_admin"])
    _rows(world, call, 2, 0)
    small = [_count(client, f"/programmes/calls/{call.pk}/{page}/") for page in ("ranking", "recommend")]
    _rows(world, call, 12, 100)
    large = [_count(client, f"/programmes/calls/{call.pk}/{page}/") for page in ("ranking", "recommend")]
    assert large == small


def _submitted_rows(call, world, n, start):
    for i in range(start, start + n):
        school = InstitutionFactory(name=f"推荐学校{i}", region=world.lixia if i % 3 else world.shinan)
        Application.objects.create(
            call=call,
            institution=school,
            title=f"推荐{i}",
            field="46",
            status=S.SUBMITTED if i % 2 else S.RECOMMENDED,
            city_rank=i,
        )


def test_recommendation_page_reads_in_constant_queries_for_city_and_province(world, call, login):
    url = f"/programmes/calls/{call.pk}/recommend/"
    _submitted_rows(call, world, 3, 0)
    small = (_count(login(world["jinan"]), url), _count(login(world["province_admin"]), url))
    _submitted_rows(call, world, 30, 100)
    large = (_count(login(world["jinan"]), url), _count(login(world["province_admin"]), url))
    assert large == small


def test_ranking_is_paged_with_the_overall_numbers(world, call, login):
    client = login(world["province_admin"])
    _rows(world, call, 103, 0)
    url = f"/programmes/calls/{call.pk}/ranking/"
    first = _count(client, url)
    assert _count(client, url + "?page=2") == first
    page = client.get(url + "?page=2").content.decode()
    assert "<td>101</td>" in page and "<td>103</td>" in page and "<td>100</td>" not in page
    assert "2 / 2" in page
