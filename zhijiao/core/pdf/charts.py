"""Server-side SVG charts: horizontal (stacked) bars and lines, plain SVG 1.1 — rect, polyline and
text only, every label escaped — so they are safe inline in a page and print as vectors in a PDF
(WeasyPrint), with no JavaScript."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from . import FONT_FAMILY

PALETTE = ("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#adb5bd")


def _short(text: str, n: int = 18) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _open(width: int, height: int, title: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{escape(css_class)}" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'font-family="{FONT_FAMILY}" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]


def _legend(out: list[str], series, x: int) -> None:
    for name, colour in series:
        out.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{escape(colour)}"/>')
        out.append(f'<text x="{x + 14}" y="15">{escape(name)}</text>')
        x += 24 + 12 * len(name)


def _no_data(out: list[str], x: int, y: int) -> None:
    empty = _("No data.")  # outside the f-string: xgettext does not read inside one
    out.append(f'<text x="{x}" y="{y}" fill="#6c757d">{escape(empty)}</text>')


def svg_bars(
    rows: Sequence[tuple[str, Sequence[float]]],
    *,
    series: Sequence[tuple[str, str]],
    title: str,
    percent: bool = False,
    width: int = 640,
    css_class: str = "inspection-chart",
) -> SafeString:
    """Horizontal bars, one row per label, stacked over ``series`` [(name, colour)]; a legend on top."""
    label_w, value_w, bar_h, gap, top = 200, 48, 16, 8, 28
    plot_w = width - label_w - value_w
    height = top + max(1, len(rows)) * (bar_h + gap) + 4
    peak = 100.0 if percent else max([sum(v) for _label, v in rows] + [1])
    out = _open(width, height, title, css_class)
    _legend(out, series, label_w)
    if not rows:
        _no_data(out, label_w, top + bar_h - 4)
    for n, (label, values) in enumerate(rows):
        y = top + n * (bar_h + gap)
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end">{escape(_short(str(label)))}</text>'
        )
        out.append(f'<rect x="{label_w}" y="{y}" width="{plot_w}" height="{bar_h}" fill="#f1f3f5"/>')
        x = float(label_w)
        for value, (_name, colour) in zip(values, series, strict=True):
            w = plot_w * (value or 0) / peak
            if w > 0:
                out.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{escape(colour)}"/>'
                )
            x += w
        shown = f"{values[0]:g}%" if percent else f"{sum(values):g}"
        out.append(f'<text x="{label_w + plot_w + 6}" y="{y + bar_h - 4}">{escape(shown)}</text>')
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text node above is escaped


def svg_line(
    labels: Sequence[str],
    lines: Sequence[tuple[str, Sequence[float | None], str]],
    *,
    title: str,
    width: int = 640,
    height: int = 240,
    percent: bool = False,
    css_class: str = "chart-line",
) -> SafeString:
    """Lines over the x-axis ``labels``: ``lines`` [(name, values, colour)], a value None leaves a gap.
    The y-axis starts at 0 and ends at the largest value (100 for percentages), with 4 grid lines."""
    left, right, top, bottom = 44, 12, 28, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _n, vs, _c in lines for v in vs if v is not None]
    peak = 100.0 if percent else max(values + [1])
    out = _open(width, height, title, css_class)
    _legend(out, [(name, colour) for name, _vs, colour in lines], left)
    for i in range(5):
        y = top + plot_h - plot_h * i / 4
        tick = peak * i / 4
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="#e9ecef"/>')
        shown = f"{tick:.0f}%" if percent else f"{tick:g}"
        out.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{escape(shown)}</text>')
    if not labels or not values:
        _no_data(out, left + 8, top + plot_h // 2)
    step = plot_w / max(1, len(labels) - 1)
    every = max(1, len(labels) // 12)  # at most about a dozen x labels
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step
            out.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(_short(str(label), 10))}</text>'
            )
    for _name, vs, colour in lines:
        segment: list[str] = []
        for i, v in enumerate(list(vs) + [None]):
            if v is None:
                if len(segment) > 1:
                    out.append(
                        f'<polyline fill="none" stroke="{escape(colour)}" stroke-width="2" '
                        f'points="{" ".join(segment)}"/>'
                    )
                elif segment:
                    cx, cy = segment[0].split(",")
                    out.append(f'<circle cx="{cx}" cy="{cy}" r="2.5" fill="{escape(colour)}"/>')
                segment = []
                continue
            x = left + i * step
            y = top + plot_h - plot_h * min(v, peak) / peak
            segment.append(f"{x:.1f},{y:.1f}")
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 — every text node above is escaped


__all__ = ["PALETTE", "svg_bars", "svg_line"]
