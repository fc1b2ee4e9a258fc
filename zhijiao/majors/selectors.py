"""Reads for the catalogue and offered majors; every one starts from the user's scope."""

from django.db.models import Count, F, QuerySet

from zhijiao.core.scoping import restrict

from .models import InstitutionMajor, Major, MajorCategory, MajorClass


def major_list(*, user) -> QuerySet[Major]:
    return restrict(Major.objects.select_related("major_class__category"), user, "view")


def major_get(*, user, pk) -> Major:
    return major_list(user=user).get(pk=pk)


def major_category_list(*, user) -> QuerySet[MajorCategory]:
    return restrict(MajorCategory.objects.all(), user, "view")


def major_class_list(*, user) -> QuerySet[MajorClass]:
    return restrict(MajorClass.objects.select_related("category"), user, "view")


def offering_list(*, user, action: str = "view") -> QuerySet[InstitutionMajor]:
    return restrict(
        InstitutionMajor.objects.select_related(
            "institution", "institution__region", "major", "major__major_class__category"
        ),
        user,
        action,
    )


def offering_get(*, user, pk, action: str = "view") -> InstitutionMajor:
    return offering_list(user=user, action=action).get(pk=pk)


def offering_counts_by_category(*, user) -> list[dict]:
    """Offered majors per 专业大类 (level, code, name, n) for the home page."""
    return list(
        offering_list(user=user)
        .values(
            level=F("major__level"),
            category_code=F("major__major_class__category__code"),
            category_name=F("major__major_class__category__name"),
        )
        .annotate(n=Count("id"))
        .order_by("level", "category_code")
    )
