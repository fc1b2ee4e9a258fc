import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core import listing
from zhijiao.core.filters import FilterSet, YearFilter, YesNoFilter
from zhijiao.core.search import classify, matching_keys
from zhijiao.core.validators import normalize_code
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
        """The holder's name (search index), the start of the certificate number, or the school's
        name (the matching schools looked up first, so every branch reads an index; all of them
        however many, ``core.search.matching_keys``)."""
        from zhijiao.orgs.models import Institution

        value = value.strip()
        kind = classify(value)
        if not kind:
            return queryset
        if kind == "code":
            return listing.count_with_page(queryset.filter(number__startswith=normalize_code(value)))
        match = Q(holder_name__namesearch=value)
        if kind == "name" and len(value) >= 2:
            schools = matching_keys(Institution.objects.filter(name__icontains=value))
            if schools is not None:
                match |= Q(institution_id__in=schools)
        return listing.count_with_page(queryset.filter(match))
