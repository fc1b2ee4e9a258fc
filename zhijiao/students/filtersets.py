import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from zhijiao.core import listing
from zhijiao.core.filters import FilterSet, YesNoFilter
from zhijiao.core.search import CODE_PREFIX_MIN, classify
from zhijiao.core.validators import normalize_code

from .choices import BatchStatus, ChangeKind, EnrolmentStatus
from .models import GraduationList, RegistrationBatch, StatusChange, Student


def student_search_q(value: str, prefix: str = "") -> Q:
    """A name (1–4 characters, pinyin or initials; from the search index, core.search) or the start
    of an ID number or 学籍号 (at least ``CODE_PREFIX_MIN`` characters; shorter must match whole).

    ``prefix`` reaches the student from another model (``"enrolment__student__"``).
    """
    value = (value or "").strip()
    kind = classify(value)
    if kind == "code":
        code = normalize_code(value)
        if len(code) >= CODE_PREFIX_MIN:
            return Q(**{f"{prefix}id_number__startswith": code}) | Q(
                **{f"{prefix}registry_number__startswith": code}
            )
        return Q(**{f"{prefix}id_number": code}) | Q(**{f"{prefix}registry_number": code})
    if not kind:
        return Q()
    return Q(**{f"{prefix}name__namesearch": value})


class StudentFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    institution = django_filters.NumberFilter(field_name="current_institution_id", label=_("Institution"))
    status = django_filters.ChoiceFilter(
        choices=EnrolmentStatus.choices, method="filter_status", label=_("Status")
    )
    class_name = django_filters.CharFilter(method="filter_class", label=_("Class"))
    name_flagged = YesNoFilter(label=_("Name needs checking"))

    class Meta:
        model = Student
        fields = ["q", "institution", "status", "class_name", "name_flagged"]

    def search(self, queryset, name, value):
        # Each branch has an index of its own: a frequent name's matches are counted with the page.
        return listing.count_with_page(queryset.filter(student_search_q(value)))

    def filter_status(self, queryset, name, value):
        return queryset.filter(enrolments__is_current=True, enrolments__status=value)

    def filter_class(self, queryset, name, value):
        return queryset.filter(enrolments__is_current=True, enrolments__class_name=value.strip())


class BatchFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = RegistrationBatch
        fields = ["status", "year"]


class StatusChangeFilterSet(FilterSet):
    kind = django_filters.ChoiceFilter(choices=ChangeKind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=StatusChange.Status.choices, label=_("Status"))

    class Meta:
        model = StatusChange
        fields = ["kind", "status"]


class GraduationListFilterSet(FilterSet):
    status = django_filters.ChoiceFilter(choices=BatchStatus.choices, label=_("Status"))
    year = django_filters.NumberFilter(label=_("Year"))

    class Meta:
        model = GraduationList
        fields = ["status", "year"]
