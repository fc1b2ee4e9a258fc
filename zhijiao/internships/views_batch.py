"""Pages of the batch work on placements: changes and leave of one placement, the post change and
early-termination forms, the student's leave page, the 实习手册/鉴定表 PDF and the per-teacher counts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.lifecycle import available
from zhijiao.core.lifecycle.views import transition_url
from zhijiao.core.scoping import restrict
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import add_service_errors

from . import handbook, selectors, selectors_batch, services
from .forms_batch import LeaveForm, PostChangeForm, TerminationForm
from .models import EarlyTermination, LeaveRequest, Placement, PostChange


def _viewable(request, pk) -> Placement:
    p = selectors.placement_list(user=request.user).filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def _changeable(request, pk) -> Placement:
    """The placement if the user may change it (the school or an authority above it), else 404."""
    p = selectors.placement_list(user=request.user, action="change").filter(pk=pk).first()
    if p is None:
        raise Http404
    return p


def may_download_handbook(user, p: Placement) -> bool:
    """The school side (school, authority, school mentor) and the student themself."""
    return services.is_school_side(user, p) or services.is_student_of(user, p)


def _leave_rows(leaves, user):
    return [
        {
            "leave": leave,
            "actions": [
                (t.label, transition_url(leave, services.LEAVE_KIND, t.name))
                for t in available(services.LEAVE_KIND, leave, user)
            ],
        }
        for leave in leaves
    ]


class PlacementChangesView(LoginRequiredMixin, View):
    """Post changes, leave requests and an early termination of one placement."""

    def get(self, request, pk):
        p = _viewable(request, pk)
        user = request.user
        can_change = restrict(Placement.objects.filter(pk=p.pk), user, "change").exists()
        leaves = (
            LeaveRequest.objects.filter(placement=p)
            .select_related("decided_by")
            .order_by("-start_date", "-id")
        )
        page = Paginator(leaves, 25).get_page(request.GET.get("page"))
        context = {
            "title": _("Changes and leave: %(placement)s") % {"placement": p},
            "p": p,
            "can_change": can_change and p.status != "ended",
            "changes": list(
                PostChange.objects.filter(placement=p).select_related("from_post", "to_post", "decided_by")
            ),
            "leaves": _leave_rows(page.object_list, user),
            "page_obj": page,
            "termination": EarlyTermination.objects.filter(placement=p).select_related("recorded_by").first(),
            "may_download": may_download_handbook(user, p),
        }
        return render(request, "internships/placement_changes.html", context)


class _ChangeFormView(LoginRequiredMixin, View):
    title = ""

    def form(self, request, data=None):
        raise NotImplementedError

    def service(self, request, p, data):
        raise NotImplementedError

    def _render(self, request, p, form, status=200):
        back = reverse("internships:placement_changes", args=[p.pk])
        context = {"title": self.title, "form": form, "cancel_url": back, "subtitle": str(p)}
        return render(request, "internships/form.html", context, status=status)

    def get(self, request, pk):
        p = _changeable(request, pk)
        return self._render(request, p, self.form(request))

    def post(self, request, pk):
        p = _changeable(request, pk)
        form = self.form(request, request.POST)
        if form.is_valid():
            try:
                self.service(request, p, form.cleaned_data)
            except OutOfScope:
                raise Http404 from None
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return HttpResponseRedirect(reverse("internships:placement_changes", args=[p.pk]))
        return self._render(request, p, form, status=400)


class PostChangeView(_ChangeFormView):
    title = gettext_lazy("Change the post")

    def form(self, request, data=None):
        return PostChangeForm(data=data, user=request.user)

    def service(self, request, p, data):
        services.placement_change_post(
            actor=request.user,
            placement=p,
            to_post=data["to_post"],
            effective_on=data["effective_on"],
            reason=data["reason"],
        )


class TerminateView(_ChangeFormView):
    title = gettext_lazy("End the placement early")

    def form(self, request, data=None):
        return TerminationForm(data=data)

    def service(self, request, p, data):
        services.placement_terminate(actor=request.user, placement=p, **data)


class MyLeaveView(LoginRequiredMixin, View):
    """The student's leave requests and the form to ask for leave."""

    template_name = "internships/my_leave.html"

    def _render(self, request, p, form, status=200):
        leaves = LeaveRequest.objects.filter(placement=p).order_by("-start_date", "-id") if p else []
        page = Paginator(leaves, 20).get_page(request.GET.get("page"))
        context = {
            "title": _("My leave requests"),
            "p": p,
            "form": form,
            "leaves": _leave_rows(page.object_list, request.user),
            "page_obj": page,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request):
        return self._render(request, selectors.student_placement(user=request.user), LeaveForm())

    def post(self, request):
        p = selectors.student_placement(user=request.user)
        form = LeaveForm(request.POST)
        if p is None:
            form.is_valid()
            form.add_error(None, _("You have no internship placement."))
            return self._render(request, p, form, status=400)
        if form.is_valid():
            try:
                services.leave_request_submit(actor=request.user, placement=p, **form.cleaned_data)
            except (ValidationError, OutOfScope) as exc:
                if isinstance(exc, OutOfScope):
                    form.add_error(None, str(exc))
                else:
                    add_service_errors(form, exc)
            else:
                messages.success(request, _("Your leave request has been sent."))
                return HttpResponseRedirect(reverse("internships:my_leave"))
        return self._render(request, p, form, status=400)


class HandbookPdfView(LoginRequiredMixin, View):
    """实习手册 / 实习鉴定表 of one student's placement."""

    def get(self, request, pk):
        p = _viewable(request, pk)
        if not may_download_handbook(request.user, p):
            raise Http404
        content = handbook.handbook_pdf(p, request=request)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = handbook.content_disposition(p)
        return response


class TeacherCountsView(LoginRequiredMixin, View):
    """Per school mentor: weekly reports reviewed and pending, reviews written."""

    def get(self, request):
        data = selectors_batch.mentor_review_counts(user=request.user)
        page = Paginator(data, 50).get_page(request.GET.get("page"))
        return render(
            request,
            "internships/teacher_counts.html",
            {"title": _("Reports reviewed per teacher"), "page_obj": page, "rows": page.object_list},
        )
