"""Identity checks of a student (ID number, birth date, gender) and registry-wide duplicates."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhijiao.core.scoping import restrict
from zhijiao.core.validators import normalize_code, parse_resident_id
from zhijiao.orgs.models import Institution

from ..choices import IdType
from ..models import (
    Enrolment,
    Student,
)


# --- identity -------------------------------------------------------------------------------------
def check_identity(
    *, id_type: str, id_number: str, birth_date: datetime.date | None, gender: str | None
) -> str:
    """GB 11643 check digit, and birth date and gender consistent with the number (credentials.md §6.1).

    Returns the normalised number. Errors are keyed by the field they concern.
    """
    number = normalize_code(id_number or "")
    if id_type != IdType.RESIDENT_ID:
        if not number:
            raise ValidationError({"id_number": _("Enter the ID number.")})
        return number
    try:
        parsed = parse_resident_id(number)
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages})
    errors = {}
    if birth_date and birth_date != parsed.birth_date:
        errors["birth_date"] = _("does not match the birth date in the ID number (%(date)s)") % {
            "date": parsed.birth_date.isoformat()
        }
    if gender and gender != parsed.gender:
        errors["gender"] = _("does not match the ID number (the 17th digit is %(parity)s)") % {
            "parity": _("odd, male") if parsed.gender == "male" else _("even, female")
        }
    if errors:
        raise ValidationError(errors)
    return parsed.number


def registered_elsewhere_message(*, actor, other: Student) -> str:
    """Name the other school only as far as the actor may see it (PIPL; DESIGN.md)."""
    school = other.current_institution
    if restrict(Institution.objects.filter(pk=school.pk), actor, "view").exists():
        return _("already registered at %(school)s") % {"school": school.name}
    city = school.region.city if school.region_id else None
    if city is not None:
        return _("already registered at another school in %(city)s") % {"city": city.name}
    return _("already registered at another school in the province")


def institutions_for_students(user):
    """Schools where the user may add students (enrolments are changeable at region and school nodes)."""
    qs = Institution.objects.select_related("region").order_by("name")
    return restrict(qs, user, "change", owner_of=Enrolment)
