import pytest
from django.urls import reverse

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect, xlsx_rows
from zhijiao.majors.models import InstitutionMajor
from zhijiao.majors.testing import catalogue_major

pytestmark = pytest.mark.django_db


def urls(world, pk=None):
    pk = pk or world.offering_a.pk
    return {
        "major_list": reverse("majors:major_list"),
        "major_detail": reverse("majors:major_detail", args=[world.major.pk]),
        "list": reverse("majors:offering_list"),
        "detail": reverse("majors:offering_detail", args=[pk]),
        "add": reverse("majors:offering_add"),
        "edit": reverse("majors:offering_edit", args=[pk]),
        "delete": reverse("majors:offering_delete", args=[pk]),
    }


def test_every_page_needs_login(world, client):
    for url in urls(world).values():
        assert_login_redirect(client, url)


def test_catalogue_is_public_to_signed_in_users(world, login):
    client = login(world["expert"])
    body = client.get(urls(world)["major_list"]).content.decode()
    assert world.major.name in body
    response = client.get(urls(world)["major_detail"])
    assert response.status_code == 200
    assert response.context["institution_count"] == 0  # the expert sees no institution


def test_major_detail_counts_institutions_in_scope(world, login):
    client = login(world["province_admin"])
    assert client.get(urls(world)["major_detail"]).context["institution_count"] == 2
    client = login(world["jinan"])
    assert client.get(urls(world)["major_detail"]).context["institution_count"] == 1
    assert client.get(reverse("majors:major_detail", args=[999999])).status_code == 404


def test_major_list_filters(world, login):
    other = catalogue_major("510201", "计算机应用技术", level="higher")
    client = login(world["school_a"])
    response = client.get(urls(world)["major_list"], {"level": "higher"})
    assert list(response.context["table"].data) == [other]


def test_offering_list_scoped(world, login):
    client = login(world["school_a"])
    response = client.get(urls(world)["list"])
    assert [o.pk for o in response.context["table"].data] == [world.offering_a.pk]
    client = login(world["qingdao"])
    response = client.get(urls(world)["list"])
    assert [o.pk for o in response.context["table"].data] == [world.offering_b.pk]


def test_out_of_scope_is_404(world, login):
    client = login(world["school_b"])
    for name in ("detail", "edit", "delete"):
        assert client.get(urls(world)[name]).status_code == 404, name
    assert client.post(urls(world)["delete"]).status_code == 404
    assert InstitutionMajor.objects.filter(pk=world.offering_a.pk).exists()


def test_export_in_scope_only(world, login):
    client = login(world["school_a"])
    rows = xlsx_rows(client.get(urls(world)["list"], {"export": "xlsx"}))
    flat = [str(v) for row in rows[1:] for v in row]
    assert world.school_a.name in flat and world.school_b.name not in flat
    assert len(rows) == 2


def test_school_admin_adds_edits_deletes_own_offerings(world, login):
    client = login(world["school_a"])
    response = client.get(urls(world)["add"])
    assert set(response.context["form"].fields["institution"].queryset) == {world.school_a}
    data = {
        "institution": world.school_a.pk,
        "major": world.major.pk,
        "start_year": 2023,
        "status": "filed",
        "note": "",
    }
    response = client.post(urls(world)["add"], data)
    assert response.status_code == 302
    new = InstitutionMajor.objects.get(institution=world.school_a, start_year=2023)
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="majors.institutionmajor", object_id=str(new.pk)
    ).exists()
    # Another school's institution is not a valid choice.
    response = client.post(urls(world)["add"], {**data, "institution": world.school_b.pk, "start_year": 2024})
    assert response.status_code == 200 and response.context["form"].errors["institution"]
    response = client.post(urls(world, new.pk)["edit"], {**data, "status": "suspended"})
    assert response.status_code == 302
    new.refresh_from_db()
    assert new.status == "suspended"
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(new.pk)).exists()
    assert client.post(urls(world, new.pk)["delete"]).status_code == 302
    assert not InstitutionMajor.objects.filter(pk=new.pk).exists()


def test_service_rule_error_shown_on_form(world, login):
    higher = catalogue_major("510201", "计算机应用技术", level="higher")
    client = login(world["school_a"])
    data = {
        "institution": world.school_a.pk,
        "major": higher.pk,
        "start_year": 2023,
        "status": "filed",
        "note": "",
    }
    response = client.post(urls(world)["add"], data)
    assert response.status_code == 200
    assert response.context["form"].errors["major"]
    response = client.post(urls(world)["add"], {**data, "major": world.major.pk, "note": "<b>x</b>"})
    assert response.status_code == 200
    assert not InstitutionMajor.objects.filter(start_year=2023).exists()


def test_duplicate_offering_rejected(world, login):
    client = login(world["school_a"])
    data = {
        "institution": world.school_a.pk,
        "major": world.major.pk,
        "start_year": 2020,
        "status": "filed",
        "note": "",
    }
    response = client.post(urls(world)["add"], data)
    assert response.status_code == 200 and response.context["form"].errors
    assert InstitutionMajor.objects.filter(institution=world.school_a).count() == 1


def test_list_query_budgets(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])

    def grow_offerings():
        for n in range(12):
            school = InstitutionFactory(region=world.lixia if n % 2 else world.shinan)
            InstitutionMajor.objects.create(institution=school, major=world.major, start_year=2015 + n)

    assert_constant_queries(client, urls(world)["list"], grow_offerings, 12, django_assert_max_num_queries)
    assert_constant_queries(
        client,
        urls(world)["major_list"],
        lambda: [catalogue_major(f"7102{n:02d}", f"专业{n}") for n in range(10, 30)],
        12,
        django_assert_max_num_queries,
    )
