"""Who reads which posts, and which rows the internship forms and filters offer (issue: an enterprise
read every company's posts and wages, picked from 300 enterprises, and filtered by every plan)."""

import re

import pytest
from django.urls import reverse

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import make_user
from zhijiao.internships import selectors, services
from zhijiao.internships.forms import PlanForm, PostForm
from zhijiao.internships.models import Post

pytestmark = pytest.mark.django_db


@pytest.fixture
def posts(iw, world):
    other = services.post_create(
        actor=world["province_admin"],
        data={
            "enterprise": world.ent_b,
            "name": "青岛岗位",
            "major_category": world.major.major_class.category,
        },
    )
    return iw.post, other


def _list_ids(response):
    return {row.pk for row in response.context["table"].data.data}


def test_an_enterprise_reads_only_its_own_posts(posts, world, login):
    own, other = posts
    response = login(world["ent_a"]).get(reverse("internships:post_list"), {"per_page": 100})
    assert _list_ids(response) == {own.pk}
    assert other.name not in response.content.decode()


def test_every_school_reads_every_hosts_posts_a_student_none(posts, world, login, iw):
    assert _list_ids(login(world["school_b"]).get(reverse("internships:post_list"))) == {p.pk for p in posts}
    student = iw.student().student.user
    assert _list_ids(login(student).get(reverse("internships:post_list"))) == set()


def test_post_form_offers_the_enterprise_only_itself_and_a_school_any_host(world):
    assert set(PostForm(user=world["ent_a"]).fields["enterprise"].queryset) == {world.ent_a}
    assert set(PostForm(user=world["school_a"]).fields["enterprise"].queryset) == {world.ent_a, world.ent_b}
    assert set(PostForm(user=world["qingdao"]).fields["enterprise"].queryset) == {world.ent_b}


def test_an_enterprise_cannot_register_a_post_at_another_host(world, login):
    client = login(world["ent_a"])
    client.post(
        reverse("internships:post_add"),
        {
            "enterprise": world.ent_b.pk,
            "name": "越权岗位",
            "major_category": world.major.major_class.category_id,
        },
    )
    assert not Post.objects.filter(name="越权岗位").exists()


def test_plan_form_offers_a_school_its_own_school_and_a_city_its_schools(world):
    assert list(PlanForm(user=world["school_a"]).fields["institution"].queryset) == [world.school_a]
    assert PlanForm(user=world["school_a"]).initial["institution"] == world.school_a.pk
    assert set(PlanForm(user=world["jinan"]).fields["institution"].queryset) == {world.school_a}
    assert set(PlanForm(user=world["ent_a"]).fields["institution"].queryset) == set()


def test_placement_plan_filter_offers_only_the_users_plans(iw, world, login):
    iw.placement()
    assert list(selectors.placement_plan_choices(user=world["school_a"])) == [iw.plan]
    assert list(selectors.placement_plan_choices(user=world["school_b"])) == []
    assert list(selectors.placement_plan_choices(user=world["ent_a"])) == []
    html = login(world["ent_a"]).get(reverse("internships:placement_list")).content.decode()
    assert '<select name="plan"' not in html and iw.plan.title not in html
    client = login(world["school_a"])
    html = client.get(reverse("internships:placement_list")).content.decode()
    # Searched as the user types: the page lists no plans, only the chosen one once filtered.
    plan_select = re.search(r'<select name="plan".*?</select>', html, re.S).group(0)
    assert "data-autocomplete-url" in plan_select and iw.plan.title not in plan_select
    html = client.get(reverse("internships:placement_list"), {"plan": iw.plan.pk}).content.decode()
    plan_select = re.search(r'<select name="plan".*?</select>', html, re.S).group(0)
    assert iw.plan.title in plan_select and "selected" in plan_select
    url = reverse("core:autocomplete", args=["internships.placement-filter-plans"])
    found = client.get(url, {"q": iw.plan.title[:4]}).json()["results"]
    assert [r["id"] for r in found] == [iw.plan.pk]
    assert login(world["school_b"]).get(url, {"q": iw.plan.title[:4]}).json()["results"] == []


def test_post_enterprise_filter_is_searched_not_listed(posts, world, login):
    own, other = posts
    client = login(world["province_admin"])
    html = client.get(reverse("internships:post_list")).content.decode()
    select = re.search(r'<select name="enterprise".*?</select>', html, re.S).group(0)
    assert "data-autocomplete-url" in select and world.ent_b.name not in select
    response = client.get(reverse("internships:post_list"), {"enterprise": world.ent_b.pk})
    assert _list_ids(response) == {other.pk}
    url = reverse("core:autocomplete", args=["internships.post-filter-enterprises"])
    found = client.get(url, {"q": world.ent_b.name}).json()["results"]
    assert [r["id"] for r in found] == [world.ent_b.pk]
    # An enterprise reads only its own posts: the filter offers it no other host.
    assert login(world["ent_a"]).get(url, {"q": world.ent_b.name}).json()["results"] == []


def test_city_of_another_school_does_not_get_its_posts(posts, world):
    own, other = posts
    qingdao_user = make_user("qd2", Role.CITY_ADMIN, node=world.qingdao)
    assert set(selectors.post_list(user=qingdao_user)) == {other}
