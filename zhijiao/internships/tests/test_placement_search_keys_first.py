"""A name search on the placements reads the page's keys first (issue 16, fifth round): the matches'
keys are sorted from the placement's own search index, and post, host, plan and student are joined
for the page's rows only — not for each of the thousands of matches a province-wide name has."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing_api import api_client
from zhijiao.internships.models import Placement
from zhijiao.internships.tests.test_placement_search import _named

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="search columns are PostgreSQL"),
]

JOINED = (
    '"internships_post"',
    '"enterprises_enterprise"',
    '"internships_internshipplan"',
    '"students_student"',
)


@pytest.fixture
def placed(iw):
    made = [
        iw.placement(_named(iw, "王芳", "Wang Fang", f"G3701022007000{i}"), complete=False) for i in range(4)
    ]
    made.append(iw.placement(_named(iw, "李秀英", "Li Xiuying", None), complete=False))
    return made


def _statements(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200
    placement = [q["sql"] for q in ctx.captured_queries if 'FROM "internships_placement"' in q["sql"]]
    counts = [s for s in placement if s.startswith("SELECT COUNT(")]
    assert not counts, counts  # counted beside the keys (listing.count_with_page), not on their own
    keys = [s for s in placement if s.startswith("SELECT") and " LIMIT " in s and s not in counts]
    rows = [s for s in placement if s.startswith("SELECT") and '"internships_placement"."id" IN (' in s]
    return response, keys, rows


def _explain(sql) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")  # no ordered walk: the search must find the rows
        cursor.execute("SET LOCAL enable_nestloop = off")  # at scale: the schools in scope hash-joined
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(r[0] for r in cursor.fetchall())
        for setting in ("enable_seqscan", "enable_indexscan", "enable_nestloop"):
            cursor.execute(f"RESET {setting}")
    return plan


@pytest.mark.parametrize("kind", ["page", "api"])
@pytest.mark.parametrize("query", ["王芳", "李秀英", "G37010220070"])
def test_search_sorts_keys_then_joins_the_page(placed, world, login, kind, query):
    user = world["province_staff"]
    if kind == "page":
        response, keys, rows = _statements(login(user), "/internships/placements/", {"q": query})
        shown = [r.record.pk for r in response.context["table"].page.object_list]
    else:
        response, keys, rows = _statements(api_client(user), "/api/v1/placements/", {"q": query})
        shown = [r["id"] for r in response.json()["results"]]
    expected = list(
        Placement.objects.filter(id__studentsearch=query)
        .order_by("-start_date", "-id")
        .values_list("pk", flat=True)
    )
    assert shown == expected and shown
    # The keys: from the placement's own index, sorted and limited, with no join the table needs.
    assert len(keys) == 1 and len(rows) == 1, (keys, rows)
    assert not any(table in keys[0] for table in JOINED), keys[0]
    assert " OVER ()" in keys[0], keys[0]
    index = "internships_pl_search_regno" if query.startswith("G") else "internships_pl_search_terms"
    plan = _explain(keys[0])
    assert index in plan and "Limit" in plan, plan
    assert "Seq Scan on internships_placement" not in plan, plan
    # The rows: the page's own, by primary key, joined to what the table shows.
    assert " LIMIT " not in rows[0] and " OFFSET " not in rows[0]
    assert '"students_student"' in rows[0] and '"internships_post"' in rows[0]


def test_school_and_province_search_in_the_same_statements(placed, world, login):
    counts = {}
    for who in ("school_a", "province_staff"):
        client = login(world[who])
        client.get("/internships/placements/", {"q": "王芳"})
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/internships/placements/", {"q": "王芳"}).status_code == 200
        counts[who] = len(ctx)
    assert counts["province_staff"] <= counts["school_a"], counts
