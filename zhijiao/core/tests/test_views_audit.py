import pytest
from django.urls import NoReverseMatch, reverse

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.tests.views_helpers import assert_constant_queries, assert_login_redirect, xlsx_rows
from zhijiao.enterprises.services import enterprise_update
from zhijiao.orgs.services import institution_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(world):
    institution_update(actor=world["jinan"], institution=world.school_a, data={"address": "济南路1号"})
    institution_update(actor=world["qingdao"], institution=world.school_b, data={"address": "青岛路1号"})
    enterprise_update(actor=world["jinan"], enterprise=world.ent_a, data={"contact_phone": "13812345678"})
    return AuditEntry.objects.order_by("id")


def test_audit_pages_need_login(world, client, entries):
    assert_login_redirect(client, reverse("core:audit_list"))
    assert_login_redirect(client, reverse("core:audit_detail", args=[entries.first().pk]))


@pytest.mark.parametrize("name", ["school_a", "jinan", "ent_a", "expert", "province_staff"])
def test_audit_refused_without_view_audit(world, login, entries, name):
    client = login(world[name])
    assert client.get(reverse("core:audit_list")).status_code in (403, 404)
    assert client.get(reverse("core:audit_detail", args=[entries.first().pk])).status_code in (403, 404)


def test_auditor_searches_and_reads(world, login, entries):
    client = login(world["auditor"])
    response = client.get(reverse("core:audit_list"))
    assert response.status_code == 200
    assert response.context["table"].paginator.count == 3
    response = client.get(reverse("core:audit_list"), {"actor": "qingdao"})
    assert [e.actor_name for e in response.context["table"].data] == ["qingdao"]
    response = client.get(reverse("core:audit_list"), {"object_type": "enterprises.enterprise"})
    assert response.context["table"].paginator.count == 1
    response = client.get(reverse("core:audit_list"), {"q": world.school_b.name})
    assert response.context["table"].paginator.count == 1
    response = client.get(reverse("core:audit_list"), {"action": "delete"})
    assert response.context["table"].paginator.count == 0
    entry = entries.first()
    response = client.get(reverse("core:audit_list"), {"request_id": entry.request_id or "x"})
    assert response.status_code == 200
    response = client.get(reverse("core:audit_list"), {"date_from": "2000-01-01", "date_to": "2999-12-31"})
    assert response.context["table"].paginator.count == 3
    response = client.get(reverse("core:audit_list"), {"date_from": "not-a-date"})
    assert response.status_code == 200
    detail = client.get(reverse("core:audit_detail", args=[entry.pk]))
    assert detail.status_code == 200 and "济南路1号" in detail.content.decode()


def test_sensitive_values_stay_masked(world, login, entries):
    client = login(world["province_admin"])
    entry = AuditEntry.objects.get(object_type="enterprises.enterprise")
    body = client.get(reverse("core:audit_detail", args=[entry.pk])).content.decode()
    assert "13812345678" not in body and "138****5678" in body


def test_audit_scope_by_scope_path(world, login, entries):
    # A province auditor sees both cities; a superuser sees everything; an entry filed under
    # nothing (scope_path "") stays hidden from region-scoped readers.
    AuditEntry.objects.create(action=AuditAction.LOGIN, object_type="accounts.user", scope_path="")
    client = login(world["auditor"])
    assert client.get(reverse("core:audit_list")).context["table"].paginator.count == 3
    from zhijiao.core.testing import make_user

    root = make_user("root", is_superuser=True, is_staff=True)
    client = login(root)
    assert client.get(reverse("core:audit_list")).context["table"].paginator.count == 4


def test_audit_export(world, login, entries):
    client = login(world["auditor"])
    rows = xlsx_rows(client.get(reverse("core:audit_list"), {"export": "xlsx", "actor": "jinan"}))
    assert len(rows) == 3  # header + 2 entries by jinan
    assert AuditEntry.objects.filter(action=AuditAction.EXPORT, actor_name="auditor").count() == 1


def test_no_edit_or_delete_routes(world, login, entries):
    for name in ("audit_edit", "audit_delete", "audit_update", "audit_add"):
        with pytest.raises(NoReverseMatch):
            reverse(f"core:{name}")
    client = login(world["province_admin"])
    pk = entries.first().pk
    detail = reverse("core:audit_detail", args=[pk])
    for suffix in ("edit/", "delete/"):
        assert client.get(detail + suffix).status_code == 404
        assert client.post(detail + suffix).status_code in (403, 404)
    assert client.post(reverse("core:audit_detail", args=[pk])).status_code == 405
    assert AuditEntry.objects.filter(pk=pk).exists()


def test_audit_list_query_budget(world, login, entries, django_assert_max_num_queries):
    client = login(world["auditor"])

    def grow():
        for n in range(20):
            institution_update(actor=world["jinan"], institution=world.school_a, data={"address": f"路{n}号"})

    assert_constant_queries(client, reverse("core:audit_list"), grow, 12, django_assert_max_num_queries)
