import json

import pytest
from django.urls import reverse

from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect
from zhijiao.orgs.choices import InstitutionKind

pytestmark = pytest.mark.django_db


def test_home_needs_login(world, client):
    assert_login_redirect(client, reverse("core:home"))


def _json(body: str, element_id: str):
    start = body.index(f'id="{element_id}"')
    start = body.index(">", start) + 1
    end = body.index("</script>", start)
    return json.loads(body[start:end])


def test_province_sees_both_cities_as_chart_and_table(world, login):
    InstitutionFactory(region=world.shinan, kind=InstitutionKind.TECHNICAL)
    client = login(world["province_admin"])
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    body = response.content.decode()
    chart = _json(body, "chart-by-city")
    assert chart["categories"] == ["济南市", "青岛市"]
    series = {s["name"]: s["data"] for s in chart["series"]}
    assert sum(sum(d) for d in series.values()) == 3
    assert response.context["counts"]["institutions"] == 3
    assert 'id="table-by-city"' in body and 'id="table-by-category"' in body
    assert "vendor/echarts/echarts.min.js" in body and "js/charts.js" in body
    # No inline script: only src= scripts and JSON data blocks.
    for chunk in body.split("<script")[1:]:
        assert chunk.lstrip().startswith(("src=", 'id="chart-', 'type="application/json"')), chunk[:80]
    by_category = _json(body, "chart-by-category")
    assert by_category["categories"] == ["电子与信息大类"]


def test_city_and_school_see_their_own_scope(world, login):
    client = login(world["jinan"])
    response = client.get(reverse("core:home"))
    assert [r["name"] for r in response.context["by_city"]["rows"]] == ["济南市"]
    assert response.context["counts"]["enterprises"] == 1
    assert response.context["scope_label"] == "济南市"
    client = login(world["school_b"])
    response = client.get(reverse("core:home"))
    assert response.context["counts"]["institutions"] == 1
    assert response.context["counts"]["offerings"] == 1
    assert world.school_a.name not in response.content.decode()


def test_home_query_budget(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])
    assert_constant_queries(
        client,
        reverse("core:home"),
        lambda: InstitutionFactory.create_batch(10, region=world.lixia),
        16,
        django_assert_max_num_queries,
    )


def test_menu_follows_roles(world, login):
    client = login(world["province_admin"])
    names = {i["url_name"] for g in client.get(reverse("core:home")).context["nav_menu"] for i in g["items"]}
    assert {"core:home", "orgs:institution_list", "core:audit_list"} <= names
    client = login(world["school_a"])
    names = {i["url_name"] for g in client.get(reverse("core:home")).context["nav_menu"] for i in g["items"]}
    assert "core:audit_list" not in names and "orgs:institution_list" in names
    client = login(world["expert"])
    names = {i["url_name"] for g in client.get(reverse("core:home")).context["nav_menu"] for i in g["items"]}
    assert "orgs:institution_list" not in names and "majors:major_list" in names


def test_user_menu_shows_role_org_and_sign_out_form(world, login):
    client = login(world["jinan"])
    body = client.get(reverse("core:home")).content.decode()
    assert 'method="post" action="' + reverse("accounts:logout") + '"' in body
    assert reverse("accounts:password_change") in body
    assert "济南市" in body
