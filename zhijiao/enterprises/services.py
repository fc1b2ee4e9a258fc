"""Writes for enterprises. Only these functions change the table."""

from typing import Any

from django.db import transaction

from zhijiao.core.services import model_create, model_delete, model_update
from zhijiao.core.validators import normalize_code, normalize_text, normalize_uscc

from .models import Enterprise

ENTERPRISE_FIELDS = (
    "credit_code",
    "name",
    "industry",
    "region",
    "headcount",
    "contact_name",
    "contact_phone",
    "address",
)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = {k: v for k, v in data.items() if k in ENTERPRISE_FIELDS}
    if isinstance(cleaned.get("credit_code"), str):
        cleaned["credit_code"] = normalize_uscc(cleaned["credit_code"])
    if isinstance(cleaned.get("contact_phone"), str):
        cleaned["contact_phone"] = normalize_code(cleaned["contact_phone"])
    for key in ("name", "contact_name", "address"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = normalize_text(cleaned[key])
    return cleaned


@transaction.atomic
def enterprise_create(*, actor, data: dict[str, Any]) -> Enterprise:
    return model_create(actor=actor, instance=Enterprise(**_clean(data)))


@transaction.atomic
def enterprise_update(*, actor, enterprise: Enterprise, data: dict[str, Any]) -> Enterprise:
    instance, _changed = model_update(actor=actor, instance=enterprise, data=_clean(data))
    return instance


@transaction.atomic
def enterprise_delete(*, actor, enterprise: Enterprise) -> None:
    model_delete(actor=actor, instance=enterprise)


@transaction.atomic
def enterprise_bulk_upsert(
    *, actor, rows: list[dict[str, Any]], scope_action: str = "change", message: str = ""
):
    """Create or update enterprises keyed on the credit code (imports); one audit entry per write.

    Rows must already be validated (``EnterpriseImporter`` checks every field for the whole file).
    Returns a ``BulkResult`` with created / updated objects and the unchanged count.
    """
    from zhijiao.core.importing.bulk import model_bulk_upsert

    return model_bulk_upsert(
        actor=actor,
        model=Enterprise,
        key_fields=("credit_code",),
        rows=[_clean(r) for r in rows],
        fields=ENTERPRISE_FIELDS,
        scope_action=scope_action,
        select_related=("region",),
        message=message,
    )
