"""Pages of the follow-up after 立项: awards, a call's follow-up rounds (中期检查, 验收, 期满考核), a
round's reports, a report with its form, outcome and rectification, and the expert's scoring."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope

from . import selectors
from . import services_followup as fu
from .choices import CallStage, ReportStatus, ReviewStatus, RoundStage
from .forms import ConcludeForm, RoundForm
from .views import _errors, _page, _rubric_items, _rubric_post


def _form_rows(report, posted=None, errors=None, shown=None):
    version = report.round.form_version
    if version is None:
        return []
    stored = shown["values"] if shown else fu.values_by_code(report)
    rows = []
    for element in version.elements.all():
        name = f"v__{element.code}"
        value = posted.get(name, "") if posted is not None else stored.get(element.code, "")
        rows.append(
            {"element": element, "name": name, "value": value, "errors": (errors or {}).get(element.code, [])}
        )
    return rows


@login_required
def awards(request):
    rows = selectors.award_list(user=request.user).order_by(
        "-year", "programme_code", "institution__name", "pk"
    )
    return render(
        request, "programmes/followup/awards.html", {"title": _("Awards"), "page": _page(request, rows)}
    )


@login_required
def rounds(request, pk):
    """A call's follow-up rounds; the province opens one (form and rubric from the programme type)."""
    call = get_object_or_404(selectors.call_list(user=request.user), pk=pk)
    is_province = user_scope(request.user).is_province
    may_open = (
        is_province
        and call.stage == CallStage.APPROVED
        and selectors.call_list(user=request.user, action="change").filter(pk=pk).exists()
    )
    form = RoundForm(request.POST or None) if may_open else None
    if request.method == "POST":
        if not may_open:
            raise Http404
        if form.is_valid():
            spec = (call.programme_type.definition.get("followups") or {}).get(
                form.cleaned_data["kind"]
            ) or {}
            try:
                rnd = fu.round_create(
                    actor=request.user,
                    call=call,
                    form=spec.get("form"),
                    rubric=spec.get("rubric"),
                    **form.cleaned_data,
                )
            except OutOfScope as exc:
                raise Http404 from exc
            except ValidationError as exc:
                _errors(request, exc)
            else:
                messages.success(request, _("Follow-up round opened."))
                return redirect("programmes:followup_round", pk=rnd.pk)
        else:
            messages.error(request, _("Some values are not accepted; see the fields marked."))
    listed = selectors.followup_round_list(user=request.user).filter(call=call).order_by("due_date", "pk")
    return render(
        request,
        "programmes/followup/rounds.html",
        {
            "title": _("Follow-up rounds: %(name)s") % {"name": call.name},
            "call": call,
            "rounds": listed,
            "form": form,
        },
    )


@login_required
def round_detail(request, pk):
    rnd = get_object_or_404(selectors.followup_round_list(user=request.user), pk=pk)
    reports = (
        selectors.followup_report_list(user=request.user)
        .filter(round=rnd)
        .order_by("institution__name", "pk")
    )
    is_province = user_scope(request.user).is_province
    page = _page(
        request, reports.select_related("award__offering__major", "institution__region__parent__parent")
    )
    for report in page:
        report.round = rnd
        blind = fu.is_blind_for(report, request.user)
        report.shown_institution = fu.services.BLIND_MASK if blind else report.institution.name
        report.shown_awardee = fu.blind_report(report)["awardee"] if blind else report.award.awardee
    return render(
        request,
        "programmes/followup/round_detail.html",
        {
            "title": rnd.name,
            "round": rnd,
            "page": page,
            "may_act": is_province and rnd.stage != RoundStage.CLOSED,
        },
    )


@login_required
@require_POST
def round_manage(request, pk):
    rnd = get_object_or_404(selectors.followup_round_list(user=request.user), pk=pk)
    if not user_scope(request.user).is_province:
        raise Http404
    step = request.POST.get("step")
    try:
        if step == "assign":
            report = fu.reviewers_assign(actor=request.user, round=rnd)
            messages.success(request, _("Reviewers assigned to %(n)d reports.") % {"n": report["reports"]})
        elif step == "close":
            fu.round_close(actor=request.user, round=rnd)
            messages.success(request, _("The round is closed."))
        else:
            raise ValidationError(_("Unknown action."))
    except OutOfScope as exc:
        raise Http404 from exc
    except ValidationError as exc:
        _errors(request, exc)
    return redirect("programmes:followup_round", pk=rnd.pk)


@login_required
def report_detail(request, pk):
    report = get_object_or_404(selectors.followup_report_list(user=request.user), pk=pk)
    scope = user_scope(request.user)
    is_province = scope.is_province
    # The school fills its report; the province rates it (a city follows, read-only).
    may_change = (
        is_province or report.institution_id in scope.institution_ids
    ) and selectors.followup_report_list(user=request.user, action="change").filter(pk=pk).exists()
    posted, errors = None, {}
    conclude_form = ConcludeForm() if is_province else None
    if request.method == "POST":
        if not may_change:
            raise Http404
        action = request.POST.get("action", "save")
        try:
            if action in ("save", "submit") and not is_province:
                values = {k[3:]: v for k, v in request.POST.items() if k.startswith("v__")}
                report = fu.report_save(actor=request.user, report=report, values=values)
                if action == "submit":
                    fu.report_submit(actor=request.user, report=report)
                    messages.success(request, _("Report submitted."))
                else:
                    messages.success(request, _("Draft saved."))
            elif action == "conclude" and is_province:
                conclude_form = ConcludeForm(request.POST)
                if not conclude_form.is_valid():
                    raise ValidationError(_("Choose 优秀, 合格 or 不合格."))
                fu.report_conclude(
                    actor=request.user,
                    report=report,
                    outcome=conclude_form.cleaned_data["outcome"],
                    note=conclude_form.cleaned_data["note"],
                )
                messages.success(request, _("Outcome recorded."))
            else:
                raise ValidationError(_("Unknown action."))
            return redirect("programmes:followup_report", pk=report.pk)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                posted = request.POST
                messages.error(request, _("Some values are not accepted; see the fields marked."))
            else:
                _errors(request, exc)
            report.refresh_from_db()
    reviews = list(report.followup_reviews.select_related("expert")) if is_province else []
    shown = fu.blind_report(report) if fu.is_blind_for(report, request.user) else None
    return render(
        request,
        "programmes/followup/report_detail.html",
        {
            "title": f"{report.round} · {shown['awardee']}" if shown else str(report),
            "report": report,
            "blind": shown,
            "editable": may_change and not is_province and report.status in fu.OPEN_STATES,
            "rows": _form_rows(report, posted, errors, shown=shown),
            "conclude_form": conclude_form
            if is_province and report.status in (ReportStatus.SUBMITTED, ReportStatus.UNDER_REVIEW)
            else None,
            "reviews": reviews,
        },
    )


@login_required
def my_reviews(request):
    page = _page(
        request,
        selectors.my_followup_reviews(user=request.user)
        .select_related(
            "report__round__call",
            "report__award__offering__major",
            "report__institution__region__parent__parent",
        )
        .order_by("status", "pk"),
    )
    for review in page:
        report = review.report
        review.shown_awardee = (
            fu.blind_report(report)["awardee"]
            if fu.is_blind_for(report, request.user)
            else report.award.awardee
        )
    return render(
        request, "programmes/followup/my_reviews.html", {"title": _("My follow-up reviews"), "page": page}
    )


@login_required
def review_form(request, pk):
    review = get_object_or_404(
        selectors.followup_review_list(user=request.user).select_related("report__award"), pk=pk
    )
    rubric = review.report.round.rubric
    errors = {}
    if request.method == "POST":
        scores, comments = _rubric_post(request, rubric)
        try:
            fu.review_submit(actor=request.user, review=review, scores=scores, comments=comments)
        except OutOfScope as exc:
            raise Http404 from exc
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                errors = exc.message_dict
                messages.error(request, _("Some scores are not accepted; see the fields marked."))
            else:
                _errors(request, exc)
        else:
            messages.success(request, _("Scores submitted."))
            return redirect("programmes:followup_my_reviews")
    items = _rubric_items(request, rubric, review, errors)
    # A blind call keeps its reviewers blind in the follow-up rounds too.
    shown = fu.blind_report(review.report) if fu.is_blind_for(review.report, request.user) else None
    return render(
        request,
        "programmes/followup/review_form.html",
        {
            "title": _("Follow-up review"),
            "review": review,
            "report": review.report,
            "blind": shown,
            "rows": _form_rows(review.report, shown=shown),
            "items": items,
            "editable": review.user_id == request.user.pk and review.status == ReviewStatus.ASSIGNED,
        },
    )
