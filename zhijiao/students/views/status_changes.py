"""Pages of 学籍异动 (status changes)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import (
    ObjectListView,
    add_service_errors,
)

from .. import selectors, services
from ..filtersets import StatusChangeFilterSet
from ..forms import (
    StatusChangeForm,
)
from ..tables import StatusChangeTable
from .records import _get
from .registration import _ApprovalPageView


# --- status changes --------------------------------------------------------------------------------
class StatusChangeListView(ObjectListView):
    selector = selectors.status_change_list
    filterset_class = StatusChangeFilterSet
    table_class = StatusChangeTable
    title = gettext_lazy("Status changes")


class StatusChangeDetailView(_ApprovalPageView):
    selector = selectors.status_change_list
    template_name = "students/change_detail.html"

    def extra_context(self, change):
        return {"attachments": list(change.attachments.all())}


class StatusChangeAddView(LoginRequiredMixin, View):
    def get_student(self):
        student = _get(selectors.student_list, self.request.user, self.kwargs["pk"])
        if not selectors.student_list(user=self.request.user, action="change").filter(pk=student.pk).exists():
            raise PermissionDenied(_("You may view this record but not change it."))
        return student

    def _render(self, form, student):
        return render(
            self.request,
            "students/form.html",
            {
                "form": form,
                "title": _("Status change: %(name)s") % {"name": student.name},
                "cancel_url": student.get_absolute_url(),
                "multipart": True,
            },
        )

    def get(self, request, pk):
        student = self.get_student()
        return self._render(StatusChangeForm(user=request.user), student)

    def post(self, request, pk):
        student = self.get_student()
        form = StatusChangeForm(request.POST, request.FILES, user=request.user)
        if not form.is_valid():
            return self._render(form, student)
        data = dict(form.cleaned_data)
        data.pop("attachments", None)
        try:
            change = services.status_change_request(
                actor=request.user, student=student, attachments=request.FILES.getlist("attachments"), **data
            )
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form, student)
        messages.success(request, _("The request was submitted."))
        return HttpResponseRedirect(change.get_absolute_url())
