"""The roll-up report of an inspection: totals, findings by rule, by city and by school, compliance rates.

One summary (``inspection_summary``) feeds the detail page, the XLSX workbook and the PDF. Charts
are drawn here as plain SVG (horizontal bars, stacked by finding), inline in the HTML page and in
the PDF — WeasyPrint draws inline SVG as vector paths, so the PDF needs no JavaScript and no
raster images. The PDF uses the Noto CJK fonts like the certificates and the work-plan briefing.

Everything is computed from the items the viewer may see (``selectors_inspections``), so a city
bureau's copy of a provincial inspection rolls up its own schools only.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from dataclasses import dataclass, field

from django.http import FileResponse, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhijiao.core import pdf
from zhijiao.core.downloads import set_filename
from zhijiao.core.pdf.charts import svg_bars

from . import rules
from .choices import FindingResult

COLORS = {
    FindingResult.COMPLIANT: "#198754",
    FindingResult.NON_COMPLIANT: "#dc3545",
    FindingResult.PENDING: "#adb5bd",
    "rate": "#0d6efd",
}


@dataclass
class Group:
    """Counts of one city or school."""

    name: str
    compliant: int = 0
    non_compliant: int = 0
    pending: int = 0
    answered: int = 0
    rules: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.compliant + self.non_compliant + self.pending

    @property
    def rate(self) -> float | None:
        """Compliant share of the inspected items, in percent (None before any finding)."""
        inspected = self.compliant + self.non_compliant
        return round(100 * self.compliant / inspected, 1) if inspected else None

    def add(self, item) -> None:
        if item.result == FindingResult.COMPLIANT:
            self.compliant += 1
        elif item.result == FindingResult.NON_COMPLIANT:
            self.non_compliant += 1
            self.rules.update(item.failed_rules or [])
        else:
            self.pending += 1
        if item.answered_at:
            self.answered += 1


def _city_of(region):
    if region.level == "county" and region.parent_id:
        return region.parent
    return region


def inspection_summary(inspection, items) -> dict:
    """Totals and groups of the given items (already scoped, with institution__region__parent joined)."""
    items = list(items)
    today = timezone.localdate()
    total = Group(name=str(inspection))
    cities: dict[int, Group] = {}
    schools: dict[int, Group] = {}
    rectified = overdue = 0
    for item in items:
        total.add(item)
        city = _city_of(item.institution.region)
        cities.setdefault(city.pk, Group(name=city.name)).add(item)
        schools.setdefault(item.institution_id, Group(name=item.institution.name)).add(item)
        if item.result == FindingResult.NON_COMPLIANT:
            if item.rectified_at:
                rectified += 1
            elif item.rectification_due and item.rectification_due < today:
                overdue += 1
    by_rule = [
        {
            "rule_id": c["rule_id"],
            "title": _(c.get("title") or c["rule_id"]),
            "source": rules.citation(c["rule_id"]),
            "n": total.rules.get(c["rule_id"], 0),
        }
        for c in inspection.checklist
    ]
    by_rule.sort(key=lambda r: -r["n"])
    by_city = sorted(cities.values(), key=lambda g: (-g.non_compliant, g.name))
    by_school = sorted(schools.values(), key=lambda g: (-g.non_compliant, g.name))
    return {
        "items": items,
        "non_compliant": [it for it in items if it.result == FindingResult.NON_COMPLIANT],
        "total": total,
        "rectified": rectified,
        "overdue": overdue,
        "by_rule": by_rule,
        "by_city": by_city,
        "by_school": by_school,
        "generated_at": timezone.localtime(),
    }


# --- SVG charts -----------------------------------------------------------------------------------
def _stacked(groups) -> list[tuple[str, list[float]]]:
    return [(g.name, [g.compliant, g.non_compliant, g.pending]) for g in groups]


def report_charts(summary: dict) -> dict[str, SafeString]:
    finding_series = [
        (str(FindingResult.COMPLIANT.label), COLORS[FindingResult.COMPLIANT]),
        (str(FindingResult.NON_COMPLIANT.label), COLORS[FindingResult.NON_COMPLIANT]),
        (str(FindingResult.PENDING.label), COLORS[FindingResult.PENDING]),
    ]
    failing = [r for r in summary["by_rule"] if r["n"]]
    return {
        "by_rule": svg_bars(
            [(r["title"], [r["n"]]) for r in failing],  # the rule's title, not its code
            series=[(_("Non-compliant findings"), COLORS[FindingResult.NON_COMPLIANT])],
            title=_("Findings by rule"),
        ),
        "by_city": svg_bars(_stacked(summary["by_city"]), series=finding_series, title=_("Findings by city")),
        "by_school": svg_bars(
            _stacked(summary["by_school"][:20]), series=finding_series, title=_("Findings by school")
        ),
        "rate_by_city": svg_bars(
            [(g.name, [g.rate]) for g in summary["by_city"] if g.rate is not None],
            series=[(_("Compliance rate"), COLORS["rate"])],
            title=_("Compliance rate by city"),
            percent=True,
        ),
    }


# --- XLSX -----------------------------------------------------------------------------------------
def _rate(value) -> str:
    return "" if value is None else f"{value}%"


def _group_rows(groups):
    return [
        [g.name, g.total, g.answered, g.compliant, g.non_compliant, g.pending, _rate(g.rate)] for g in groups
    ]


def report_workbook(fileobj, inspection, summary: dict) -> None:
    """Summary, items, by rule, by city, by school — with a bar chart on the rule and city sheets."""
    from openpyxl import Workbook
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    from zhijiao.core.tabular import _safe_cell

    wb = Workbook()
    bold = Font(bold=True)

    def sheet(title, headers, rows, *, first=False):
        ws = wb.active if first else wb.create_sheet()
        ws.title = str(title)[:31]
        ws.append([str(h) for h in headers])
        for cell in ws[1]:
            cell.font = bold
        for row in rows:
            ws.append([_safe_cell(v) for v in row])
        return ws

    total = summary["total"]
    sheet(
        _("Summary"),
        [_("Item"), _("Value")],
        [
            [_("Title"), inspection.title],
            [_("Scope"), inspection.region.name],
            [_("Status"), inspection.get_status_display()],
            [_("Answers due"), inspection.answer_due.isoformat()],
            [_("Sampled items"), total.total],
            [_("Answered by the school"), total.answered],
            [_("Compliant"), total.compliant],
            [_("Non-compliant"), total.non_compliant],
            [_("Not yet inspected"), total.pending],
            [_("Compliance rate"), _rate(total.rate)],
            [_("Rectified"), summary["rectified"]],
            [_("Rectification overdue"), summary["overdue"]],
            [_("Generated at"), summary["generated_at"].strftime("%Y-%m-%d %H:%M")],
        ],
        first=True,
    )
    sheet(
        _("Items"),
        [
            _("Institution"),
            _("Student"),
            _("Host enterprise"),
            _("School answer"),
            _("Answered at"),
            _("Finding"),
            _("Rules not met"),
            _("Finding note"),
            _("Rectification deadline"),
            _("Rectified at"),
        ],
        [
            [
                it.institution.name,
                it.placement.enrolment.student.name if it.placement_id else "",
                it.placement.enterprise.name if it.placement_id else "",
                it.school_answer,
                timezone.localtime(it.answered_at).strftime("%Y-%m-%d %H:%M") if it.answered_at else "",
                it.get_result_display(),
                ", ".join(it.failed_rules or []),
                it.finding_note,
                it.rectification_due.isoformat() if it.rectification_due else "",
                timezone.localtime(it.rectified_at).strftime("%Y-%m-%d %H:%M") if it.rectified_at else "",
            ]
            for it in summary["items"]
        ],
    )
    by_rule = summary["by_rule"]
    ws = sheet(
        _("By rule"),
        [_("Rule"), _("Title"), _("Non-compliant findings"), _("Source")],
        [[r["rule_id"], r["title"], r["n"], r["source"]] for r in by_rule],
    )
    if by_rule:
        chart = BarChart()
        chart.type = "bar"
        chart.title = _("Findings by rule")
        chart.add_data(Reference(ws, min_col=3, min_row=1, max_row=len(by_rule) + 1), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(by_rule) + 1))
        ws.add_chart(chart, "F2")
    headers = [
        pgettext("thing", "Name"),  # of a city or a school
        _("Sampled items"),
        _("Answered by the school"),
        _("Compliant"),
        _("Non-compliant"),
        _("Not yet inspected"),
        _("Compliance rate"),
    ]
    ws = sheet(_("By city"), headers, _group_rows(summary["by_city"]))
    if summary["by_city"]:
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "stacked"
        chart.overlap = 100
        chart.title = _("Findings by city")
        n = len(summary["by_city"]) + 1
        chart.add_data(Reference(ws, min_col=4, max_col=6, min_row=1, max_row=n), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=n))
        ws.add_chart(chart, "I2")
    sheet(_("By school"), headers, _group_rows(summary["by_school"]))
    wb.save(fileobj)


def _filename(inspection, ext: str) -> str:
    return f"{inspection.title}-{timezone.localdate():%Y-%m-%d}.{ext}"


def _name_response(response, inspection, ext: str):
    fallback = f"inspection-{inspection.pk}-{timezone.localdate():%Y-%m-%d}.{ext}"
    return set_filename(response, _filename(inspection, ext), fallback=fallback)


def xlsx_response(inspection, summary: dict) -> FileResponse:
    from zhijiao.core.tabular import XLSX_CONTENT_TYPE

    tmp = tempfile.TemporaryFile()
    report_workbook(tmp, inspection, summary)
    tmp.seek(0)
    return _name_response(FileResponse(tmp, content_type=XLSX_CONTENT_TYPE), inspection, "xlsx")


# --- PDF ------------------------------------------------------------------------------------------
def report_html(inspection, summary: dict, *, request=None) -> str:
    return render_to_string(
        "internships/inspection_report_pdf.html",
        {"i": inspection, "s": summary, "charts": report_charts(summary), "today": timezone.localdate()},
        request=request,
    )


def report_pdf(inspection, summary: dict, *, request=None) -> bytes:
    """The report through the platform's PDF entry point: page numbers, and a watermark with the
    reader and the time when a request names one."""
    html = report_html(inspection, summary, request=request)
    user = getattr(request, "user", None)
    return pdf.render_pdf(
        html, footer=True, watermark=user if getattr(user, "is_authenticated", False) else None
    )


def pdf_response(inspection, summary: dict, *, request=None) -> HttpResponse:
    response = HttpResponse(report_pdf(inspection, summary, request=request), content_type="application/pdf")
    return _name_response(response, inspection, "pdf")
