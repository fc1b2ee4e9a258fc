"""Reads for regions and institutions; every one starts from the user's scope."""

from django.db.models import Case, CharField, Count, F, QuerySet, When

from zhijiao.core.scoping import restrict

from .choices import RegionLevel
from .models import Institution, Region


def region_list(*, user) -> QuerySet[Region]:
    return restrict(Region.objects.select_related("parent"), user, "view")


def regions_for_change(user) -> QuerySet[Region]:
    """Regions a user may place a row in: their change subtree, below province level (the choices of
    a form's or serializer's region field, here and in other apps)."""
    return restrict(Region.objects.exclude(level=RegionLevel.PROVINCE), user, "change").order_by("code")


def region_get(*, user, pk) -> Region:
    return region_list(user=user).get(pk=pk)


def institution_list(*, user, action: str = "view") -> QuerySet[Institution]:
    return restrict(Institution.objects.select_related("region", "region__parent"), user, action)


def institution_get(*, user, pk, action: str = "view") -> Institution:
    return institution_list(user=user, action=action).get(pk=pk)


def _city(field: str) -> Case:
    """The city of an institution sitting at county level (demo schools) or city level (colleges)."""
    return Case(
        When(region__level=RegionLevel.COUNTY, then=F(f"region__parent__{field}")),
        default=F(f"region__{field}"),
        output_field=CharField(),
    )


def institution_counts_by_city(*, user) -> list[dict]:
    """Rows of (city_code, city_name, kind, n) for the home page, in the user's scope."""
    return list(
        institution_list(user=user)
        .annotate(city_code=_city("code"), city_name=_city("name"))
        .values("city_code", "city_name", "kind")
        .annotate(n=Count("id"))
        .order_by("city_code", "kind")
    )
