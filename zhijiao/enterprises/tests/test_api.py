import pytest

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import make_uscc
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url
from zhijiao.enterprises.models import Enterprise
from zhijiao.enterprises.testing import EnterpriseFactory

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def _enterprises(world, n):
    EnterpriseFactory.create_batch(n, region=world.lixia, contact_phone=PHONE)


@pytest.fixture
def phone(world):
    Enterprise.objects.filter(pk__in=[world.ent_a.pk, world.ent_b.pk]).update(contact_phone=PHONE)


class TestEnterpriseAPI(APIEndpointTests):
    endpoint = "enterprises"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: w.ent_a)
    make_rows = staticmethod(_enterprises)
    list_max_queries = 5
    writable = True
    patch_body = {"headcount": 1}

    def body(self, world, **overrides):
        data = {
            "credit_code": make_uscc(777),
            "name": "济南新建企业有限公司",
            "industry": "C",
            "region": world.lixia.pk,
            "headcount": 30,
            "contact_name": "张三",
            "contact_phone": "１３９ ００００ ００００",
        }
        data.update(overrides)
        return data

    def test_enterprise_user_sees_only_itself(self, world):
        assert result_ids(api_client(world["ent_a"]).get(url("enterprises"))) == {world.ent_a.pk}

    def test_phone_masked_in_lists_for_everyone(self, world, phone):
        for name in ("province_admin", "jinan", "ent_a", "auditor"):
            rows = api_client(world[name]).get(url("enterprises")).json()["results"]
            assert rows and {r["contact_phone"] for r in rows} == {MASKED}, name

    @pytest.mark.parametrize("name", ["ent_a", "jinan", "auditor"])
    def test_phone_masked_in_detail_for_everyone(self, world, phone, name):
        data = api_client(world[name]).get(url("enterprises", world.ent_a.pk)).json()
        assert data["contact_phone"] == MASKED

    @pytest.mark.parametrize(("name", "status"), [("ent_a", 200), ("jinan", 200), ("auditor", 403)])
    def test_reveal_full_phone_only_for_change_scoped_callers_and_audited(self, world, phone, name, status):
        response = api_client(world[name]).post(
            url("enterprises", world.ent_a.pk, "reveal"), {"field": "contact_phone"}, format="json"
        )
        assert response.status_code == status
        seen = AuditEntry.objects.filter(action="view_sensitive", object_id=str(world.ent_a.pk))
        if status == 200:
            assert response.json() == {"field": "contact_phone", "value": PHONE}
            assert seen.get().message == "contact_phone" and seen.get().actor == world[name]
        else:
            assert not seen.exists()

    def test_put_with_the_masked_phone_keeps_the_stored_number(self, world, phone):
        client = api_client(world["ent_a"])
        detail = client.get(url("enterprises", world.ent_a.pk)).json()
        writable = {k: detail[k] for k in self.body(world)}
        writable["headcount"] = 251
        assert client.put(url("enterprises", world.ent_a.pk), writable, format="json").status_code == 200
        world.ent_a.refresh_from_db()
        assert world.ent_a.contact_phone == PHONE and world.ent_a.headcount == 251

    def test_create_normalises_validates_and_audits_with_masked_phone(self, world):
        response = api_client(world["jinan"]).post(url("enterprises"), self.body(world), format="json")
        assert response.status_code == 201, response.content
        assert response.json()["contact_phone"] == "139****0000"
        created = Enterprise.objects.get(credit_code=make_uscc(777))
        assert created.contact_phone == "13900000000"
        entry = AuditEntry.objects.get(object_type="enterprises.enterprise", object_id=str(created.pk))
        assert entry.after["contact_phone"] == "139****0000"

    def test_wrong_credit_code_check_digit_is_a_field_error(self, world):
        code = make_uscc(777)
        bad = code[:-1] + ("0" if code[-1] != "0" else "1")
        response = api_client(world["jinan"]).post(
            url("enterprises"), self.body(world, credit_code=bad), format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]["credit_code"]
        assert not Enterprise.objects.filter(name="济南新建企业有限公司").exists()

    def test_markup_in_name_is_a_field_error(self, world):
        response = api_client(world["jinan"]).post(
            url("enterprises"), self.body(world, name='<img src=x onerror="x">'), format="json"
        )
        assert assert_error(response, 400, "invalid")["details"]["name"]
        assert Enterprise.objects.count() == 2

    def test_out_of_scope_region_in_body_is_400(self, world):
        response = api_client(world["jinan"]).post(
            url("enterprises"), self.body(world, region=world.shinan.pk), format="json"
        )
        assert assert_error(response, 400, "invalid")["details"]["region"]
        assert Enterprise.objects.count() == 2
        assert not AuditEntry.objects.exists()

    def test_enterprise_user_edits_itself_but_cannot_move_or_create(self, world):
        client = api_client(world["ent_a"])
        detail = client.get(url("enterprises", world.ent_a.pk)).json()
        writable = {k: detail[k] for k in self.body(world)}
        writable["headcount"] = 250
        response = client.put(url("enterprises", world.ent_a.pk), writable, format="json")
        assert response.status_code == 200, response.content
        world.ent_a.refresh_from_db()
        assert world.ent_a.headcount == 250
        moved = client.patch(url("enterprises", world.ent_a.pk), {"region": world.shinan.pk}, format="json")
        assert_error(moved, 400, "invalid")
        created = client.post(url("enterprises"), self.body(world), format="json")
        assert_error(created, 400, "invalid")  # no region it may place a new enterprise in
        assert Enterprise.objects.count() == 2

    def test_auditor_cannot_write(self, world):
        client = api_client(world["auditor"])
        assert_error(client.patch(url("enterprises", world.ent_a.pk), {"headcount": 1}, format="json"), 403)
        assert_error(client.post(url("enterprises"), self.body(world), format="json"), 403)
        assert_error(client.delete(url("enterprises", world.ent_a.pk)), 403)
        assert Enterprise.objects.count() == 2

    def test_filters_like_the_page(self, world):
        client = api_client(world["province_admin"])
        assert result_ids(client.get(url("enterprises"), {"city": world.qingdao.pk})) == {world.ent_b.pk}
        assert result_ids(client.get(url("enterprises"), {"headcount_min": 101})) == set()
        assert result_ids(client.get(url("enterprises"), {"q": world.ent_a.credit_code[:10]})) >= {
            world.ent_a.pk
        }
        assert_error(client.get(url("enterprises"), {"city": 999999}), 400, "invalid")
