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
