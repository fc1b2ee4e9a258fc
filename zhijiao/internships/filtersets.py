import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core import listing
from zhijiao.core.autocomplete import AutocompleteSelect
from zhijiao.core.filters import FilterSet, YesNoFilter
from zhijiao.core.search import classify, matching_keys
from zhijiao.majors.selectors import major_category_list

from . import selectors
from .choices import (
    DirectReportCategory,
    DirectReportStatus,
    FilingStatus,
    InternshipKind,
    PlacementStatus,
    Severity,
)
from .models import Alert, DirectReport, InternshipPlan, Placement, Post
from .rules import rule_choices


class PlanFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    kind = django_filters.ChoiceFilter(choices=InternshipKind.choices, label=_("Kind of internship"))
    filing_status = django_filters.ChoiceFilter(choices=FilingStatus.choices, label=_("Filing status"))

    class Meta:
        model = InternshipPlan
        fields = ["q", "kind", "filing_status", "cohort_year"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value.strip()) | Q(institution__name__icontains=value.strip())
        )


def _user(request):
    return getattr(request, "user", None)


class PostFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    is_active = YesNoFilter(label=_("open"))
    enterprise = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.post_enterprise_filter_choices(user=_user(request)),
        label=_("Host enterprise"),
        # Searched as the user types (thousands of hosts): the page renders only the chosen one.
        widget=AutocompleteSelect("internships.post-filter-enterprises"),
    )
    major_category = django_filters.ModelChoiceFilter(
        queryset=lambda request: major_category_list(user=_user(request)), label=_("Major category")
    )

    class Meta:
        model = Post
        fields = ["q", "enterprise", "major_category", "is_active"]

    def search(self, queryset, name, value):
        """The post's or its host's name, each from its own terms index (``core.search.TextSearch``):
        the posts whose name matches and the posts of the hosts whose name matches, found apart and
        united — an OR across the two tables would read every post and its host (issue 16)."""
        value = value.strip()
        if not value:
            return queryset
        by_name = Post.objects.filter(name__textsearch=value).order_by().values("pk")
        by_host = Post.objects.filter(enterprise__name__textsearch=value).order_by().values("pk")
        return queryset.filter(pk__in=by_name.union(by_host))


class PlacementFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    status = django_filters.ChoiceFilter(choices=PlacementStatus.choices, label=_("Status"))
    blocked = YesNoFilter(method="filter_blocked", label=_("Has violations"))
    plan = django_filters.ModelChoiceFilter(
        queryset=lambda request: selectors.placement_plan_choices(user=_user(request)),
        label=_("Internship plan"),
        widget=AutocompleteSelect("internships.placement-filter-plans"),
    )

    class Meta:
        model = Placement
        fields = ["q", "status", "plan", "blocked"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        # A host sees placements but no plans: no plan filter to offer it (an empty list helps no one).
        if not selectors.placement_plan_choices(user=_user(request)).exists():
            self.filters.pop("plan", None)

    def search(self, queryset, name, value):
        """The student's name or ID (copied onto the placement with its indexes, internships.search), or — from two characters — the
        host's or the post's name (the matching ones looked up first, so each branch is indexed; all
        of them however many, ``core.search.matching_keys``)."""
        from zhijiao.enterprises.models import Enterprise

        value = value.strip()
        kind = classify(value)
        if not kind:
            return queryset
        # From the placement's own search columns (internships.search): no read of the students.
        match = Q(id__studentsearch=value)
        if kind == "name" and len(value) >= 2:
            hosts = matching_keys(Enterprise.objects.filter(name__textsearch=value))
            posts = matching_keys(Post.objects.filter(name__textsearch=value))
            if hosts is not None:
                match |= Q(enterprise_id__in=hosts)
            if posts is not None:
                match |= Q(post_id__in=posts)
        # Thousands of matches across the province (王芳: ≈ 2,700): sort their keys, join 25 rows.
        return listing.count_with_page(listing.read_keys_first(queryset.filter(match)))

    def filter_blocked(self, queryset, name, value):
        if value is None:
            return queryset
        from django.db import connections

        if connections[queryset.db].vendor == "postgresql":
            has = Q(violations__contains=[{"severity": "block"}])
        else:
            has = Q(violations__icontains='"block"')
        return queryset.filter(has) if value else queryset.exclude(has)


class AlertFilterSet(FilterSet):
    open = YesNoFilter(field_name="resolved_at", lookup_expr="isnull", label=_("Open"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("Severity"))
    rule_id = django_filters.ChoiceFilter(choices=rule_choices, label=_("Rule"))

    class Meta:
        model = Alert
        fields = ["open", "severity", "rule_id", "escalation_level"]


class DirectReportFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=DirectReportStatus.choices, label=_("Status"))
    category = django_filters.ChoiceFilter(choices=DirectReportCategory.choices, label=_("Category"))

    class Meta:
        model = DirectReport
        fields = ["status", "category"]
