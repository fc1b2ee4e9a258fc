"""A task's page and its actions: progress, milestones, targets, reports and their answers,
assignments, dependencies, evidence."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.downloads import file_download
from zhijiao.core.scoping import is_in_scope, restrict
from zhijiao.core.services import OutOfScope
from zhijiao.reporting import selectors as reporting_selectors

from .. import rules, selectors, services
from ..choices import ReportStatus
from ..forms import (
    AcknowledgeForm,
    AssignmentForm,
    DependencyForm,
    MilestoneForm,
    MilestoneUpdateForm,
    ProgressForm,
    ReportForm,
    TargetActualForm,
    TaskEditForm,
)
from ..models import Milestone, Target
from .board import _form_errors, _or_404

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
            indicators=list(reporting_selectors.indicator_list()),
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
def target_indicator(request, pk):
    """Link a target to a reporting indicator (its actual is then carried in), or unlink it."""
    try:
        target = restrict(Target.objects.select_related("task__plan"), request.user, "change").get(pk=pk)
    except (Target.DoesNotExist, ValueError):
        raise Http404
    raw = request.POST.get("indicator", "")
    indicator = None
    if raw:
        indicator = reporting_selectors.indicator_list().filter(pk=raw if raw.isdigit() else 0).first()
        if indicator is None:
            messages.error(request, _("Choose an indicator from the list."))
            return redirect(target.task.get_absolute_url())
    try:
        services.target_link_indicator(actor=request.user, target=target, indicator=indicator)
    except OutOfScope:
        raise Http404
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, _("Target linked to the reported indicator.") if indicator else _("Link removed.")
        )
    return redirect(target.task.get_absolute_url())


@login_required
@require_POST
def target_actual(request, pk):
    try:
        target = restrict(Target.objects.select_related("task__plan"), request.user, "change").get(pk=pk)
    except (Target.DoesNotExist, ValueError):
        raise Http404
    form = TargetActualForm(request.POST)
    if form.is_valid():
        try:
            services.target_update_actual(
                actor=request.user, target=target, actual=form.cleaned_data["actual"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
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
