"""Writes for the catalogue and offered majors. Only these functions change the tables."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.services import model_create, model_delete, model_update

from .models import InstitutionMajor, Major

OFFERING_FIELDS = ("institution", "major", "start_year", "status", "note")


def offering_major_matches_institution(*, institution, major: Major) -> None:
    """An institution offers majors of its own level (中职 majors at 中职/技工 schools, etc.).

    Source: 职业教育专业目录（2021年）— the catalogue is split by level and schools file majors
    from the level they run (教职成〔2021〕2号).
    """
    from zhijiao.orgs.choices import InstitutionKind

    from .choices import MajorLevel

    allowed = {
        InstitutionKind.SECONDARY_VOCATIONAL: {MajorLevel.SECONDARY},
        InstitutionKind.TECHNICAL: {MajorLevel.SECONDARY},
        InstitutionKind.TECHNICIAN_COLLEGE: {MajorLevel.SECONDARY, MajorLevel.HIGHER},
        InstitutionKind.HIGHER_VOCATIONAL: {MajorLevel.HIGHER},
        InstitutionKind.VOCATIONAL_BACHELOR: {MajorLevel.HIGHER, MajorLevel.BACHELOR},
    }.get(institution.kind, set())
    if major.level not in allowed:
        raise ValidationError(
            {
                "major": _("A %(kind)s cannot offer a %(level)s major.")
                % {"kind": institution.get_kind_display(), "level": major.get_level_display()}
            }
        )


def _check(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in OFFERING_FIELDS}
    return cleaned


@transaction.atomic
def offering_create(*, actor, data: dict[str, Any]) -> InstitutionMajor:
    data = _check(data)
    if data.get("institution") and data.get("major"):
        offering_major_matches_institution(institution=data["institution"], major=data["major"])
    return model_create(actor=actor, instance=InstitutionMajor(**data))


@transaction.atomic
def offering_update(*, actor, offering: InstitutionMajor, data: dict[str, Any]) -> InstitutionMajor:
    data = _check(data)
    institution = data.get("institution", offering.institution)
    major = data.get("major", offering.major)
    offering_major_matches_institution(institution=institution, major=major)
    instance, _changed = model_update(actor=actor, instance=offering, data=data)
    return instance


@transaction.atomic
def offering_delete(*, actor, offering: InstitutionMajor) -> None:
    model_delete(actor=actor, instance=offering)


@transaction.atomic
def offering_bulk_upsert(
    *, actor, rows: list[dict[str, Any]], scope_action: str = "change", message: str = ""
):
    """Create or update offered majors keyed on institution + major + start year (imports).

    Every row's major must match its institution's level (checked again here); rows are otherwise
    already validated by ``OfferingImporter``. One audit entry per created or updated row.
    """
    from zhijiao.core.importing.bulk import model_bulk_upsert

    cleaned = [_check(r) for r in rows]
    for data in cleaned:
        offering_major_matches_institution(institution=data["institution"], major=data["major"])
    return model_bulk_upsert(
        actor=actor,
        model=InstitutionMajor,
        key_fields=("institution", "major", "start_year"),
        rows=cleaned,
        fields=OFFERING_FIELDS,
        scope_action=scope_action,
        select_related=("institution__region", "major"),
        message=message,
    )
