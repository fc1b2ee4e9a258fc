import pytest
from django.urls import reverse

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect, xlsx_rows
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.orgs.models import Institution

pytestmark = pytest.mark.django_db


def urls(world):
    a = world.school_a.pk
    return {
        "region_list": reverse("orgs:region_list"),
        "region_detail": reverse("orgs:region_detail", args=[world.jinan.pk]),
        "institution_list": reverse("orgs:institution_list"),
        "institution_detail": reverse("orgs:institution_detail", args=[a]),
        "institution_add": reverse("orgs:institution_add"),
        "institution_edit": reverse("orgs:institution_edit", args=[a]),
        "institution_delete": reverse("orgs:institution_delete", args=[a]),
    }


def test_every_page_needs_login(world, client):
    for url in urls(world).values():
        assert_login_redirect(client, url)


def test_region_pages(world, login):
    client = login(world["school_b"])
    response = client.get(reverse("orgs:region_list"))
    assert response.status_code == 200
    assert "济南市" in response.content.decode()
    response = client.get(reverse("orgs:region_detail", args=[world.jinan.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "历下区" in body  # children are listed
    # school_b sees no institution of Jinan: the child count is 0 there.
    assert response.context["children"] == [(world.lixia, 0)]
    assert client.get(reverse("orgs:region_detail", args=[999999])).status_code == 404


def test_region_detail_counts_in_scope(world, login):
    client = login(world["province_admin"])
    response = client.get(reverse("orgs:region_detail", args=[world.province.pk]))
    assert dict((r.code, n) for r, n in response.context["children"]) == {"370100": 1, "370200": 1}
    assert response.context["institution_count"] == 2


def test_institution_list_is_scoped(world, login):
    client = login(world["jinan"])
    body = client.get(reverse("orgs:institution_list")).content.decode()
    assert world.school_a.name in body
    assert world.school_b.name not in body
    client = login(world["school_b"])
    body = client.get(reverse("orgs:institution_list")).content.decode()
    assert world.school_b.name in body
    assert world.school_a.name not in body


def test_institution_list_filters_search_sort_and_pages(world, login):
    InstitutionFactory.create_batch(30, region=world.lixia)
    client = login(world["province_admin"])
    url = reverse("orgs:institution_list")
    response = client.get(url, {"city": world.qingdao.pk})
    assert list(response.context["table"].data) == [world.school_b]
    response = client.get(url, {"q": "青岛第一"})
    assert [i.pk for i in response.context["table"].data] == [world.school_b.pk]
    response = client.get(url, {"per_page": 25})
    assert len(response.context["table"].page.object_list) == 25
    assert response.context["table"].paginator.count == 32
    response = client.get(url, {"per_page": 50})
    assert len(response.context["table"].page.object_list) == 32
    response = client.get(url, {"per_page": 25, "page": 2})
    assert len(response.context["table"].page.object_list) == 7
    # A nonsense page number or size never fails.
    assert client.get(url, {"page": "abc", "per_page": "x"}).status_code == 200
    assert client.get(url, {"page": 99}).status_code == 200
    response = client.get(url, {"sort": "-name"})
    names = [row.record.name for row in response.context["table"].page.object_list]
    assert names == sorted(names, reverse=True)
    assert client.get(url, {"sort": "no_such_column"}).status_code == 200


def test_htmx_request_returns_only_the_table(world, login):
    client = login(world["province_admin"])
    url = reverse("orgs:institution_list")
    full = client.get(url).content.decode()
    assert "<html" in full and 'id="object-table"' in full
    partial = client.get(url, {"city": world.jinan.pk}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert world.school_a.name in partial and world.school_b.name not in partial


def test_institution_export_is_filtered_scoped_and_audited(world, login):
    client = login(world["province_admin"])
    response = client.get(reverse("orgs:institution_list"), {"export": "xlsx", "city": world.jinan.pk})
    rows = xlsx_rows(response)
    flat = [str(v) for row in rows[1:] for v in row]
    assert world.school_a.name in flat and world.school_b.name not in flat
    assert len(rows) == 2
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT).latest("id")
    assert entry.object_type == "orgs.institution"
    assert entry.actor_name == "province_admin"
    assert entry.scope_path == world.province.path

    client = login(world["qingdao"])
    rows = xlsx_rows(client.get(reverse("orgs:institution_list"), {"export": "xlsx"}))
    flat = [str(v) for row in rows[1:] for v in row]
    assert world.school_b.name in flat and world.school_a.name not in flat


def test_export_above_the_sync_limit_runs_as_a_job(world, login, settings):
    settings.EXPORT_SYNC_MAX_ROWS = 1
    client = login(world["province_admin"])
    response = client.get(reverse("orgs:institution_list"), {"export": "xlsx"})
    assert response.status_code == 302 and "/exports/" in response["Location"]
    detail = client.get(response["Location"])
    download = detail.context["job"].pk
    rows = xlsx_rows(client.get(reverse("core:export_download", args=[download])))
    assert len(rows) == 3  # header + both schools: no row limit for a job


def test_out_of_scope_detail_and_edit_are_404(world, login):
    client = login(world["school_b"])
    for name in ("institution_detail", "institution_edit", "institution_delete"):
        assert client.get(urls(world)[name]).status_code == 404, name
    assert client.post(urls(world)["institution_edit"], {"name": "x"}).status_code == 404
    assert client.post(urls(world)["institution_delete"]).status_code == 404
    client = login(world["qingdao"])
    assert client.get(urls(world)["institution_detail"]).status_code == 404
    assert Institution.objects.filter(pk=world.school_a.pk).exists()


def test_detail_shows_data_offerings_and_history(world, login):
    client = login(world["jinan"])
    response = client.get(urls(world)["institution_detail"])
    assert response.status_code == 200
    body = response.content.decode()
    assert world.school_a.name in body
    assert world.major.name in body  # offered majors panel
    assert response.context["edit_url"] == urls(world)["institution_edit"]
    # A school administrator sees its own school but may not change it: no edit button, 403 on edit.
    client = login(world["school_a"])
    response = client.get(urls(world)["institution_detail"])
    assert response.status_code == 200 and response.context["edit_url"] is None
    assert client.get(urls(world)["institution_edit"]).status_code == 403


def _form(world, **over):
    data = {
        "code": "4137099001",
        "name": "济南新职业学校",
        "kind": InstitutionKind.SECONDARY_VOCATIONAL,
        "ownership": "public",
        "region": world.lixia.pk,
        "supervising_authority": "",
        "status": "active",
        "address": "",
        "website": "",
    }
    data.update(over)
    return data


def test_create_update_delete_through_services_with_audit(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["institution_add"], _form(world, code="４１３７０９９００１"))
    created = Institution.objects.get(name="济南新职业学校")
    assert response.status_code == 302 and response["Location"] == created.get_absolute_url()
    assert created.code == "4137099001"  # full-width digits normalised
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="orgs.institution", object_id=str(created.pk)
    ).exists()

    edit = reverse("orgs:institution_edit", args=[created.pk])
    response = client.post(edit, _form(world, name="济南新职业学校（改）"))
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.name == "济南新职业学校（改）"
    update = AuditEntry.objects.get(action=AuditAction.UPDATE, object_id=str(created.pk))
    assert update.before == {"name": "济南新职业学校"} and update.after == {"name": "济南新职业学校（改）"}
    # The detail page shows the change history with the diff.
    body = client.get(created.get_absolute_url()).content.decode()
    assert "济南新职业学校（改）" in body and 'id="change-history"' in body and "diff-before" in body

    response = client.post(reverse("orgs:institution_delete", args=[created.pk]))
    assert response.status_code == 302
    assert not Institution.objects.filter(pk=created.pk).exists()
    assert AuditEntry.objects.filter(action=AuditAction.DELETE, object_id=str(created.pk)).exists()


def test_markup_in_name_is_rejected(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["institution_add"], _form(world, name="<script>alert(1)</script>"))
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert not Institution.objects.filter(name__contains="script").exists()
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_region_choices_are_scoped(world, login):
    client = login(world["jinan"])
    response = client.get(urls(world)["institution_add"])
    regions = set(response.context["form"].fields["region"].queryset)
    assert world.lixia in regions and world.shinan not in regions
    # Posting a region outside the city is refused by the form; nothing is written.
    response = client.post(urls(world)["institution_add"], _form(world, region=world.shinan.pk))
    assert response.status_code == 200 and response.context["form"].errors["region"]
    assert not Institution.objects.filter(code="4137099001").exists()


def test_moving_out_of_scope_is_refused_by_form(world, login):
    client = login(world["jinan"])
    data = _form(world, code=world.school_a.code or "", name=world.school_a.name, region=world.shinan.pk)
    response = client.post(urls(world)["institution_edit"], data)
    assert response.status_code == 200
    world.school_a.refresh_from_db()
    assert world.school_a.region == world.lixia


def test_service_validation_error_shown_on_form(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["institution_add"], _form(world, name=world.school_a.name))
    assert response.status_code == 200
    assert response.context["form"].errors  # unique operating name
    assert Institution.objects.filter(name=world.school_a.name).count() == 1


def test_delete_in_use_shows_message(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["institution_delete"])  # it has an offered major (PROTECT)
    assert response.status_code == 200
    assert response.context["error"]
    assert Institution.objects.filter(pk=world.school_a.pk).exists()


def test_add_button_and_permissions(world, login):
    client = login(world["province_admin"])
    assert client.get(urls(world)["institution_list"]).context["add_url"] == urls(world)["institution_add"]
    client = login(world["school_a"])
    assert client.get(urls(world)["institution_list"]).context["add_url"] is None
    assert client.get(urls(world)["institution_add"]).status_code == 403
    client = login(world["auditor"])
    assert client.get(urls(world)["institution_add"]).status_code == 403


def test_import_button_only_for_importers(world, login):
    client = login(world["province_admin"])
    url = client.get(urls(world)["institution_list"]).context["import_url"]
    assert url and url.endswith("institutions/")
    client = login(world["auditor"])
    assert client.get(urls(world)["institution_list"]).context["import_url"] is None


def test_list_query_budgets(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])

    def grow():
        InstitutionFactory.create_batch(20, region=world.lixia)
        InstitutionFactory.create_batch(5, region=world.jinan)

    assert_constant_queries(client, reverse("orgs:institution_list"), grow, 12, django_assert_max_num_queries)
    from zhijiao.core.testing import region

    assert_constant_queries(
        client,
        reverse("orgs:region_list"),
        lambda: [region(f"3701{n:02d}", f"区{n}", "county", world.jinan) for n in range(10, 30)],
        12,
        django_assert_max_num_queries,
    )
