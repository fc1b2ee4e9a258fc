"""Sensitive values on pages: masked, and one shown in full on request (``?reveal=<field>``, audited)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Model

from zhijiao.core import sensitive

#: Older links say ``?reveal=id`` for the ID number.
ALIASES = {"id": "id_number"}


@dataclass(frozen=True)
class ShownValue:
    value: str
    revealed: bool
    reveal_url: str | None  # None: shown in full already, empty, or not for this user

    def __str__(self) -> str:
        return self.value or ""


def sensitive_values(request, instance: Model, *, allow_reveal: bool = True) -> dict[str, ShownValue]:
    """Every sensitive field of ``instance`` as a page shows it.

    ``?reveal=<field>`` (by someone who ``core.sensitive.may_reveal``) shows that one field in full
    and writes the audit entry; everything else stays masked. ``allow_reveal=False`` for pages where
    nobody reveals (a student's own record).
    """
    wanted = request.GET.get("reveal", "")
    wanted = ALIASES.get(wanted, wanted)
    shown: dict[str, ShownValue] = {}
    fields = sensitive.fields_of(instance)
    # One rule per record (who may change it) for all its fields: asked once.
    allowed = (
        allow_reveal and bool(fields) and sensitive.may_reveal(request.user, instance, next(iter(fields)))
    )
    for name in fields:
        stored = getattr(instance, name) or ""
        may = allowed and bool(stored)
        if may and wanted == name:
            value = sensitive.reveal(actor=request.user, instance=instance, field_name=name)
            shown[name] = ShownValue(value, True, None)
            continue
        reveal_url = "?" + urlencode({"reveal": name}) if may else None
        shown[name] = ShownValue(sensitive.mask(sensitive.kind_of(instance, name), stored), False, reveal_url)
    return shown
