"""Pages of the reports from data: the reports page (what the user may generate), a school's
质量年度报告 (narrative sections while a draft, PDF), the summary of a city or the province, the
中职就业年度报告, the 简报 issues, the 考核结果分析报告, and the batch of a report per school.

Who may: a school its own reports; a city its schools' reports and its summary; the province
all. Ids outside the user's scope are 404; every PDF is read in the user's scope."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core import jobfiles
from zhijiao.core.downloads import download_response, file_download
from zhijiao.core.models import Job
from zhijiao.core.scoping import restrict, user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.orgs.models import Institution

from . import reports, services_reports
from .models import Bulletin, Indicator, Period, QualityReport, ReportStatus, ScoringScheme

PDF = "application/pdf"


def _year(raw) -> int | None:
    raw = str(raw or "")
    if raw.isdigit() and services_reports.FIRST_YEAR <= int(raw) <= services_reports.LAST_YEAR:
        return int(raw)
    return None


def _default_year() -> int:
    latest = Period.objects.order_by("-start").values_list("start", flat=True).first()
    return latest.year if latest else timezone.localdate().year - 1


def _is_authority(user) -> bool:
    return bool(user_scope(user).region_paths) or user.is_superuser


def _pdf(content: bytes, filename: str, fallback: str):
    return download_response(content, filename, content_type=PDF, fallback=fallback)


def _errors(exc: ValidationError) -> str:
    return "；".join(exc.messages)


@login_required
def reports_index(request):
    """What the user may generate, for the chosen year."""
    if not user_scope(request.user).allows("view") and not request.user.is_superuser:
        raise PermissionDenied
    year = _year(request.GET.get("year")) or _default_year()
    scope = user_scope(request.user)
    authority = _is_authority(request.user)
    own_reports = {
        r.institution_id: r
        for r in restrict(QualityReport.objects.all(), request.user, "view").filter(
            year=year, institution_id__in=scope.institution_ids
        )
    }
    own = [
        {"school": s, "report": own_reports.get(s.pk)}
        for s in Institution.objects.filter(pk__in=scope.institution_ids).order_by("name")
    ]
    context = {
        "title": _("Reports from data"),
        "year": year,
        "years": sorted(
            {p.year for p in Period.objects.values_list("start", flat=True)} | {year}, reverse=True
        ),
        "own": own,
        "authority": authority,
        "employment_periods": list(reports.employment_periods()),
    }
    if authority:
        region = reports.home_region(request.user)
        schools = reports.batch_schools(user=request.user, year=year).select_related("region")
        page = Paginator(schools, 50).get_page(request.GET.get("page"))
        written = {
            r.institution_id: r
            for r in restrict(QualityReport.objects.all(), request.user, "view").filter(
                year=year, institution__in=list(page.object_list)
            )
        }
        context.update(
            {
                "region": region,
                "child_regions": list(region.children.order_by("code")) if region is not None else [],
                "page": page,
                "school_rows": [{"school": s, "report": written.get(s.pk)} for s in page.object_list],
                "bulletins": list(
                    restrict(Bulletin.objects.all(), request.user, "view").select_related("region")[:20]
                ),
                "indicators": list(Indicator.objects.order_by("order", "code")),
                "scoring": _scoring_choices(),
                "today": timezone.localdate(),
            }
        )
    return render(request, "reporting/reports/index.html", context)


def _scoring_choices() -> list[tuple[ScoringScheme, list[Period]]]:
    """Each scheme with its data set's periods, newest first (two queries)."""
    schemes = list(ScoringScheme.objects.order_by("code"))
    periods: dict[int, list[Period]] = {}
    for p in Period.objects.filter(data_set__in={s.data_set_id for s in schemes}).order_by("-start"):
        periods.setdefault(p.data_set_id, []).append(p)
    return [(s, periods.get(s.data_set_id, [])) for s in schemes]


# --- a school's 质量年度报告 ------------------------------------------------------------------


def _report(request, pk, action: str = "view") -> QualityReport:
    qs = restrict(QualityReport.objects.all(), request.user, action).select_related("institution")
    return get_object_or_404(qs, pk=pk)


@login_required
@require_POST
def quality_open(request):
    school = (
        restrict(Institution.objects.all(), request.user, "view")
        .filter(
            pk=request.POST.get("institution") if str(request.POST.get("institution", "")).isdigit() else 0
        )
        .first()
    )
    if school is None:
        raise Http404
    try:
        report = services_reports.quality_report_open(
            actor=request.user, institution=school, year=request.POST.get("year")
        )
    except (OutOfScope, PermissionDenied) as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("reporting:reports")
    return redirect("reporting:quality_report", pk=report.pk)


@login_required
def quality_report(request, pk: int):
    """The narrative sections of the report: edited while a draft; finalised; re-opened by the
    city or province."""
    report = _report(request, pk)
    can_change = restrict(QualityReport.objects.filter(pk=report.pk), request.user, "change").exists()
    errors: dict = {}
    posted = None
    if request.method == "POST":
        if not can_change:
            raise Http404
        action = request.POST.get("action", "save")
        try:
            if action == "finalise":
                services_reports.quality_report_finalise(actor=request.user, report=report)
                messages.success(request, _("The report is final."))
            elif action == "reopen":
                services_reports.quality_report_reopen(
                    actor=request.user, report=report, reason=request.POST.get("reason", "")
                )
                messages.success(request, _("The report is open for changes again."))
            else:
                posted = {code: request.POST.get(f"n__{code}", "") for code, _l in reports.NARRATIVE_SECTIONS}
                revision = request.POST.get("revision", "")
                services_reports.quality_report_save(
                    actor=request.user,
                    report=report,
                    narratives=posted,
                    revision=int(revision) if revision.isdigit() else -1,
                )
                messages.success(request, _("Saved."))
            return redirect("reporting:quality_report", pk=report.pk)
        except PermissionDenied as exc:
            messages.error(request, str(exc) or _("You may not do this."))
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
                if "reason" in errors or "year" in errors:
                    messages.error(request, _errors(exc))
            else:
                messages.error(request, _errors(exc))
        report.refresh_from_db()
    narratives = report.narratives or {}
    sections = [
        {
            "code": code,
            "label": label,
            "text": (posted or {}).get(code, narratives.get(code, "")),
            "errors": errors.get(code, []),
        }
        for code, label in reports.NARRATIVE_SECTIONS
    ]
    return render(
        request,
        "reporting/reports/quality_report.html",
        {
            "title": _("Quality annual report"),
            "report": report,
            "sections": sections,
            "can_change": can_change,
            "is_draft": report.status == ReportStatus.DRAFT,
            "can_reopen": can_change and report.status == ReportStatus.FINAL and _is_authority(request.user),
            "max_chars": reports.NARRATIVE_MAX,
        },
    )


@login_required
def quality_report_pdf(request, pk: int):
    report = _report(request, pk)
    return _pdf(
        reports.quality_report_pdf(user=request.user, report=report),
        reports.quality_report_filename(report),
        f"quality-report-{report.institution_id}-{report.year}.pdf",
    )


# --- summaries, employment, scoring -----------------------------------------------------------


@login_required
def summary_pdf(request):
    """The 质量年度报告 summary of the user's region (the province may choose a city)."""
    if not _is_authority(request.user):
        raise Http404
    year = _year(request.GET.get("year"))
    raw = request.GET.get("region", "")
    region = (
        reports.region_in_scope(request.user, raw) if raw.isdigit() else reports.home_region(request.user)
    )
    if year is None or region is None:
        raise Http404
    return _pdf(
        reports.summary_pdf(user=request.user, region=region, year=year),
        _("%(region)s %(year)s quality annual report summary.pdf") % {"region": region.name, "year": year},
        f"quality-summary-{region.code}-{year}.pdf",
    )


@login_required
def employment_pdf(request):
    """The 中职就业年度报告 of a period over the approved data in the user's scope."""
    raw = request.GET.get("period", "")
    period = reports.employment_periods().filter(pk=raw).first() if raw.isdigit() else None
    if period is None:
        raise Http404
    return _pdf(
        reports.employment_pdf(user=request.user, period=period),
        _("%(year)s secondary vocational employment report.pdf") % {"year": period.code},
        f"employment-report-{period.code}.pdf",
    )


@login_required
def scoring_pdf(request):
    """The 考核结果分析报告 of a scheme in a period (the cities' or schools' results in scope)."""
    if not _is_authority(request.user):
        raise Http404
    scheme_pk, period_pk = request.GET.get("scheme", ""), request.GET.get("period", "")
    scheme = ScoringScheme.objects.filter(pk=scheme_pk).first() if scheme_pk.isdigit() else None
    period = (
        Period.objects.filter(pk=period_pk, data_set_id=scheme.data_set_id).first()
        if scheme is not None and period_pk.isdigit()
        else None
    )
    if period is None:
        raise Http404
    return _pdf(
        reports.scoring_pdf(user=request.user, scheme=scheme, period=period),
        _("%(scheme)s %(period)s analysis of results.pdf") % {"scheme": scheme.name, "period": period.code},
        f"scoring-analysis-{scheme.code}-{period.code}.pdf",
    )


# --- 简报 ------------------------------------------------------------------------------------


@login_required
@require_POST
def bulletin_create(request):
    if not _is_authority(request.user):
        raise Http404
    raw_date = request.POST.get("issued_on", "")
    try:
        issued_on = datetime.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        messages.error(request, _("Enter a valid date."))
        return redirect("reporting:reports")
    try:
        bulletin = services_reports.bulletin_create(
            actor=request.user,
            region=reports.home_region(request.user),
            title=request.POST.get("title", ""),
            indicators=request.POST.getlist("indicator"),
            note=request.POST.get("note", "")[:4000],
            issued_on=issued_on,
        )
    except (PermissionDenied, OutOfScope):
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("reporting:reports")
    messages.success(
        request, _("Issue %(n)d of %(year)d is ready.") % {"n": bulletin.number, "year": bulletin.year}
    )
    return redirect(reverse("reporting:reports") + f"?year={bulletin.year}#bulletins")


@login_required
def bulletin_pdf(request, pk: int):
    bulletin = get_object_or_404(
        restrict(Bulletin.objects.all(), request.user, "view").select_related("region"), pk=pk
    )
    return _pdf(
        reports.bulletin_pdf(user=request.user, bulletin=bulletin),
        reports.bulletin_filename(bulletin),
        f"bulletin-{bulletin.year}-{bulletin.number:03d}.pdf",
    )


# --- the batch -------------------------------------------------------------------------------


@login_required
@require_POST
def batch_start(request):
    if not _is_authority(request.user):
        raise Http404
    try:
        job = services_reports.quality_batch_start(actor=request.user, year=request.POST.get("year"))
    except PermissionDenied:
        raise Http404 from None
    except ValidationError as exc:
        messages.error(request, _errors(exc))
        return redirect("reporting:reports")
    return redirect("reporting:report_job", pk=job.pk)


def _own_job(request, pk) -> Job:
    return get_object_or_404(Job, pk=pk, created_by=request.user, kind=reports.QUALITY_BATCH)


@login_required
def report_job(request, pk: int):
    job = _own_job(request, pk)
    template = "reporting/reports/partials/job.html" if request.htmx else "reporting/reports/job.html"
    return render(request, template, {"title": _("Quality reports of the schools"), "job": job})


@login_required
def report_job_download(request, pk: int):
    job = _own_job(request, pk)
    name = reports.batch_output(job)
    if job.status != "succeeded" or not jobfiles.exists(name):
        raise Http404
    return file_download(
        jobfiles.open(name), f"quality-reports-job-{job.pk}.zip", content_type="application/zip"
    )
