import pytest

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import InstitutionFactory, make_user
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url

pytestmark = pytest.mark.django_db


def _users(world, n):
    start = world["jinan"].__class__.objects.count()
    for i in range(n):
        school = InstitutionFactory(region=world.lixia)
        make_user(f"extra{start + i}", Role.SCHOOL_ADMIN, node=school, phone="13812345678")


class TestUserAPI(APIEndpointTests):
    endpoint = "users"
    viewer = "jinan"
    outsider = "qingdao"
    obj = staticmethod(lambda w: w["school_a"])
    make_rows = staticmethod(_users)
    list_max_queries = 6

    def test_city_admin_sees_its_city_users_with_roles_and_no_secrets(self, world):
        response = api_client(world["jinan"]).get(url("users"))
        ids = result_ids(response)
        assert world["school_a"].pk in ids and world["jinan"].pk in ids
        assert world["school_b"].pk not in ids and world["province_admin"].pk not in ids
        row = next(r for r in response.json()["results"] if r["id"] == world["school_a"].pk)
        assert "password" not in row
        assert row["roles"] == [
            {
                "id": world["school_a"].role_assignments.get().pk,
                "role": "school_admin",
                "role_label": row["roles"][0]["role_label"],
                "node_kind": "institution",
                "region": None,
                "institution": world.school_a.pk,
                "enterprise": None,
                "node_name": "济南第一职业中专",
            }
        ]

    def test_phone_is_masked(self, world):
        user = world["school_a"]
        type(user).objects.filter(pk=user.pk).update(phone="13812345678")
        data = api_client(world["jinan"]).get(url("users", user.pk)).json()
        assert data["phone"] == "138****5678"

    @pytest.mark.parametrize("name", ["auditor", "expert", "ent_a", "province_staff"])
    def test_callers_who_do_not_manage_users_are_403(self, world, name):
        client = api_client(world[name])
        assert_error(client.get(url("users")), 403, "permission_denied")
        assert_error(client.get(url("users", world["school_a"].pk)), 403, "permission_denied")

    def test_read_only(self, world):
        client = api_client(world["province_admin"])
        assert_error(client.post(url("users"), {"username": "x"}), 405, "method_not_allowed")
        assert_error(client.delete(url("users", world["school_a"].pk)), 405, "method_not_allowed")

    def test_filters_like_the_page(self, world):
        client = api_client(world["province_admin"])
        assert result_ids(client.get(url("users"), {"role": "city_admin"})) == {
            world["jinan"].pk,
            world["qingdao"].pk,
        }
        assert result_ids(client.get(url("users"), {"q": "school_"})) == {
            world["school_a"].pk,
            world["school_b"].pk,
        }
