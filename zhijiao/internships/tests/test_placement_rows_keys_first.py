"""A page whose one statement would join many relations reads its keys first (issue 16, eleventh and
twelfth rounds): a city's placements join school and region for the scope and plan, enrolment,
student, post and host for what the page shows — eight relations, whose join orders PostgreSQL
searched for 11 ms before a 1 ms statement. The province's and a school's (no scope join, or a
column of the row) still join seven, planned in 5.5 and 3.2 ms. The keys come through the scope's
joins alone, the rows through what they show alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from zhijiao.core.testing_api import api_client

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the keys-first read is for PostgreSQL's planner"
    ),
]


@pytest.fixture
def placed(iw):
    return [iw.placement(complete=False) for _ in range(3)]


def _read(client, path, params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, params)
    assert response.status_code == 200, response.content[:300]
    placement = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('SELECT "internships_placement"."id"') and "COUNT(" not in q["sql"]
    ]
    return response, placement


def _shown(response) -> list[int]:
    if "json" in response["Content-Type"]:
        return [row["id"] for row in response.json()["results"]]
    return [row.record.pk for row in response.context["table"].page.object_list]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/internships/placements/", {}),
        ("/internships/placements/", {"sort": "-end_date"}),
        ("/api/v1/placements/", {}),
        ("/api/v1/placements/", {"ordering": "-start_date"}),
    ],
)
def test_every_users_page_reads_keys_then_rows_and_shows_the_same_rows(placed, world, login, path, params):
    is_api = path.startswith("/api/")
    city = api_client(world["jinan"]) if is_api else login(world["jinan"])
    response, statements = _read(city, path, params)
    assert len(statements) == 2, [s[:120] for s in statements]
    keys, rows = statements
    # The keys: through the scope's joins, sorted and limited, without what the page shows.
    assert " LIMIT " in keys and '"orgs_region"' in keys
    assert '"students_student"' not in keys and '"internships_post"' not in keys
    # The rows: the page's own by primary key, joined to what it shows — not to the scope's region.
    assert '"internships_placement"."id" IN (' in rows and " LIMIT " not in rows
    assert '"students_student"' in rows and '"internships_post"' in rows and '"orgs_region"' not in rows
    shown = _shown(response)
    assert len(shown) == 3
    # A school (its scope a column of the row) and the province (no condition): keys with no join.
    for who in ("school_a", "province_staff"):
        other = api_client(world[who]) if is_api else login(world[who])  # (one test client: in turn)
        other_response, other_statements = _read(other, path, params)
        assert len(other_statements) == 2, (who, [s[:120] for s in other_statements])
        other_keys, other_rows = other_statements
        assert " LIMIT " in other_keys and " JOIN " not in other_keys, (who, other_keys)
        assert '"internships_placement"."id" IN (' in other_rows and '"students_student"' in other_rows
        assert _shown(other_response) == shown, who


def test_cursor_pages_walk_the_list_in_order_after_a_keys_first_read(placed, world, settings):
    """The next cursor is made from the sort values the keys statement read."""
    settings.LIST_MAX_OFFSET = 1  # past the first page: cursors
    client = api_client(world["jinan"])
    everything = _shown(client.get("/api/v1/placements/", {"page_size": 10, "ordering": "end_date"}))
    seen, link = [], "/api/v1/placements/?page_size=1&ordering=end_date"
    while link:
        answer = client.get(link)
        assert answer.status_code == 200, answer.content[:300]
        seen += _shown(answer)
        link = answer.json()["next"]
    assert seen == everything and len(seen) == 3
    assert sorted(seen) == sorted(p.pk for p in placed)
