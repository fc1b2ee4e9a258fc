"""Who reports a data set, declared in its definition:

    reporters:
      kinds: [higher, bachelor]        # institution kinds (orgs.InstitutionKind)
      levels: [secondary]              # levels of education run (中职 / 高职专科 / 职业本科)
      ownership: [public]              # 公办 / 民办
      cities: ["370100", "370200"]     # city codes (a school reports if its region is in one)
      city_return: any_time            # when a city submits its own return: after_approval
                                       # (default: not while schools wait for its decision) or any_time
      by: city                         # who fills the form: school (default) or city — the city
                                       # bureaus fill it themselves (their city return holds the
                                       # values) and the province accepts it

Every key given narrows the set (an absent or empty key: no restriction). A school runs the
levels of the majors it may offer — 职业教育专业目录（2021年）is split by level, and schools
file majors of the levels they run (教职成〔2021〕2号) — the same split ``majors`` applies.

A data set reported ``by: city`` (the 高地 indicator dispatch) is filled by the 16 city bureaus,
not by schools: the kinds, levels and ownership keys do not apply, ``cities`` narrows which cities
report. The province's 试验区 are not organisations of the platform (no node of the tree, no
account), so they do not report on their own; their figures come in their city's return.
"""

from __future__ import annotations

import re

from django.db.models import Q
from django.utils.translation import gettext as _

from zhijiao.orgs.choices import InstitutionKind as K
from zhijiao.orgs.choices import Ownership

LEVELS: dict[str, frozenset[str]] = {
    "secondary": frozenset({K.SECONDARY_VOCATIONAL, K.TECHNICAL, K.TECHNICIAN_COLLEGE}),
    "higher": frozenset({K.HIGHER_VOCATIONAL, K.TECHNICIAN_COLLEGE, K.VOCATIONAL_BACHELOR}),
    "bachelor": frozenset({K.VOCATIONAL_BACHELOR}),
}
CITY_CODE = re.compile(r"^\d{4}00$")
KEYS = ("kinds", "levels", "ownership", "cities", "city_return", "by")
CITY_RETURN = ("after_approval", "any_time")
BY = ("school", "city")


def check(reporters) -> list[str]:
    """Problems of a definition's ``reporters`` entry, each naming where it is."""
    if reporters in (None, {}):
        return []
    if not isinstance(reporters, dict):
        return ["reporters: " + _("a mapping of kinds, levels, ownership and cities")]
    errors = []
    allowed = {
        "kinds": set(K.values),
        "levels": set(LEVELS),
        "ownership": set(Ownership.values),
    }
    for key, value in reporters.items():
        where = f"reporters.{key}"
        if key not in KEYS:
            errors.append(f"{where}: " + _("unknown key; one of %(keys)s") % {"keys": ", ".join(KEYS)})
            continue
        if key in ("city_return", "by"):
            options = CITY_RETURN if key == "city_return" else BY
            if value not in options:
                errors.append(
                    f"{where}: "
                    + _("“%(v)s” is not one of %(all)s") % {"v": value, "all": ", ".join(options)}
                )
            continue
        if not isinstance(value, list):
            errors.append(f"{where}: " + _("a list"))
            continue
        for item in value:
            if key == "cities":
                if not CITY_CODE.match(str(item)):
                    errors.append(f"{where}: " + _("“%(v)s” is not a city code") % {"v": item})
            elif item not in allowed[key]:
                errors.append(
                    f"{where}: "
                    + _("“%(v)s” is not one of %(all)s") % {"v": item, "all": ", ".join(sorted(allowed[key]))}
                )
    return errors


def by_city(data_set) -> bool:
    """Whether the city bureaus fill the data set's form themselves (``by: city``)."""
    return (data_set.reporters or {}).get("by") == "city"


def city_reports(city, reporters: dict) -> bool:
    """Whether the city bureau ``city`` reports a ``by: city`` data set (``cities`` narrows)."""
    cities = (reporters or {}).get("cities")
    return not cities or city.code in {str(c) for c in cities}


def _kinds(reporters: dict) -> set[str] | None:
    kinds = set(reporters.get("kinds") or []) or None
    for level in reporters.get("levels") or []:
        of_level = set(LEVELS.get(level, ()))
        kinds = of_level if kinds is None else kinds & of_level
    if reporters.get("levels") and kinds is None:
        kinds = set()
    return kinds


def reports(institution, reporters: dict) -> bool:
    """Whether ``institution`` reports under ``reporters`` (no school reports a ``by: city`` set)."""
    reporters = reporters or {}
    if reporters.get("by") == "city":
        return False
    kinds = _kinds(reporters)
    if kinds is not None and institution.kind not in kinds:
        return False
    if reporters.get("ownership") and institution.ownership not in reporters["ownership"]:
        return False
    if reporters.get("cities"):
        city = institution.region.city
        if city is None or city.code not in {str(c) for c in reporters["cities"]}:
            return False
    return True


def institution_q(reporters: dict, prefix: str = "") -> Q:
    """The same test as a filter on institutions (``prefix``: the path to the institution)."""
    reporters = reporters or {}
    if reporters.get("by") == "city":
        return Q(pk__in=[])
    q = Q()
    kinds = _kinds(reporters)
    if kinds is not None:
        q &= Q(**{f"{prefix}kind__in": sorted(kinds)})
    if reporters.get("ownership"):
        q &= Q(**{f"{prefix}ownership__in": list(reporters["ownership"])})
    if reporters.get("cities"):
        cities = Q()
        for code in reporters["cities"]:
            cities |= Q(**{f"{prefix}region__code": str(code)}) | Q(
                **{f"{prefix}region__parent__code": str(code)}
            )
        q &= cities
    return q
