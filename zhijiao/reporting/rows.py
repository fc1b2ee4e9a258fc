"""Row-list sections: a section whose rows are records (a graduate and the destination the school
gives, a member of a team), declared in the definition instead of elements::

    - code: graduate_list
      name: 毕业生去向名单
      rows:
        prefill: graduates            # optional: one row per graduate of the school in the period (学籍)
        columns:                      # the element types and checks of ``elements``
          - {code: destination, name: 毕业去向, type: choice, required: true, choices: [...]}
          - {code: pay, name: 月收入, type: money, min: 0, max: 100000}
        derive:                       # count elements computed from the rows (read-only in the form)
          graduates: {count: all}
          destinations: {count_by: destination}          # one cell per choice code
          matched: {count_where: {matched: "yes"}}
          starting_salary: {average: pay, where: {destination: employed}}

Each row is checked column by column with the element checks (``services.clean_value``); a
required column may stay empty in a draft (hundreds of graduates are filled over days) and is
listed as a problem; the rules over the derived counts (各去向人数之和 = 毕业生人数) then keep an
incomplete list from being submitted. The derived elements are ordinary values, so the rollups
and analytics read them unchanged; the rows themselves never enter the analytics. Nothing here
writes (``services.submission_save_values`` saves rows and values together)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import NUMERIC_TYPES, ValueType

PREFILLS = ("graduates",)
COLUMN_TYPES = frozenset(
    {
        ValueType.NUMBER,
        ValueType.INTEGER,
        ValueType.PERCENTAGE,
        ValueType.MONEY,
        ValueType.TEXT,
        ValueType.CHOICE,
        ValueType.DATE,
    }
)
MAX_ROWS = 5000  # per section: a school's graduates of a year, with room
NEW = "new"  # the key prefix of a blank line offered for typing a new row
DELETE = "-delete"  # the pseudo-column marking a row to remove (never a column's code)


@dataclass
class RowList:
    """A row-list section of a version: its columns (unsaved ``DataElement``s, so the element
    checks apply as they are) and what it derives."""

    code: str
    name: str
    prefill: str
    columns: list
    derive: dict[str, dict]

    def column(self, code: str):
        return next((c for c in self.columns if c.code == code), None)


def _decimal(value):
    try:
        return Decimal(str(value)) if value is not None else None
    except (ArithmeticError, ValueError):
        return None


def element_fields(conf: dict) -> dict:
    """A YAML element's (or row column's) own fields as ``DataElement`` keeps them — one reading for
    the data set's elements (``definitions.build_rows``) and the row lists' columns."""
    return {
        "code": conf["code"],
        "name": conf["name"],
        "value_type": conf["type"],
        "unit": conf.get("unit", ""),
        "min_value": _decimal(conf.get("min")),
        "max_value": _decimal(conf.get("max")),
        "choices": conf.get("choices") or [],
        "required": bool(conf.get("required", False)),
    }


def row_lists(definition: dict) -> list[RowList]:
    """The row-list sections of a (checked) definition, in order."""
    from .models import DataElement

    out = []
    for section in definition.get("sections") or []:
        conf = section.get("rows") if isinstance(section, dict) else None
        if not isinstance(conf, dict):
            continue
        columns = [DataElement(**element_fields(c)) for c in conf.get("columns") or []]
        out.append(
            RowList(
                code=section["code"],
                name=section.get("name") or section["code"],
                prefill=conf.get("prefill") or "",
                columns=columns,
                derive=dict(conf.get("derive") or {}),
            )
        )
    return out


def derived_codes(definition: dict) -> set[str]:
    """The elements computed from rows (read-only in the form, ignored in an uploaded template)."""
    return {code for rl in row_lists(definition) for code in rl.derive}


# --- checking a definition ---------------------------------------------------------------------


def check(where: str, conf, elements: dict[str, dict], categories: dict[str, dict], code_ok) -> list[str]:
    """Problems of a section's ``rows`` entry. ``elements``: every element of the definition by
    code; ``categories``: by code; ``code_ok(value)``: whether a code is well formed."""
    errors: list[str] = []

    def err(at: str, message: str) -> None:
        errors.append(f"{where}{at}: {message}")

    if not isinstance(conf, dict):
        return [f"{where}: " + _("rows is a mapping with columns")]
    if conf.get("prefill") not in (None, "", *PREFILLS):
        err(
            ".prefill",
            _("unknown source “%(s)s”; one of %(all)s") % {"s": conf["prefill"], "all": ", ".join(PREFILLS)},
        )
    columns = conf.get("columns")
    if not isinstance(columns, list) or not columns:
        err(".columns", _("a row list needs at least one column"))
        columns = []
    by_code: dict[str, dict] = {}
    for i, col in enumerate(columns):
        at = f".columns[{i}]"
        if not isinstance(col, dict):
            err(at, _("a column is a mapping"))
            continue
        code = col.get("code")
        if not code_ok(code):
            err(
                f"{at}.code",
                _("a code is lower-case letters, digits and underscores, starting with a letter"),
            )
        elif code in by_code:
            err(f"{at}.code", _("“%(code)s” is used twice") % {"code": code})
        if not str(col.get("name") or "").strip():
            err(f"{at}.name", _("the name is required"))
        if col.get("type") not in COLUMN_TYPES:
            err(
                f"{at}.type",
                _("unknown type “%(type)s”; one of %(types)s")
                % {"type": col.get("type"), "types": ", ".join(sorted(COLUMN_TYPES))},
            )
        if col.get("type") == ValueType.CHOICE and not col.get("choices"):
            err(f"{at}.choices", _("a choice element lists its choices"))
        for bound in ("min", "max"):
            if bound in col and _decimal(col[bound]) is None:
                err(f"{at}.{bound}", _("a bound is a number"))
        if isinstance(code, str):
            by_code[code] = col
    derive = conf.get("derive") or {}
    if not isinstance(derive, dict):
        return errors + [f"{where}.derive: " + _("a mapping of element to how it is computed")]
    for target, how in derive.items():
        at = f".derive.{target}"
        element = elements.get(target)
        if element is None:
            err(at, _("no element “%(code)s”") % {"code": target})
            continue
        if element.get("type") not in NUMERIC_TYPES:
            err(at, _("“%(name)s” is not a numeric element") % {"name": target})
        if "prefill" in element:
            err(at, _("an element is either prefilled or derived from rows, not both"))
        if not isinstance(how, dict) or len({"count", "count_by", "count_where", "average"} & set(how)) != 1:
            err(at, _("say one of count, count_by, count_where or average"))
            continue
        cats = element.get("categories") or []
        for key in ("where", "count_where"):
            for column, _value in (how.get(key) or {}).items() if isinstance(how.get(key), dict) else []:
                if column not in by_code:
                    err(f"{at}.{key}", _("no column “%(code)s”") % {"code": column})
        if "count_by" in how:
            col = by_code.get(how["count_by"])
            if col is None or col.get("type") != ValueType.CHOICE:
                err(f"{at}.count_by", _("counting by a column needs a choice column"))
            elif len(cats) != 1 or cats[0] not in categories:
                err(f"{at}.count_by", _("the element has exactly one disaggregation, the column's choices"))
            else:
                options = {o.get("code") for o in categories[cats[0]].get("options") or []}
                choices = {c.get("code") for c in col.get("choices") or []}
                if not options <= choices:
                    err(
                        f"{at}.count_by",
                        _("every option of the disaggregation is one of the column's choices"),
                    )
        elif cats:
            err(at, _("only a count by a column fills a disaggregated element"))
        if "average" in how:
            col = by_code.get(how["average"])
            if col is None or col.get("type") not in NUMERIC_TYPES:
                err(f"{at}.average", _("an average is of a numeric column"))
    return errors


# --- rows of a submission: reading what was posted, checking, deriving ------------------------------


def posted_rows(data, lists: list[RowList]) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """``{section: [(row key, {column: raw})]}`` of the row lists present in a posted form
    (``rows__<section>`` marks a list as posted; fields are ``r__<section>__<key>__<column>``),
    in the order posted. A blank new line is left out."""
    out: dict[str, list[tuple[str, dict[str, str]]]] = {}
    wanted = {rl.code: rl for rl in lists if f"rows__{rl.code}" in data}
    found: dict[str, dict[str, dict[str, str]]] = {code: {} for code in wanted}
    for name in data:
        if not name.startswith("r__"):
            continue
        parts = name.split("__")
        if len(parts) != 4 or parts[1] not in wanted:
            continue
        _prefix, section, key, column = parts
        found[section].setdefault(key, {})[column] = data.get(name, "")
    for section, rows in found.items():
        out[section] = [
            (key, vals)
            for key, vals in rows.items()
            if not (key.startswith(NEW) and all(str(v).strip() == "" for c, v in vals.items() if c != DELETE))
        ]
    return out


def row_label(index: int, name: str = "") -> str:
    if name:
        return _("Row %(n)d (%(name)s)") % {"n": index, "name": name}
    return _("Row %(n)d") % {"n": index}


def clean_rows(rl: RowList, rows, names: dict[str, str] | None = None, labels: dict[str, str] | None = None):
    """``(cleaned, errors, missing)``: ``cleaned`` is ``[(key, {column: text})]``; ``errors`` maps
    ``r__<section>__<key>__<column>`` to Chinese messages naming the row; ``missing`` lists the
    required cells left empty (allowed in a draft, see the module)."""
    from .services import clean_value

    names = names or {}
    cleaned, errors, missing = [], {}, []
    if len(rows) > MAX_ROWS:
        errors[f"rows__{rl.code}"] = [_("At most %(n)d rows.") % {"n": MAX_ROWS}]
        return cleaned, errors, missing
    rows = [(key, raw) for key, raw in rows if str(raw.get(DELETE, "")).strip() in ("", "0")]
    for index, (key, raw) in enumerate(rows, start=1):
        label = (labels or {}).get(key) or row_label(index, names.get(key, ""))
        out = {}
        for column in rl.columns:
            text = str(raw.get(column.code, "") or "").strip()
            if column.value_type == ValueType.CHOICE and text:
                text = {c.get("name", c["code"]): c["code"] for c in column.choices}.get(text, text)
            if text == "":
                if column.required:
                    missing.append(f"{label}：{column.name}")
                continue
            try:
                value, _number = clean_value(column, text)
            except ValidationError as exc:
                errors[f"r__{rl.code}__{key}__{column.code}"] = [
                    f"{label}：{column.name}：{'；'.join(exc.messages)}"
                ]
                continue
            out[column.code] = value
        unknown = set(raw) - {c.code for c in rl.columns} - {DELETE}
        if unknown:
            errors[f"r__{rl.code}__{key}__"] = [f"{label}：" + _("No such field in this form.")]
        cleaned.append((key, out))
    return cleaned, errors, missing


def _matches(values: dict[str, str], where) -> bool:
    return all(values.get(column) == str(wanted) for column, wanted in (where or {}).items())


def derive(rl: RowList, rows: list[dict[str, str]], elements: dict) -> dict[tuple[str, str], str]:
    """The derived elements' values from the rows' cleaned values, by (element code, cell)."""
    out: dict[tuple[str, str], str] = {}
    for target, how in rl.derive.items():
        element = elements.get(target)
        if element is None:
            continue
        picked = [r for r in rows if _matches(r, how.get("where"))]
        if "count" in how:
            out[(target, "")] = str(len(picked))
        elif "count_where" in how:
            out[(target, "")] = str(sum(1 for r in picked if _matches(r, how["count_where"])))
        elif "count_by" in how:
            column = how["count_by"]
            for cell, _label in element.cells():
                out[(target, cell)] = str(sum(1 for r in picked if r.get(column) == cell))
        elif "average" in how:
            numbers = [Decimal(r[how["average"]]) for r in picked if r.get(how["average"], "") != ""]
            if numbers:
                mean = (sum(numbers) / len(numbers)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                out[(target, "")] = format(mean.normalize(), "f")
            else:
                out[(target, "")] = ""
    return out


def form_rows(submission, posted=None) -> dict[str, dict]:
    """Per row-list section code: ``{"list", "rows": [{"key", "person_name", "id_masked", "cells":
    [{"column", "name", "value"}]}]}`` — one query for every row of the submission. ``posted``:
    the values of a refused save, shown again."""
    from .models import SubmissionRow

    lists = row_lists(submission.version.definition)
    if not lists:
        return {}
    stored: dict[str, list[SubmissionRow]] = {}
    for row in SubmissionRow.objects.filter(submission=submission).select_related("section"):
        stored.setdefault(row.section.code, []).append(row)
    out = {}
    for rl in lists:
        items = []
        for row in stored.get(rl.code, []):
            cells = []
            for column in rl.columns:
                name = f"r__{rl.code}__{row.key}__{column.code}"
                value = posted.get(name, "") if posted is not None else row.values.get(column.code, "")
                cells.append({"column": column, "name": name, "value": value})
            items.append(
                {"key": row.key, "person_name": row.person_name, "id_masked": row.id_masked, "cells": cells}
            )
        if not rl.prefill:
            for k in range(1, 4):  # blank lines for new rows
                key = f"{NEW}{k}"
                cells = [
                    {
                        "column": c,
                        "name": f"r__{rl.code}__{key}__{c.code}",
                        "value": posted.get(f"r__{rl.code}__{key}__{c.code}", "")
                        if posted is not None
                        else "",
                    }
                    for c in rl.columns
                ]
                items.append({"key": key, "person_name": "", "id_masked": "", "cells": cells, "new": True})
        out[rl.code] = {"list": rl, "rows": items}
    return out


# --- prefill: the school's graduates of the period from 学籍 ---------------------------------------


# A school's graduates of a year are its 学籍 enrolments due to finish that year (cohort year +
# length of study), still registered or graduated: the 中职就业年报 counts the year's leavers,
# reported before every graduation decision is approved.
GRADUATING = ("registered", "graduated")


def graduates(*, user, submission) -> list[dict]:
    """One entry per graduate of the submission's school in the period's year, read through
    ``students.selectors`` in the user's scope: ``{"key", "person_name", "id_masked"}`` — the ID
    number masked, never the full one."""
    from django.db.models import F

    from zhijiao.core.sensitive import RESIDENT_ID, mask
    from zhijiao.students.selectors import enrolment_list

    rows = (
        enrolment_list(user=user)
        .filter(institution_id=submission.institution_id, status__in=GRADUATING)
        .annotate(finish=F("cohort_year") + F("study_years"))
        .filter(finish=submission.period.end.year)
        .order_by("student__name", "pk")
        .values_list("pk", "student__name", "student__id_number")
    )
    return [
        {"key": f"e{pk}", "person_name": name, "id_masked": mask(RESIDENT_ID, idn)} for pk, name, idn in rows
    ]
