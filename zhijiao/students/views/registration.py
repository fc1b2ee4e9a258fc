"""Pages of 电子注册 registration batches, and the approval panel the registry's pages share."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.sensitive import REGISTRY_NUMBER, mask
from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import (
    ObjectListView,
    add_service_errors,
    may_create,
    safe_reverse,
)
from zhijiao.workflows.panel import apply_decision, decision_context

from .. import selectors, services
from ..filtersets import BatchFilterSet
from ..forms import (
    BatchForm,
    OverrideForm,
)
from ..models import Enrolment
from ..tables import BatchTable
from .records import _get


# --- registration batches --------------------------------------------------------------------------
class BatchListView(ObjectListView):
    selector = selectors.batch_list
    filterset_class = BatchFilterSet
    table_class = BatchTable
    title = gettext_lazy("Registration batches")
    add_url_name = "students:batch_add"


class BatchAddView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not may_create(request.user, Enrolment):
            raise PermissionDenied(_("You may not add records here."))
        return super().dispatch(request, *args, **kwargs)

    def _render(self, form):
        return render(
            self.request,
            "students/form.html",
            {
                "form": form,
                "title": _("New registration batch"),
                "cancel_url": safe_reverse("students:batch_list"),
            },
        )

    def get(self, request):
        return self._render(BatchForm(user=request.user))

    def post(self, request):
        form = BatchForm(request.POST, user=request.user)
        if not form.is_valid():
            return self._render(form)
        try:
            batch = services.batch_create(actor=request.user, **form.cleaned_data)
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form)
        messages.success(request, _("The batch was created."))
        return HttpResponseRedirect(batch.get_absolute_url())


class _ApprovalPageView(LoginRequiredMixin, View):
    selector = None
    template_name = ""

    def get_object(self):
        return _get(type(self).selector, self.request.user, self.kwargs["pk"])

    def extra_context(self, obj) -> dict:
        return {}

    def render_page(self, obj, *, error=None, status=200):
        context = {"object": obj, "title": str(obj), "error": error}
        if obj.approval_id:
            context.update(decision_context(self.request, obj.approval))
        context.update(self.extra_context(obj))
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.get_object())

    def post(self, request, pk):
        obj = self.get_object()
        error = self.handle(obj)
        if error:
            obj = self.get_object()
            return self.render_page(obj, error=error)
        return HttpResponseRedirect(request.path)

    def handle(self, obj):
        if "decision" in self.request.POST and obj.approval_id:
            return apply_decision(self.request, obj.approval)
        return _("Choose a decision.")


class BatchDetailView(_ApprovalPageView):
    selector = selectors.batch_list
    template_name = "students/batch_detail.html"

    def extra_context(self, batch):
        from zhijiao.core.scoping import user_scope

        changeable = (
            selectors.batch_list(user=self.request.user, action="change").filter(pk=batch.pk).exists()
        )
        enrolments = list(
            batch.enrolments.select_related("student", "offering__major").order_by(
                "class_name", "student__name"
            )
        )
        for e in enrolments:
            # 学籍号 embeds the ID number: masked in lists, as on the roster (PIPL).
            e.registry_masked = mask(REGISTRY_NUMBER, e.student.registry_number) or ""
        return {
            "enrolments": enrolments,
            "may_submit": changeable and batch.status == "draft",
            "may_override": changeable
            and user_scope(self.request.user).is_province
            and batch.status == "draft",
            "override_form": OverrideForm(),
        }

    def handle(self, batch):
        try:
            if "submit" in self.request.POST:
                services.batch_submit(actor=self.request.user, batch=batch)
                messages.success(self.request, _("The batch was submitted for review."))
                return None
            if "override" in self.request.POST:
                form = OverrideForm(self.request.POST)
                reason = form.data.get("override_reason", "")
                services.batch_override_deadline(actor=self.request.user, batch=batch, reason=reason)
                messages.success(self.request, _("Late registration allowed."))
                return None
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            return " ".join(exc.messages)
        return super().handle(batch)
