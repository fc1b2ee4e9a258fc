"""Checking a form's values without saving them (validation as one types), for any form built of
typed elements, cells and rule expressions — a data-set version here, an application form in the
programmes app.

- ``check_values``: each cell through the same ``clean_value`` the save uses (type, bounds,
  required), the cross-element rules through the same safe evaluator (``expressions``);
- ``flags``: warnings that do not block a save: a value outside the element's expected range
  (``expected_min``/``expected_max`` in the definition) or one that moved by more than the allowed
  share (``max_change``, per element or for the whole definition; ``DEFAULT_MAX_CHANGE``
  otherwise) against the same cell of the previous period.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import expressions

# A parameter, not a regulation: the share of change from the previous period above which a value
# is flagged for a second look. A definition sets its own (``max_change`` at the top or per element).
DEFAULT_MAX_CHANGE = Decimal("0.5")


def field_key(code: str, cell: str) -> str:
    return f"{code}__{cell}" if cell else code


@dataclass
class FormCheck:
    errors: dict[str, list[str]] = field(default_factory=dict)  # field key → messages
    failures: list[str] = field(default_factory=list)  # rule messages
    numbers: dict[tuple[str, str], Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.failures


def check_values(elements, rules, values: dict[tuple[str, str], object]) -> FormCheck:
    """Check ``values`` ((element code, cell) → raw entry) against ``elements`` (with their cells)
    and ``rules`` (objects with ``expression`` and ``message``). A rule reading an element with an
    invalid or missing value is not checked."""
    from .services import clean_value

    result = FormCheck()
    by_code = {e.code: e for e in elements}
    cells = {e.code: {c for c, _label in e.cells()} for e in elements}
    totals: dict[str, Decimal] = {}
    broken: set[str] = set()
    for (code, cell), raw in values.items():
        element = by_code.get(code)
        key = field_key(code, cell)
        if element is None or cell not in cells[code]:
            result.errors[key] = [_("No such field in this form.")]
            continue
        try:
            _text, number = clean_value(element, raw)
        except ValidationError as exc:
            result.errors[key] = exc.messages
            broken.add(code)
            continue
        if number is not None:
            result.numbers[(code, cell)] = number
            totals[code] = totals.get(code, Decimal(0)) + number
    for code in broken:
        totals.pop(code, None)
    for rule in rules:
        tree = expressions.parse(rule.expression)
        if expressions.names(tree) & broken:
            continue
        if expressions.holds(tree, totals) is False:
            result.failures.append(f"{rule.message}（{rule.expression}）")
    return result


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def element_settings(definition: dict) -> dict[str, dict]:
    """Each element's entry of a definition (what the typed model does not hold: expected range,
    allowed change, prefill)."""
    out = {}
    for section in definition.get("sections") or []:
        for element in section.get("elements") or [] if isinstance(section, dict) else []:
            if isinstance(element, dict) and element.get("code"):
                out[element["code"]] = element
    return out


def flags(
    elements,
    definition: dict,
    numbers: dict[tuple[str, str], Decimal],
    previous: dict[tuple[str, str], Decimal],
) -> dict[str, list[str]]:
    """Warnings per field key for the numbers given (see the module's description)."""
    settings = element_settings(definition)
    default_change = _decimal(definition.get("max_change")) or DEFAULT_MAX_CHANGE
    by_code = {e.code: e for e in elements}
    out: dict[str, list[str]] = {}
    for (code, cell), number in numbers.items():
        if code not in by_code:
            continue
        conf = settings.get(code, {})
        notes = []
        lo, hi = _decimal(conf.get("expected_min")), _decimal(conf.get("expected_max"))
        if lo is not None and number < lo:
            notes.append(_("Unusually low: usually at least %(n)s.") % {"n": _plain(lo)})
        if hi is not None and number > hi:
            notes.append(_("Unusually high: usually at most %(n)s.") % {"n": _plain(hi)})
        before = previous.get((code, cell))
        limit = _decimal(conf.get("max_change")) or default_change
        if before is not None and before != 0 and abs(number - before) / abs(before) > limit:
            notes.append(
                _("Changed by %(pct)s%% from the previous period (%(before)s); please check.")
                % {
                    "pct": format(((number - before) / abs(before) * 100).quantize(Decimal(1)), "f"),
                    "before": _plain(before),
                }
            )
        elif before == 0 and number != 0 and conf.get("max_change") is not None:
            notes.append(_("The previous period had 0; please check."))
        if notes:
            out[field_key(code, cell)] = notes
    return out


# --- references: an organisation or a major named by its code or its name ----------------------


def _reference_rows(vtype: str):
    """(code, name) rows a reference of ``vtype`` may name: operating institutions, or the majors
    of the catalogue (reference data, the same for every reader)."""
    from zhijiao.majors.models import Major
    from zhijiao.orgs.models import Institution

    from .choices import ValueType

    if vtype == ValueType.ORG:
        return Institution.objects.exclude(status="closed").values_list("code", "name")
    return Major.objects.values_list("code", "name")


def resolve_reference(vtype: str, text: str) -> str:
    """The stored form of a reference typed as a code or a name: the code (an institution without
    a code: its name, unique among operating institutions). Unknown or ambiguous names are refused."""
    from django.db.models import Q

    from .choices import ValueType

    text = text.strip()
    rows = {(code or name): name for code, name in _reference_rows(vtype).filter(Q(code=text) | Q(name=text))}
    if len(rows) == 1:
        return next(iter(rows))
    what = _("institution") if vtype == ValueType.ORG else _("major")
    if not rows:
        raise ValidationError(
            _("No %(what)s has the code or name “%(text)s”.") % {"what": what, "text": text[:50]}
        )
    raise ValidationError(
        _("Several %(what)ss are named “%(text)s”; enter the code.") % {"what": what, "text": text[:50]}
    )


def reference_labels(pairs) -> dict[tuple[str, str], str]:
    """``{(type, stored code): "name（code）"}`` for the references given, two queries at most."""
    from django.db.models import Q

    wanted: dict[str, set[str]] = {}
    for vtype, code in pairs:
        if code:
            wanted.setdefault(vtype, set()).add(code)
    out = {}
    for vtype, codes in wanted.items():
        for code, name in _reference_rows(vtype).filter(Q(code__in=codes) | Q(name__in=codes)):
            key = code or name
            out[(vtype, key)] = f"{name}（{code}）" if code else name
    return out


def reference_search(vtype: str, query: str, limit: int = 20) -> list[dict]:
    """Suggestions as one types: ``[{"id": stored code, "text": label}]``, codes matched from the
    start, names anywhere (every word must match)."""
    from django.db.models import Q

    rows = _reference_rows(vtype)
    for word in (query or "")[:50].split():
        rows = rows.filter(Q(code__istartswith=word) | Q(name__icontains=word))
    out = []
    for code, name in rows.order_by("code").distinct()[:limit]:
        out.append({"id": code or name, "text": f"{name}（{code}）" if code else name})
    return out
