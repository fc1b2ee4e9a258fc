"""National and provincial code lists of the 学籍 record, kept as data (one YAML file each):
民族 (GB/T 3304), 户籍 (GB/T 2260 provinces), 生源类别 (incl. 扩招 categories), 资助 eligibility.

A deployment replaces or extends a list with ``settings.STUDENT_CODELIST_DIRS`` (directories searched
first for a file of the same name).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext as _

HERE = Path(__file__).resolve().parent
LISTS = ("ethnicity", "provinces", "source_category", "aid_category")


@functools.cache
def codes(name: str) -> dict[str, str]:
    """code → name of the list ``name``, in file order."""
    if name not in LISTS:
        raise KeyError(name)
    for folder in [*getattr(settings, "STUDENT_CODELIST_DIRS", ()), HERE]:
        path = Path(folder) / f"{name}.yaml"
        if path.exists():
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            return {str(k): str(v) for k, v in data["codes"].items()}
    raise FileNotFoundError(name)


def choices(name: str) -> list[tuple[str, str]]:
    return [(code, f"{code} {label}") for code, label in codes(name).items()]


def label(name: str, code: str) -> str:
    return codes(name).get(code or "", "")


def to_code(name: str, value: str) -> str:
    """A cell or form value as a code: the code itself, or the name from the list ("汉族" → "01")."""
    value = (value or "").strip()
    if not value:
        return ""
    if name == "provinces":
        return value
    table = codes(name)
    if value in table:
        return value
    if value.isdigit() and value.zfill(2) in table:
        return value.zfill(2)
    for code, text in table.items():
        if text == value:
            return code
    raise ValidationError(_("“%(value)s” is not in the code list.") % {"value": value[:30]})


_REGION = re.compile(r"^\d{6}$")


def validate_region_code(value: str) -> None:
    """户籍: a six-digit GB/T 2260 code of a known province; where the list also holds that province's
    six-digit codes, one of them."""
    if not value:
        return
    table = codes("provinces")
    known = [c for c in table if len(c) == 6 and c[:2] == value[:2]]
    if not _REGION.match(value) or value[:2] not in table or (known and value not in known):
        raise ValidationError(_("“%(value)s” is not a GB/T 2260 region code.") % {"value": value[:30]})


@deconstructible
class CodeListValidator:
    """The value is a code of the list ``name`` (or empty)."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, value: str) -> None:
        if value and value not in codes(self.name):
            raise ValidationError(_("“%(value)s” is not in the code list.") % {"value": value[:30]})

    def __eq__(self, other) -> bool:
        return isinstance(other, CodeListValidator) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self.name)
