"""Pages of the work plan: board, briefing, timeline, task detail, worklist, inbox, forums.

Views are thin: selectors read (scoped; anything out of reach is a 404), forms check shape,
services decide and write. A service's ValidationError is shown on the form, never as a 500.
"""

from __future__ import annotations

import calendar
import datetime
from collections import OrderedDict

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
from zhijiao.core.downloads import download_response, file_download
from zhijiao.core.scoping import is_in_scope, restrict, user_scope
from zhijiao.core.services import OutOfScope
from zhijiao.core.tabular import xlsx_response

from . import rules, selectors, services
from .choices import AssignmentStatus, Health, ReportStatus
from .forms import (
    AcknowledgeForm,
    AssignmentForm,
    BoardFilterForm,
    DependencyForm,
    ForumForm,
    MilestoneForm,
    MilestoneUpdateForm,
    PlanCopyForm,
    ProgressForm,
    ReportForm,
    TargetActualForm,
    TaskEditForm,
)
from .loader import plan_copy
from .models import Milestone, Target, Task


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
                "; ".join(f"{g.label} {g.actual}/{g.quantity_text}{g.unit}" for g in r.targets),
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

    from .briefing import pdf_filename, render_pdf

    context = _briefing_context(request, kind="pdf")
    html = render_to_string("workplan/briefing_pdf.html", context, request=request)
    day = context["today"]
    return download_response(
        render_pdf(html, str(settings.BASE_DIR)),
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


# --- task detail and its actions -----------------------------------------------------------------


def _task_context(request, task, **forms):
    today = selectors.plan_today(task.plan)
    can_change = is_in_scope(task, request.user, "change")
    can_ack = services.can_acknowledge(request.user, task)
    reports = list(task.reports.all())
    context = {
        "title": str(task),
        "task": task,
        "plan": task.plan,
        "today": today,
        "countdown": rules.countdown(task.due_date, today=today),
        "health": rules.task_health(
            status=task.status, progress=task.progress, start=task.start_date, due=task.due_date, today=today
        ),
        "expected": rules.expected_progress(task.start_date, task.due_date, today),
        "milestones": [(m, rules.countdown(m.due_date, today=today)) for m in task.milestones.all()],
        "reports": reports,
        "can_change": can_change,
        "can_ack": can_ack,
        "ack_form": AcknowledgeForm(),
        "pending_reports": sum(1 for r in reports if r.status == ReportStatus.SUBMITTED),
    }
    if can_change:
        context.update(
            progress_form=forms.get("progress_form") or ProgressForm(initial={"progress": task.progress}),
            milestone_form=forms.get("milestone_form") or MilestoneForm(),
            report_form=forms.get("report_form") or ReportForm(),
            assignment_form=forms.get("assignment_form") or AssignmentForm(user=request.user, plan=task.plan),
            dependency_form=forms.get("dependency_form") or DependencyForm(task=task, user=request.user),
        )
    if "ack_error" in forms:
        context["ack_error"] = forms["ack_error"]
    return context


def _render_task(request, task, status=200, **forms):
    task = _or_404(selectors.task_detail, user=request.user, pk=task.pk)
    return render(request, "workplan/task_detail.html", _task_context(request, task, **forms), status=status)


@login_required
def task_detail(request, pk):
    task = _or_404(selectors.task_detail, user=request.user, pk=pk)
    return render(request, "workplan/task_detail.html", _task_context(request, task))


def _task_for_change(request, pk):
    return _or_404(selectors.task_get, user=request.user, pk=pk, action="change")


def _run(request, task, form_name, form, action, success):
    """Validate ``form``, call ``action(cleaned_data)``; on error re-render the task page (400)."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect(task.get_absolute_url())
    return _render_task(request, task, status=400, **{form_name: form})


@login_required
@require_POST
def task_progress(request, pk):
    task = _task_for_change(request, pk)
    form = ProgressForm(request.POST)
    return _run(
        request,
        task,
        "progress_form",
        form,
        lambda d: services.task_update_progress(
            actor=request.user, task=task, progress=d["progress"], reason=d["reason"]
        ),
        _("Progress saved."),
    )


@login_required
@require_POST
def milestone_add(request, pk):
    task = _task_for_change(request, pk)
    form = MilestoneForm(request.POST)
    return _run(
        request,
        task,
        "milestone_form",
        form,
        lambda d: services.milestone_create(actor=request.user, task=task, **d),
        _("Milestone added."),
    )


@login_required
@require_POST
def milestone_update(request, pk):
    try:
        milestone = restrict(Milestone.objects.select_related("task__plan"), request.user, "change").get(
            pk=pk
        )
    except (Milestone.DoesNotExist, ValueError):
        raise Http404
    form = MilestoneUpdateForm(request.POST)
    return _run(
        request,
        milestone.task,
        "milestone_form",
        form,
        lambda d: services.milestone_update(actor=request.user, milestone=milestone, data=d),
        _("Milestone updated."),
    )


@login_required
@require_POST
def target_actual(request, pk):
    try:
        target = restrict(Target.objects.select_related("task__plan"), request.user, "change").get(pk=pk)
    except (Target.DoesNotExist, ValueError):
        raise Http404
    form = TargetActualForm(request.POST)
    if form.is_valid():
        services.target_update_actual(actor=request.user, target=target, actual=form.cleaned_data["actual"])
        messages.success(request, _("Actual count saved."))
    else:
        messages.error(request, _("The actual count must be a whole number, zero or more."))
    return redirect(target.task.get_absolute_url())


@login_required
@require_POST
def report_add(request, pk):
    task = _task_for_change(request, pk)
    form = ReportForm(request.POST, request.FILES)
    return _run(
        request,
        task,
        "report_form",
        form,
        lambda d: services.report_submit(
            actor=request.user,
            task=task,
            text=d["text"],
            progress=d.get("progress"),
            links=d["links"],
            files=d["files"],
        ),
        _("Report submitted."),
    )


@login_required
@require_POST
def assignment_add(request, pk):
    task = _task_for_change(request, pk)
    form = AssignmentForm(request.POST, user=request.user, plan=task.plan)
    return _run(
        request,
        task,
        "assignment_form",
        form,
        lambda d: services.assignment_create(actor=request.user, task=task, **d),
        _("Sub-task assigned."),
    )


@login_required
@require_POST
def dependency_add(request, pk):
    task = _task_for_change(request, pk)
    form = DependencyForm(request.POST, task=task, user=request.user)
    return _run(
        request,
        task,
        "dependency_form",
        form,
        lambda d: services.dependency_add(actor=request.user, task=task, depends_on=d["depends_on"]),
        _("Dependency added."),
    )


@login_required
def task_edit(request, pk):
    task = _task_for_change(request, pk)
    form = TaskEditForm(request.POST or None, instance=task, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_update(actor=request.user, task=task, data=form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Task saved."))
            return redirect(task.get_absolute_url())
    return render(
        request,
        "generic/object_edit.html",
        {
            "form": form,
            "object": task,
            "title": _("Change %(what)s") % {"what": task},
            "cancel_url": task.get_absolute_url(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def report_acknowledge(request, pk):
    report = _or_404(selectors.report_get, user=request.user, pk=pk)
    form = AcknowledgeForm(request.POST)
    back = (
        report.assignment.get_absolute_url()
        if report.assignment_id and not is_in_scope(report.task, request.user, "view")
        else report.task.get_absolute_url()
    )
    if form.is_valid():
        try:
            services.report_acknowledge(
                actor=request.user,
                report=report,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The report was answered."))
    else:
        messages.error(request, _("Choose accept or return."))
    return redirect(
        request.POST.get("next") if request.POST.get("next", "").startswith("/workplan/") else back
    )


@login_required
def evidence_download(request, pk):
    evidence = _or_404(selectors.evidence_get, user=request.user, pk=pk)
    try:
        handle = evidence.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404
    return file_download(handle, evidence.original_name, content_type=evidence.content_type or None)


# --- worklist (cities and schools) ---------------------------------------------------------------


@login_required
def worklist(request):
    items = list(selectors.worklist(user=request.user).select_related("task__plan"))
    today = rules.local_today()
    rows = [(a, rules.countdown(a.due_date, today=today)) for a in items]
    scope = user_scope(request.user)
    overseen = None
    if scope.region_paths and not scope.is_province:
        # A city also follows what it passed on to its counties and schools.
        overseen = (
            selectors.assignment_list(user=request.user)
            .exclude(pk__in=[a.pk for a in items])
            .order_by("due_date")[:200]
        )
    return render(
        request,
        "workplan/worklist.html",
        {"title": _("My worklist"), "rows": rows, "today": today, "overseen": overseen},
    )


def _assignment_context(request, assignment, answer_form=None, pass_form=None):
    today = rules.local_today()
    can_answer = (
        is_in_scope(assignment, request.user, "change") and assignment.status != AssignmentStatus.ACCEPTED
    )
    mine = (
        assignment.assignee_id == request.user.pk
        or (assignment.region_id and assignment.region.path in user_scope(request.user).region_paths)
        or (
            assignment.institution_id
            and assignment.institution_id in user_scope(request.user).institution_ids
        )
    )
    can_pass_on = bool(mine and assignment.region_id and assignment.status != AssignmentStatus.ACCEPTED)
    return {
        "title": assignment.title,
        "assignment": assignment,
        "task": assignment.task,
        "countdown": rules.countdown(assignment.due_date, today=today),
        "reports": list(assignment.reports.all()),
        "can_answer": can_answer and mine,
        "answer_form": answer_form or ReportForm(),
        "can_pass_on": can_pass_on,
        "pass_form": pass_form
        or (AssignmentForm(user=request.user, colleagues=False) if can_pass_on else None),
        "can_ack": services.can_acknowledge(request.user, assignment.task),
        "ack_form": AcknowledgeForm(),
    }


@login_required
def assignment_detail(request, pk):
    assignment = _or_404(selectors.assignment_detail, user=request.user, pk=pk)
    return render(request, "workplan/assignment_detail.html", _assignment_context(request, assignment))


@login_required
@require_POST
def assignment_answer(request, pk):
    assignment = _or_404(selectors.assignment_detail, user=request.user, pk=pk)
    form = ReportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.report_submit(
                actor=request.user,
                assignment=assignment,
                text=form.cleaned_data["text"],
                progress=form.cleaned_data.get("progress"),
                links=form.cleaned_data["links"],
                files=form.cleaned_data["files"],
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Your answer was submitted."))
            return redirect(assignment.get_absolute_url())
    assignment = selectors.assignment_detail(user=request.user, pk=pk)
    return render(
        request,
        "workplan/assignment_detail.html",
        _assignment_context(request, assignment, answer_form=form),
        status=400,
    )


@login_required
@require_POST
def assignment_pass_on(request, pk):
    assignment = _or_404(selectors.assignment_detail, user=request.user, pk=pk)
    form = AssignmentForm(request.POST, user=request.user, colleagues=False)
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "assignee"}
        try:
            services.assignment_create(actor=request.user, task=assignment.task, parent=assignment, **data)
        except OutOfScope:
            form.add_error(None, _("The region or institution is outside your organisation."))
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("Sub-task passed on."))
            return redirect(assignment.get_absolute_url())
    return render(
        request,
        "workplan/assignment_detail.html",
        _assignment_context(request, assignment, pass_form=form),
        status=400,
    )


# --- inbox ---------------------------------------------------------------------------------------


@login_required
def inbox(request):
    if request.method == "POST":
        ids = request.POST.getlist("ids")
        try:
            parsed = [int(i) for i in ids] if ids else None
        except ValueError:
            parsed = []
        services.notifications_mark_read(user=request.user, ids=parsed)
        return redirect("workplan:inbox")
    notes = selectors.inbox(user=request.user)[:200]
    return render(
        request,
        "workplan/inbox.html",
        {"title": _("Inbox"), "notes": notes, "unread": selectors.unread_count(user=request.user)},
    )


# --- forums --------------------------------------------------------------------------------------


@login_required
def forums(request):
    plan = _current_plan(request)
    if plan is None:
        from .models import Plan

        plan = Plan.objects.order_by("-year").first()  # forums are public to every signed-in user
    if plan is None:
        raise Http404
    can_add = is_in_scope(plan, request.user, "change")
    form = ForumForm(request.POST or None, plan=plan, user=request.user) if can_add else None
    status = 200
    if request.method == "POST":
        if not can_add:
            raise Http404
        if form.is_valid():
            try:
                services.forum_create(
                    actor=request.user,
                    plan=plan,
                    task=plan.tasks.filter(kind="key_point", number=3).first(),
                    **form.cleaned_data,
                )
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("Forum added."))
                return redirect("workplan:forums")
        status = 400
    items = list(selectors.forum_list(user=request.user, plan=plan))
    months = OrderedDict((m, []) for m in range(1, 13))
    for forum in items:
        if forum.date.year == plan.year:
            months[forum.date.month].append(forum)
    month_rows = [
        {
            "month": m,
            "name": datetime.date(plan.year, m, 1),
            "forums": f,
            "days": calendar.monthrange(plan.year, m)[1],
        }
        for m, f in months.items()
    ]
    covered = {f.theme for f in items}
    return render(
        request,
        "workplan/forums.html",
        {
            "title": _("Monthly forums"),
            "plan": plan,
            "months": month_rows,
            "form": form,
            "themes": [(t, t in covered) for t in plan.forum_themes],
            "empty_months": sum(1 for r in month_rows if not r["forums"]),
        },
        status=status,
    )
