"""What changed in a submission since it was last returned: the values as they stood when the
city (or province) sent it back — the last saved values before the return, from the audit trail
— against the values now. The approver of a resubmission reads this instead of the whole form."""

from __future__ import annotations

from zhijiao.core.models import AuditEntry

from .choices import NUMERIC_TYPES, ValueType
from .models import Submission


def reference_names(pairs) -> dict[tuple[str, str], str]:
    """``{(type, stored code): name}`` of the organisation and major references given (one query
    per type): what a diff shows instead of the stored code."""
    from django.db.models import Q

    from .choices import REFERENCE_TYPES
    from .validation import _reference_rows

    wanted: dict[str, set[str]] = {}
    for vtype, code in pairs:
        if code and vtype in REFERENCE_TYPES:
            wanted.setdefault(vtype, set()).add(code)
    out = {}
    for vtype, codes in wanted.items():
        for code, name in _reference_rows(vtype).filter(Q(code__in=codes) | Q(name__in=codes)):
            out[(vtype, code or name)] = name
    return out


def _shown(element, value: str, names: dict | None = None) -> str:
    """A choice by its name, an organisation or a major by its name — never a code or an id."""
    if element.value_type == ValueType.CHOICE:
        return {c["code"]: c.get("name", c["code"]) for c in element.choices}.get(value, value)
    if names is not None and value:
        return names.get((element.value_type, value), value)
    return value


def changes_since_return(submission: Submission) -> list[dict] | None:
    """``[{"element", "cell", "before", "after"}]`` for each cell whose value differs from the
    one it had when the submission was last returned; None if it never was."""
    entries = AuditEntry.objects.filter(object_type="reporting.submission", object_id=str(submission.pk))
    returned = entries.filter(event="submission.returned").order_by("-timestamp", "-pk").first()
    if returned is None:
        return None
    saved = (
        entries.filter(event="submission.saved", timestamp__lte=returned.timestamp)
        .order_by("-timestamp", "-pk")
        .first()
    )
    then = dict(((saved.after or {}).get("values") or {}) if saved else {})
    now = {f"{v.element_id}:{v.cell}": v.value for v in submission.values.all()}
    elements = {
        e.pk: e for e in submission.version.elements.prefetch_related("categories").select_related("section")
    }
    differing = []
    for key in sorted(set(then) | set(now)):
        before, after = then.get(key, ""), now.get(key, "")
        if before == after:
            continue
        element_pk, _sep, cell = key.partition(":")
        element = elements.get(int(element_pk)) if element_pk.isdigit() else None
        if element is not None:
            differing.append((element, cell, before, after))
    names = reference_names(
        (e.value_type, v) for e, _cell, before, after in differing for v in (before, after)
    )
    changes = []
    for element, cell, before, after in differing:
        labels = dict(element.cells())
        changes.append(
            {
                "element": element,
                "cell": labels.get(cell, cell),
                "before": _shown(element, before, names),
                "after": _shown(element, after, names),
                "order": (element.section.order, element.order),
            }
        )
    changes.sort(key=lambda c: c["order"])
    return changes


def summary_rows(city_submission, summary: dict | None = None) -> list[dict]:
    """The city return's summary as labelled rows: the completeness counts, then each element
    cell's approved total (names from the period's current definition, never codes)."""
    from decimal import Decimal

    from django.utils.translation import gettext as _

    summary = city_submission.summary if summary is None else summary
    own = bool(summary.get("own"))  # the city's own values (``reporters.by_city``), not its schools'
    rows = [
        {"key": key, "label": str(label), "value": str(summary.get(key, 0))}
        for key, label in (
            ("expected", _("Schools that report")),
            ("submitted", _("Submitted")),
            ("approved", _("Approved")),
            ("missing", _("Not reported")),
            ("late", _("Late")),
        )
        if not own
    ]
    version = city_submission.period.data_set.current_version()
    elements = {}
    if version is not None:
        elements = {
            e.code: e for e in version.elements.prefetch_related("categories").select_related("section")
        }
    totals = summary.get("totals") or {}
    counts = summary.get("counts") or {}
    order = {code: i for i, code in enumerate(elements)}
    cells = {code: e.cells() for code, e in elements.items()}
    cell_at = {code: {c: i for i, (c, _l) in enumerate(pairs)} for code, pairs in cells.items()}

    def place(key):
        code, _sep, cell = key.partition("|")
        return (order.get(code, len(order)), cell_at.get(code, {}).get(cell, 0), key)

    names = reference_names(
        (elements[k.partition("|")[0]].value_type, v)
        for k, v in totals.items()
        if own and k.partition("|")[0] in elements
    )
    for key in sorted(totals, key=place):
        code, _sep, cell = key.partition("|")
        element = elements.get(code)
        name = element.name if element else code
        cell_label = dict(cells[code]).get(cell, cell) if element else cell
        label = f"{name} · {cell_label}" if cell_label else name
        unit = element.unit if element else ""
        value = totals[key]
        if own and element is not None:
            value = _shown(element, value, names)
            if element.value_type not in NUMERIC_TYPES:
                unit = ""
        elif element is not None and element.value_type == ValueType.PERCENTAGE and counts.get(key):
            # A sum of rates means nothing: the schools' average is shown.
            value = format((Decimal(value) / counts[key]).quantize(Decimal("0.1")), "f")
            label = _("%(label)s (average of the schools)") % {"label": label}
        rows.append({"key": key, "label": label, "value": f"{value}{unit}"})
    return rows


def city_changes_since_return(city_submission) -> list[dict] | None:
    """``[{"label", "before", "after"}]`` for each line of the city return's summary that differs
    from the summary the province returned; None if it never was returned."""
    if city_submission.returned_summary is None:
        return None
    before = {r["key"]: r for r in summary_rows(city_submission, city_submission.returned_summary)}
    after = {r["key"]: r for r in summary_rows(city_submission)}
    changes = []
    for key in list(after) + [k for k in before if k not in after]:
        b, a = before.get(key), after.get(key)
        if b is not None and a is not None and b["value"] == a["value"]:
            continue
        changes.append(
            {
                "label": (a or b)["label"],
                "before": b["value"] if b else "—",
                "after": a["value"] if a else "—",
            }
        )
    return changes


def row_changes_since_return(submission: Submission) -> list[dict] | None:
    """What changed in the submission's row lists since it was last returned: ``[{"list", "row",
    "column", "before", "after"}]`` — a row added or removed is one line (column "—"). The rows
    as they were come from the last save with rows before the return (the audit trail keeps them
    by key, without names); None if it never was returned or it has no row list."""
    from django.utils.translation import gettext as _

    from .models import SubmissionRow
    from .rows import row_lists

    lists = {rl.code: rl for rl in row_lists(submission.version.definition)}
    if not lists:
        return None
    entries = AuditEntry.objects.filter(object_type="reporting.submission", object_id=str(submission.pk))
    returned = entries.filter(event="submission.returned").order_by("-timestamp", "-pk").first()
    if returned is None:
        return None
    saved = (
        entries.filter(event="submission.saved", timestamp__lte=returned.timestamp, after__has_key="rows")
        .order_by("-timestamp", "-pk")
        .first()
    )
    then = dict((saved.after or {}).get("rows") or {}) if saved else {}
    now: dict[str, dict[str, dict]] = {}
    names: dict[tuple[str, str], str] = {}
    for row in SubmissionRow.objects.filter(submission=submission).select_related("section"):
        now.setdefault(row.section.code, {})[row.key] = row.values
        names[(row.section.code, row.key)] = row.person_name
    changes = []
    for code, rl in lists.items():
        before_rows, after_rows = then.get(code, {}), now.get(code, {})
        columns = {c.code: c for c in rl.columns}
        for key in list(after_rows) + [k for k in before_rows if k not in after_rows]:
            who = names.get((code, key)) or key
            b, a = before_rows.get(key), after_rows.get(key)
            if b is None or a is None:
                changes.append(
                    {
                        "list": rl.name,
                        "row": who,
                        "column": "—",
                        "before": "" if b is None else _("in the list"),
                        "after": "" if a is None else _("in the list"),
                    }
                )
                continue
            for col_code, column in columns.items():
                if b.get(col_code, "") != a.get(col_code, ""):
                    changes.append(
                        {
                            "list": rl.name,
                            "row": who,
                            "column": column.name,
                            "before": _shown(column, b.get(col_code, "")),
                            "after": _shown(column, a.get(col_code, "")),
                        }
                    )
    return changes
