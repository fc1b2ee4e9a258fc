"""Writes for regions and institutions. Only these functions change the tables."""

from typing import Any

from django.db import transaction

from zhijiao.core.services import model_create, model_delete, model_update
from zhijiao.core.validators import normalize_code, normalize_text

from .models import Institution

INSTITUTION_FIELDS = (
    "code",
    "name",
    "kind",
    "ownership",
    "region",
    "supervising_authority",
    "status",
    "address",
    "website",
)


def _clean_institution_data(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in INSTITUTION_FIELDS}
    if cleaned.get("code") is not None:
        cleaned["code"] = normalize_code(cleaned["code"]) or None
    for key in ("name", "supervising_authority", "address"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = normalize_text(cleaned[key])
    return cleaned


@transaction.atomic
def institution_create(*, actor, data: dict[str, Any]) -> Institution:
    return model_create(actor=actor, instance=Institution(**_clean_institution_data(data)))


@transaction.atomic
def institution_update(*, actor, institution: Institution, data: dict[str, Any]) -> Institution:
    instance, _changed = model_update(actor=actor, instance=institution, data=_clean_institution_data(data))
    return instance


@transaction.atomic
def institution_delete(*, actor, institution: Institution) -> None:
    model_delete(actor=actor, instance=institution)


@transaction.atomic
def institution_bulk_upsert(
    *, actor, rows: list[dict[str, Any]], scope_action: str = "change", message: str = ""
):
    """Create or update institutions keyed on the 10-digit 学校标识码 (imports); audited per row.

    Rows must already be validated (``InstitutionImporter`` checks the whole file, names included).
    """
    from zhijiao.core.importing.bulk import model_bulk_upsert

    return model_bulk_upsert(
        actor=actor,
        model=Institution,
        key_fields=("code",),
        rows=[_clean_institution_data(r) for r in rows],
        fields=INSTITUTION_FIELDS,
        scope_action=scope_action,
        select_related=("region",),
        message=message,
    )
