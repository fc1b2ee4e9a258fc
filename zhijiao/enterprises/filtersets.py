import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Region

from .choices import Industry
from .models import Enterprise


class EnterpriseFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    city = django_filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level=RegionLevel.CITY), method="filter_city", label=_("City")
    )
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("Industry"))
    headcount_min = django_filters.NumberFilter(
        field_name="headcount", lookup_expr="gte", label=_("Headcount at least")
    )

    class Meta:
        model = Enterprise
        fields = ["q", "city", "industry", "headcount_min"]

    def search(self, queryset, name, value):
        """The name (its terms index, ``core.search.TextSearch``) or the start of the credit code."""
        value = value.strip()
        return queryset.filter(Q(name__textsearch=value) | Q(credit_code__startswith=value.upper()))

    def filter_city(self, queryset, name, value):
        return queryset.filter(region__path__startswith=value.path)
