"""Pages: my worklist (requests awaiting a decision at my node), all requests, one request."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.views.generic import ObjectListView

from . import selectors
from .filtersets import ApprovalRequestFilterSet
from .panel import apply_decision, decision_context
from .tables import ApprovalRequestTable


class WorklistView(ObjectListView):
    selector = selectors.worklist
    filterset_class = ApprovalRequestFilterSet
    table_class = ApprovalRequestTable
    title = gettext_lazy("Awaiting my decision")


class RequestListView(ObjectListView):
    selector = selectors.request_list
    filterset_class = ApprovalRequestFilterSet
    table_class = ApprovalRequestTable
    title = gettext_lazy("Approval requests")


class RequestDetailView(LoginRequiredMixin, View):
    template_name = "workflows/request_detail.html"

    def get_object(self):
        try:
            return selectors.request_get(user=self.request.user, pk=self.kwargs["pk"])
        except Exception:
            raise Http404

    def render(self, approval, error=None, status=200):
        context = decision_context(self.request, approval)
        target = approval.target
        context.update(
            {
                "object": approval,
                "title": approval.title,
                "error": error,
                "target": target,
                "target_url": target.get_absolute_url() if hasattr(target, "get_absolute_url") else None,
            }
        )
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render(self.get_object())

    def post(self, request, pk):
        approval = self.get_object()
        error = apply_decision(request, approval)
        if error:
            approval.refresh_from_db()
            return self.render(approval, error=error)
        return HttpResponseRedirect(approval.get_absolute_url())
