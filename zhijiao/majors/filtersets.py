import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet, YesNoFilter
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Region

from .choices import MajorLevel, OfferingStatus
from .models import InstitutionMajor, Major, MajorCategory


class MajorFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    level = django_filters.ChoiceFilter(choices=MajorLevel.choices, label=_("Level"))
    category = django_filters.ModelChoiceFilter(
        queryset=MajorCategory.objects.all(), field_name="major_class__category", label=_("Major category")
    )
    is_controlled = YesNoFilter(label=_("State-controlled (K)"))

    class Meta:
        model = Major
        fields = ["q", "level", "category", "is_controlled"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(code__startswith=value.upper()))


class OfferingFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    city = django_filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level=RegionLevel.CITY), method="filter_city", label=_("City")
    )
    institution = django_filters.NumberFilter(field_name="institution_id", label=_("Institution"))
    level = django_filters.ChoiceFilter(
        choices=MajorLevel.choices, field_name="major__level", label=_("Level")
    )
    status = django_filters.ChoiceFilter(choices=OfferingStatus.choices, label=_("Status"))
    start_year = django_filters.NumberFilter(label=_("Start year"))

    class Meta:
        model = InstitutionMajor
        fields = ["q", "city", "institution", "level", "status", "start_year"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(major__name__icontains=value)
            | Q(major__code__startswith=value.upper())
            | Q(institution__name__icontains=value)
        )

    def filter_city(self, queryset, name, value):
        return queryset.filter(institution__region__path__startswith=value.path)
