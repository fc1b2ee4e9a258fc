"""Reference data: the 职业教育专业目录 (categories, classes, majors at the three levels).

The only writer of catalogue rows. The file is checked completely first — codes must nest
(major code starts with its class code, which starts with its category code) and every class and
category must have one name — and a single violation aborts the load with nothing written.
"""

from __future__ import annotations

import re
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.validators import normalize_code, normalize_text
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Region
from zhijiao.orgs.reference import (
    LoadReport,
    ReferenceDataError,
    UpsertResult,
    bulk_upsert,
    data_dir_or_default,
    institutions_load,
    parse_institutions,
    parse_regions,
    read_csv,
    regions_load,
)

from .choices import MajorLevel
from .models import Major, MajorCategory, MajorClass

CATALOGUE_FILE = "vocational-majors/majors_merged.csv"
# 职业教育专业目录（2021年）, with the annual additions to December 2025 (see the data README).
CATALOGUE_VERSION = "2021"
CONTROLLED_SUFFIX = "K"  # 国家控制专业

LEVELS = {"中职": MajorLevel.SECONDARY, "高职专科": MajorLevel.HIGHER, "职教本科": MajorLevel.BACHELOR}
CATALOGUE_COLUMNS = (
    "专业大类代码",
    "专业大类",
    "专业类代码",
    "专业类",
    "专业代码",
    "专业名称",
    "层次",
    "备注",
)

_CATEGORY_RE = re.compile(r"^\d{2}$")
_CLASS_RE = re.compile(r"^\d{4}$")
_MAJOR_RE = re.compile(r"^\d{6}K?$")


@dataclass(frozen=True)
class MajorRow:
    level: str
    category_code: str
    category_name: str
    class_code: str
    class_name: str
    code: str
    name: str
    note: str

    @property
    def is_controlled(self) -> bool:
        return self.code.endswith(CONTROLLED_SUFFIX)


@dataclass
class Catalogue:
    categories: dict[tuple[str, str], str]  # (level, code) → name
    classes: dict[tuple[str, str], tuple[str, str]]  # (level, code) → (category code, name)
    majors: list[MajorRow]


def codes_nest(*, category_code: str, class_code: str, major_code: str) -> bool:
    """A major code starts with its class code, which starts with its category code.

    Source: 职业教育专业目录（2021年）编制说明 — codes are 2-digit 大类, 4-digit 类, 6-digit 专业
    (plus K for 国家控制专业), each extending its parent's code.
    """
    return class_code.startswith(category_code) and major_code.startswith(class_code)


def parse_catalogue(data_dir: Path | str | None = None) -> Catalogue:
    path = data_dir_or_default(data_dir) / CATALOGUE_FILE
    problems: list[str] = []
    categories: dict[tuple[str, str], str] = {}
    classes: dict[tuple[str, str], tuple[str, str]] = {}
    majors: dict[str, MajorRow] = {}
    for line, raw in read_csv(path, CATALOGUE_COLUMNS):
        where = _("%(file)s line %(line)d") % {"file": path.name, "line": line}
        level = LEVELS.get(raw["层次"])
        cat_code, cls_code = normalize_code(raw["专业大类代码"]), normalize_code(raw["专业类代码"])
        code = normalize_code(raw["专业代码"])
        cat_name, cls_name = normalize_text(raw["专业大类"]), normalize_text(raw["专业类"])
        name = normalize_text(raw["专业名称"])
        if level is None:
            problems.append(_("%(where)s: unknown level %(level)r") % {"where": where, "level": raw["层次"]})
            continue
        bad = [
            label % {"code": value}
            for value, pattern, label in (
                (cat_code, _CATEGORY_RE, _("category code %(code)r is not 2 digits")),
                (cls_code, _CLASS_RE, _("class code %(code)r is not 4 digits")),
                (code, _MAJOR_RE, _("major code %(code)r is not 6 digits (optionally followed by K)")),
            )
            if not pattern.match(value)
        ]
        if bad:
            problems.append(f"{where}: {'; '.join(bad)}")
            continue
        if not codes_nest(category_code=cat_code, class_code=cls_code, major_code=code):
            problems.append(
                _("%(where)s: codes do not nest: major %(code)s, class %(cls)s, category %(cat)s")
                % {"where": where, "code": code, "cls": cls_code, "cat": cat_code}
            )
            continue
        if not (cat_name and cls_name and name):
            problems.append(_("%(where)s: a name is empty") % {"where": where})
            continue
        if categories.setdefault((level, cat_code), cat_name) != cat_name:
            problems.append(
                _("%(where)s: category %(code)s is named both %(a)s and %(b)s")
                % {"where": where, "code": cat_code, "a": categories[(level, cat_code)], "b": cat_name}
            )
        if classes.setdefault((level, cls_code), (cat_code, cls_name)) != (cat_code, cls_name):
            problems.append(
                _("%(where)s: class %(code)s is named both %(a)s and %(b)s")
                % {"where": where, "code": cls_code, "a": classes[(level, cls_code)][1], "b": cls_name}
            )
        if code in majors:
            problems.append(
                _("%(where)s: major code %(code)s appears twice") % {"where": where, "code": code}
            )
        majors[code] = MajorRow(
            level=level,
            category_code=cat_code,
            category_name=cat_name,
            class_code=cls_code,
            class_name=cls_name,
            code=code,
            name=name,
            note=normalize_text(raw["备注"]),
        )
    if problems:
        raise ReferenceDataError(problems)
    if not majors:
        raise ReferenceDataError(_("%(file)s has no rows") % {"file": path.name})
    return Catalogue(
        categories=categories, classes=classes, majors=sorted(majors.values(), key=lambda m: m.code)
    )


@transaction.atomic
def catalogue_load(*, actor, catalogue: Catalogue, version: str = CATALOGUE_VERSION) -> list[UpsertResult]:
    """Create or refresh categories, classes and majors of one catalogue version."""
    message = _("Reference data: vocational major catalogue %(version)s") % {"version": version}
    cat_existing = {(c.level, c.code): c for c in MajorCategory.objects.all()}
    cat_rows: dict[Hashable, dict[str, Any]] = {
        key: {"level": key[0], "code": key[1], "name": name}
        for key, name in sorted(catalogue.categories.items())
    }
    cat_result, cats = bulk_upsert(
        actor=actor,
        model=MajorCategory,
        rows=cat_rows,
        existing=cat_existing,
        label=_("Major categories"),
        message=message,
    )

    cls_existing = {(c.category.level, c.code): c for c in MajorClass.objects.select_related("category")}
    cls_rows: dict[Hashable, dict[str, Any]] = {
        (level, code): {"category": cats[(level, cat_code)], "code": code, "name": name}
        for (level, code), (cat_code, name) in sorted(catalogue.classes.items())
    }
    cls_result, classes = bulk_upsert(
        actor=actor,
        model=MajorClass,
        rows=cls_rows,
        existing=cls_existing,
        label=_("Major classes"),
        message=message,
        exclude_clean=("category",),
    )

    major_existing = {m.code: m for m in Major.objects.filter(catalogue_version=version)}
    major_rows: dict[Hashable, dict[str, Any]] = {
        m.code: {
            "major_class": classes[(m.level, m.class_code)],
            "level": m.level,
            "code": m.code,
            "name": m.name,
            "is_controlled": m.is_controlled,
            "catalogue_version": version,
            "note": m.note,
        }
        for m in catalogue.majors
    }
    major_result, _majors = bulk_upsert(
        actor=actor,
        model=Major,
        rows=major_rows,
        existing=major_existing,
        label=_("Majors"),
        message=message,
        exclude_clean=("major_class",),
    )
    return [cat_result, cls_result, major_result]


# --- everything at once: the divisions (orgs), the catalogue (here), the colleges (orgs) --------------
# The loader sits here, in the app above both, so the kernel's orgs never imports majors.


def reference_data_missing() -> bool:
    """True when the catalogue or the divisions have not been loaded yet."""
    return not (Region.objects.filter(level=RegionLevel.PROVINCE).exists() and Major.objects.exists())


@transaction.atomic
def reference_data_load(
    *, actor, data_dir: Path | str | None = None, catalogue_version: str | None = None
) -> LoadReport:
    """Divisions, the major catalogue and the colleges, all checked first, written in one transaction."""
    version = catalogue_version or CATALOGUE_VERSION
    regions = parse_regions(data_dir)
    catalogue = parse_catalogue(data_dir)
    colleges = parse_institutions(
        data_dir, city_names=[r.name for r in regions if r.level == RegionLevel.CITY]
    )
    report = LoadReport()
    report.results.append(regions_load(actor=actor, rows=regions))
    report.results.extend(catalogue_load(actor=actor, catalogue=catalogue, version=version))
    report.results.append(institutions_load(actor=actor, rows=colleges))
    return report
