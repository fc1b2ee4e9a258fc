"""The worklist of cities and schools (assignments), the inbox and the forums."""

from __future__ import annotations

import calendar
import datetime
from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhijiao.core.scoping import is_in_scope, user_scope
from zhijiao.core.services import OutOfScope

from .. import rules, selectors, services
from ..choices import AssignmentStatus
from ..forms import (
    AcknowledgeForm,
    AssignmentForm,
    ForumForm,
    ReportForm,
)
from .board import _current_plan, _form_errors, _or_404

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
    """The inbox moved to the user's own pages (every app's messages: ``accounts:inbox``)."""
    return redirect("accounts:inbox", permanent=True)


# --- forums --------------------------------------------------------------------------------------


@login_required
def forums(request):
    plan = _current_plan(request)
    if plan is None:
        from ..models import Plan

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
