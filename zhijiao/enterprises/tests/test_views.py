import pytest
from django.urls import reverse

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.testing import make_uscc
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect, xlsx_rows
from zhijiao.enterprises.models import Enterprise
from zhijiao.enterprises.testing import EnterpriseFactory

pytestmark = pytest.mark.django_db


def urls(world, pk=None):
    pk = pk or world.ent_a.pk
    return {
        "list": reverse("enterprises:enterprise_list"),
        "detail": reverse("enterprises:enterprise_detail", args=[pk]),
        "add": reverse("enterprises:enterprise_add"),
        "edit": reverse("enterprises:enterprise_edit", args=[pk]),
        "delete": reverse("enterprises:enterprise_delete", args=[pk]),
    }


def _form(world, **over):
    data = {
        "credit_code": make_uscc(777),
        "name": "济南新测试有限公司",
        "industry": "C",
        "region": world.lixia.pk,
        "headcount": 50,
        "contact_name": "张三",
        "contact_phone": "13812345678",
        "address": "",
    }
    data.update(over)
    return data


def test_every_page_needs_login(world, client):
    for url in urls(world).values():
        assert_login_redirect(client, url)


def test_list_is_scoped_and_phone_masked(world, login):
    Enterprise.objects.filter(pk=world.ent_a.pk).update(contact_phone="13812345678")
    client = login(world["jinan"])
    body = client.get(urls(world)["list"]).content.decode()
    assert world.ent_a.name in body and world.ent_b.name not in body
    assert "13812345678" not in body and "138****5678" in body
    client = login(world["ent_a"])
    body = client.get(urls(world)["list"]).content.decode()
    assert world.ent_a.name in body and world.ent_b.name not in body
    client = login(world["school_a"])
    body = client.get(urls(world)["list"]).content.decode()
    assert world.ent_a.name not in body


def test_detail_in_scope_and_out_of_scope(world, login):
    client = login(world["ent_a"])
    response = client.get(urls(world)["detail"])
    assert response.status_code == 200 and world.ent_a.name in response.content.decode()
    for name in ("detail", "edit", "delete"):
        assert client.get(urls(world, world.ent_b.pk)[name]).status_code == 404, name
    client = login(world["jinan"])
    for name in ("detail", "edit", "delete"):
        assert client.get(urls(world, world.ent_b.pk)[name]).status_code == 404, name
    client = login(world["school_b"])
    assert client.get(urls(world)["detail"]).status_code == 404


def test_export_scoped_and_filtered(world, login):
    EnterpriseFactory(name="济南另一企业有限公司", region=world.lixia, industry="I")
    client = login(world["province_admin"])
    rows = xlsx_rows(client.get(urls(world)["list"], {"export": "xlsx", "industry": "I"}))
    flat = [str(v) for row in rows[1:] for v in row]
    assert "济南另一企业有限公司" in flat and world.ent_a.name not in flat and world.ent_b.name not in flat
    client = login(world["qingdao"])
    rows = xlsx_rows(client.get(urls(world)["list"], {"export": "xlsx"}))
    flat = [str(v) for row in rows[1:] for v in row]
    assert world.ent_b.name in flat and world.ent_a.name not in flat
    assert (
        AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="enterprises.enterprise").count()
        == 2
    )


def test_create_edit_delete_with_audit(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["add"], _form(world))
    assert response.status_code == 302, response.context and response.context["form"].errors
    ent = Enterprise.objects.get(name="济南新测试有限公司")
    create = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(ent.pk))
    assert create.after["contact_phone"] == "138****5678"  # masked at write time
    response = client.post(urls(world, ent.pk)["edit"], _form(world, headcount=80))
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.headcount == 80
    assert AuditEntry.objects.filter(action=AuditAction.UPDATE, object_id=str(ent.pk)).exists()
    response = client.post(urls(world, ent.pk)["delete"])
    assert response.status_code == 302 and not Enterprise.objects.filter(pk=ent.pk).exists()


def test_enterprise_user_edits_own_but_cannot_add(world, login):
    client = login(world["ent_a"])
    assert client.get(urls(world)["list"]).context["add_url"] is None
    assert client.get(urls(world)["add"]).status_code == 403
    data = _form(world, credit_code=world.ent_a.credit_code, name=world.ent_a.name, headcount=321)
    response = client.post(urls(world)["edit"], data)
    assert response.status_code == 302
    world.ent_a.refresh_from_db()
    assert world.ent_a.headcount == 321


def test_bad_input_rejected(world, login):
    client = login(world["jinan"])
    response = client.post(urls(world)["add"], _form(world, name="<script>x</script>"))
    assert response.status_code == 200 and response.context["form"].errors["name"]
    bad = make_uscc(778)[:-1] + ("0" if make_uscc(778)[-1] != "0" else "1")
    response = client.post(urls(world)["add"], _form(world, credit_code=bad))
    assert response.status_code == 200 and response.context["form"].errors["credit_code"]
    assert not Enterprise.objects.filter(name__startswith="济南新").exists()


def test_list_query_budget(world, login, django_assert_max_num_queries):
    client = login(world["province_admin"])

    def grow():
        EnterpriseFactory.create_batch(15, region=world.lixia)
        EnterpriseFactory.create_batch(10, region=world.qingdao)

    assert_constant_queries(client, urls(world)["list"], grow, 12, django_assert_max_num_queries)
