"""Pages: my worklist (requests awaiting a decision at my node), all requests, one request."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from zhijiao.core.services import OutOfScope
from zhijiao.core.views.generic import ObjectListView

from . import selectors, services
from .filtersets import ApprovalRequestFilterSet
from .forms import DecisionForm
from .tables import ApprovalRequestTable, kind_label


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


def decision_context(request, approval) -> dict:
    """What ``workflows/partials/decision_panel.html`` needs; other apps' pages include it too."""
    from zhijiao.core.scoping import is_in_scope

    return {
        "approval": approval,
        "approval_kind": kind_label(approval.kind),
        "approval_steps": selectors.request_steps(approval),
        "approval_events": selectors.request_events(approval),
        "may_decide": selectors.may_decide(user=request.user, request=approval),
        "may_withdraw": approval.status in ("in_review", "returned")
        and is_in_scope(approval, request.user, "change")
        and services.is_submitter(approval, request.user),
        "decision_form": DecisionForm(),
    }


def apply_decision(request, approval):
    """Run the decision posted from the panel; returns an error message or None."""
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return _("Choose a decision.")
    decision, comment = form.cleaned_data["decision"], form.cleaned_data["comment"]
    try:
        if decision == "approve":
            services.request_approve(actor=request.user, request=approval, comment=comment)
            messages.success(request, _("Approved."))
        elif decision == "return":
            services.request_return(actor=request.user, request=approval, comment=comment)
            messages.success(request, _("Returned to the submitter."))
        elif decision == "cancel":
            services.request_cancel(actor=request.user, request=approval, comment=comment)
            messages.success(request, _("The request was cancelled."))
        else:
            services.request_resubmit(actor=request.user, request=approval, comment=comment)
            messages.success(request, _("The request was resubmitted."))
    except OutOfScope:
        raise Http404
    except PermissionDenied as exc:
        return str(exc)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


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
