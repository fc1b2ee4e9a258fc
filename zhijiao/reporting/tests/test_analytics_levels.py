"""Facts are kept per lowest region and rolled up by region path: the pivot works for a county
(区县) user, a city user and the province, each over its own subtree."""

from decimal import Decimal

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import InstitutionFactory, make_user, region
from zhijiao.orgs.choices import RegionLevel
from zhijiao.reporting import analytics
from zhijiao.reporting.models import Fact

from .test_analytics import _period, enrol, report, values  # noqa: F401 (fixture)


def test_facts_sit_at_the_schools_county_with_their_city(world, enrol):  # noqa: F811
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(10))
    fact = Fact.objects.get(period=p, element_code="students")
    assert (fact.region, fact.city) == (world.lixia, world.jinan)


def test_pivot_per_level_county_city_province(world, enrol):  # noqa: F811
    p = _period(enrol, 2021)
    huaiyin = region("370104", "槐荫区", RegionLevel.COUNTY, world.jinan)
    other = InstitutionFactory(name="济南第二职业中专", region=huaiyin)
    world.users["other_admin"] = make_user("other_admin", Role.SCHOOL_ADMIN, node=other)
    report(world, "school_a", world.school_a, p, values(100))
    report(world, "other_admin", other, p, values(40))
    report(world, "school_b", world.school_b, p, values(7), city="qingdao")
    county = make_user("lixia_admin", Role.CITY_ADMIN, node=world.lixia)

    mine = analytics.pivot(user=county, period=p, element_code="students", rows="city")
    assert (mine.row_labels, mine.row_totals) == (["济南市"], [Decimal(100)])
    by_region = analytics.pivot(user=county, period=p, element_code="students", rows="region")
    assert (by_region.row_labels, by_region.row_totals) == (["历下区"], [Decimal(100)])

    city = analytics.pivot(user=world["jinan"], period=p, element_code="students", rows="city")
    assert (city.row_labels, city.row_totals) == (["济南市"], [Decimal(140)])
    city_counties = analytics.pivot(user=world["jinan"], period=p, element_code="students", rows="region")
    assert dict(zip(city_counties.row_labels, city_counties.row_totals, strict=True)) == {
        "历下区": Decimal(100),
        "槐荫区": Decimal(40),
    }

    province = analytics.pivot(user=world["province_admin"], period=p, element_code="students", rows="city")
    assert dict(zip(province.row_labels, province.row_totals, strict=True)) == {
        "济南市": Decimal(140),
        "青岛市": Decimal(7),
    }
    by_county = analytics.pivot(
        user=world["province_admin"], period=p, element_code="students", rows="region", cols="city"
    )
    assert len(by_county.row_labels) == 3


def test_county_user_sees_the_analytics_page(world, enrol, login, client):  # noqa: F811
    p = _period(enrol, 2021)
    report(world, "school_a", world.school_a, p, values(100))
    login(make_user("lixia_admin", Role.CITY_ADMIN, node=world.lixia))
    page = client.get(f"/reporting/analytics/?period={p.pk}&element=students&rows=region")
    assert page.status_code == 200
    assert page.context["body"][0][:2] == ["历下区", "100"]
