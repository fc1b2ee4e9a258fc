"""Search-as-you-type sources of the registry's forms (core.autocomplete)."""

from __future__ import annotations

from zhijiao.core.autocomplete import ChoiceSource, register
from zhijiao.core.scoping import can
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.models import Institution

from .services import institutions_for_students


def offering_label(offering) -> str:
    return f"{offering.major.name}（{offering.major.code}）· {offering.institution.name}"


def offerings_for_students(user, institution=None):
    """Offered majors of the schools where the user may add students (of one school if given)."""
    qs = InstitutionMajor.objects.select_related("institution", "major").filter(
        institution__in=institutions_for_students(user).values("pk")
    )
    if institution is not None:
        qs = qs.filter(institution_id=institution)
    return qs.order_by("institution__name", "major__code", "start_year")


def transfer_institutions(user):
    """A transfer names the receiving school anywhere in the province (its name, nothing more);
    only a user who may change students picks one."""
    if not can(user, "change"):
        return Institution.objects.none()
    return Institution.objects.order_by("name")


def transfer_offerings(user, target_institution=None):
    """The receiving school's offered majors; without one, the user's own schools' (a change of major)."""
    if not can(user, "change"):
        return InstitutionMajor.objects.none()
    if target_institution is None:
        return offerings_for_students(user)
    return (
        InstitutionMajor.objects.select_related("institution", "major")
        .filter(institution_id=target_institution)
        .order_by("major__code", "start_year")
    )


register(
    ChoiceSource(
        name="students.institutions",
        rows=lambda user: institutions_for_students(user),
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="students.offerings",
        rows=offerings_for_students,
        search=("major__name", "major__code"),
        prefix=("major__code",),
        label=offering_label,
        forward=("institution",),
    )
)
register(
    ChoiceSource(
        name="students.transfer-institutions",
        rows=transfer_institutions,
        search=("name", "code"),
        prefix=("code",),
    )
)
register(
    ChoiceSource(
        name="students.transfer-offerings",
        rows=transfer_offerings,
        search=("major__name", "major__code"),
        prefix=("major__code",),
        label=offering_label,
        forward=("target_institution",),
    )
)
