"""Hosts and posts are searched by name from their terms index (``core.search.TextSearch``, issue 16):
the same rows as ``icontains`` for every kind of query, scoped like the list, and on PostgreSQL read
through the GIN indexes instead of every post and its host."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing_api import api_client
from zhijiao.enterprises.models import Enterprise
from zhijiao.enterprises.testing import EnterpriseFactory
from zhijiao.internships.models import Post

pytestmark = pytest.mark.django_db

HOSTS = ["济南ABB 机械有限公司", "青岛港集团", "山东100%精密制造", "烟台王_氏食品厂"]
# (post, index of its host in HOSTS; even: 济南, odd: 青岛)
POSTS = [("数控车工", 1), ("港口调度员", 0), ("ABB机器人运维", 2), ("质检 助理", 3), ("王牌销售代表", 0)]
QUERIES = [
    "港",
    "有限",
    "机械有限公司",
    "abb",
    "ABB 机",
    "abb机",
    "100%",
    "%",
    "王_",
    "_",
    "质检 助",
    "质检助",
    "车工",
    "调度员",
    "无此",
    "  港集  ",
]


@pytest.fixture
def named(world):
    hosts = [
        EnterpriseFactory(name=name, region=world.lixia if i % 2 == 0 else world.shinan)
        for i, name in enumerate(HOSTS)
    ]
    category = world.major.major_class.category
    for name, host in POSTS:
        Post.objects.create(
            enterprise=hosts[host],
            name=name,
            major_category=category,
            wage_standard=Decimal(4000),
            lowest_grade_wage=Decimal(3000),
            on_duty_staff=10,
        )
    return world


def _contains(text: str, query: str) -> bool:
    return query.strip().lower() in text.lower()


@pytest.mark.parametrize("query", QUERIES)
def test_text_search_finds_what_icontains_finds(named, query):
    hosts = {e.pk for e in Enterprise.objects.all() if _contains(e.name, query)}
    posts = {p.pk for p in Post.objects.all() if _contains(p.name, query)}
    assert (
        set(Enterprise.objects.filter(name__textsearch=query.strip()).values_list("pk", flat=True)) == hosts
    )
    assert set(Post.objects.filter(name__textsearch=query.strip()).values_list("pk", flat=True)) == posts


@pytest.mark.parametrize("query", QUERIES)
def test_the_post_search_finds_posts_by_their_own_or_their_hosts_name(named, query):
    expected = {
        p.pk
        for p in Post.objects.select_related("enterprise")
        if _contains(p.name, query) or _contains(p.enterprise.name, query)
    }
    response = api_client(named["province_staff"]).get(
        "/api/v1/internship-posts/", {"q": query, "page_size": 100}
    )
    assert response.status_code == 200
    assert {row["id"] for row in response.json()["results"]} == expected


def test_the_post_search_keeps_the_scope(named):
    """济南 sees the posts of 济南's hosts that match, never 青岛's (港: a 济南 post's name, a 青岛 host's)."""
    response = api_client(named["jinan"]).get("/api/v1/internship-posts/", {"q": "港", "page_size": 100})
    assert response.status_code == 200
    found = Post.objects.filter(pk__in=[row["id"] for row in response.json()["results"]])
    assert found.exists()
    assert {p.enterprise.region.path.startswith(named.jinan.path) for p in found} == {True}
    everywhere = api_client(named["province_staff"]).get(
        "/api/v1/internship-posts/", {"q": "港", "page_size": 100}
    )
    assert len(everywhere.json()["results"]) > len(response.json()["results"])


def test_the_host_search_matches_the_name_or_the_start_of_the_credit_code(named):
    host = Enterprise.objects.get(name="青岛港集团")
    client = api_client(named["province_staff"])
    for query in ("港集", host.credit_code[:-1], host.credit_code.lower()):
        response = client.get("/api/v1/enterprises/", {"q": query})
        assert response.status_code == 200
        assert [row["id"] for row in response.json()["results"]] == [host.pk], query


def _plan(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "SET LOCAL enable_indexscan = off"
        )  # no walk of a key index: the search must find the rows
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("RESET enable_seqscan")
        cursor.execute("RESET enable_indexscan")
    return plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN terms indexes are PostgreSQL")
@pytest.mark.parametrize("query", ["港", "有限", "机械有限公司"])
def test_the_post_search_reads_both_terms_indexes(named, query):
    """The posts' count reads the posts' and the hosts' terms indexes, and no table whole."""
    with CaptureQueriesContext(connection) as ctx:
        response = api_client(named["province_staff"]).get("/api/v1/internship-posts/", {"q": query})
    assert response.status_code == 200
    counts = [
        q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and '"internships_post"' in q["sql"]
    ]
    assert counts, [q["sql"][:100] for q in ctx.captured_queries]
    from zhijiao.internships.filtersets import PostFilterSet

    searched = PostFilterSet().search(Post.objects.all(), "q", query)
    plan = _plan(*searched.values("pk").query.sql_with_params())
    assert "internships_post_terms_gin" in plan and "enterprises_enterprise_terms_gin" in plan, plan
    assert "Seq Scan on internships_post" not in plan and "Seq Scan on enterprises_enterprise" not in plan, (
        plan
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="GIN terms indexes are PostgreSQL")
def test_the_host_search_reads_its_terms_index(named):
    sql, params = Enterprise.objects.filter(name__textsearch="有限").values("pk").query.sql_with_params()
    plan = _plan(sql, params)
    assert "enterprises_enterprise_terms_gin" in plan and "Seq Scan" not in plan, plan


# --- a name many hosts share (core.search.matching_keys) ----------------------------------------------
def test_matching_keys_are_a_list_a_subquery_or_none(named):
    from zhijiao.core.search import matching_keys

    few = Enterprise.objects.filter(name__textsearch="港集")
    assert matching_keys(few) == [Enterprise.objects.get(name="青岛港集团").pk]
    many = Enterprise.objects.filter(name__textsearch="测试企业")  # the world's two hosts
    keys = matching_keys(many, cap=1)
    assert not isinstance(keys, list)
    assert set(Enterprise.objects.filter(pk__in=keys).values_list("name", flat=True)) == {
        "济南测试企业有限公司",
        "青岛测试企业有限公司",
    }
    assert matching_keys(Enterprise.objects.filter(name__textsearch="无此企业")) is None


def test_a_host_name_many_hosts_share_finds_the_placements_at_all_of_them(iw, world, monkeypatch):
    """More matching hosts than are handed over as a list: every one's placements still count."""
    from zhijiao.core import search
    from zhijiao.internships import services

    monkeypatch.setattr(search, "MATCHING_KEYS_MAX", 1)
    other = services.post_create(
        actor=world["province_admin"],
        data={
            "enterprise": world.ent_b,
            "name": "港口调度员",
            "major_category": world.major.major_class.category,
            "wage_standard": Decimal(4000),
            "lowest_grade_wage": Decimal(3000),
            "on_duty_staff": 50,
        },
    )
    at_a = iw.placement(complete=False)
    at_b = iw.placement(post=other, complete=False)
    for query in ("测试企业", "港口调度员"):
        response = api_client(world["province_staff"]).get("/api/v1/placements/", {"q": query})
        assert response.status_code == 200
        expected = {at_a.pk, at_b.pk} if query == "测试企业" else {at_b.pk}
        assert {row["id"] for row in response.json()["results"]} == expected, query
