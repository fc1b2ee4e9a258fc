import pytest

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url
from zhijiao.orgs.models import Institution, Region

pytestmark = pytest.mark.django_db


def _regions(world, n):
    base = 370180 + Region.objects.filter(code__startswith="3701").count()
    for i in range(n):
        Region.objects.create(
            code=str(base + i),
            name=f"测试区{base + i}",
            level="county",
            parent=world.jinan,
            path=f"{world.jinan.path}{base + i}/",
        )


def _institutions(world, n):
    InstitutionFactory.create_batch(n, region=world.lixia)


class TestRegionAPI(APIEndpointTests):
    endpoint = "regions"
    viewer = "school_b"  # reference data: every signed-in user reads all of it
    obj = staticmethod(lambda w: w.lixia)
    make_rows = staticmethod(_regions)
    list_max_queries = 5  # + the planner's estimate of the count (core.listing)

    def test_filters_by_parent_and_level_like_the_page(self, world):
        client = api_client(world["expert"])
        assert result_ids(client.get(url("regions"), {"parent": world.jinan.pk})) == {world.lixia.pk}
        assert result_ids(client.get(url("regions"), {"level": "city"})) == {world.jinan.pk, world.qingdao.pk}
        assert result_ids(client.get(url("regions"), {"q": "3702"})) == {world.qingdao.pk, world.shinan.pk}

    def test_is_read_only(self, world):
        client = api_client(world["province_admin"])
        assert_error(client.post(url("regions"), {"code": "370103", "name": "x"}), 405, "method_not_allowed")
        assert_error(client.delete(url("regions", world.lixia.pk)), 405, "method_not_allowed")
        assert Region.objects.filter(pk=world.lixia.pk).exists()

    def test_detail_shape(self, world):
        data = api_client(world["expert"]).get(url("regions", world.lixia.pk)).json()
        assert data["code"] == "370102"
        assert data["parent"] == world.jinan.pk and data["parent_name"] == "济南市"
        assert data["level"] == "county" and data["level_label"]


class TestInstitutionAPI(APIEndpointTests):
    endpoint = "institutions"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: w.school_a)
    make_rows = staticmethod(_institutions)
    list_max_queries = 5
    writable = True
    patch_body = {"name": "被篡改的学校"}

    def body(self, world, **overrides):
        data = {
            "code": "4137099999",
            "name": "济南新建职业学校",
            "kind": "secondary",
            "ownership": "private",
            "region": world.lixia.pk,
            "supervising_authority": "济南市教育局",
        }
        data.update(overrides)
        return data

    def test_exposes_values_and_labels(self, world):
        data = api_client(world["jinan"]).get(url("institutions", world.school_a.pk)).json()
        assert data["kind"] == "secondary" and data["kind_label"]
        assert data["ownership"] == "public" and data["ownership_label"]
        assert data["status"] == "active" and data["status_label"]
        assert data["region"] == world.lixia.pk and data["region_name"] == "历下区"

    def test_city_user_creates_in_its_city_with_an_audit_entry(self, world):
        response = api_client(world["jinan"]).post(url("institutions"), self.body(world), format="json")
        assert response.status_code == 201, response.content
        created = Institution.objects.get(code="4137099999")
        assert response.json()["id"] == created.pk
        entry = AuditEntry.objects.get(object_type="orgs.institution", object_id=str(created.pk))
        assert entry.action == "create" and entry.actor == world["jinan"]
        assert entry.scope_path == world.lixia.path

    def test_out_of_scope_region_in_body_is_400_and_nothing_written(self, world):
        before = AuditEntry.objects.count()
        response = api_client(world["jinan"]).post(
            url("institutions"), self.body(world, region=world.shinan.pk), format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert "region" in error["details"]
        assert "does not exist" in str(error["details"]["region"]) or error["details"]["region"]
        assert not Institution.objects.filter(code="4137099999").exists()
        assert AuditEntry.objects.count() == before

    def test_moving_a_school_to_another_city_is_refused(self, world):
        response = api_client(world["jinan"]).patch(
            url("institutions", world.school_a.pk), {"region": world.shinan.pk}, format="json"
        )
        assert_error(response, 400, "invalid")
        world.school_a.refresh_from_db()
        assert world.school_a.region == world.lixia

    def test_markup_in_name_is_400_with_a_field_message(self, world):
        response = api_client(world["jinan"]).post(
            url("institutions"), self.body(world, name="<script>alert(1)</script>学校"), format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]["name"]
        assert not Institution.objects.filter(code="4137099999").exists()

    def test_duplicate_name_is_400_from_the_service(self, world):
        response = api_client(world["jinan"]).post(
            url("institutions"), self.body(world, name="济南第一职业中专"), format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]
        assert Institution.objects.filter(name="济南第一职业中专").count() == 1

    def test_update_goes_through_the_service_and_is_audited(self, world):
        response = api_client(world["jinan"]).patch(
            url("institutions", world.school_a.pk),
            {"status": "suspended", "address": " 历下区　经十路 "},
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "suspended"
        world.school_a.refresh_from_db()
        assert world.school_a.address == "历下区 经十路"  # normalised by the service
        entry = AuditEntry.objects.get(object_type="orgs.institution", action="update")
        assert entry.after["status"] == "suspended"

    def test_delete_in_use_is_400(self, world):
        response = api_client(world["jinan"]).delete(url("institutions", world.school_a.pk))
        assert_error(response, 400, "invalid")  # it still has offered majors
        assert Institution.objects.filter(pk=world.school_a.pk).exists()

    def test_delete_is_audited(self, world):
        school = InstitutionFactory(region=world.lixia)
        response = api_client(world["jinan"]).delete(url("institutions", school.pk))
        assert response.status_code == 204
        assert not Institution.objects.filter(pk=school.pk).exists()
        assert AuditEntry.objects.filter(object_id=str(school.pk), action="delete").exists()

    @pytest.mark.parametrize("name", ["auditor", "school_a"])
    def test_read_only_callers_are_refused_writes(self, world, name):
        client = api_client(world[name])
        assert client.get(url("institutions", world.school_a.pk)).status_code == 200
        assert_error(client.patch(url("institutions", world.school_a.pk), {"name": "x"}, format="json"), 403)
        assert_error(client.delete(url("institutions", world.school_a.pk)), 403)
        assert_error(client.post(url("institutions"), self.body(world), format="json"), 403)
        assert not AuditEntry.objects.exists()

    def test_filters_like_the_page(self, world):
        client = api_client(world["province_admin"])
        assert result_ids(client.get(url("institutions"), {"city": world.qingdao.pk})) == {world.school_b.pk}
        assert result_ids(client.get(url("institutions"), {"q": "济南"})) == {world.school_a.pk}
        assert result_ids(client.get(url("institutions"), {"kind": "higher"})) == set()
        assert_error(client.get(url("institutions"), {"kind": "nonsense"}), 400, "invalid")

    def test_ordering(self, world):
        client = api_client(world["province_admin"])
        names = [r["name"] for r in client.get(url("institutions"), {"ordering": "-name"}).json()["results"]]
        assert names == sorted(names, reverse=True)
