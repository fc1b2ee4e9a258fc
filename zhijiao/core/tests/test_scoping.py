import pytest

from zhijiao.core.scoping import restrict
from zhijiao.enterprises.models import Enterprise
from zhijiao.majors.models import InstitutionMajor, Major
from zhijiao.orgs.models import Institution, Region


def names(qs):
    return sorted(str(o) for o in qs)


@pytest.mark.django_db
class TestRestrict:
    def test_province_sees_every_institution(self, world):
        qs = restrict(Institution.objects.all(), world["province_admin"])
        assert names(qs) == ["济南第一职业中专", "青岛第一职业中专"]

    def test_city_sees_only_its_city(self, world):
        assert names(restrict(Institution.objects.all(), world["jinan"])) == ["济南第一职业中专"]
        assert names(restrict(Institution.objects.all(), world["qingdao"])) == ["青岛第一职业中专"]

    def test_school_sees_only_itself_and_its_offerings(self, world):
        assert names(restrict(Institution.objects.all(), world["school_a"])) == ["济南第一职业中专"]
        offerings = restrict(InstitutionMajor.objects.all(), world["school_a"])
        assert list(offerings) == [world.offering_a]

    def test_school_may_change_offerings_but_not_the_institution(self, world):
        assert restrict(InstitutionMajor.objects.all(), world["school_a"], "change").count() == 1
        assert restrict(Institution.objects.all(), world["school_a"], "change").count() == 0

    def test_enterprise_user_sees_only_its_enterprise(self, world):
        assert list(restrict(Enterprise.objects.all(), world["ent_a"])) == [world.ent_a]
        assert restrict(Institution.objects.all(), world["ent_a"]).count() == 0

    def test_reference_data_is_visible_to_every_signed_in_user(self, world):
        assert restrict(Region.objects.all(), world["expert"]).count() == Region.objects.count()
        assert restrict(Major.objects.all(), world["school_b"]).count() == 1

    def test_reference_data_is_not_changeable_by_schools(self, world):
        assert restrict(Region.objects.all(), world["school_a"], "change").count() == 0

    def test_auditor_reads_but_never_changes(self, world):
        assert restrict(Institution.objects.all(), world["auditor"]).count() == 2
        assert restrict(Institution.objects.all(), world["auditor"], "change").count() == 0

    def test_expert_sees_no_institutions(self, world):
        assert restrict(Institution.objects.all(), world["expert"]).count() == 0

    def test_anonymous_sees_nothing(self, world):
        from django.contrib.auth.models import AnonymousUser

        assert restrict(Institution.objects.all(), AnonymousUser()).count() == 0
        assert restrict(Region.objects.all(), AnonymousUser()).count() == 0

    def test_scope_is_loaded_once_per_user(self, world, django_assert_num_queries):
        user = world["jinan"]
        restrict(Institution.objects.all(), user)
        with django_assert_num_queries(1):
            list(restrict(Institution.objects.all(), user))


@pytest.mark.django_db
class TestTheProvinceRootCoversEveryRow:
    """A grant at the province's root needs no condition on rows that cannot lack a region
    (``SCOPE_ONE_PROVINCE``): the province's lists are not joined to school and region."""

    def test_the_province_reads_every_row_without_a_region_condition(self, world):
        from zhijiao.students.models import Student
        from zhijiao.students.tests.factories import add_student

        add_student(world, name="甲")
        add_student(world, "b", name="乙")
        province = restrict(Student.objects.all(), world["province_staff"])
        assert '"orgs_region"' not in str(province.query)
        assert sorted(s.name for s in province) == ["乙", "甲"]
        city = restrict(Student.objects.all(), world["jinan"])  # a city still by its path
        assert '"orgs_region"' in str(city.query) and [s.name for s in city] == ["甲"]
        for who in ("province_staff", "province_admin"):  # the same for changing
            assert restrict(Institution.objects.all(), world[who], "change").count() == 2

    def test_the_setting_off_selects_the_roots_rows_by_path(self, world, settings):
        settings.SCOPE_ONE_PROVINCE = False
        qs = restrict(Institution.objects.all(), world["province_staff"])
        assert '"orgs_region"' in str(qs.query) and qs.count() == 2

    def test_a_path_copied_onto_the_row_keeps_its_condition(self, world):
        """An audit entry's scope path is a copy that may be empty (the platform's own work): the
        province's auditor reads the entries under the root, as before."""
        from zhijiao.core.models import AuditEntry

        qs = restrict(AuditEntry.objects.all(), world["auditor"])
        assert "scope_path" in str(qs.query)

    def test_a_region_reached_through_an_optional_link_keeps_its_condition(self):
        from zhijiao.accounts.models import RoleAssignment
        from zhijiao.core.scoping import _path_always_set
        from zhijiao.internships.models import CheckIn, Placement

        assert _path_always_set(Placement, "institution__region__path")
        assert _path_always_set(CheckIn, "institution__region__path")
        assert _path_always_set(Region, "path")
        assert not _path_always_set(RoleAssignment, "region__path")  # a role held at a school
        assert not _path_always_set(RoleAssignment, "institution__region__path")
