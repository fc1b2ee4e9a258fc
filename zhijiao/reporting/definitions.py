"""Data sets as data: a versioned YAML (or JSON) definition that loads into a ``DataSetVersion``
and exports back to the same text. The whole file is checked first; every problem is reported
in Chinese with where it is (``sections[0].elements[2].type``), and nothing is written unless
all is well."""

from __future__ import annotations

import itertools
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope

from . import expressions, prefill, reporters, rows
from .choices import PeriodType, ValueType
from .models import Category, DataElement, DataSet, DataSetVersion, Section, ValidationRule

CODE = re.compile(r"^[a-z][a-z0-9_]{0,49}$")
# A category option's code is only a part of a cell key, never a name in an expression: it may
# start with a digit (grades 1–3, years).
OPTION_CODE = re.compile(r"^[a-z0-9][a-z0-9_]{0,49}$")
FUNCTION_NAMES = set(expressions.FUNCTIONS)
# The largest attachment a file element accepts (a definition may set less with ``max_mb``).
FILE_MAX_MB = 20


class DefinitionError(ValidationError):
    pass


def _decimal(value) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def parse_text(text: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise DefinitionError([_("The file is not valid YAML or JSON.")]) from exc
    if not isinstance(data, dict):
        raise DefinitionError([_("The file must describe one data set (a mapping at the top).")])
    return data


def check(data: dict) -> list[str]:
    """Every problem of a definition, as Chinese sentences with where each is."""
    errors: list[str] = []

    def err(where: str, message: str) -> None:
        errors.append(f"{where}: {message}")

    def code_at(where: str, value, pattern=CODE) -> str:
        if not isinstance(value, str) or not pattern.match(value):
            if pattern is OPTION_CODE:
                err(where, _("an option's code is lower-case letters, digits and underscores"))
            else:
                err(where, _("a code is lower-case letters, digits and underscores, starting with a letter"))
            return ""
        return value

    code_at("code", data.get("code"))
    if not str(data.get("name") or "").strip():
        err("name", _("the name is required"))
    if not isinstance(data.get("version"), int) or data["version"] < 1:
        err("version", _("the version is a whole number from 1"))
    if data.get("period_type") not in PeriodType.values:
        err("period_type", _("the period type is one of %(types)s") % {"types": ", ".join(PeriodType.values)})
    if "max_change" in data and _decimal(data["max_change"]) is None:
        err("max_change", _("a bound is a number"))
    errors.extend(reporters.check(data.get("reporters")))

    categories: dict[str, dict] = {}
    for i, cat in enumerate(data.get("categories") or []):
        where = f"categories[{i}]"
        code = code_at(f"{where}.code", cat.get("code") if isinstance(cat, dict) else None)
        if code and code in categories:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": code})
        options = cat.get("options") if isinstance(cat, dict) else None
        if not isinstance(options, list) or not options:
            err(f"{where}.options", _("a category needs at least one option"))
            continue
        seen = set()
        for j, opt in enumerate(options):
            oc = code_at(
                f"{where}.options[{j}].code", opt.get("code") if isinstance(opt, dict) else None, OPTION_CODE
            )
            # An invalid code was reported above; it is not "used twice" with another invalid one.
            if oc and oc in seen:
                err(f"{where}.options[{j}].code", _("“%(code)s” is used twice") % {"code": oc})
            seen.add(oc)
        if code:
            categories[code] = cat

    elements: dict[str, dict] = {}
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        err("sections", _("a data set needs at least one section"))
        sections = []
    section_codes = set()
    for i, section in enumerate(sections):
        where = f"sections[{i}]"
        if not isinstance(section, dict):
            err(where, _("a section is a mapping"))
            continue
        sc = code_at(f"{where}.code", section.get("code"))
        if sc and sc in section_codes:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": sc})
        section_codes.add(sc)
        for j, element in enumerate(section.get("elements") or []):
            ew = f"{where}.elements[{j}]"
            if not isinstance(element, dict):
                err(ew, _("an element is a mapping"))
                continue
            ec = code_at(f"{ew}.code", element.get("code"))
            if ec in elements:
                err(f"{ew}.code", _("“%(code)s” is used twice") % {"code": ec})
            if ec in FUNCTION_NAMES:
                err(f"{ew}.code", _("“%(code)s” is the name of a function") % {"code": ec})
            if not str(element.get("name") or "").strip():
                err(f"{ew}.name", _("the name is required"))
            vtype = element.get("type")
            if vtype not in ValueType.values:
                err(
                    f"{ew}.type",
                    _("unknown type “%(type)s”; one of %(types)s")
                    % {"type": vtype, "types": ", ".join(ValueType.values)},
                )
            for bound in ("min", "max"):
                if bound in element and _decimal(element[bound]) is None:
                    err(f"{ew}.{bound}", _("a bound is a number"))
            lo, hi = _decimal(element.get("min")), _decimal(element.get("max"))
            if lo is not None and hi is not None and lo > hi:
                err(f"{ew}.max", _("the maximum is below the minimum"))
            if vtype == ValueType.CHOICE and not element.get("choices"):
                err(f"{ew}.choices", _("a choice element lists its choices"))
            if vtype == ValueType.FILE:
                if element.get("categories"):
                    err(f"{ew}.categories", _("a file element has no disaggregation"))
                size = _decimal(element.get("max_mb", FILE_MAX_MB))
                if size is None or not (0 < size <= FILE_MAX_MB):
                    err(f"{ew}.max_mb", _("a file's size limit is from 1 to %(n)d MB") % {"n": FILE_MAX_MB})
            for cat in element.get("categories") or []:
                if cat not in categories:
                    err(f"{ew}.categories", _("no category “%(code)s”") % {"code": cat})
            for key in ("expected_min", "expected_max", "max_change"):
                if key in element and _decimal(element[key]) is None:
                    err(f"{ew}.{key}", _("a bound is a number"))
            if "prefill" in element:
                cats = [categories.get(c) for c in element.get("categories") or []]
                cells = None
                if cats and all(cats):
                    cells = {
                        ".".join(o.get("code", "") for o in combo)
                        for combo in itertools.product(*[c["options"] for c in cats])
                    }
                errors.extend(prefill.check(f"{ew}.prefill", element["prefill"], cells))
            if ec:
                elements[ec] = element

    # Row-list sections (``reporting.rows``), checked once every element is known (a count may
    # be derived into an element of another section).
    for i, section in enumerate(sections):
        if isinstance(section, dict) and "rows" in section:
            if (data.get("reporters") or {}).get("by") == "city":
                err(f"sections[{i}].rows", _("a data set the cities fill has no row lists"))
                continue
            errors.extend(
                rows.check(
                    f"sections[{i}].rows",
                    section["rows"],
                    elements,
                    categories,
                    lambda v: isinstance(v, str) and bool(CODE.match(v)),
                )
            )

    numeric = {
        c for c, e in elements.items() if e.get("type") in {"number", "integer", "percentage", "money"}
    }
    rule_codes = set()
    for i, rule in enumerate(data.get("rules") or []):
        where = f"rules[{i}]"
        if not isinstance(rule, dict):
            err(where, _("a rule is a mapping"))
            continue
        rc = code_at(f"{where}.code", rule.get("code"))
        if rc and rc in rule_codes:
            err(f"{where}.code", _("“%(code)s” is used twice") % {"code": rc})
        rule_codes.add(rc)
        if not str(rule.get("message") or "").strip():
            err(f"{where}.message", _("a rule says what is wrong in a message"))
        try:
            tree = expressions.parse(rule.get("expression"))
        except expressions.ExpressionError as exc:
            err(f"{where}.expression", str(exc))
            continue
        for name in sorted(expressions.names(tree) - numeric):
            err(f"{where}.expression", _("“%(name)s” is not a numeric element") % {"name": name})
    return errors


@transaction.atomic
def definition_load(*, actor, text: str) -> DataSetVersion:
    """Load a definition: a new version of its data set (created if new). A version number that
    exists already is replaced only while no submission uses it."""
    if not user_scope(actor).is_province:
        raise ValidationError(_("Only the province defines data sets."))
    data = parse_text(text)
    errors = check(data)
    if errors:
        raise DefinitionError(errors)
    data_set, _created = DataSet.objects.get_or_create(
        code=data["code"], defaults={"name": data["name"], "period_type": data["period_type"]}
    )
    if data_set.period_type != data["period_type"]:
        raise DefinitionError([_("period_type: a data set keeps its period type")])
    data_set.name = data["name"]
    data_set.reporter_kinds = list((data.get("reporters") or {}).get("kinds", []))
    data_set.reporters = dict(data.get("reporters") or {})
    data_set.save()
    version = DataSetVersion.objects.filter(data_set=data_set, number=data["version"]).first()
    if version is not None:
        if version.in_use:
            raise DefinitionError(
                [
                    _("version: version %(n)d is in use by submissions; load it as a new version")
                    % {"n": version.number}
                ]
            )
        version.delete()
    version = DataSetVersion.objects.create(data_set=data_set, number=data["version"], definition=data)
    build_rows(version, data)
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        instance=version,
        after={"code": data_set.code, "version": version.number},
        event="dataset.loaded",
    )
    return version


def build_rows(version: DataSetVersion, data: dict) -> None:
    """The typed rows (categories, sections, elements, rules) of a checked definition, replacing
    any the version had (only ever a version no submission uses)."""
    version.rules.all().delete()
    version.elements.all().delete()
    version.sections.all().delete()
    version.categories.all().delete()
    categories = {
        c["code"]: Category.objects.create(
            version=version, code=c["code"], name=c.get("name") or c["code"], options=c["options"]
        )
        for c in data.get("categories") or []
    }
    for i, s in enumerate(data["sections"]):
        section = Section.objects.create(
            version=version, code=s["code"], name=s.get("name") or s["code"], order=i
        )
        for j, e in enumerate(s.get("elements") or []):
            element = DataElement.objects.create(
                version=version,
                section=section,
                **rows.element_fields(e),
                category_order=list(e.get("categories") or []),
                order=j,
            )
            element.categories.set([categories[c] for c in e.get("categories") or []])
    for r in data.get("rules") or []:
        ValidationRule.objects.create(
            version=version, code=r["code"], expression=r["expression"], message=r["message"]
        )


def definition_export(version: DataSetVersion) -> str:
    """The version's definition as YAML; loading it again gives the same version."""
    return yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False)


def definition_dict(version: DataSetVersion) -> dict[str, Any]:
    return dict(version.definition)
