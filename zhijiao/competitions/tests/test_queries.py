"""The results page, the contest page and a judge's sheet cost the same number of queries
whatever the number of entries."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.competitions import services
from zhijiao.competitions.models import Event
from zhijiao.students.tests.factories import registered

pytestmark = pytest.mark.django_db


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_pages_read_a_constant_number_of_queries(world, login, event, contest, make_expert):
    contest.quota_per_school = contest.quota_per_city = 20
    contest.save()
    entries = []

    def add(n):
        for i in range(n):
            student = registered(world, "a", name=f"甲{len(entries)}{i}")
            entries.append(
                services.entry_create(
                    actor=world["school_a"], contest=contest, institution=world.school_a, students=[student]
                )
            )
        services.city_send(actor=world["jinan"], contest=contest, entries=entries[-n:])

    add(2)
    province = login(world["province_admin"])
    page = reverse("competitions:contest_detail", args=[contest.pk])
    small = _count(province, page)
    add(6)
    assert _count(province, page) == small

    judges = [make_expert(f"q{i}") for i in range(2)]
    services.judges_assign(actor=world["province_admin"], event=event)
    for entry in entries:
        for judge in judges:
            services.score_submit(actor=judge.user, entry=entry, items={"op": "50", "theory": "20"})
    sheet = contest.judges.get(user=judges[0].user)
    judge_client = Client()
    judge_client.force_login(judges[0].user)
    sheet_queries = _count(judge_client, reverse("competitions:judging", args=[sheet.pk]))
    services.results_approve(actor=world["province_admin"], event=event)
    services.results_publish(actor=world["province_admin"], event=event)
    public = Client()
    url = reverse("competitions_public:results", args=[event.code])
    results_queries = _count(public, url)
    assert results_queries <= 6
    # 8 more entries judged: the sheet and the public page read the same number of queries
    Event.objects.filter(pk=event.pk).update(stage="open")
    more = []
    for i in range(8):
        student = registered(world, "b", name=f"乙{i}")
        more.append(
            services.entry_create(
                actor=world["school_b"], contest=contest, institution=world.school_b, students=[student]
            )
        )
    services.city_send(actor=world["qingdao"], contest=contest, entries=more)
    Event.objects.filter(pk=event.pk).update(stage="judging")
    assert _count(judge_client, reverse("competitions:judging", args=[sheet.pk])) == sheet_queries
    Event.objects.filter(pk=event.pk).update(stage="published")
    contest.entries.filter(status="sent", rank__isnull=True).update(rank=99)
    assert _count(public, url) == results_queries


def test_api_lists_read_a_constant_number_of_queries(world, event, contest, make_expert):
    from zhijiao.core.testing_api import api_client

    contest.quota_per_school = contest.quota_per_city = 20
    contest.save()
    client = api_client(world["province_admin"])

    def add(who, n):
        made = [
            services.entry_create(
                actor=world[who],
                contest=contest,
                institution=getattr(world, who),
                students=[registered(world, who[-1], name=f"{who}{i}")],
            )  # fmt: skip
            for i in range(n)
        ]
        services.city_send(
            actor=world["jinan" if who == "school_a" else "qingdao"], contest=contest, entries=made
        )
        return made

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
            assert response.status_code == 200
        return len(ctx), len(response.json()["results"])

    add("school_a", 2)
    count("/api/v1/competition-entries/")  # the first call records the token's use
    entries_small, n = count("/api/v1/competition-entries/")
    assert n == 2
    add("school_b", 6)
    assert count("/api/v1/competition-entries/") == (entries_small, 8)
    judges = [make_expert(f"q{i}") for i in range(2)]
    services.judges_assign(actor=world["province_admin"], event=event)
    for entry in contest.entries.all():
        for judge in judges:
            services.score_submit(actor=judge.user, entry=entry, items={"op": "50", "theory": "20"})
    services.results_approve(actor=world["province_admin"], event=event)
    services.results_publish(actor=world["province_admin"], event=event)
    results, n = count("/api/v1/competition-results/")
    assert n == 8
    contest.entries.filter(pk__in=list(contest.entries.values_list("pk", flat=True)[:4])).update(rank=None)
    assert count("/api/v1/competition-results/") == (results, 4)
