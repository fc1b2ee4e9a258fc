import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet, YearFilter, YesNoFilter
from zhijiao.majors.choices import MajorLevel

from .choices import CertificateKind, CertificateStatus
from .models import Certificate


class CertificateFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=CertificateKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=CertificateStatus.choices, label=_("Status"))
    level = django_filters.ChoiceFilter(choices=MajorLevel.choices, label=_("Level"))
    published = YesNoFilter(
        field_name="published_at", lookup_expr="isnull", exclude=True, label=_("Published")
    )
    year = YearFilter(field_name="graduation_date__year", label=_("Graduation year"))
    class_name = django_filters.CharFilter(label=_("Class"))

    class Meta:
        model = Certificate
        fields = ["q", "kind", "status", "level", "published", "year", "class_name"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(
            Q(holder_name__icontains=value)
            | Q(number__startswith=value.upper())
            | Q(institution_name__icontains=value)
        )
