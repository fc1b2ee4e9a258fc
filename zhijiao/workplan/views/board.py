"""The plan's board, briefing, timeline and plan copy, and the helpers the work plan's pages share."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core import display
from zhijiao.core.audit import AuditAction, audit_record
from zhijiao.core.downloads import download_response
from zhijiao.core.scoping import is_in_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.tabular import xlsx_response

from .. import rules, selectors
from ..choices import Health
from ..forms import (
    BoardFilterForm,
    PlanCopyForm,
)
from ..loader import plan_copy
from ..models import Task


def _or_404(fn, **kwargs):
    try:
        return fn(**kwargs)
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError, OutOfScope):
        raise Http404


def _form_errors(form, exc: ValidationError) -> None:
    from zhijiao.core.views.generic import add_service_errors

    add_service_errors(form, exc)


def _current_plan(request):
    plan_id = request.GET.get("plan")
    if plan_id:
        return _or_404(selectors.plan_get, user=request.user, pk=plan_id)
    return selectors.plan_current(user=request.user)


# --- board ---------------------------------------------------------------------------------------


def _board(request, plan):
    form = BoardFilterForm(request.GET or None, plan=plan, owners=selectors.owner_choices(plan=plan))
    filters = form.cleaned_data if form.is_valid() else {}
    today = selectors.plan_today(plan, filters.get("as_of"))
    rows = selectors.board_rows(
        user=request.user,
        plan=plan,
        today=today,
        theme=filters.get("theme"),
        owner=filters.get("owner"),
        status=filters.get("status") or None,
        health=filters.get("health") or None,
        kind=filters.get("kind") or None,
        unanswered_only=bool(filters.get("unanswered")),
    )
    return form, today, rows


def _board_export(request, plan, rows, today):
    headers = [
        _("No."),
        _("Kind"),
        _("Title"),
        _("Theme"),
        _("Lead unit"),
        _("Co-operating units"),
        _("Owner"),
        _("Status"),
        _("Progress (%)"),
        _("Due date"),
        _("Days left"),
        _("Working days left"),
        _("Countdown"),
        _("Next milestone"),
        _("Milestone due"),
        _("Latest report"),
        _("Reported at"),
        _("Targets (actual / target)"),
        _("Unanswered submissions"),
        _("Example values (demo)"),
    ]

    def lines():
        for r in rows:
            t = r.task
            yield [
                t.label,
                t.get_kind_display(),
                t.title,
                str(t.theme or ""),
                t.lead_unit,
                "、".join(t.co_units or []),
                str(t.owner or ""),
                t.get_status_display(),
                t.progress,
                t.due_date,
                r.countdown.days_left,
                r.countdown.working_days_left,
                str(Health(r.health).label),
                r.next_milestone.title if r.next_milestone else "",
                r.next_milestone.due_date if r.next_milestone else None,
                (r.latest_report or {}).get("text", "")[:500],
                r.latest_report["at"].astimezone(rules.time_zone()).strftime("%Y-%m-%d %H:%M")
                if r.latest_report
                else "",
                "; ".join(f"{g.label} {g.actual_text}/{g.quantity_text}{g.unit}" for g in r.targets),
                r.unanswered,
                "、".join(str(Task._meta.get_field(f).verbose_name) for f in t.example_fields or []),
            ]

    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="workplan.task",
        object_repr=_("%(n)s rows of the work plan board") % {"n": len(rows)},
        scope_path=plan.region.path,
        message=request.GET.urlencode()[:500],
    )
    return xlsx_response(
        filename=_("%(plan)s board %(date)s.xlsx") % {"plan": plan.title, "date": display.day(today)},
        fallback=f"{plan.year}-workplan-board-{today:%Y%m%d}.xlsx",
        headers=headers,
        rows=lines(),
        sheet_title=str(plan.year),
    )


@login_required
def board(request):
    plan = _current_plan(request)
    if plan is None:
        # Cities and schools see no plan of their own: their work is in the worklist.
        return redirect("workplan:worklist")
    form, today, rows = _board(request, plan)
    if request.GET.get("export") == "xlsx":
        return _board_export(request, plan, rows, today)
    context = {
        "title": plan.title,
        "plan": plan,
        "form": form,
        "rows": rows,
        "today": today,
        "summary": selectors.board_summary(rows),
        "unanswered_by_owner": selectors.unanswered_counts(today=today, user=request.user, plan=plan),
        "answer_days": rules.setting("ANSWER_WITHIN_WORKING_DAYS", 3),
        "export_query": _with(request, export="xlsx"),
        "briefing_query": _with(request),
        "can_change": is_in_scope(plan, request.user, "change"),
        "copy_form": PlanCopyForm(initial={"year": plan.year + 1}),
    }
    return render(request, "workplan/board.html", context)


def _with(request, **extra) -> str:
    params = request.GET.copy()
    params.pop("export", None)
    for k, v in extra.items():
        params[k] = v
    return params.urlencode()


def _briefing_context(request, *, kind: str) -> dict:
    """What the briefing shows, scoped like the board; audited as an export (HTML or PDF)."""
    plan = _current_plan(request)
    if plan is None:
        raise Http404
    form, today, rows = _board(request, plan)
    summary = selectors.board_summary(rows)
    attention = [r for r in rows if r.health in (Health.OVERDUE, Health.AT_RISK)]
    attention.sort(key=lambda r: (r.health != Health.OVERDUE, r.countdown.days_left or 0))
    # A quantity two items name (KP4 and R17: the same 100 teams) is listed once, under the first.
    targets = [(r.task, t) for r in rows for t in r.targets if not t.same_as_id]
    audit_record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="workplan.plan",
        object_id=str(plan.pk),
        object_repr=_("Briefing on %(plan)s as of %(day)s") % {"plan": plan, "day": today},
        scope_path=plan.region.path,
        message=kind,
    )
    return {
        "title": _("Briefing"),
        "plan": plan,
        "today": today,
        "printed_at": rules.local_today(),
        "summary": summary,
        "attention": attention,
        "targets": targets,
        "rows": rows,
        "unanswered_by_owner": selectors.unanswered_counts(today=today, user=request.user, plan=plan),
        "answer_days": rules.setting("ANSWER_WITHIN_WORKING_DAYS", 3),
        "briefing_query": _with(request),
    }


@login_required
def briefing(request):
    """A dated, printable briefing for leadership (print it, or download it as a PDF)."""
    return render(request, "workplan/briefing.html", _briefing_context(request, kind="html"))


@login_required
def briefing_pdf(request):
    """The same briefing as a dated PDF (WeasyPrint, Chinese fonts embedded)."""
    from django.conf import settings
    from django.template.loader import render_to_string

    from ..briefing import pdf_filename, render_pdf

    context = _briefing_context(request, kind="pdf")
    html = render_to_string("workplan/briefing_pdf.html", context, request=request)
    day = context["today"]
    return download_response(
        render_pdf(html, str(settings.BASE_DIR), user=request.user),
        pdf_filename(day),
        content_type="application/pdf",
        fallback=f"{context['plan'].year}-workplan-briefing-{day:%Y-%m-%d}.pdf",
    )


@login_required
def timeline(request):
    plan = _current_plan(request)
    if plan is None:
        return redirect("workplan:worklist")  # as the board: no plan of their own
    today = selectors.plan_today(plan)
    data = selectors.timeline_data(user=request.user, plan=plan, today=today)
    labels = {h.value: str(h.label) for h in Health}
    # The red line's label: the board date in words, not the chart's millisecond value.
    today_label = _("Board date %(date)s") % {"date": display.day(today)}
    return render(
        request,
        "workplan/timeline.html",
        {
            "title": _("Timeline"),
            "plan": plan,
            "today": today,
            "chart": {**data, "labels": labels, "today_label": today_label},
        },
    )


@login_required
@require_POST
def plan_copy_view(request, pk):
    plan = _or_404(selectors.plan_get, user=request.user, pk=pk)
    form = PlanCopyForm(request.POST)
    if form.is_valid():
        try:
            new = plan_copy(actor=request.user, plan=plan, year=form.cleaned_data["year"])
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The plan was copied to %(year)s.") % {"year": new.year})
            return redirect(reverse("workplan:board") + f"?plan={new.pk}")
    else:
        messages.error(request, _("Give a year between 2000 and 2100."))
    return redirect(reverse("workplan:board") + f"?plan={plan.pk}")
