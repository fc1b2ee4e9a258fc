"""Sensitive identifiers: one kind of field, masked wherever a value leaves the server.

PIPL art. 28 counts minors' personal information and identity numbers as sensitive personal
information; 等保 2.0 asks for minimal disclosure and a record of every look at such data. A model
lists its sensitive fields and their kind in ``sensitive_fields`` (``{"id_number": "resident_id"}``)
— that registry is the one source every output reads:

- API serializers (``core.api.serializers.SensitiveFieldsMixin``, in ``ServiceModelSerializer``),
- pages (``object_fields`` of the generic detail view, the ``mask`` template filter, tables),
- export column maps (``core.importing.Column(sensitive=…)``), PDFs,
- audit snapshots (``core.audit.snapshot``),

each shows ``mask(kind, value)``. The full value is shown only through ``reveal`` — an audited
look (``AuditAction.VIEW_SENSITIVE``) by someone allowed to change the record. Code that needs the
full value for its own work (certificate numbering, duplicate checks, national exchange files, the
signed QR) reads the model attribute as before: only what leaves the server is masked.

Kinds:
- ``resident_id``: 居民身份证号码 (GB 11643) and other identity document numbers;
- ``registry_number``: the 学籍号, "G" + the 18-digit ID number (national format, kept because the
  national system uses it) or "L" + a temporary number — as sensitive as the ID it contains;
- ``phone``: a person's phone number;
- ``address``: where a person lives or was (a check-in's address). Organisations' own addresses
  (schools, enterprises: public registry data) are not personal and not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django.apps import apps
from django.db import models

from .validators import mask_phone, mask_resident_id

RESIDENT_ID = "resident_id"
REGISTRY_NUMBER = "registry_number"
PHONE = "phone"
ADDRESS = "address"
KINDS = (RESIDENT_ID, REGISTRY_NUMBER, PHONE, ADDRESS)


def mask_registry_number(value: str) -> str:
    """The 学籍号's letter, then the number inside masked as an ID number (G370103********7709)."""
    if not value:
        return value or ""
    return value[:1] + mask_resident_id(value[1:])


#: Characters of an address kept: province, city and district at most ("山东省济南市").
ADDRESS_KEPT = 6


def mask_address(value: str) -> str:
    """The first few characters (the area), then a fixed "****" (so the length tells nothing)."""
    if not value:
        return value or ""
    return value[:ADDRESS_KEPT].split("*")[0] + "****"


MASKERS: dict[str, Callable[[str], str]] = {
    RESIDENT_ID: mask_resident_id,
    REGISTRY_NUMBER: mask_registry_number,
    PHONE: mask_phone,
    ADDRESS: mask_address,
}


def mask(kind: str, value: Any) -> Any:
    """``value`` as shown to people (None and "" stay as they are)."""
    if value in (None, ""):
        return value
    return MASKERS[kind](str(value))


def fields_of(model: type[models.Model] | models.Model) -> dict[str, str]:
    """The model's sensitive fields: ``{field name: kind}``."""
    return dict(getattr(model, "sensitive_fields", None) or {})


def kind_of(model: type[models.Model] | models.Model, field_name: str) -> str | None:
    return fields_of(model).get(field_name)


def registry() -> Iterator[tuple[type[models.Model], str, str]]:
    """Every (model, field name, kind) of the project (tests walk it)."""
    for model in apps.get_models():
        for name, kind in fields_of(model).items():
            yield model, name, kind


def masked(instance: models.Model, field_name: str) -> Any:
    """The field's value as shown to people (masked when the field is sensitive)."""
    value = getattr(instance, field_name)
    kind = kind_of(instance, field_name)
    return mask(kind, value) if kind else value


def is_masked_form(kind: str, value: str, stored: str) -> bool:
    """Is ``value`` the masked form of ``stored``? A client sending back what it was shown (a GET
    before a PUT, an export re-imported) means "unchanged", never "store the stars"."""
    return bool(stored) and value == mask(kind, stored) and value != stored


# --- the audited reveal ------------------------------------------------------------------------------
def may_reveal(user, instance: models.Model, field_name: str) -> bool:
    """Who may see a full value: roles that may change the record (school and authority staff over
    a student, an enterprise's own users …) — never read-only roles such as the auditor. A model
    narrows this with ``may_reveal_sensitive(user, field_name)``."""
    if kind_of(instance, field_name) is None:
        return False
    hook = getattr(instance, "may_reveal_sensitive", None)
    if callable(hook):
        return bool(hook(user, field_name))
    from .scoping import restrict

    model = type(instance)
    return restrict(model._default_manager.filter(pk=instance.pk), user, "change").exists()


def reveal(*, actor, instance: models.Model, field_name: str) -> str:
    """The full value of one sensitive field, recorded in the audit log (who, when, which field).

    Raises ``PermissionDenied`` for someone who may not see it (callers fetched ``instance``
    through a scoped selector, so an unseen record is already a 404).
    """
    from django.core.exceptions import PermissionDenied
    from django.db import transaction
    from django.utils.translation import gettext as _

    from .audit import audit_record
    from .models import AuditAction

    if not may_reveal(actor, instance, field_name):
        raise PermissionDenied(_("You may not see this value in full."))
    with transaction.atomic():
        audit_record(actor=actor, action=AuditAction.VIEW_SENSITIVE, instance=instance, message=field_name)
    return getattr(instance, field_name) or ""


__all__ = [
    "ADDRESS",
    "KINDS",
    "MASKERS",
    "PHONE",
    "REGISTRY_NUMBER",
    "RESIDENT_ID",
    "fields_of",
    "is_masked_form",
    "kind_of",
    "mask",
    "mask_address",
    "mask_registry_number",
    "masked",
    "may_reveal",
    "registry",
    "reveal",
]
