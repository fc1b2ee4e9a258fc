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
