"""The charts of the reports from data (``reports``): rankings, score distributions, breakdowns by
region or disaggregation — drawn server-side as plain SVG by the kernel's ``core.pdf.charts`` (no
browser, no JavaScript, no raster images), inline in the HTML the PDF is laid out from."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from zhijiao.core.pdf.charts import PALETTE, svg_bars

CSS_CLASS = "report-chart"


def _f(value) -> float:
    return float(value or 0)


def breakdown(rows: Sequence[tuple[str, Decimal | float | None]], *, title: str, series: str) -> SafeString:
    """One bar per label (a city, a cell of a disaggregation, a destination)."""
    return svg_bars(
        [(label, [_f(v)]) for label, v in rows],
        series=[(series, PALETTE[0])],
        title=title,
        css_class=CSS_CLASS,
    )


def shares(rows: Sequence[tuple[str, float | None]], *, title: str, series: str) -> SafeString:
    """One bar per label, as a percentage (0–100)."""
    return svg_bars(
        [(label, [round(_f(v), 1)]) for label, v in rows],
        series=[(series, PALETTE[2])],
        title=title,
        percent=True,
        css_class=CSS_CLASS,
    )


def ranking(results, *, top: int = 30) -> SafeString:
    """The ``top`` highest totals, best first (``scoring.Result`` rows)."""
    return svg_bars(
        [(f"{r.rank}. {r.name}", [_f(r.total)]) for r in results if not r.vetoed][:top],
        series=[(_("Total score"), PALETTE[0])],
        title=_("Ranking"),
        css_class=CSS_CLASS,
    )


def score_bins(totals: Sequence[Decimal], full: Decimal, *, bins: int = 10) -> list[tuple[str, int]]:
    """How many totals fall in each of ``bins`` equal bands from 0 to ``full`` (the last band
    closed: a full score counts in it)."""
    full = Decimal(full) if full else Decimal(1)
    width = full / bins
    counts = [0] * bins
    for total in totals:
        n = int(min(bins - 1, max(0, (Decimal(total) / width).to_integral_value(rounding="ROUND_FLOOR"))))
        counts[n] += 1

    def _g(d: Decimal) -> str:
        return format(d.normalize(), "f") if d == d.to_integral_value() else f"{d:.1f}"

    return [(f"{_g(width * i)}–{_g(width * (i + 1))}", c) for i, c in enumerate(counts)]


def distribution(totals: Sequence[Decimal], full: Decimal) -> SafeString:
    """A histogram of the totals over ten bands of the full score."""
    return svg_bars(
        [(label, [n]) for label, n in score_bins(totals, full)],
        series=[(_("Number scored"), PALETTE[4])],
        title=_("Distribution of total scores"),
        css_class=CSS_CLASS,
    )


def item_attainment(items, results) -> SafeString:
    """Each item's average score as a share of its weight (where the scored fall short)."""
    rows = []
    for n, item in enumerate(items):
        scores = [r.scores[n] for r in results]
        avg = sum(scores, Decimal(0)) / len(scores) if scores else Decimal(0)
        rows.append((item.name, float(100 * avg / item.weight) if item.weight else 0.0))
    return shares(rows, title=_("Average attainment by item"), series=_("Share of the weight"))


__all__ = ["breakdown", "distribution", "item_attainment", "ranking", "score_bins", "shares"]
