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


def _mixed_rows(world, call, n, start, experts):
    """Scored applications with a review by each of ``experts``, and as many waiting for formal
    screening (the ranking page lists both), some on the decision list with funding."""
    for i in range(start, start + n):
        school = InstitutionFactory(name=f"排名学校{i}", region=world.lixia if i % 2 else world.shinan)
        app = Application.objects.create(
            call=call,
            institution=school,
            title=f"排名{i}",
            field="46",
            status=S.SHORTLISTED if i % 2 else S.UNDER_REVIEW,
            rank=i + 1,
            score=Decimal(60 + i % 7),
            funding=Decimal(10 + i) if i % 4 == 1 else None,
            funding_source="province" if i % 4 == 1 else "",
        )
        for expert in experts:
            Review.objects.create(
                application=app,
                expert=expert,
                status=ReviewStatus.SUBMITTED,
                scores={"1": str(20 + i % 9), "2": "40"},
                total=Decimal(60 + i % 9),
            )
        Application.objects.create(
            call=call, institution=school, title=f"待审{i}", field="46", status=S.RECOMMENDED, city_rank=i
        )


def test_ranking_and_decision_list_read_in_constant_queries_with_several_reviewers(world, call, login):
    from zhijiao.programmes.choices import CallStage
    from zhijiao.programmes.models import Call

    Call.objects.filter(pk=call.pk).update(stage=CallStage.DECIDED)
    experts = [
        Expert.objects.create(
            name=f"评审{k}", title="professor", employer_name="x", city=world.qingdao, specialties=["46"]
        )
        for k in range(3)
    ]
    client = login(world["province_admin"])
    pages = ("ranking", "decision")
    _mixed_rows(world, call, 3, 0, experts)
    small = [_count(client, f"/programmes/calls/{call.pk}/{page}/") for page in pages]
    _mixed_rows(world, call, 40, 100, experts)
    large = [_count(client, f"/programmes/calls/{call.pk}/{page}/") for page in pages]
    assert large == small
