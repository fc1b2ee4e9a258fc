"""Reference data: Shandong's divisions (GB/T 2260) and its higher-vocational institutions.

The only writer of reference rows. Files are parsed and checked completely before anything is
written; the write is one transaction of bulk statements with one audit entry per changed row.
Re-running with unchanged files writes nothing and records nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_bulk, snapshot
from zhijiao.core.validators import normalize_code, normalize_text

from .choices import InstitutionKind, Ownership, RegionLevel
from .models import Institution, Region

REGIONS_FILE = "admin-divisions/shandong_2024_divisions.csv"
HEI_VOCATIONAL_FILE = "higher-ed-institutions/shandong_zhuanke_hei_2025.csv"
HEI_REGULAR_FILE = "higher-ed-institutions/shandong_regular_hei_2025.csv"

# The MCA file calls a 地级市 "prefecture"; our tree calls it a city.
REGION_LEVELS = {
    "province": RegionLevel.PROVINCE,
    "prefecture": RegionLevel.CITY,
    "city": RegionLevel.CITY,
    "county": RegionLevel.COUNTY,
}
_LEVEL_ORDER = [RegionLevel.PROVINCE, RegionLevel.CITY, RegionLevel.COUNTY]
_DIVISION_RE = re.compile(r"^\d{6}$")
_INSTITUTION_CODE_RE = re.compile(r"^\d{10}$")
PRIVATE_MARK = "民办"


class ReferenceDataError(Exception):
    """A reference file is missing, malformed or inconsistent; nothing has been written."""

    def __init__(self, problems: str | list[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


@dataclass
class UpsertResult:
    label: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return _("%(label)s: %(created)d created, %(updated)d updated, %(unchanged)d unchanged") % {
            "label": self.label,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }


@dataclass
class LoadReport:
    results: list[UpsertResult] = field(default_factory=list)

    @property
    def written(self) -> int:
        return sum(r.created + r.updated for r in self.results)

    def __str__(self) -> str:
        return "\n".join(str(r) for r in self.results)


def data_dir_or_default(data_dir: Path | str | None) -> Path:
    return Path(data_dir) if data_dir else Path(settings.SHARED_DATA_DIR)


def read_csv(path: Path, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a UTF-8 CSV with a header; every required column must exist."""
    if not path.is_file():
        raise ReferenceDataError(_("Reference file not found: %(path)s") % {"path": path})
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in required if c not in header]
            if missing:
                raise ReferenceDataError(
                    _("%(file)s: missing column(s) %(cols)s")
                    % {"file": path.name, "cols": ", ".join(missing)}
                )
            return [
                (n, {k: (v or "").strip() for k, v in row.items() if k is not None})
                for n, row in enumerate(reader, start=2)
            ]
    except UnicodeDecodeError:
        raise ReferenceDataError(_("%(file)s is not UTF-8 text.") % {"file": path.name})


def bulk_upsert(
    *,
    actor,
    model: type[models.Model],
    rows: dict[Hashable, dict[str, Any]],
    existing: dict[Hashable, models.Model],
    label: str,
    message: str,
    exclude_clean: Iterable[str] = (),
) -> tuple[UpsertResult, dict[Hashable, models.Model]]:
    """Create or update ``rows`` (natural key → field values) against ``existing`` rows.

    Field validators run (``clean_fields``) but not per-row uniqueness queries: the callers'
    parsers already guarantee unique keys and the database constraints back them up. Rows present
    in the database but not in the file are left alone (they may be referenced). Returns the result
    and every row by key (created rows carry their new primary keys).
    """
    result = UpsertResult(label=label)
    exclude = list(exclude_clean)
    now = timezone.now()
    to_create: list[models.Model] = []
    updates: list[tuple[models.Model, dict, dict]] = []
    changed_fields: set[str] = set()
    by_key: dict[Hashable, models.Model] = {}
    problems: list[str] = []
    for key, values in rows.items():
        obj = existing.get(key)
        if obj is None:
            obj = model(**values)
            to_create.append(obj)
        else:
            before = snapshot(obj)
            for name, value in values.items():
                setattr(obj, name, value)
            after = snapshot(obj)
            if before == after:
                result.unchanged += 1
                by_key[key] = obj
                continue
            changed_fields.update(k for k in after if before.get(k) != after[k])
            obj.updated_at = now
            updates.append((obj, before, after))
        try:
            obj.clean_fields(exclude=exclude)
        except ValidationError as exc:
            problems.append(
                f"{label} {key}: {'; '.join(m for msgs in exc.message_dict.values() for m in msgs)}"
            )
        by_key[key] = obj
    if problems:
        raise ReferenceDataError(problems)
    if to_create:
        model._default_manager.bulk_create(to_create, batch_size=500)
        audit_bulk(
            actor=actor,
            action=AuditAction.CREATE,
            items=[(o, None, snapshot(o)) for o in to_create],
            message=message,
        )
    if updates:
        model._default_manager.bulk_update(
            [o for o, _b, _a in updates], fields=sorted(changed_fields | {"updated_at"}), batch_size=500
        )
        audit_bulk(actor=actor, action=AuditAction.UPDATE, items=updates, message=message)
    result.created, result.updated = len(to_create), len(updates)
    return result, by_key


# --- regions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DivisionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


def parse_regions(data_dir: Path | str | None = None) -> list[DivisionRow]:
    """Rows of the divisions file, parents before children; every inconsistency is reported."""
    path = data_dir_or_default(data_dir) / REGIONS_FILE
    problems: list[str] = []
    rows: dict[str, DivisionRow] = {}
    for line, raw in read_csv(path, ("code", "name", "level", "parent_code")):
        code, name = normalize_code(raw["code"]), normalize_text(raw["name"])
        level = REGION_LEVELS.get(raw["level"])
        parent = normalize_code(raw["parent_code"]) or None
        where = _("%(file)s line %(line)d") % {"file": path.name, "line": line}
        if not _DIVISION_RE.match(code):
            problems.append(
                _("%(where)s: division code %(code)r is not 6 digits") % {"where": where, "code": code}
            )
            continue
        if not name:
            problems.append(_("%(where)s: the name is empty") % {"where": where})
        if level is None:
            problems.append(_("%(where)s: unknown level %(level)r") % {"where": where, "level": raw["level"]})
            continue
        if code in rows:
            problems.append(
                _("%(where)s: division code %(code)s appears twice") % {"where": where, "code": code}
            )
        if (level == RegionLevel.PROVINCE) != (parent is None):
            problems.append(_("%(where)s: only the province has no parent") % {"where": where})
        rows[code] = DivisionRow(code=code, name=name, level=level, parent_code=parent)
    for row in rows.values():
        if row.parent_code is None:
            continue
        parent = rows.get(row.parent_code)
        if parent is None:
            problems.append(
                _("%(file)s: %(code)s %(name)s has parent %(parent)s, which is not in the file")
                % {"file": path.name, "code": row.code, "name": row.name, "parent": row.parent_code}
            )
        elif _LEVEL_ORDER.index(parent.level) >= _LEVEL_ORDER.index(row.level):
            problems.append(
                _("%(file)s: %(code)s %(name)s is not below its parent %(parent)s")
                % {"file": path.name, "code": row.code, "name": row.name, "parent": row.parent_code}
            )
    if problems:
        raise ReferenceDataError(problems)
    if not rows:
        raise ReferenceDataError(_("%(file)s has no rows") % {"file": path.name})
    return sorted(rows.values(), key=lambda r: (_LEVEL_ORDER.index(r.level), r.code))


@transaction.atomic
def regions_load(*, actor, rows: list[DivisionRow], message: str = "") -> UpsertResult:
    """Create or refresh the divisions level by level (a parent needs its key before its children)."""
    message = message or _("Reference data: administrative divisions (GB/T 2260)")
    existing = {r.code: r for r in Region.objects.select_related("parent")}
    total = UpsertResult(label=_("Regions"))
    for level in _LEVEL_ORDER:
        values: dict[Hashable, dict[str, Any]] = {}
        for row in rows:
            if row.level != level:
                continue
            parent = existing[row.parent_code] if row.parent_code else None
            values[row.code] = {
                "code": row.code,
                "name": row.name,
                "level": row.level,
                "parent": parent,
                "path": (parent.path if parent else "") + row.code + "/",
            }
        result, by_key = bulk_upsert(
            actor=actor,
            model=Region,
            rows=values,
            existing=existing,
            label=total.label,
            message=message,
            exclude_clean=("parent",),
        )
        existing.update(by_key)
        total.created += result.created
        total.updated += result.updated
        total.unchanged += result.unchanged
    return total


# --- higher-vocational institutions ----------------------------------------------------------

HEI_COLUMNS = ("学校名称", "学校标识码", "主管部门", "所在地", "办学层次", "备注")


def is_vocational_bachelor(row: dict[str, str]) -> bool:
    """A 本科 row of the MOE list that is a vocational (职业本科) university.

    Source: 《本科层次职业学校设置标准（试行）》(教发〔2021〕1号) — such schools are named
    "职业技术大学" or "职业大学"; every other 本科 school in the list is a general university.
    """
    name = row["学校名称"]
    return row["办学层次"] == "本科" and ("职业技术大学" in name or "职业大学" in name)


@dataclass(frozen=True)
class InstitutionRow:
    code: str
    name: str
    kind: str
    city_name: str
    supervising_authority: str
    ownership: str


def parse_institutions(
    data_dir: Path | str | None = None, *, city_names: Iterable[str] | None = None
) -> list[InstitutionRow]:
    """专科 colleges (kind higher) and the vocational-bachelor universities (kind bachelor)."""
    base = data_dir_or_default(data_dir)
    cities = set(city_names) if city_names is not None else None
    sources: list[tuple[Path, str, Callable[[dict[str, str]], bool]]] = [
        (base / HEI_VOCATIONAL_FILE, InstitutionKind.HIGHER_VOCATIONAL, lambda r: r["办学层次"] == "专科"),
        (base / HEI_REGULAR_FILE, InstitutionKind.VOCATIONAL_BACHELOR, is_vocational_bachelor),
    ]
    problems: list[str] = []
    out: dict[str, InstitutionRow] = {}
    names: dict[str, str] = {}
    for path, kind, wanted in sources:
        for line, raw in read_csv(path, HEI_COLUMNS):
            where = _("%(file)s line %(line)d") % {"file": path.name, "line": line}
            if not wanted(raw):
                if kind == InstitutionKind.HIGHER_VOCATIONAL:
                    problems.append(
                        _("%(where)s: level %(level)r, expected 专科")
                        % {"where": where, "level": raw["办学层次"]}
                    )
                continue
            code, name = normalize_code(raw["学校标识码"]), normalize_text(raw["学校名称"])
            city = normalize_text(raw["所在地"])
            if not _INSTITUTION_CODE_RE.match(code):
                problems.append(
                    _("%(where)s: identifier code %(code)r is not 10 digits") % {"where": where, "code": code}
                )
                continue
            if not name:
                problems.append(_("%(where)s: the name is empty") % {"where": where})
            if cities is not None and city not in cities:
                problems.append(_("%(where)s: unknown city %(city)r") % {"where": where, "city": city})
            if code in out or names.get(name, code) != code:
                problems.append(
                    _("%(where)s: %(code)s %(name)s appears twice")
                    % {"where": where, "code": code, "name": name}
                )
            names[name] = code
            out[code] = InstitutionRow(
                code=code,
                name=name,
                kind=kind,
                city_name=city,
                supervising_authority=normalize_text(raw["主管部门"]),
                ownership=Ownership.PRIVATE if raw["备注"] == PRIVATE_MARK else Ownership.PUBLIC,
            )
    if problems:
        raise ReferenceDataError(problems)
    return sorted(out.values(), key=lambda r: r.code)


@transaction.atomic
def institutions_load(*, actor, rows: list[InstitutionRow], message: str = "") -> UpsertResult:
    """Create or refresh the colleges; status, address and website stay as users maintain them."""
    message = message or _("Reference data: higher-vocational institutions (MOE list)")
    cities = {r.name: r for r in Region.objects.filter(level=RegionLevel.CITY).select_related("parent")}
    missing = sorted({r.city_name for r in rows if r.city_name not in cities})
    if missing:
        raise ReferenceDataError(
            _("Cities not loaded: %(names)s (load the divisions first)") % {"names": ", ".join(missing)}
        )
    existing = {
        i.code: i
        for i in Institution.objects.filter(code__in=[r.code for r in rows]).select_related("region")
    }
    values = {
        r.code: {
            "code": r.code,
            "name": r.name,
            "kind": r.kind,
            "ownership": r.ownership,
            "region": cities[r.city_name],
            "supervising_authority": r.supervising_authority,
        }
        for r in rows
    }
    result, _by_key = bulk_upsert(
        actor=actor,
        model=Institution,
        rows=values,
        existing=existing,
        label=_("Institutions"),
        message=message,
        exclude_clean=("region",),
    )
    return result
