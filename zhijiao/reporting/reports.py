"""Reports from data, as PDFs through the kernel's one renderer (``core.pdf.render_pdf``, local
Noto CJK fonts, charts as inline SVG from ``reporting.charts``):

- the 质量年度报告 of a school (its approved data of the year as tables and charts, plus the
  narrative sections the school writes in the platform, ``QualityReport``) and the summary of a
  city or the province (routine items 7 of the 2021 work plan: 研制发布中、高职教育质量年度报告);
- the 中职就业年度报告 (routine item 8) from the 中职毕业生就业去向 data set;
- the 简报 (routine item 4), a dated, numbered issue over chosen indicators (``Bulletin``);
- the 考核结果分析报告 (routine item 2) of a scoring scheme in a period: ranking, distribution,
  attainment by item.

Everything is read in the reader's scope (the selectors and ``restrict``); only approved data
(approved or locked submissions) enter a report. Reads only: ``services_reports`` writes.
The batch of a report per school (a city's or the province's schools) is the background job
``reporting.quality_batch`` below, resumable after a restart (``core.jobs``)."""

from __future__ import annotations

import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhijiao.core import jobfiles, pdf
from zhijiao.core.jobs import checkpoint_get, checkpoint_set, register, set_progress
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.orgs.models import Institution, Region

from . import charts
from .choices import NUMERIC_TYPES, SubmissionStatus, ValueType
from .models import Aggregate, DataValue, Indicator, Period, QualityReport, ReportStatus, Submission
from .selectors import submission_list

APPROVED = (SubmissionStatus.APPROVED, SubmissionStatus.LOCKED)
EMPLOYMENT_DATA_SET = "zz_employment"  # the 中职毕业生就业去向 data set (data/zz_employment.yaml)
# The destinations of the employment data set that count as a destination settled (every one
# but 待就业): the share is the 毕业去向落实率 of the report.
UNSETTLED = "pending"

# The narrative sections of a school's 质量年度报告, in order; the school writes them in the
# platform while the report is a draft.
NARRATIVE_SECTIONS = [
    ("overview", gettext_lazy("School overview")),
    ("student_development", gettext_lazy("Student development")),
    ("teaching", gettext_lazy("Teaching and quality assurance")),
    ("cooperation", gettext_lazy("School–enterprise cooperation")),
    ("contribution", gettext_lazy("Service to society")),
    ("sponsor", gettext_lazy("The sponsor's duties")),
    ("features", gettext_lazy("Distinctive practice")),
    ("problems", gettext_lazy("Problems and improvements")),
]
NARRATIVE_MAX = 20000  # characters per section

CSS_BASE = Path(settings.BASE_DIR)


def number_text(value: Decimal | None) -> str:
    if value is None:
        return "—"
    value = Decimal(value)
    return format(value.normalize(), "f") if value == value.to_integral_value() else f"{value:.2f}"


def _percent(part, whole) -> float | None:
    return float(100 * Decimal(part) / Decimal(whole)) if whole else None


# --- the school's tables ---------------------------------------------------------------------


@dataclass
class Row:
    section: str
    name: str
    cell: str
    value: str
    unit: str
    previous: str = ""


@dataclass
class Table:
    """One approved submission of the school as rows, with charts of its disaggregated elements."""

    title: str
    period: str
    rows: list[Row] = field(default_factory=list)
    charts: list = field(default_factory=list)


def _shown(element, value: DataValue) -> str:
    if element.value_type == ValueType.CHOICE:
        names = {c.get("code"): c.get("name") for c in element.choices or []}
        return names.get(value.value, value.value)
    if element.value_type in NUMERIC_TYPES and value.number is not None:
        return number_text(value.number)
    return value.value


def school_tables(*, user, institution, year: int) -> list[Table]:
    """The school's approved submissions of periods starting in ``year``, one table each, with
    the value of the period before beside every number (year-over-year)."""
    from .selectors import previous_numbers

    subs = list(
        submission_list(user=user)
        .filter(institution=institution, period__start__year=year, status__in=APPROVED)
        .order_by("period__data_set__code", "period__start")
    )
    versions = {s.version_id for s in subs}
    elements = {}
    from .models import DataElement

    for e in (
        DataElement.objects.filter(version_id__in=versions)
        .select_related("section")
        .prefetch_related("categories")
    ):
        elements[e.pk] = e
    values = defaultdict(list)
    for v in DataValue.objects.filter(submission__in=subs).order_by(
        "element__section__order", "element__order"
    ):
        values[v.submission_id].append(v)
    tables = []
    for sub in subs:
        before = previous_numbers(user=user, submission=sub)
        table = Table(title=sub.period.data_set.name, period=sub.period.code)
        labels: dict[int, dict[str, str]] = {}
        split: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
        for pk in {v.element_id for v in values[sub.pk]}:
            labels[pk] = dict(elements[pk].cells())  # in the definition's order of the cells

        def place(v, labels=labels):
            element = elements[v.element_id]
            cells = list(labels[element.pk])
            return (
                element.section.order,
                element.order,
                cells.index(v.cell) if v.cell in cells else len(cells),
            )

        for v in sorted(values[sub.pk], key=place):
            element = elements[v.element_id]
            prev = before.get((element.code, v.cell))
            table.rows.append(
                Row(
                    section=element.section.name,
                    name=element.name,
                    cell=labels[element.pk].get(v.cell, v.cell),
                    value=_shown(element, v),
                    unit=element.unit,
                    previous=number_text(prev) if prev is not None else "",
                )
            )
            if v.cell and v.number is not None:
                split[element.pk].append((labels[element.pk].get(v.cell, v.cell), v.number))
        for pk, rows in split.items():
            if len(rows) > 1:
                table.charts.append(
                    charts.breakdown(rows, title=elements[pk].name, series=elements[pk].unit or _("Value"))
                )
        tables.append(table)
    return tables


def quality_report_context(*, user, report: QualityReport) -> dict:
    narratives = report.narratives or {}
    return {
        "report": report,
        "institution": report.institution,
        "year": report.year,
        "draft": report.status == ReportStatus.DRAFT,
        "sections": [(str(label), narratives.get(code, "")) for code, label in NARRATIVE_SECTIONS],
        "tables": school_tables(user=user, institution=report.institution, year=report.year),
        "generated_at": timezone.localtime(),
    }


def quality_report_pdf(*, user, report: QualityReport) -> bytes:
    html = render_to_string(
        "reporting/reports/quality_pdf.html", quality_report_context(user=user, report=report)
    )
    return pdf.render_pdf(
        html, footer=True, header=f"{report.institution.name} {report.year}", watermark=user
    )


def quality_report_filename(report: QualityReport) -> str:
    return _("%(school)s %(year)s quality annual report.pdf") % {
        "school": report.institution.name,
        "year": report.year,
    }


# --- summaries over a region -----------------------------------------------------------------


def home_region(user) -> Region | None:
    """The highest region of the user's grants (None for a school's or an enterprise's user)."""
    paths = sorted(user_scope(user).region_paths, key=lambda p: p.count("/"))
    return Region.objects.filter(path=paths[0]).first() if paths else None


def region_in_scope(user, pk) -> Region | None:
    """A region the user may read the summary of: one of their grants' regions or one below it
    (regions themselves are reference data every user may list, so the grant paths decide)."""
    region = Region.objects.filter(pk=pk).first()
    if region is None:
        return None
    scope = user_scope(user)
    if scope.is_superuser or any(region.path.startswith(p) for p in scope.region_paths):
        return region
    return None


def _children(region: Region) -> list[Region]:
    return list(Region.objects.filter(parent=region).order_by("code"))


@dataclass
class ElementSummary:
    name: str
    unit: str
    total: str
    count: int
    chart: object = None


def period_summary(*, user, period: Period, region: Region, charts_for: int = 6) -> dict:
    """One period's approved totals at ``region`` per numeric element (over its cells), the
    completeness of the schools in the user's scope, and bars by the region's children for the
    first ``charts_for`` elements."""
    version = period.data_set.current_version()
    numeric = list(version.elements.filter(value_type__in=NUMERIC_TYPES)) if version else []
    children = _children(region)
    rows = (
        restrict(Aggregate.objects.all(), user, "view")
        .filter(period=period, region__in=[region, *children])
        .values_list("region_id", "element_code", "total", "count")
    )
    totals: dict[tuple[int, str], Decimal] = defaultdict(Decimal)
    counts: dict[tuple[int, str], int] = defaultdict(int)
    for region_id, code, total, count in rows:
        totals[(region_id, code)] += total
        counts[(region_id, code)] = max(counts[(region_id, code)], count)
    elements = []
    for n, e in enumerate(numeric):
        chart = None
        if n < charts_for and children:
            chart = charts.breakdown(
                [(c.name, totals.get((c.pk, e.code))) for c in children],
                title=e.name,
                series=e.unit or _("Value"),
            )
        elements.append(
            ElementSummary(
                name=e.name,
                unit=e.unit,
                total=number_text(totals.get((region.pk, e.code))),
                count=counts.get((region.pk, e.code), 0),
                chart=chart,
            )
        )
    subs = submission_list(user=user).filter(period=period, institution__region__path__startswith=region.path)
    by_status = dict(subs.values_list("status").annotate(n=Count("pk")).order_by())
    return {
        "period": period,
        "elements": elements,
        "approved": sum(by_status.get(s, 0) for s in APPROVED),
        "opened": sum(by_status.values()),
    }


def summary_context(*, user, region: Region, year: int) -> dict:
    periods = list(
        Period.objects.filter(start__year=year).select_related("data_set").order_by("data_set__code", "start")
    )
    reports = (
        restrict(QualityReport.objects.all(), user, "view")
        .filter(year=year, institution__region__path__startswith=region.path)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    reports = dict(reports)
    return {
        "region": region,
        "year": year,
        "summaries": [period_summary(user=user, period=p, region=region) for p in periods],
        "reports_final": reports.get(ReportStatus.FINAL, 0),
        "reports_draft": reports.get(ReportStatus.DRAFT, 0),
        "generated_at": timezone.localtime(),
    }


def summary_pdf(*, user, region: Region, year: int) -> bytes:
    html = render_to_string(
        "reporting/reports/summary_pdf.html", summary_context(user=user, region=region, year=year)
    )
    return pdf.render_pdf(html, footer=True, header=f"{region.name} {year}", watermark=user)


# --- 中职就业年度报告 ------------------------------------------------------------------------


def employment_periods():
    return (
        Period.objects.filter(data_set__code=EMPLOYMENT_DATA_SET)
        .select_related("data_set")
        .order_by("-start")
    )


def employment_context(*, user, period: Period) -> dict:
    """Graduates and their destinations over the approved submissions in the user's scope: the
    totals, the share of each destination, the 毕业去向落实率 by city (or by county for a city)
    and by school."""
    version = period.data_set.current_version()
    element = (
        version.elements.filter(code="destinations").prefetch_related("categories").first()
        if version
        else None
    )
    destinations = [(c, label) for c, label in element.cells()] if element else []
    subs = submission_list(user=user).filter(period=period, status__in=APPROVED)
    values = DataValue.objects.filter(
        submission__in=subs, element__code__in=["graduates", "destinations"], number__isnull=False
    ).values_list(
        "submission__institution_id",
        "submission__institution__name",
        "submission__institution__region__path",
        "element__code",
        "cell",
        "number",
    )
    schools: dict[int, dict] = {}
    for inst, name, path, code, cell, number in values:
        s = schools.setdefault(
            inst, {"name": name, "path": path, "graduates": Decimal(0), "cells": defaultdict(Decimal)}
        )
        if code == "graduates":
            s["graduates"] += number
        else:
            s["cells"][cell] += number
    totals = defaultdict(Decimal)
    graduates = Decimal(0)
    for s in schools.values():
        graduates += s["graduates"]
        for cell, n in s["cells"].items():
            totals[cell] += n
        unsettled = s["cells"].get(UNSETTLED, Decimal(0))
        s["rate"] = _percent(s["graduates"] - unsettled, s["graduates"])
    region = home_region(user)
    groups = _children(region) if region is not None else []
    by_region = []
    for g in groups:
        members = [s for s in schools.values() if s["path"].startswith(g.path)]
        grads = sum((s["graduates"] for s in members), Decimal(0))
        unsettled = sum((s["cells"].get(UNSETTLED, Decimal(0)) for s in members), Decimal(0))
        if grads:
            by_region.append((g.name, _percent(grads - unsettled, grads), grads))
    rows = [
        (label, totals.get(cell, Decimal(0)), _percent(totals.get(cell, 0), graduates))
        for cell, label in destinations
    ]
    unsettled = totals.get(UNSETTLED, Decimal(0))
    return {
        "period": period,
        "region": region,
        "graduates": number_text(graduates),
        "rate": _percent(graduates - unsettled, graduates),
        "destinations": rows,
        "schools": sorted(schools.values(), key=lambda s: s["name"]),
        "by_region": by_region,
        "chart_destinations": charts.shares(
            [(label, share) for label, _n, share in rows],
            title=_("Graduates by destination"),
            series=_("Share"),
        ),
        "chart_regions": charts.shares(
            [(name, rate) for name, rate, _g in by_region],
            title=_("Destination rate by region"),
            series=_("Destination rate"),
        )
        if by_region
        else None,
        "generated_at": timezone.localtime(),
    }


def employment_pdf(*, user, period: Period) -> bytes:
    html = render_to_string(
        "reporting/reports/employment_pdf.html", employment_context(user=user, period=period)
    )
    return pdf.render_pdf(html, footer=True, header=f"{period.data_set.name} {period.code}", watermark=user)


# --- 简报 ------------------------------------------------------------------------------------


def bulletin_context(*, bulletin) -> dict:
    """Each chosen indicator's latest approved value at the issuing region against its target."""
    from .analytics import indicator_latest

    found = {
        i.code: i for i in Indicator.objects.filter(code__in=bulletin.indicators).select_related("data_set")
    }
    rows = []
    for code in bulletin.indicators:
        indicator = found.get(code)
        if indicator is None:
            continue
        latest = indicator_latest(indicator, bulletin.region)
        value = latest[1] if latest else None
        share = _percent(value, indicator.target) if value is not None and indicator.target else None
        rows.append(
            {
                "indicator": indicator,
                "period": latest[0].code if latest else "",
                "value": number_text(value),
                "target": number_text(indicator.target) if indicator.target is not None else "—",
                "share": share,
            }
        )
    return {
        "bulletin": bulletin,
        "rows": rows,
        "chart": charts.shares(
            [(r["indicator"].name, min(100.0, r["share"])) for r in rows if r["share"] is not None],
            title=_("Progress against the targets"),
            series=_("Share of the target"),
        ),
    }


def bulletin_pdf(*, user, bulletin) -> bytes:
    html = render_to_string("reporting/reports/bulletin_pdf.html", bulletin_context(bulletin=bulletin))
    return pdf.render_pdf(html, footer=True, watermark=user)


def bulletin_filename(bulletin) -> str:
    return f"{bulletin.title}-{bulletin.year}-{bulletin.number:03d}.pdf"


# --- 考核结果分析报告 ------------------------------------------------------------------------


def scoring_context(*, user, scheme, period) -> dict:
    """The scheme's results in the user's scope with their statistics and charts."""
    from statistics import mean, median, pstdev

    from .scoring import scheme_results

    items, results = scheme_results(scheme, period, user=user)
    totals = [r.total for r in results]
    full = sum((i.weight for i in items), Decimal(0))
    stats = {}
    if totals:
        stats = {
            "n": len(totals),
            "mean": number_text(Decimal(str(round(mean(totals), 2)))),
            "median": number_text(Decimal(str(round(median(totals), 2)))),
            "max": number_text(max(totals)),
            "min": number_text(min(totals)),
            "stdev": number_text(Decimal(str(round(pstdev(totals), 2)))),
        }
    return {
        "scheme": scheme,
        "period": period,
        "items": items,
        "results": results,
        "full": number_text(full),
        "stats": stats,
        "bins": charts.score_bins(totals, full) if totals else [],
        "chart_ranking": charts.ranking(results),
        "chart_distribution": charts.distribution(totals, full),
        "chart_items": charts.item_attainment(items, results),
        "generated_at": timezone.localtime(),
    }


def scoring_pdf(*, user, scheme, period) -> bytes:
    html = render_to_string(
        "reporting/reports/scoring_pdf.html", scoring_context(user=user, scheme=scheme, period=period)
    )
    return pdf.render_pdf(html, footer=True, header=f"{scheme.name} {period.code}", watermark=user)


# --- the batch: a report per school -------------------------------------------------------------

QUALITY_BATCH = "reporting.quality_batch"


def batch_schools(*, user, year: int):
    """The schools in the user's scope with approved data of the year or a quality report."""
    reported = Submission.objects.filter(period__start__year=year, status__in=APPROVED).values(
        "institution_id"
    )
    written = QualityReport.objects.filter(year=year).values("institution_id")
    return (
        restrict(Institution.objects.all(), user, "view")
        .filter(Q(pk__in=reported) | Q(pk__in=written))
        .order_by("pk")
    )


BATCH_FOLDER = "reporting/reports"


def batch_part(job, school_pk: int) -> str:
    """One school's PDF of a batch, in the file storage while the job runs (``core.jobfiles``)."""
    return f"{BATCH_FOLDER}/job-{job.pk}/{school_pk}.pdf"


def batch_output(job) -> str:
    """The batch's ZIP in the file storage."""
    return f"{BATCH_FOLDER}/job-{job.pk}.zip"


@register(QUALITY_BATCH)
def quality_batch(job) -> dict:
    """A PDF per school (``params["ids"]``, ``params["year"]``) into one ZIP, with progress.

    Idempotent and resumable: each school's PDF is a file of its own and the number done is the
    job's checkpoint, so a rerun after a restart renders only the rest; the schools are re-read in
    the requester's scope on every attempt (a school moved out meanwhile is left out)."""
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(pk=job.created_by_id)
    year = int(job.params["year"])
    ids = [int(i) for i in job.params["ids"]]
    schools = list(batch_schools(user=actor, year=year).filter(pk__in=ids).select_related("region"))
    done = checkpoint_get(job, "done", 0)
    set_progress(job, done=min(done, len(schools)), total=len(schools), stage="rendering")
    for n, school in enumerate(schools):
        part = batch_part(job, school.pk)
        if n < done and jobfiles.exists(part):
            continue
        # A school that wrote no narrative yet gets its report of data alone (nothing is saved).
        report = QualityReport.objects.filter(institution=school, year=year).first()
        report = report or QualityReport(institution=school, year=year)
        jobfiles.save(part, quality_report_pdf(user=actor, report=report))
        checkpoint_set(job, "done", n + 1)
        set_progress(job, done=n + 1)
    with jobfiles.writing(batch_output(job)) as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            for school in schools:
                name = quality_report_filename(QualityReport(institution=school, year=year))
                archive.writestr(name, jobfiles.read_bytes(batch_part(job, school.pk)))
    for school in schools:
        jobfiles.delete(batch_part(job, school.pk))
    return {"file": batch_output(job).rsplit("/", 1)[-1], "reports": len(schools)}
