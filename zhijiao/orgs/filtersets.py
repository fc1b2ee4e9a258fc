import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet

from .choices import InstitutionKind, InstitutionStatus, Ownership, RegionLevel
from .models import Institution, Region


class RegionFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    level = django_filters.ChoiceFilter(choices=RegionLevel.choices, label=_("Level"))
    parent = django_filters.ModelChoiceFilter(
        queryset=Region.objects.exclude(level=RegionLevel.COUNTY), label=_("Parent region")
    )

    class Meta:
        model = Region
        fields = ["q", "level", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value.strip()))


class InstitutionFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    city = django_filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level=RegionLevel.CITY),
        method="filter_city",
        label=_("City"),
    )
    kind = django_filters.ChoiceFilter(choices=InstitutionKind.choices, label=_("Kind"))
    ownership = django_filters.ChoiceFilter(choices=Ownership.choices, label=_("Ownership"))
    status = django_filters.ChoiceFilter(choices=InstitutionStatus.choices, label=_("Status"))

    class Meta:
        model = Institution
        fields = ["q", "city", "kind", "ownership", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value))

    def filter_city(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)
