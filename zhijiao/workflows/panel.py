"""The decision panel other apps' pages show beside a document in review (public to the apps: a
registration batch, a status change, a graduation list are decided where they are read)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from zhijiao.core.services import OutOfScope

from . import selectors, services
from .forms import DecisionForm
from .tables import kind_label


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
