"""考核 scoring from the approved data: a ``ScoringScheme`` (items with weights and thresholds)
scored per city (from the analytics facts) or per school (from the approved submissions), in the
reader's scope. An item scores one element or a formula over element totals (the safe evaluator of
``expressions``); a veto item that scores nothing makes the total nothing. Reads only; the schemes
are written by ``services_editor.scheme_save``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from zhijiao.core.scoping import restrict

from . import expressions
from .analytics import fact_list
from .choices import SubmissionStatus
from .models import DataValue, Period, ScoringItem, ScoringLevel, ScoringScheme

APPROVED = [SubmissionStatus.APPROVED, SubmissionStatus.LOCKED]
TWO = Decimal("0.01")


def item_score(item: ScoringItem, value: Decimal | None) -> Decimal:
    """``weight`` × the share of the way from ``zero_at`` to ``full_at`` (clamped to 0–1); a
    missing value scores nothing."""
    if value is None:
        return Decimal(0)
    share = (value - item.zero_at) / (item.full_at - item.zero_at)
    share = min(Decimal(1), max(Decimal(0), share))
    return (item.weight * share).quantize(TWO)


@dataclass
class Result:
    name: str
    values: list[Decimal | None]
    scores: list[Decimal]
    total: Decimal = field(default=Decimal(0))
    rank: int | None = 0
    vetoed: bool = False
    # The veto items it failed, and what its items would have added up to without the veto.
    veto_items: list[str] = field(default_factory=list)
    items_total: Decimal = field(default=Decimal(0))


def _codes(items) -> set[str]:
    codes = set()
    for item in items:
        if item.formula:
            codes |= expressions.names(expressions.parse(item.formula))
        else:
            codes.add(item.element_code)
    return codes


def _cells_by_unit(scheme: ScoringScheme, period: Period, user, codes: set[str]) -> tuple[dict, dict]:
    """``({unit key: name}, {unit key: {(element code, cell): total}})`` of the scheme's level."""
    names: dict = {}
    cells: dict = {}
    if scheme.level == ScoringLevel.CITY:
        rows = (
            fact_list(user=user)
            .filter(period=period, element_code__in=codes)
            .values_list("city_id", "city__name", "element_code", "cell")
            .annotate(t=Sum("total"))
            .order_by()
        )
        for city_id, city_name, code, cell, total in rows:
            names[city_id] = city_name
            key = (code, cell)
            unit = cells.setdefault(city_id, {})
            unit[key] = unit.get(key, Decimal(0)) + total
    else:
        from .models import Submission

        subs = restrict(Submission.objects.all(), user, "view").filter(period=period, status__in=APPROVED)
        for sid, name in subs.values_list("institution_id", "institution__name"):
            names[sid] = name
        rows = DataValue.objects.filter(
            submission__in=subs, number__isnull=False, element__code__in=codes
        ).values_list("submission__institution_id", "element__code", "cell", "number")
        for school, code, cell, number in rows:
            unit = cells.setdefault(school, {})
            unit[(code, cell)] = unit.get((code, cell), Decimal(0)) + number
    return names, cells


def item_value(item: ScoringItem, cells: dict) -> Decimal | None:
    """The item's value for one unit: its element's total (over its cells, or the one cell), or its
    formula over element totals (``None`` when a value it reads is missing)."""
    if item.formula:
        totals: dict[str, Decimal] = {}
        for (code, _cell), total in cells.items():
            totals[code] = totals.get(code, Decimal(0)) + total
        try:
            value = expressions.evaluate(item.formula, totals)
        except (expressions.Missing, expressions.ExpressionError):
            return None
        return value if isinstance(value, Decimal) else Decimal(int(bool(value)))
    found = [
        t
        for (code, cell), t in cells.items()
        if code == item.element_code and (not item.cell or cell == item.cell)
    ]
    return sum(found, Decimal(0)) if found else None


def scheme_results(scheme: ScoringScheme, period: Period, *, user) -> tuple[list[ScoringItem], list[Result]]:
    """The scheme's items, and each city's or school's values, item scores and total, ranked
    (equal totals share a rank). A veto item (一票否决) that scores nothing makes the total nothing
    and takes the unit out of the ranking: it is listed after every ranked unit, without a rank
    (``rank`` None), with the veto items it failed."""
    items = list(scheme.items.all())
    names, cells = _cells_by_unit(scheme, period, user, _codes(items))
    results = []
    for key, name in names.items():
        vals = [item_value(item, cells.get(key, {})) for item in items]
        scores = [item_score(item, v) for item, v in zip(items, vals, strict=True)]
        failed = [item.name for item, score in zip(items, scores, strict=True) if item.is_veto and score == 0]
        items_total = sum(scores, Decimal(0))
        results.append(
            Result(
                name=name,
                values=vals,
                scores=scores,
                total=Decimal(0) if failed else items_total,
                vetoed=bool(failed),
                veto_items=failed,
                items_total=items_total,
            )
        )
    results.sort(key=lambda r: (r.vetoed, -r.total, r.name))
    for i, r in enumerate(results):
        if r.vetoed:
            r.rank = None
        else:
            r.rank = results[i - 1].rank if i and results[i - 1].total == r.total else i + 1
    return items, results
