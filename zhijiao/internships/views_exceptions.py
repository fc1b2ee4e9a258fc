"""Exceptions to the "一般/原则上" rules on a placement's page: the school requests, the authority decides."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy

from zhijiao.core.scoping import restrict

from . import services
from .forms import RuleExceptionForm
from .models import RuleException
from .views import _PlacementFormView, _Post


class RuleExceptionRequestView(_PlacementFormView):
    form_class = RuleExceptionForm
    title = gettext_lazy("Request an exception")

    def service(self, request, p, data):
        services.rule_exception_request(
            actor=request.user, placement=p, rule_id=data["rule_id"], reason=data["reason"]
        )


class RuleExceptionDecideView(_Post):
    def act(self, request, pk):
        exception = restrict(RuleException.objects.select_related("placement__plan"), request.user, "view")
        exception = exception.filter(pk=pk).first()
        if exception is None:
            raise Http404
        decision = request.POST.get("decision")
        if decision not in ("approve", "refuse"):
            raise ValidationError(gettext_lazy("Approve or refuse the exception."))
        services.rule_exception_decide(
            actor=request.user,
            exception=exception,
            approve=decision == "approve",
            reference=request.POST.get("reference", ""),
            note=request.POST.get("note", ""),
        )
        return exception.placement.get_absolute_url()
