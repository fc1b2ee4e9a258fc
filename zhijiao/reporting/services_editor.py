"""The data-set editor's writers (province staff): a data set and its versions as data.

A version is a *draft* while it is edited here and *published* once schools may report on it.
A published version never changes: editing it starts a new draft (its definition copied, the
number one higher), and the values collected under the old version stay read under the old
version's elements. Every edit is a whole definition checked by ``definitions.check`` — the same
check the YAML import runs — before the typed rows are rebuilt, so a draft is always a valid
definition. The small edits (an element, a section, a rule …) are pure functions over the
definition dict (``*_put``/``*_remove``) that a view applies before calling ``version_save``.
"""

from __future__ import annotations

import copy
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core.audit import audit_record, snapshot
from zhijiao.core.models import AuditAction
from zhijiao.core.scoping import user_scope

from . import definitions
from .definitions import DefinitionError
from .models import DataSet, DataSetVersion, Period

DEFAULT_SECTION = {"code": "main", "name": "基本情况", "elements": []}


def _province(actor) -> None:
    if not user_scope(actor).is_province:
        raise PermissionDenied(_("Only the province defines data sets."))


def _draft_only(version: DataSetVersion) -> None:
    if not version.is_draft:
        raise ValidationError(
            _("Version %(n)d is published and never changes; edit it as a new draft version.")
            % {"n": version.number}
        )


@transaction.atomic
def dataset_create(*, actor, code: str, name: str, period_type: str) -> DataSetVersion:
    """A new data set with its first version, a draft with one empty section."""
    _province(actor)
    data = {
        "code": code,
        "name": name,
        "version": 1,
        "period_type": period_type,
        "sections": [copy.deepcopy(DEFAULT_SECTION)],
    }
    errors = definitions.check(data)
    if DataSet.objects.filter(code=code).exists():
        errors.append("code: " + _("a data set with the code “%(code)s” exists") % {"code": code})
    if errors:
        raise DefinitionError(errors)
    data_set = DataSet.objects.create(code=code, name=name, period_type=period_type)
    version = DataSetVersion.objects.create(data_set=data_set, number=1, definition=data, is_draft=True)
    definitions.build_rows(version, data)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=data_set,
        after=snapshot(data_set),
        event="dataset.created",
    )
    return version


@transaction.atomic
def version_save(*, actor, version: DataSetVersion, data: dict) -> DataSetVersion:
    """Replace a draft's definition with ``data`` (checked whole; nothing is written unless it
    passes). The data set's code and the version's number are the version's own; the period type
    may change only while no version was published."""
    _province(actor)
    version = DataSetVersion.objects.select_for_update().select_related("data_set").get(pk=version.pk)
    _draft_only(version)
    data_set = version.data_set
    data = copy.deepcopy(data)
    data["code"], data["version"] = data_set.code, version.number
    errors = definitions.check(data)
    published = data_set.versions.filter(is_draft=False).exists()
    if published and data.get("period_type") != data_set.period_type:
        errors.append("period_type: " + _("a data set keeps its period type once a version is published"))
    if errors:
        raise DefinitionError(errors)
    if data == version.definition:
        return version  # nothing changed: no rebuild, no audit entry
    before = version.definition
    version.definition = data
    version.save(update_fields=["definition", "updated_at"])
    definitions.build_rows(version, data)
    if not published and data["period_type"] != data_set.period_type:
        DataSet.objects.filter(pk=data_set.pk).update(period_type=data["period_type"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=version,
        before={"definition": before},
        after={"definition": data},
        event="dataset.version_edited",
    )
    return version


@transaction.atomic
def version_import(*, actor, version: DataSetVersion, text: str) -> DataSetVersion:
    """A YAML/JSON definition loaded into a draft (its code and version number are the draft's)."""
    _province(actor)
    data = definitions.parse_text(text)
    if data.get("code") not in (None, version.data_set.code):
        raise DefinitionError(
            [
                "code: "
                + _("this file defines “%(theirs)s”, not “%(ours)s”")
                % {"theirs": data.get("code"), "ours": version.data_set.code}
            ]
        )
    return version_save(actor=actor, version=version, data=data)


@transaction.atomic
def version_draft(*, actor, data_set: DataSet) -> DataSetVersion:
    """The data set's draft to edit: the open one, or a new one copied from the latest version."""
    _province(actor)
    DataSet.objects.select_for_update().get(pk=data_set.pk)
    latest = data_set.versions.order_by("-number").first()
    if latest is not None and latest.is_draft:
        return latest
    number = (latest.number if latest else 0) + 1
    data = (
        copy.deepcopy(latest.definition)
        if latest
        else {
            "code": data_set.code,
            "name": data_set.name,
            "period_type": data_set.period_type,
            "sections": [copy.deepcopy(DEFAULT_SECTION)],
        }
    )
    data["version"] = number
    version = DataSetVersion.objects.create(data_set=data_set, number=number, definition=data, is_draft=True)
    definitions.build_rows(version, data)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=version,
        after={"code": data_set.code, "version": number, "from": latest.number if latest else None},
        event="dataset.version_drafted",
    )
    return version


@transaction.atomic
def version_publish(*, actor, version: DataSetVersion) -> DataSetVersion:
    """Publish a draft: schools opening a new form report on it; it never changes again. The data
    set's name and who reports follow the published definition."""
    _province(actor)
    version = DataSetVersion.objects.select_for_update().select_related("data_set").get(pk=version.pk)
    _draft_only(version)
    data = version.definition
    errors = definitions.check(data)
    if not version.elements.exists():
        errors.append("sections: " + _("a published version has at least one data element"))
    if errors:
        raise DefinitionError(errors)
    version.is_draft = False
    version.save(update_fields=["is_draft", "updated_at"])
    data_set = version.data_set
    data_set.name = data["name"]
    data_set.reporters = dict(data.get("reporters") or {})
    data_set.reporter_kinds = list((data.get("reporters") or {}).get("kinds", []))
    data_set.save(update_fields=["name", "reporters", "reporter_kinds", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=version,
        before={"is_draft": True},
        after={"is_draft": False},
        event="dataset.version_published",
    )
    return version


@transaction.atomic
def version_discard(*, actor, version: DataSetVersion) -> None:
    """Throw a draft away (its data set goes with it when it was the only version)."""
    _province(actor)
    version = DataSetVersion.objects.select_for_update().select_related("data_set").get(pk=version.pk)
    _draft_only(version)
    data_set = version.data_set
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        instance=version,
        before={"code": data_set.code, "version": version.number},
        event="dataset.version_discarded",
    )
    version.delete()
    if not data_set.versions.exists() and not data_set.periods.exists():
        data_set.delete()


@transaction.atomic
def period_create(
    *,
    actor,
    data_set: DataSet,
    code: str,
    start: datetime.date,
    end: datetime.date,
    deadline: datetime.date,
    opens_on: datetime.date | None = None,
) -> Period:
    """A reporting period of the data set with its entry window (opens on, closes after the
    deadline)."""
    _province(actor)
    errors = {}
    if data_set.periods.filter(code=code).exists():
        errors["code"] = [_("This data set already has the period “%(code)s”.") % {"code": code}]
    if end < start:
        errors["end"] = [_("A period ends after it starts.")]
    if opens_on is not None and opens_on > deadline:
        errors["opens_on"] = [_("Entry opens before the deadline.")]
    if errors:
        raise ValidationError(errors)
    period = Period(data_set=data_set, code=code, start=start, end=end, deadline=deadline, opens_on=opens_on)
    period.full_clean()
    period.save()
    audit_record(actor=actor, action=AuditAction.CREATE, instance=period, after=snapshot(period))
    return period


# --- edits of a definition (pure: a new dict; nothing is written) -------------------------------


def _list(data: dict, key: str) -> list:
    value = data.get(key)
    if not isinstance(value, list):
        value = data[key] = []
    return value


def _put(items: list, item: dict, replacing: str | None) -> None:
    code = replacing or item["code"]
    for i, existing in enumerate(items):
        if isinstance(existing, dict) and existing.get("code") == code:
            items[i] = item
            return
    if replacing:
        raise ValidationError(_("“%(code)s” is no longer in this version.") % {"code": replacing})
    items.append(item)


def _remove(items: list, code: str) -> None:
    items[:] = [i for i in items if not (isinstance(i, dict) and i.get("code") == code)]


def settings_put(data: dict, *, name: str, period_type: str, reporters: dict, max_change=None) -> dict:
    data = copy.deepcopy(data)
    data["name"], data["period_type"] = name, period_type
    reporters = {k: v for k, v in reporters.items() if v}
    if reporters:
        data["reporters"] = reporters
    else:
        data.pop("reporters", None)
    if max_change is None:
        data.pop("max_change", None)
    else:
        data["max_change"] = max_change
    return data


def section_put(data: dict, *, code: str, name: str, replacing: str | None = None) -> dict:
    data = copy.deepcopy(data)
    sections = _list(data, "sections")
    old = next((s for s in sections if isinstance(s, dict) and s.get("code") == replacing), None)
    # Renaming keeps everything else the section declares (its elements, a row list's ``rows``).
    section = {**(old or {}), "code": code, "name": name, "elements": (old or {}).get("elements") or []}
    _put(sections, section, replacing)
    return data


def section_remove(data: dict, code: str) -> dict:
    data = copy.deepcopy(data)
    _remove(_list(data, "sections"), code)
    return data


def element_put(data: dict, *, section: str, element: dict, replacing: str | None = None) -> dict:
    """The element put in ``section`` (moved there when it was in another one)."""
    data = copy.deepcopy(data)
    sections = _list(data, "sections")
    target = next((s for s in sections if isinstance(s, dict) and s.get("code") == section), None)
    if target is None:
        raise ValidationError(_("No section “%(code)s”.") % {"code": section})
    if replacing:
        for s in sections:
            elements = s.get("elements") or [] if isinstance(s, dict) else []
            for i, e in enumerate(elements):
                if isinstance(e, dict) and e.get("code") == replacing:
                    if s is target:
                        elements[i] = element
                        return data
                    del elements[i]
                    break
    _list(target, "elements").append(element)
    return data


def element_remove(data: dict, code: str) -> dict:
    data = copy.deepcopy(data)
    for s in _list(data, "sections"):
        if isinstance(s, dict):
            _remove(_list(s, "elements"), code)
    return data


def category_put(data: dict, *, code: str, name: str, options: list, replacing: str | None = None) -> dict:
    data = copy.deepcopy(data)
    _put(_list(data, "categories"), {"code": code, "name": name, "options": options}, replacing)
    if replacing and replacing != code:
        for s in _list(data, "sections"):
            for e in s.get("elements") or [] if isinstance(s, dict) else []:
                if replacing in (e.get("categories") or []):
                    e["categories"] = [code if c == replacing else c for c in e["categories"]]
    return data


def category_remove(data: dict, code: str) -> dict:
    data = copy.deepcopy(data)
    _remove(_list(data, "categories"), code)
    if not data["categories"]:
        data.pop("categories")
    return data


def rule_put(data: dict, *, code: str, expression: str, message: str, replacing: str | None = None) -> dict:
    data = copy.deepcopy(data)
    _put(_list(data, "rules"), {"code": code, "expression": expression, "message": message}, replacing)
    return data


def rule_remove(data: dict, code: str) -> dict:
    data = copy.deepcopy(data)
    _remove(_list(data, "rules"), code)
    if not data["rules"]:
        data.pop("rules")
    return data


# --- indicators and 考核 scoring schemes ---------------------------------------------------------

INDICATOR_FIELDS = (
    "code",
    "name",
    "data_set",
    "element_code",
    "cell",
    "target",
    "target_year",
    "unit",
    "basis",
    "order",
)
SCHEME_FIELDS = ("code", "name", "data_set", "level", "basis")
ITEM_FIELDS = ("name", "element_code", "cell", "formula", "weight", "zero_at", "full_at", "is_veto")


def _numeric_codes(data_set) -> set[str]:
    from .choices import NUMERIC_TYPES

    version = data_set.current_version() if data_set else None
    return (
        set(version.elements.filter(value_type__in=NUMERIC_TYPES).values_list("code", flat=True))
        if version
        else set()
    )


@transaction.atomic
def indicator_save(*, actor, indicator=None, **fields):
    """Create (``indicator`` None) or change a monitored indicator: one numeric element of the data
    set's published version, against a target."""
    from .models import Indicator

    _province(actor)
    if fields.get("element_code") not in _numeric_codes(fields.get("data_set")):
        raise ValidationError({"element_code": _("Choose a numeric data element of this data set.")})
    before = snapshot(indicator) if indicator is not None else None
    row = indicator if indicator is not None else Indicator()
    for name in INDICATOR_FIELDS:
        if name in fields:
            setattr(row, name, fields[name])
    row.full_clean()
    row.save()
    if before is not None and before == snapshot(row):
        return row
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        before=before,
        after=snapshot(row),
    )
    return row


def item_problems(n: int, item: dict, numeric: set[str]) -> list[str]:
    """What is wrong with one scoring item (its formula through the safe evaluator)."""
    from . import expressions

    problems = []
    formula = (item.get("formula") or "").strip()
    if formula:
        try:
            tree = expressions.parse(formula)
        except expressions.ExpressionError as exc:
            return [_("Item %(n)d: %(problem)s") % {"n": n, "problem": exc}]
        unknown = sorted(expressions.names(tree) - numeric)
        if unknown:
            problems.append(
                _("Item %(n)d: “%(name)s” is not a numeric element of this data set.")
                % {"n": n, "name": "、".join(unknown)}
            )
    elif item.get("element_code") not in numeric:
        problems.append(_("Item %(n)d: choose a numeric data element of this data set.") % {"n": n})
    if item.get("weight") is not None and item["weight"] <= 0:
        problems.append(_("Item %(n)d: a weight must be positive.") % {"n": n})
    if item.get("zero_at") is not None and item.get("zero_at") == item.get("full_at"):
        problems.append(_("Item %(n)d: the two thresholds must differ.") % {"n": n})
    return problems


@transaction.atomic
def scheme_save(*, actor, items: list[dict], scheme=None, **fields):
    """Create or change a 考核 scheme with its items (replaced as a whole): each item scores one
    numeric element or a formula over element totals, a positive weight, two different thresholds,
    optionally a veto item. Checked whole first; nothing is written unless all is well."""
    from .models import ScoringItem, ScoringScheme

    _province(actor)
    numeric = _numeric_codes(fields.get("data_set") or (scheme.data_set if scheme else None))
    errors = [] if items else [_("A scheme needs at least one item.")]
    for n, item in enumerate(items, 1):
        errors += item_problems(n, item, numeric)
    if errors:
        raise ValidationError(errors)
    before = None
    if scheme is not None:
        before = {
            **snapshot(scheme),
            "items": [{k: str(getattr(i, k)) for k in ITEM_FIELDS} for i in scheme.items.all()],
        }
    row = scheme if scheme is not None else ScoringScheme()
    for name in SCHEME_FIELDS:
        if name in fields:
            setattr(row, name, fields[name])
    row.full_clean()
    row.save()
    row.items.all().delete()
    for order, item in enumerate(items):
        data = {k: item.get(k) for k in ITEM_FIELDS}
        data["formula"] = (data["formula"] or "").strip()
        data["element_code"] = "" if data["formula"] else (data["element_code"] or "")
        data["cell"] = data["cell"] or ""
        data["is_veto"] = bool(data["is_veto"])
        line = ScoringItem(scheme=row, order=order, **data)
        line.full_clean()
        line.save()
    after = {**snapshot(row), "items": [{k: str(item.get(k)) for k in ITEM_FIELDS} for item in items]}
    if before == after:
        return row
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        instance=row,
        before=before,
        after=after,
    )
    return row
