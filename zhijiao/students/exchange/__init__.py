"""Exchange formats: the national 中职学籍 system's template and CHSI's 学籍 registration list for 高职.

Each format is data: one YAML file per format and version (``<key>.v<N>.yaml`` in this folder, or in a
folder of ``settings.STUDENT_EXCHANGE_DIRS`` searched first). A file lists the columns in order, each
with its header and either ``value`` (a name from ``VALUES`` below, optionally a ``map`` of stored codes
to the format's words and a ``date_format``) or ``const``. The newest version is used unless
``settings.STUDENT_EXCHANGE_VERSIONS`` pins one ({"national_zz": 1}). The national format also has an
``import`` section: the headers of the system's own export mapped to the roster import's columns.

Neither column list is published (docs/students-exchange.md): the files say so (``documented: false``)
and a corrected list is a new version, not an edit.
"""

from __future__ import annotations

import datetime
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .. import codelists

HERE = Path(__file__).resolve().parent
_FILE = re.compile(r"^(?P<key>[a-z0-9_]+)\.v(?P<version>\d+)\.yaml$")

#: The formats the platform knows, with how they are named to users.
LAYOUTS = {
    "national_zz": _("National secondary vocational registry template"),
    "chsi_gz": _("CHSI student registration (higher vocational)"),
    "chsi_xl": _("CHSI qualification registration (higher vocational)"),
}


def _enrolment(student):
    current = getattr(student, "current_enrolments", None)
    if current is not None:
        return current[0] if current else None
    return student.enrolments.filter(is_current=True).select_related("offering__major").first()


def _e(attr):
    def get(student, enrolment):
        if enrolment is None:
            return ""
        value = enrolment
        for part in attr.split("."):
            value = getattr(value, part, "")
        return value

    return get


def _expected_leave(student, enrolment):
    if enrolment is None or not enrolment.entry_date:
        return ""
    d = enrolment.entry_date
    year = d.year + (enrolment.study_years or 0)
    try:
        return d.replace(year=year)
    except ValueError:  # 29 February
        return d.replace(year=year, day=28)


#: The values a format's column may name: (student, current enrolment) → the stored value.
VALUES = {
    "institution_code": lambda s, e: s.current_institution.code or "",
    "institution_name": lambda s, e: s.current_institution.name,
    "name": lambda s, e: s.name,
    "name_pinyin": lambda s, e: s.name_pinyin,
    "gender": lambda s, e: s.gender,
    "birth_date": lambda s, e: s.birth_date,
    "id_type": lambda s, e: s.id_type,
    "id_number": lambda s, e: s.id_number,
    "registry_number": lambda s, e: s.registry_number or "",
    "ethnicity": lambda s, e: s.ethnicity,
    "ethnicity_name": lambda s, e: codelists.label("ethnicity", s.ethnicity),
    "hukou_region": lambda s, e: s.hukou_region,
    "source_category": lambda s, e: s.source_category,
    "source_category_name": lambda s, e: codelists.label("source_category", s.source_category),
    "aid_category": lambda s, e: s.aid_category,
    "aid_category_name": lambda s, e: codelists.label("aid_category", s.aid_category),
    "phone": lambda s, e: s.phone,
    "guardian_name": lambda s, e: s.guardian_name,
    "guardian_phone": lambda s, e: s.guardian_phone,
    "major_code": _e("offering.major.code"),
    "major_name": _e("offering.major.name"),
    "class_name": _e("class_name"),
    "cohort_year": _e("cohort_year"),
    "entry_date": _e("entry_date"),
    "study_years": _e("study_years"),
    "pathway": _e("pathway"),
    "stage": _e("stage"),
    "status": _e("status"),
    "expected_leave_date": _expected_leave,
}


#: Values a caller supplies with each row (``Layout.row(…, extra)``): the certificate of a 学历 list,
#: kept by ``credentials``.
EXTRA_VALUES = frozenset({"certificate_number", "graduation_date", "outcome", "issue_date", "principal_name"})


class LayoutError(ValueError):
    """A format file that cannot be used (unknown value name, no columns)."""


@dataclass(frozen=True)
class LayoutColumn:
    header: str
    value: str | None = None
    const: str | None = None
    map: dict[str, str] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"

    def cell(self, student, enrolment, extra: dict | None = None) -> Any:
        if self.value is None:
            return self.const or ""
        if self.value in EXTRA_VALUES:
            raw = (extra or {}).get(self.value, "")
        else:
            raw = VALUES[self.value](student, enrolment)
        if raw is None:
            return ""
        if isinstance(raw, datetime.date):
            return raw.strftime(self.date_format)
        if self.map:
            return self.map.get(str(raw), str(raw))
        return raw


@dataclass(frozen=True)
class Layout:
    key: str
    version: int
    documented: bool
    filename: str
    columns: tuple[LayoutColumn, ...]
    import_columns: dict[str, str] = field(default_factory=dict)
    import_values: dict[str, dict[str, str]] = field(default_factory=dict)
    import_ignore: frozenset[str] = frozenset()

    @property
    def label(self) -> str:
        return str(LAYOUTS.get(self.key, self.key))

    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def rows(self, students: Iterable) -> Iterable[list]:
        for student in students:
            yield self.row(student, _enrolment(student))

    def row(self, student, enrolment, extra: dict | None = None) -> list:
        return [c.cell(student, enrolment, extra) for c in self.columns]


def _folders() -> list[Path]:
    return [Path(p) for p in getattr(settings, "STUDENT_EXCHANGE_DIRS", ())] + [HERE]


def versions(key: str) -> dict[int, Path]:
    """Every version of format ``key`` found (a deployment's folders first)."""
    found: dict[int, Path] = {}
    for folder in _folders():
        if not folder.is_dir():
            continue
        for path in folder.iterdir():
            m = _FILE.match(path.name)
            if m and m["key"] == key:
                found.setdefault(int(m["version"]), path)
    return found


def parse(data: dict, *, key: str, version: int) -> Layout:
    columns = []
    for raw in data.get("columns") or []:
        value = raw.get("value")
        if value is not None and value not in VALUES and value not in EXTRA_VALUES:
            raise LayoutError(f"{key} v{version}: unknown value {value!r}")
        columns.append(
            LayoutColumn(
                header=str(raw["header"]),
                value=value,
                const=None if raw.get("const") is None else str(raw["const"]),
                map={str(k): str(v) for k, v in (raw.get("map") or {}).items()},
                date_format=str(raw.get("date_format") or "%Y-%m-%d"),
            )
        )
    if not columns:
        raise LayoutError(f"{key} v{version}: no columns")
    imp = data.get("import") or {}
    return Layout(
        key=key,
        version=version,
        documented=bool(data.get("documented", False)),
        filename=str(data.get("filename") or key),
        columns=tuple(columns),
        import_columns={str(k): str(v) for k, v in (imp.get("columns") or {}).items()},
        import_values={
            str(col): {str(k): str(v) for k, v in table.items()}
            for col, table in (imp.get("values") or {}).items()
        },
        import_ignore=frozenset(str(h) for h in imp.get("ignore") or ()),
    )


@functools.cache
def _load(path: Path, key: str, version: int) -> Layout:
    return parse(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, key=key, version=version)


def layout(key: str) -> Layout | None:
    """The format in use for ``key`` (the pinned version, else the newest); None if unknown."""
    if key not in LAYOUTS:
        return None
    found = versions(key)
    if not found:
        return None
    pinned = (getattr(settings, "STUDENT_EXCHANGE_VERSIONS", None) or {}).get(key)
    version = int(pinned) if pinned is not None and int(pinned) in found else max(found)
    return _load(found[version], key, version)
