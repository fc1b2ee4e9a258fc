"""Pages of the reporting analytics: the pivot over the analytics dimensions (with charts,
year-over-year comparison and XLSX export) and the dashboard of indicators against targets."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhijiao.core.scoping import user_scope
from zhijiao.core.tabular import xlsx_response
from zhijiao.orgs.models import Region

from . import analytics
from . import scoring as scoring_mod
from .choices import NUMERIC_TYPES
from .models import Indicator, Period, ScoringScheme


def _num(value) -> float | None:
    return None if value is None else float(value)


def _text(value: Decimal | None) -> str:
    if value is None:
        return ""
    return format(value.normalize(), "f") if value == value.to_integral_value() else f"{value:.2f}"


def _period(request) -> Period | None:
    pk = request.GET.get("period")
    qs = Period.objects.select_related("data_set")
    if pk and pk.isdigit():
        found = qs.filter(pk=pk).first()
        if found is not None:
            return found
    return qs.order_by("-start", "-pk").first()


@login_required
def analytics_pivot(request):
    """Sum of one element by two dimensions, from the maintained facts (never the raw values)."""
    period = _period(request)
    elements = []
    if period is not None:
        version = period.data_set.current_version()
        if version is not None:
            elements = list(version.elements.filter(value_type__in=NUMERIC_TYPES))
    codes = [e.code for e in elements]
    element_code = request.GET.get("element") or (codes[0] if codes else "")
    rows = request.GET.get("rows") or "city"
    cols = request.GET.get("cols", "")
    bad = element_code not in codes and bool(codes)
    if rows not in analytics.DIMENSIONS or rows == "period":
        rows, bad = "city", True
    if cols and (cols not in analytics.DIMENSIONS or cols == rows):
        cols, bad = "", True
    if bad:
        messages.error(request, _("That choice is not available; the default view is shown."))
        element_code = element_code if element_code in codes else (codes[0] if codes else "")
    table = None
    if period is not None and element_code:
        table = analytics.pivot(
            user=request.user, period=period, element_code=element_code, rows=rows, cols=cols
        )
    element = next((e for e in elements if e.code == element_code), None)
    headers = [str(analytics.DIMENSIONS[rows])] + (table.col_labels if table else [])
    sums = bool(cols) and cols != "period"  # a sum over periods means nothing
    if sums:
        headers.append(_("Total"))
    if table and table.previous is not None:
        headers += [
            _("Previous period (%(code)s)") % {"code": table.previous_period.code},
            _("Change on previous period (%)"),
        ]
    body = []
    if table:
        change = table.change()
        for i, label in enumerate(table.row_labels):
            line = [label] + [_text(v) for v in table.cells[i]]
            if sums:
                line.append(_text(table.row_totals[i]))
            if table.previous is not None:
                line += [_text(table.previous[i]), "" if change[i] is None else str(change[i])]
            body.append(line)
    if request.GET.get("format") == "xlsx" and table is not None:
        return xlsx_response(
            filename=f"{period.data_set.code}-{period.code}-{element_code}-{rows}{'-' + cols if cols else ''}.xlsx",
            headers=[str(h) for h in headers],
            rows=body,
            sheet_title=period.code,
        )
    chart = {"categories": [], "series": []}
    if table and table.row_labels:
        chart["categories"] = table.row_labels
        if cols:
            chart["series"] = [
                {"name": name, "data": [_num(line[j]) for line in table.cells]}
                for j, name in enumerate(table.col_labels)
            ]
        else:
            chart["series"] = [{"name": period.code, "data": [_num(v) for v in table.row_totals]}]
            if table.previous is not None:
                chart["series"].insert(
                    0, {"name": table.previous_period.code, "data": [_num(v) for v in table.previous]}
                )
    return render(
        request,
        "reporting/analytics_pivot.html",
        {
            "title": _("Analytics"),
            "period": period,
            "period_choices": Period.objects.select_related("data_set").order_by("data_set__code", "-start"),
            "elements": elements,
            "element": element,
            "element_code": element_code,
            "dimensions": [(k, v) for k, v in analytics.DIMENSIONS.items()],
            "rows": rows,
            "cols": cols,
            "headers": headers,
            "body": body,
            "chart": chart,
            "query": request.GET.urlencode(),
        },
    )


def _home_region(user) -> Region | None:
    """The region whose figures the user sees: the highest region of their grants."""
    paths = sorted(user_scope(user).region_paths, key=lambda p: p.count("/"))
    return Region.objects.filter(path=paths[0]).first() if paths else None


@login_required
def dashboard(request):
    """Each indicator's latest approved value at the user's region against its target, with the
    series over the periods (the 职教高地 indicators, the work plan's measures)."""
    region = _home_region(request.user)
    cards = []
    if region is not None:
        for indicator in Indicator.objects.select_related("data_set"):
            series = analytics.indicator_series(indicator, region)
            latest = series[-1] if series else None
            percent = None
            if latest is not None and indicator.target:
                percent = min(100, int(latest[1] * 100 / indicator.target))
            cards.append(
                {
                    "indicator": indicator,
                    "value": _text(latest[1]) if latest else None,
                    "period": latest[0] if latest else None,
                    "target": _text(indicator.target) if indicator.target is not None else None,
                    "percent": percent,
                    "chart_id": f"ind-{indicator.pk}",
                    "chart": {
                        "categories": [p.code for p, _v in series],
                        "series": [{"name": indicator.name, "data": [_num(v) for _p, v in series]}],
                        "target": _num(indicator.target),
                    },
                }
            )
    return render(
        request,
        "reporting/dashboard.html",
        {"title": _("Indicators dashboard"), "region": region, "cards": cards},
    )


@login_required
def scoring(request):
    """考核 results: the chosen scheme's scores per city or school in a period, ranked (XLSX)."""
    schemes = list(ScoringScheme.objects.select_related("data_set"))
    scheme = None
    pk = request.GET.get("scheme", "")
    if pk.isdigit():
        scheme = next((s for s in schemes if s.pk == int(pk)), None)
    if scheme is None and schemes:
        scheme = schemes[0]
    periods = list(scheme.data_set.periods.order_by("-start")) if scheme else []
    period = None
    raw = request.GET.get("period", "")
    if raw.isdigit():
        period = next((p for p in periods if p.pk == int(raw)), None)
    if period is None and periods:
        period = periods[0]
    items, results = scoring_mod.scheme_results(scheme, period, user=request.user) if period else ([], [])
    headers = [_("Rank"), scheme.get_level_display() if scheme else ""]
    for item in items:
        headers += [item.name, _("Score (of %(w)s)") % {"w": _text(item.weight)}]
    has_veto = any(i.is_veto for i in items)
    headers.append(_("Total score"))
    if has_veto:
        headers.append(pgettext("scoring", "Veto"))
    body, rows = [], []
    for r in results:
        line = [r.rank if r.rank is not None else "—", r.name]
        cells = []
        for item, value, score in zip(items, r.values, r.scores, strict=True):
            line += [_text(value), _text(score)]
            cells.append({"value": _text(value), "score": _text(score), "failed": item.name in r.veto_items})
        veto = ""
        if r.vetoed:
            veto = _("Vetoed by %(items)s; items add up to %(sum)s, counted as 0 and not ranked") % {
                "items": "、".join(r.veto_items),
                "sum": _text(r.items_total),
            }
        line.append(_text(r.total))
        if has_veto:
            line.append(veto)
        body.append(line)
        rows.append({"result": r, "rank": line[0], "cells": cells, "total": _text(r.total), "veto": veto})
    if request.GET.get("format") == "xlsx" and period is not None:
        return xlsx_response(
            filename=f"{scheme.code}-{period.code}.xlsx",
            headers=[str(h) for h in headers],
            rows=body,
            sheet_title=period.code,
        )
    return render(
        request,
        "reporting/scoring.html",
        {
            "title": _("Scoring"),
            "schemes": schemes,
            "scheme": scheme,
            "period_choices": periods,
            "period": period,
            "items": items,
            "headers": headers,
            "body": body,
            "rows": rows,
            "has_veto": has_veto,
        },
    )
