"""The read API of 技能大赛: each side sees its own entries, a judge only the sent entries of its
contests (without the school when blind), results only once published."""

import pytest

from zhijiao.competitions import services
from zhijiao.competitions.models import Event
from zhijiao.core.testing_api import api_client, result_ids

pytestmark = pytest.mark.django_db


def test_entries_are_scoped_by_side(world, entered):
    a, waiting, b = entered["a"], entered["waiting"], entered["b"]
    url = "/api/v1/competition-entries/"
    assert result_ids(api_client(world["school_a"]).get(url)) == {a.pk, waiting.pk}
    assert result_ids(api_client(world["school_b"]).get(url)) == {b.pk}
    assert result_ids(api_client(world["jinan"]).get(url)) == {a.pk, waiting.pk}
    assert result_ids(api_client(world["qingdao"]).get(url)) == {b.pk}
    assert result_ids(api_client(world["province_admin"]).get(url)) == {a.pk, waiting.pk, b.pk}
    assert result_ids(api_client(world["expert"]).get(url)) == set()  # an expert judging nothing
    assert api_client(world["school_b"]).get(f"{url}{a.pk}/").status_code == 404
    mine = api_client(world["school_a"]).get(f"{url}{a.pk}/").json()
    assert mine["institution_name"] == world.school_a.name and mine["members"] == ["甲同学"]
    assert api_client().get(url).status_code in (401, 403)


def test_a_judge_sees_the_sent_entries_of_its_contest_blind(world, entered):
    client = api_client(entered["judge"])
    url = "/api/v1/competition-entries/"
    assert result_ids(client.get(url)) == {entered["a"].pk, entered["b"].pk}
    assert client.get(f"{url}{entered['waiting'].pk}/").status_code == 404
    row = client.get(f"{url}{entered['a'].pk}/").json()
    assert row["number"] == entered["a"].number
    assert row["institution"] is None and row["institution_name"] is None and row["members"] is None


def test_events_and_contests_with_the_rubric(world, event, contest):
    body = api_client(world["school_b"]).get("/api/v1/competition-events/").json()
    assert [r["code"] for r in body["results"]] == [event.code]
    assert body["results"][0]["stage_label"] == "Open for entries"
    row = api_client(world["jinan"]).get(f"/api/v1/competition-contests/{contest.pk}/").json()
    assert row["rubric"] == [
        {"code": "op", "name": "实操", "max": "70"},
        {"code": "theory", "name": "理论", "max": "30"},
    ]
    assert row["kind_label"] == "Students' skills competition"
    schema = api_client(world["province_admin"]).get("/api/schema/").content.decode()
    assert "/api/v1/competition-results/" in schema and "/api/v1/competition-entries/" in schema


def test_results_only_once_published_and_in_scope(world, event, contest, entered):
    url = "/api/v1/competition-results/"
    admin = world["province_admin"]
    for entry, marks in ((entered["a"], ("65", "28")), (entered["b"], ("50", "20"))):
        for judge in contest.judges.all():
            services.score_submit(
                actor=judge.user, entry=entry, items=dict(zip(("op", "theory"), marks, strict=True))
            )
    Event.objects.filter(pk=event.pk).update(first_ratio=50, second_ratio=50, third_ratio=0)
    services.results_approve(actor=admin, event=event)
    assert result_ids(api_client(admin).get(url)) == set()  # approved, not published
    services.results_publish(actor=admin, event=event)
    assert result_ids(api_client(admin).get(url)) == {entered["a"].pk, entered["b"].pk}
    rows = api_client(world["school_a"]).get(url).json()["results"]
    assert [(r["id"], r["rank"], r["award_label"]) for r in rows] == [
        (entered["a"].pk, 1, "First prize (一等奖)")
    ]
    assert rows[0]["certificate_number"].startswith("JS2021") and rows[0]["score"] == "93.00"
    assert result_ids(api_client(world["qingdao"]).get(url)) == {entered["b"].pk}
