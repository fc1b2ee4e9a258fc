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
