"""Reads for 专项检查; every one starts from ``core.scoping.restrict``.

An inspection is visible to the authorities over its region and to everyone who may see one of
its items: the sampled schools (their own items only) and the city bureaus whose schools were
sampled by a provincial inspection (their city's items only). The items shown are always
``restrict``-ed, so a school never sees another school's answer or finding.
"""

from __future__ import annotations

from django.db.models import QuerySet

from zhijiao.core.scoping import restrict

from .models import Inspection, InspectionItem


def inspection_list(*, user, action: str = "view") -> QuerySet[Inspection]:
    # Sampled schools and their cities read it through its items (Inspection.scope_relations).
    return restrict(Inspection.objects.select_related("region", "launched_by"), user, action)


def inspection_get(*, user, pk, action: str = "view") -> Inspection:
    return inspection_list(user=user, action=action).get(pk=pk)


def inspection_item_list(*, user, action: str = "view") -> QuerySet[InspectionItem]:
    return restrict(
        InspectionItem.objects.select_related(
            "inspection__region",
            "institution__region",
            "placement__enrolment__student",
            "placement__enterprise",
        ),
        user,
        action,
    )


def inspection_items(*, user, inspection: Inspection) -> QuerySet[InspectionItem]:
    """The items of one inspection the user may see, in a stable order (school, then placement)."""
    return inspection_item_list(user=user).filter(inspection=inspection).order_by("institution__name", "id")
