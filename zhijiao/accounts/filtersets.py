import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core.filters import FilterSet, YesNoFilter

from .choices import Role
from .models import RoleAssignment, User


class UserFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    role = django_filters.ChoiceFilter(choices=Role.choices, method="filter_role", label=_("Role"))
    organisation = django_filters.CharFilter(method="filter_organisation", label=_("Organisation"))
    is_active = YesNoFilter(label=_("Active"))

    class Meta:
        model = User
        fields = ["q", "role", "organisation", "is_active"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(username__icontains=value) | Q(display_name__icontains=value) | Q(email__icontains=value)
        )

    def filter_role(self, queryset, name, value):
        return queryset.filter(pk__in=RoleAssignment.objects.filter(role=value).values("user_id"))

    def filter_organisation(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        holders = RoleAssignment.objects.filter(
            Q(region__name__icontains=value)
            | Q(institution__name__icontains=value)
            | Q(enterprise__name__icontains=value)
        ).values("user_id")
        return queryset.filter(pk__in=holders)
