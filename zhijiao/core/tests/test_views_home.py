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


def _overview(response) -> dict:
    """The overview row's figures (contributed by orgs, majors and enterprises), by the page they open."""
    return {f.url: f.value for p in response.context["panels"] if p.key == "overview" for f in p.figures}


def _panel_data(response, key):
    return next(p.context[key] for p in response.context["panels"] if key in p.context)


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
    assert _overview(response)[reverse("orgs:institution_list")] == 3
    assert 'id="home-counts"' in body
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
    assert [r["name"] for r in _panel_data(response, "by_city")["rows"]] == ["济南市"]
    assert _overview(response)[reverse("enterprises:enterprise_list")] == 1
    assert response.context["scope_label"] == "济南市"
    client = login(world["school_b"])
    response = client.get(reverse("core:home"))
    assert not _overview(response)  # a school's home is its own work, not the province's figures
    assert 'id="table-by-city"' not in response.content.decode()
    assert [r["name"] for r in _panel_data(response, "by_category")["rows"]] == ["电子与信息大类"]
    assert world.school_a.name not in response.content.decode()


def test_home_query_budget(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])
    assert_constant_queries(
        client,
        reverse("core:home"),
        lambda: InstitutionFactory.create_batch(10, region=world.lixia),
        31,  # 30 + the competitions panel's one query
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


# --- every role's own work ----------------------------------------------------------------------------


def _panels(response) -> dict[str, dict[str, object]]:
    return {str(p.title): {str(f.label): f.value for f in p.figures} for p in response.context["panels"]}


def _figure_urls(response) -> list[str]:
    return [f.url for p in response.context["panels"] for f in p.figures]


@pytest.fixture
def internship_world(world):
    """School A with a filed plan, an active and a draft placement at enterprise A, and a student account."""
    from zhijiao.internships.tests.conftest import IWorld

    iw = IWorld(world)
    iw.placement(activate=True)
    iw.placement(complete=False)
    return iw


def test_school_sees_its_students_plans_placements_and_approvals(internship_world, world, login):
    client = login(world["school_a"])
    response = client.get(reverse("core:home"))
    panels = _panels(response)
    assert panels["实习"]["进行中的实习安排"] == 1 and panels["实习"]["草稿实习安排"] == 1
    assert panels["实习"]["已备案的实习方案"] == 1
    assert "学生" in panels and "审批" in panels
    assert "按城市和类型统计的院校" not in response.content.decode()
    for url in _figure_urls(response):
        assert client.get(url).status_code == 200, url


def test_other_school_sees_none_of_it(internship_world, world, login):
    panels = _panels(login(world["school_b"]).get(reverse("core:home")))
    assert panels["实习"]["进行中的实习安排"] == 0 and panels["实习"]["已备案的实习方案"] == 0


def test_enterprise_sees_its_posts_and_interns(internship_world, world, login):
    client = login(world["ent_a"])
    response = client.get(reverse("core:home"))
    panels = _panels(response)
    assert panels["本单位实习生"]["在招实习岗位"] == 1
    assert panels["本单位实习生"]["在岗实习生"] == 1
    assert "students" not in str(_figure_urls(response))
    for url in _figure_urls(response):
        assert client.get(url).status_code == 200, url
    from zhijiao.accounts.choices import Role
    from zhijiao.core.testing import make_user

    other = make_user("ent_b_user", Role.ENTERPRISE, node=world.ent_b)
    assert _panels(login(other).get(reverse("core:home")))["本单位实习生"]["在岗实习生"] == 0


def test_student_sees_own_record_and_internship(internship_world, world, login):
    from zhijiao.internships.models import Placement

    p = Placement.objects.filter(status="active").select_related("enrolment__student__user").first()
    client = login(p.enrolment.student.user)
    response = client.get(reverse("core:home"))
    panels = _panels(response)
    assert panels["我的学籍"]["学校"] == world.school_a.name
    assert panels["我的实习"]["实习单位"] == p.enterprise.name
    for url in _figure_urls(response):
        assert client.get(url).status_code == 200, url


def test_expert_and_auditor_have_a_home_of_their_own(world, login):
    client = login(world["expert"])
    response = client.get(reverse("core:home"))
    assert "专家评审" in _panels(response)
    for url in _figure_urls(response):
        assert client.get(url).status_code == 200, url
    client = login(world["auditor"])
    response = client.get(reverse("core:home"))
    panels = _panels(response)
    assert "近 7 天审计日志" in panels
    for url in _figure_urls(response):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", ["school_a", "ent_a", "jinan", "auditor", "expert"])
def test_role_home_query_budget(internship_world, world, login, django_assert_max_num_queries, role):
    client = login(world[role])
    assert_constant_queries(
        client,
        reverse("core:home"),
        lambda: internship_world.placement(activate=True),
        40,
        django_assert_max_num_queries,
    )
