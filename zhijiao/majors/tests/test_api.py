import pytest

from zhijiao.core.models import AuditEntry
from zhijiao.core.testing import InstitutionFactory
from zhijiao.core.testing_api import APIEndpointTests, api_client, assert_error, result_ids, url
from zhijiao.majors.models import InstitutionMajor, Major, MajorCategory, MajorClass
from zhijiao.majors.testing import catalogue_major

pytestmark = pytest.mark.django_db


def _majors(world, n):
    start = 710300 + Major.objects.count()
    for i in range(n):
        catalogue_major(code=str(start + i), name=f"测试专业{start + i}")


def _categories(world, n):
    start = 10 + MajorCategory.objects.count()
    for i in range(n):
        MajorCategory.objects.create(level="higher", code=str(start + i), name=f"测试大类{i}")


def _classes(world, n):
    start = 7110 + MajorClass.objects.count()
    category = world.major.major_class.category
    for i in range(n):
        MajorClass.objects.create(category=category, code=str(start + i), name=f"测试类{i}")


def _offerings(world, n):
    for _ in range(n):
        school = InstitutionFactory(region=world.lixia)
        InstitutionMajor.objects.create(institution=school, major=world.major, start_year=2022)


class TestMajorCategoryAPI(APIEndpointTests):
    endpoint = "major-categories"
    viewer = "expert"
    obj = staticmethod(lambda w: w.major.major_class.category)
    make_rows = staticmethod(_categories)
    list_max_queries = 5  # + the planner's estimate of the count (core.listing)


class TestMajorClassAPI(APIEndpointTests):
    endpoint = "major-classes"
    viewer = "ent_a"
    obj = staticmethod(lambda w: w.major.major_class)
    make_rows = staticmethod(_classes)
    list_max_queries = 5  # + the planner's estimate of the count (core.listing)

    def test_filter_by_category(self, world):
        other = MajorCategory.objects.create(level="higher", code="51", name="其他大类")
        MajorClass.objects.create(category=other, code="5101", name="其他类")
        client = api_client(world["ent_a"])
        category = world.major.major_class.category
        assert result_ids(client.get(url("major-classes"), {"category": category.pk})) == {
            world.major.major_class.pk
        }


class TestMajorAPI(APIEndpointTests):
    endpoint = "majors"
    viewer = "school_b"
    obj = staticmethod(lambda w: w.major)
    make_rows = staticmethod(_majors)
    list_max_queries = 5  # + the planner's estimate of the count (core.listing)

    def test_nested_codes_and_filters(self, world):
        client = api_client(world["school_b"])
        data = client.get(url("majors", world.major.pk)).json()
        assert (
            data["code"] == "710201" and data["major_class_code"] == "7102" and data["category_code"] == "71"
        )
        assert data["level"] == "secondary" and data["level_label"]
        assert result_ids(client.get(url("majors"), {"q": "7102"})) == {world.major.pk}
        assert result_ids(client.get(url("majors"), {"level": "higher"})) == set()

    def test_catalogue_is_read_only(self, world):
        response = api_client(world["province_admin"]).patch(url("majors", world.major.pk), {"name": "x"})
        assert_error(response, 405, "method_not_allowed")


class TestOfferingAPI(APIEndpointTests):
    endpoint = "offered-majors"
    viewer = "school_a"
    outsider = "school_b"
    obj = staticmethod(lambda w: w.offering_a)
    make_rows = staticmethod(_offerings)
    list_max_queries = 5
    writable = True
    patch_body = {"note": "篡改"}

    def test_school_user_adds_an_offering_for_its_own_school(self, world):
        response = api_client(world["school_a"]).post(
            url("offered-majors"),
            {"institution": world.school_a.pk, "major": world.major.pk, "start_year": 2023},
            format="json",
        )
        assert response.status_code == 201, response.content
        data = response.json()
        assert (
            data["institution_name"] == "济南第一职业中专"
            and data["status"] == "filed"
            and data["status_label"]
        )
        assert AuditEntry.objects.filter(object_type="majors.institutionmajor", action="create").count() == 1

    def test_school_user_cannot_add_for_another_school(self, world):
        response = api_client(world["school_a"]).post(
            url("offered-majors"),
            {"institution": world.school_b.pk, "major": world.major.pk, "start_year": 2023},
            format="json",
        )
        error = assert_error(response, 400, "invalid")
        assert "不存在" in error["details"]["institution"][0]
        assert not InstitutionMajor.objects.filter(start_year=2023).exists()
        assert not AuditEntry.objects.exists()

    def test_city_user_adds_for_schools_in_its_city_only(self, world):
        client = api_client(world["jinan"])
        ok = client.post(
            url("offered-majors"),
            {"institution": world.school_a.pk, "major": world.major.pk, "start_year": 2024},
            format="json",
        )
        assert ok.status_code == 201, ok.content
        refused = client.post(
            url("offered-majors"),
            {"institution": world.school_b.pk, "major": world.major.pk, "start_year": 2024},
            format="json",
        )
        assert_error(refused, 400, "invalid")

    def test_level_mismatch_is_a_field_error_from_the_service(self, world):
        college = InstitutionFactory(region=world.lixia, kind="higher")
        response = api_client(world["jinan"]).post(
            url("offered-majors"),
            {"institution": college.pk, "major": world.major.pk, "start_year": 2023},
            format="json",
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]["major"]
        assert not InstitutionMajor.objects.filter(institution=college).exists()

    def test_duplicate_year_is_400(self, world):
        response = api_client(world["school_a"]).post(
            url("offered-majors"),
            {"institution": world.school_a.pk, "major": world.major.pk, "start_year": 2020},
            format="json",
        )
        assert_error(response, 400, "invalid")
        assert InstitutionMajor.objects.filter(institution=world.school_a).count() == 1

    def test_invalid_year_is_a_field_error(self, world):
        response = api_client(world["school_a"]).patch(
            url("offered-majors", world.offering_a.pk), {"start_year": 1900}, format="json"
        )
        error = assert_error(response, 400, "invalid")
        assert error["details"]["start_year"]

    def test_suspend_action_calls_the_service(self, world):
        response = api_client(world["school_a"]).post(url("offered-majors", world.offering_a.pk, "suspend"))
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "suspended"
        world.offering_a.refresh_from_db()
        assert world.offering_a.status == "suspended"
        entry = AuditEntry.objects.get(object_type="majors.institutionmajor", action="update")
        assert entry.after == {"status": "suspended"}

    def test_suspend_out_of_scope_is_404_and_read_only_is_403(self, world):
        assert_error(
            api_client(world["school_b"]).post(url("offered-majors", world.offering_a.pk, "suspend")), 404
        )
        assert_error(
            api_client(world["auditor"]).post(url("offered-majors", world.offering_a.pk, "suspend")), 403
        )
        world.offering_a.refresh_from_db()
        assert world.offering_a.status == "filed"

    def test_filters_like_the_page(self, world):
        client = api_client(world["province_admin"])
        assert result_ids(client.get(url("offered-majors"), {"city": world.qingdao.pk})) == {
            world.offering_b.pk
        }
        assert result_ids(client.get(url("offered-majors"), {"institution": world.school_a.pk})) == {
            world.offering_a.pk
        }
        assert result_ids(client.get(url("offered-majors"), {"start_year": 2021})) == {world.offering_b.pk}
        assert result_ids(client.get(url("offered-majors"), {"q": "青岛"})) == {world.offering_b.pk}

    def test_markup_in_note_is_a_field_error(self, world):
        response = api_client(world["school_a"]).patch(
            url("offered-majors", world.offering_a.pk), {"note": "<b>x</b>"}, format="json"
        )
        assert assert_error(response, 400, "invalid")["details"]["note"]
        world.offering_a.refresh_from_db()
        assert world.offering_a.note == ""
