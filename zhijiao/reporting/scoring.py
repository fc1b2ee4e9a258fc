"""考核 scoring from the approved data: a ``ScoringScheme`` (items with weights and thresholds)
scored per city (from the analytics facts) or per school (from the approved submissions), in the
reader's scope. Reads only; the schemes are written by ``services.scheme_create``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Sum

from zhijiao.core.scoping import restrict

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
    rank: int = 0


def _values_by_unit(scheme: ScoringScheme, period: Period, user, items) -> tuple[dict, dict]:
    """``({unit key: name}, {(unit key, item pk): value})`` of the scheme's level."""
    names: dict = {}
    values: dict = {}
    if scheme.level == ScoringLevel.CITY:
        facts = fact_list(user=user).filter(period=period)
        for item in items:
            qs = facts.filter(element_code=item.element_code)
            if item.cell:
                qs = qs.filter(cell=item.cell)
            for city_id, city_name, total in (
                qs.values_list("city_id", "city__name").annotate(t=Sum("total")).order_by()
            ):
                names[city_id] = city_name
                values[(city_id, item.pk)] = total
    else:
        from .models import Submission

        subs = restrict(Submission.objects.all(), user, "view").filter(period=period, status__in=APPROVED)
        for sid, name in subs.values_list("institution_id", "institution__name"):
            names[sid] = name
        rows = DataValue.objects.filter(
            submission__in=subs, number__isnull=False, element__code__in={i.element_code for i in items}
        ).values_list("submission__institution_id", "element__code", "cell", "number")
        for school, code, cell, number in rows:
            for item in items:
                if item.element_code == code and (not item.cell or item.cell == cell):
                    key = (school, item.pk)
                    values[key] = values.get(key, Decimal(0)) + number
    return names, values


def scheme_results(scheme: ScoringScheme, period: Period, *, user) -> tuple[list[ScoringItem], list[Result]]:
    """The scheme's items, and each city's or school's values, item scores and total, ranked
    (equal totals share a rank)."""
    items = list(scheme.items.all())
    names, values = _values_by_unit(scheme, period, user, items)
    results = []
    for key, name in names.items():
        vals = [values.get((key, item.pk)) for item in items]
        scores = [item_score(item, v) for item, v in zip(items, vals, strict=True)]
        results.append(Result(name=name, values=vals, scores=scores, total=sum(scores, Decimal(0))))
    results.sort(key=lambda r: (-r.total, r.name))
    for i, r in enumerate(results):
        r.rank = results[i - 1].rank if i and results[i - 1].total == r.total else i + 1
    return items, results
