"""Search-as-you-type choices: the endpoint suggests only what the user may pick, what the form
accepts is the same set, and the page renders the chosen option only (not 7,000 of them)."""

import datetime as dt
import re

import pytest
from django.urls import reverse

from zhijiao.core.autocomplete import LIMIT, SOURCES
from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.views.autocomplete import load_sources
from zhijiao.internships.models import InternshipPlan
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.testing import catalogue_major

pytestmark = pytest.mark.django_db


def url(source, **params):
    from urllib.parse import urlencode

    return reverse("core:autocomplete", args=[source]) + ("?" + urlencode(params) if params else "")


def ids(response):
    assert response.status_code == 200, response.content
    assert response["Cache-Control"] == "private, no-store"
    return {row["id"] for row in response.json()["results"]}


def test_needs_sign_in_and_a_known_source(world, client, login):
    assert client.get(url("internships.plan-institutions")).status_code == 302
    assert login(world["school_a"]).get(url("no-such-source")).status_code == 404


def test_schools_are_suggested_within_the_scope(world, login):
    assert ids(login(world["school_a"]).get(url("internships.plan-institutions"))) == {world.school_a.pk}
    assert ids(login(world["jinan"]).get(url("internships.plan-institutions"))) == {world.school_a.pk}
    assert ids(login(world["province_admin"]).get(url("internships.plan-institutions"))) == {
        world.school_a.pk,
        world.school_b.pk,
    }
    assert ids(login(world["ent_a"]).get(url("internships.plan-institutions"))) == set()
    assert ids(login(world["auditor"]).get(url("internships.plan-institutions"))) == set()


def test_offered_majors_follow_the_chosen_school(world, login):
    client = login(world["province_admin"])
    assert ids(client.get(url("internships.plan-offerings"))) == {world.offering_a.pk, world.offering_b.pk}
    assert ids(client.get(url("internships.plan-offerings", institution=world.school_a.pk))) == {
        world.offering_a.pk
    }
    # Another organisation's school as the forwarded value narrows to nothing, never widens.
    school = login(world["school_a"])
    assert ids(school.get(url("internships.plan-offerings", institution=world.school_b.pk))) == set()
    # Bad input narrows nothing and breaks nothing.
    assert ids(school.get(url("internships.plan-offerings", institution="1 OR 1=1"))) == {world.offering_a.pk}


def test_search_words_and_codes(world, login):
    InstitutionFactory(name="济南电子信息职业学校", code="4137099901", region=world.lixia)
    client = login(world["jinan"])

    def names(q):
        return {r["text"] for r in client.get(url("internships.plan-institutions", q=q)).json()["results"]}  # noqa: E731

    assert names("电子 济南") == {"济南电子信息职业学校"}
    assert names("4137099") == {"济南电子信息职业学校"}
    assert names("99901") == set()  # codes match from the start
    assert names("x" * 500) == set()  # long input is cut, not an error


def test_at_most_a_page_of_suggestions_and_a_more_flag(world, login):
    InstitutionFactory.create_batch(LIMIT + 5, region=world.lixia)
    body = login(world["jinan"]).get(url("internships.plan-institutions")).json()
    assert len(body["results"]) == LIMIT and body["more"] is True


@pytest.mark.parametrize("source", ["internships.plan-institutions", "internships.plan-offerings"])
def test_query_budget_does_not_grow_with_rows(world, login, django_assert_max_num_queries, source):
    client = login(world["jinan"])
    client.get(url(source))  # session and grants warm
    counts = []
    for _ in range(2):
        for _i in range(15):
            school = InstitutionFactory(region=world.lixia)
            InstitutionMajor.objects.create(institution=school, major=world.major, start_year=2020)
        # session, user, device, grants, the rows — and the session bookkeeping write (3 statements)
        with django_assert_max_num_queries(8) as ctx:
            assert client.get(url(source)).status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_every_source_answers_for_every_role(world, login):
    load_sources()
    for source in SOURCES:
        for role in ("province_admin", "jinan", "school_a", "ent_a", "expert"):
            response = login(world[role]).get(url(source, q="测试"))
            assert response.status_code == 200, (source, role, response.content[:200])


# --- the plan form --------------------------------------------------------------------------------


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, name
    return re.findall(r'<option value="([^"]*)"', select.group(1))


def test_school_plan_form_offers_its_own_school_preselected(world, login):
    client = login(world["school_a"])
    html = client.get(reverse("internships:plan_add")).content.decode()
    assert _options(html, "institution") == ["", str(world.school_a.pk)]
    assert "selected" in re.search(r'<select name="institution".*?</select>', html, re.S).group(0)
    assert 'data-autocomplete-url="/autocomplete/internships.plan-institutions/"' in html
    assert 'data-autocomplete-forward="institution"' in html
    response = client.post(
        reverse("internships:plan_add"),
        {
            "institution": world.school_a.pk,
            "offering": world.offering_a.pk,
            "title": "2024级岗位实习",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": "2025-03-01",
            "end_date": "2025-08-31",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert InternshipPlan.objects.filter(institution=world.school_a, title="2024级岗位实习").exists()


def test_another_schools_id_is_refused_server_side(world, login):
    client = login(world["school_a"])
    response = client.post(
        reverse("internships:plan_add"),
        {
            "institution": world.school_b.pk,
            "offering": world.offering_b.pk,
            "title": "越权",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": "2025-03-01",
            "end_date": "2025-08-31",
        },
    )
    assert response.status_code == 200
    assert not InternshipPlan.objects.filter(title="越权").exists()
    assert world.school_b.name not in response.content.decode()


def test_plan_edit_page_renders_the_chosen_offering_only(world, login, django_assert_max_num_queries):
    from zhijiao.internships import services

    for n in range(40):
        InstitutionMajor.objects.create(
            institution=world.school_a, major=catalogue_major(f"7199{n:02d}", f"专业{n}"), start_year=2020
        )
    plan = services.plan_create(
        actor=world["school_a"],
        data={
            "institution": world.school_a,
            "offering": world.offering_a,
            "title": "方案",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": dt.date(2025, 3, 1),
            "end_date": dt.date(2025, 8, 31),
        },
    )
    client = login(world["province_admin"])
    with django_assert_max_num_queries(20):
        html = client.get(reverse("internships:plan_edit", args=[plan.pk])).content.decode()
    assert _options(html, "offering") == ["", str(world.offering_a.pk)]
    assert _options(html, "institution") == ["", str(world.school_a.pk)]
