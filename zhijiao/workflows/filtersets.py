import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet

from .choices import RequestStatus
from .models import ApprovalRequest


class ApprovalRequestFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.CharFilter(label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=RequestStatus.choices, label=_("Status"))

    class Meta:
        model = ApprovalRequest
        fields = ["q", "kind", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(title__icontains=value) | Q(institution__name__icontains=value))
