"""Pages of 数据报送: the index of data sets and periods, the school's form, the worklist with
bulk decisions, completeness, the pivot of approved aggregates (XLSX), and the province's
definition upload/export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import download_response
from zhijiao.core.lifecycle import available, fire, last_reason
from zhijiao.core.lifecycle.views import transition_url
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.tabular import xlsx_response
from zhijiao.orgs.models import Institution

from . import definitions, selectors, services
from .choices import CITY_OPEN, EDITABLE
from .choices import SubmissionStatus as S
from .diff import changes_since_return, row_changes_since_return
from .forms import DecisionForm, DefinitionUploadForm
from .models import DataSet, Period
from .reporters import by_city
from .rows import derived_codes, form_rows, posted_rows, row_lists
from .services_deadline import entry_window_problem

KEY = "reporting.submission"


def _period(request) -> Period | None:
    pk = request.GET.get("period") or request.POST.get("period")
    if pk and str(pk).isdigit():
        return Period.objects.select_related("data_set").filter(pk=pk).first()
    return Period.objects.select_related("data_set").order_by("-start", "-pk").first()


@login_required
def index(request):
    scope = user_scope(request.user)
    periods = list(Period.objects.select_related("data_set").order_by("data_set__code", "-start"))
    own = {(s.institution_id, s.period_id): s for s in selectors.submission_list(user=request.user)}
    schools = list(Institution.objects.filter(pk__in=scope.institution_ids)) if scope.institution_ids else []
    rows = []
    for period in periods:
        for school in schools:
            if services.may_report(school, period.data_set):
                rows.append(
                    {"period": period, "school": school, "submission": own.get((school.pk, period.pk))}
                )
    return render(
        request,
        "reporting/index.html",
        {
            "title": _("Data reporting"),
            "periods": periods,
            "rows": rows,
            "is_province": scope.is_province,
            "data_sets": DataSet.objects.order_by("code"),
        },
    )


@login_required
@require_POST
def submission_open(request):
    period = _period(request)
    school = Institution.objects.filter(pk=request.POST.get("institution") or 0).first()
    if period is None or school is None:
        raise Http404
    try:
        submission = services.submission_open(actor=request.user, institution=school, period=period)
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("reporting:index")
    return redirect("reporting:submission_form", pk=submission.pk)


def _form_sections(submission, posted=None):
    values = {(v.element_id, v.cell): v.value for v in submission.values.all()}
    sections = []
    elements = submission.version.elements.prefetch_related("categories").select_related("section")
    current = None
    for element in elements:
        if current is None or current["section"].pk != element.section_id:
            current = {"section": element.section, "elements": []}
            sections.append(current)
        cells = []
        for cell, label in element.cells():
            name = f"v__{element.code}__{cell}"
            value = posted.get(name, "") if posted is not None else values.get((element.pk, cell), "")
            cells.append({"cell": cell, "label": label, "name": name, "value": value})
        current["elements"].append({"element": element, "cells": cells})
    return sections


@login_required
def submission_form(request, pk):
    submission = get_object_or_404(selectors.submission_list(user=request.user), pk=pk)
    errors: dict = {}
    posted = None
    if request.method == "POST":
        posted = request.POST
        action = request.POST.get("action", "save")
        values = {}
        for key, raw in request.POST.items():
            if key.startswith("v__"):
                _prefix, code, cell = (key.split("__", 2) + [""])[:3]
                values[(code, cell)] = raw
        rows = posted_rows(request.POST, row_lists(submission.version.definition))
        try:
            if values or rows:
                submission = services.submission_save_values(
                    actor=request.user,
                    submission=submission,
                    values=values,
                    revision=int(request.POST.get("revision") or -1),
                    rows=rows or None,
                )
            if action == "submit":
                fire(KEY, submission, "submit", actor=request.user)
                messages.success(request, _("Submitted for approval."))
            else:
                messages.success(request, _("Draft saved."))
            return redirect("reporting:submission_form", pk=submission.pk)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = {k: v for k, v in exc.message_dict.items()}
                messages.error(request, _("Some values are not accepted; see the fields marked."))
            else:
                messages.error(request, "；".join(exc.messages))
            submission.refresh_from_db()
    window_problem = entry_window_problem(submission) if submission.status in EDITABLE else None
    sections = _form_sections(submission, posted)
    for section in sections:
        for item in section["elements"]:
            for cell in item["cells"]:
                key = f"{item['element'].code}__{cell['cell']}" if cell["cell"] else item["element"].code
                cell["errors"] = errors.get(key, [])
    lists = form_rows(submission, posted)
    for found in lists.values():
        found["errors"] = errors.get(f"rows__{found['list'].code}", [])
        for row in found["rows"]:
            row["errors"] = errors.get(f"r__{found['list'].code}__{row['key']}__", [])
            for cell in row["cells"]:
                cell["errors"] = errors.get(cell["name"], [])
    return render(
        request,
        "reporting/submission_form.html",
        {
            "title": str(submission),
            "submission": submission,
            "sections": sections,
            "row_lists": list(lists.values()),
            "derived": derived_codes(submission.version.definition),
            "editable": submission.status in EDITABLE and not window_problem,
            "window_problem": window_problem,
            # A returned form says why, as the approver wrote it (the return's typed audit entry).
            "returned": last_reason(submission, "submission.returned")
            if submission.status == S.RETURNED
            else None,
            "changes": changes_since_return(submission) if submission.status == S.SUBMITTED else None,
            "row_changes": row_changes_since_return(submission) if submission.status == S.SUBMITTED else None,
            "failures": services.rule_failures(submission),
            "transitions": [
                (t.label, transition_url(submission, KEY, t.name))
                for t in available(KEY, submission, request.user)
                if t.name != "submit"
            ],
        },
    )


@login_required
def worklist(request):
    period = _period(request)
    submissions = selectors.submission_list(user=request.user)
    if period is not None:
        submissions = submissions.filter(period=period)
    status = request.GET.get("status")
    if status:
        submissions = submissions.filter(status=status)
    listed = list(submissions.order_by("institution__name")[:500])
    mine = services.awaiting_ids([s.pk for s in listed], request.user)
    rows = [(s, s.pk in mine) for s in listed]
    return render(
        request,
        "reporting/worklist.html",
        {
            "title": _("Reporting worklist"),
            "period": period,
            "periods": Period.objects.select_related("data_set"),
            "rows": rows,
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def decide(request):
    form = DecisionForm(request.POST)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, _("Choose submissions and a decision."))
        return redirect("reporting:worklist")
    submissions = selectors.submission_list(user=request.user).filter(pk__in=ids)
    try:
        done, errors = services.submissions_decide(
            actor=request.user,
            submissions=submissions,
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("reporting:worklist")
    if done:
        messages.success(request, _("%(n)d submissions decided.") % {"n": done})
    for line in errors:
        messages.error(request, line)
    return redirect("reporting:worklist")


@login_required
def completeness(request):
    period = _period(request)
    rows = selectors.completeness(user=request.user, period=period) if period else []
    for row in rows:
        s = row["submission"]
        row["late"] = bool(s and s.is_late)
        row["missing"] = s is None or s.submitted_at is None
    return render(
        request,
        "reporting/completeness.html",
        {
            "title": _("Completeness"),
            "period": period,
            "periods": Period.objects.select_related("data_set"),
            "rows": rows,
            "missing": sum(r["missing"] for r in rows),
            "late": sum(r["late"] for r in rows),
            "by_city": period is not None and by_city(period.data_set),
            # The city returns are the authorities' page (``_authority``): a school is told, not linked.
            "city_returns_open": _is_authority(request.user),
        },
    )


@login_required
def pivot(request):
    """Approved rollups of one period: regions × elements (totals over cells), from the
    aggregates table — never recomputed from the values."""
    period = _period(request)
    table: dict = {}
    codes: list[str] = []
    names: dict[str, str] = {}
    if period is not None:
        version = period.data_set.current_version()
        if version is not None:
            for element in version.elements.all():
                names[element.code] = element.name
        for agg in selectors.aggregate_list(user=request.user, period=period).order_by("region__path"):
            row = table.setdefault(agg.region, {})
            row[agg.element_code] = row.get(agg.element_code, 0) + agg.total
            if agg.element_code not in codes:
                codes.append(agg.element_code)
    codes.sort(key=lambda c: list(names).index(c) if c in names else 999)
    headers = [_("Region")] + [names.get(c, c) for c in codes]
    body = [[region.name] + [row.get(c, "") for c in codes] for region, row in table.items()]
    if request.GET.get("format") == "xlsx" and period is not None:
        return xlsx_response(
            filename=f"{period.data_set.code}-{period.code}.xlsx",
            headers=headers,
            rows=body,
            sheet_title=period.code,
        )
    return render(
        request,
        "reporting/pivot.html",
        {
            "title": _("Aggregates"),
            "period": period,
            "periods": Period.objects.select_related("data_set"),
            "headers": headers,
            "body": body,
        },
    )


@login_required
def definition_upload(request):
    if not user_scope(request.user).is_province:
        raise Http404
    form = DefinitionUploadForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            version = definitions.definition_load(actor=request.user, text=form.cleaned_data["file"])
        except ValidationError as exc:
            problems = exc.messages
        else:
            messages.success(
                request,
                _("Loaded %(name)s, version %(n)d.") % {"name": version.data_set, "n": version.number},
            )
            return redirect("reporting:index")
    return render(
        request,
        "reporting/definition_upload.html",
        {"title": _("Load a data-set definition"), "form": form, "problems": problems},
    )


@login_required
def definition_export(request):
    data_set = DataSet.objects.filter(code=request.GET.get("code", "")).first()
    version = data_set.current_version() if data_set else None
    if version is None:
        raise Http404
    return download_response(
        definitions.definition_export(version).encode("utf-8"),
        f"{data_set.code}-v{version.number}.yaml",
        content_type="text/yaml; charset=utf-8",
    )


# --- the city's own return and the province's worklist of them ----------------------------------

CITY_KEY = "reporting.city_submission"


def _authority(request):
    if not _is_authority(request.user):
        raise Http404
    return user_scope(request.user)


def _is_authority(user) -> bool:
    scope = user_scope(user)
    return bool(scope.is_superuser or scope.region_paths)


@login_required
def city_returns(request):
    """The cities' returns of a period: the province accepts or returns them in bulk; a city sees
    its own and makes it."""
    scope = _authority(request)
    period = _period(request)
    rows = selectors.city_returns(user=request.user, period=period) if period else []
    for row in rows:
        s = row["submission"]
        row["selectable"] = bool(scope.is_province and s is not None and s.status == "submitted")
        row["changed"] = bool(s and s.status == "submitted" and s.returned_summary is not None)
    return render(
        request,
        "reporting/city_returns.html",
        {
            "title": _("City returns"),
            "period": period,
            "periods": Period.objects.select_related("data_set"),
            "rows": rows,
            "is_province": scope.is_province,
            # A data set the cities fill themselves has no schools under the return to count.
            "by_city": bool(period and by_city(period.data_set)),
            "form": DecisionForm(),
        },
    )


@login_required
@require_POST
def city_return_open(request):
    from zhijiao.orgs.models import Region

    _authority(request)
    period = _period(request)
    raw = request.POST.get("city", "")
    city = Region.objects.filter(pk=raw).first() if raw.isdigit() else None
    if period is None or city is None:
        raise Http404
    try:
        submission = services.city_submission_open(actor=request.user, city=city, period=period)
    except (OutOfScope, PermissionDenied) as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(reverse("reporting:city_returns") + f"?period={period.pk}")
    return redirect(submission.get_absolute_url())


@login_required
def city_return(request, pk):
    """One city's return: the completeness of its schools and the approved totals (as submitted,
    or as they stand now for a draft), what changed since the province returned it, and the
    actions the user may take."""
    from .diff import city_changes_since_return, summary_rows
    from .lifecycles import CITY_SUBMISSION

    submission = get_object_or_404(selectors.city_submission_list(user=request.user), pk=pk)
    editable = submission.status in CITY_OPEN
    own = by_city(submission.period.data_set) and submission.version_id is not None
    # A data set the city fills itself: the city bureau enters its own values here.
    fills = own and editable and services.is_city_office(submission, request.user)
    errors: dict = {}
    posted = None
    if request.method == "POST":
        if not fills:
            raise Http404
        posted = request.POST
        values = {}
        for key, raw in request.POST.items():
            if key.startswith("v__"):
                _prefix, code, cell = (key.split("__", 2) + [""])[:3]
                values[(code, cell)] = raw
        try:
            services.submission_save_values(
                actor=request.user,
                submission=submission,
                values=values,
                revision=int(request.POST.get("revision") or -1),
            )
            messages.success(request, _("Draft saved."))
            return redirect(submission.get_absolute_url())
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                messages.error(request, _("Some values are not accepted; see the fields marked."))
            else:
                messages.error(request, "；".join(exc.messages))
            submission.refresh_from_db()
    if own:
        summary = services.city_own_summary(submission) if editable else None
    else:
        summary = services.city_summary(submission.city, submission.period) if editable else None
    blocked = services.city_schools_decided(submission, {}) if editable else None
    sections = _form_sections(submission, posted) if fills else []
    for section in sections:
        for item in section["elements"]:
            for cell in item["cells"]:
                key = f"{item['element'].code}__{cell['cell']}" if cell["cell"] else item["element"].code
                cell["errors"] = errors.get(key, [])
    return render(
        request,
        "reporting/city_return.html",
        {
            "title": str(submission),
            "submission": submission,
            "rows": summary_rows(submission, summary),
            "own": own,
            "sections": sections,
            "live": editable,
            "blocked": blocked,
            "returned": last_reason(submission, "city_submission.returned")
            if submission.status == "returned"
            else None,
            "changes": city_changes_since_return(submission) if submission.status == "submitted" else None,
            "transitions": [
                (t.label, transition_url(submission, CITY_KEY, t.name))
                for t in available(CITY_SUBMISSION, submission, request.user)
            ],
        },
    )


@login_required
@require_POST
def city_returns_decide(request):
    scope = _authority(request)
    period = _period(request)
    back = reverse("reporting:city_returns") + (f"?period={period.pk}" if period else "")
    if not scope.is_province:
        raise Http404
    form = DecisionForm(request.POST)
    ids = [int(x) for x in request.POST.getlist("ids") if x.isdigit()]
    if not form.is_valid() or not ids:
        messages.error(request, _("Choose returns and a decision."))
        return redirect(back)
    decision = {"approve": "accept", "return": "return"}[form.cleaned_data["decision"]]
    try:
        done, errors = services.city_submissions_decide(
            actor=request.user,
            submissions=selectors.city_submission_list(user=request.user).filter(pk__in=ids),
            decision=decision,
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    if done:
        messages.success(request, _("%(n)d city returns decided.") % {"n": done})
    for line in errors:
        messages.error(request, line)
    return redirect(back)
