"""One state-change page and one API action for every declared transition.

``/lifecycle/<lifecycle>/<pk>/<transition>/``: GET shows the record, its state and a confirm form
(with the reason where the transition needs one); POST fires the transition and returns to the
record with a Chinese message. One URL pattern per (lifecycle, transition) — each names its model
through ``selector``, so the scope matrix opens it with every role's and other organisations' ids.
``POST /api/v1/lifecycle/<lifecycle>/<pk>/<transition>/`` does the same for integrators.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from ..scoping import restrict
from . import engine, registry


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )

    def __init__(self, *args, transition=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["reason"]
        field.required = bool(transition and transition.reason_required)
        if transition is not None and transition.reason_prompt:
            field.label = transition.reason_prompt


def _object(lc, pk, user):
    """The record, if the user may read it (404 otherwise, like every page)."""
    try:
        return restrict(lc.model_class()._default_manager.all(), user, "view").get(pk=pk)
    except lc.model_class().DoesNotExist:
        raise Http404 from None


class TransitionView(LoginRequiredMixin, View):
    template_name = "core/lifecycle_transition.html"
    lifecycle_key = ""
    transition_name = ""

    @property
    def lifecycle(self):
        return registry.get(self.lifecycle_key)

    @property
    def transition(self):
        return self.lifecycle.transition(self.transition_name)

    @classmethod
    def selector(cls, *, user):
        lc = registry.get(cls.lifecycle_key)
        return restrict(lc.model_class()._default_manager.all(), user, "view")

    def _back(self, request, obj) -> str:
        nxt = request.POST.get("next") or request.GET.get("next") or ""
        if nxt and url_has_allowed_host_and_scheme(nxt, {request.get_host()}, request.is_secure()):
            return nxt
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "/"

    def _render(self, request, obj, form, status=200):
        lc, t = self.lifecycle, self.transition
        context = {
            "title": t.label,
            "object": obj,
            "model_name": obj._meta.verbose_name,
            "state": lc.state_label(lc.state_of(obj)),
            "transition": t,
            "form": form,
            "refusal": engine.refusal(lc, obj, t),
            "back_url": self._back(request, obj),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        obj = _object(self.lifecycle, pk, request.user)
        if not engine.may_act(self.lifecycle, obj, self.transition, request.user):
            raise Http404
        return self._render(request, obj, ReasonForm(transition=self.transition))

    def post(self, request, pk):
        obj = _object(self.lifecycle, pk, request.user)
        t = self.transition
        form = ReasonForm(request.POST, transition=t)
        if not form.is_valid():
            return self._render(request, obj, form, status=400)
        try:
            engine.fire(self.lifecycle, obj, t, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
            return self._render(request, obj, form, status=400)
        messages.success(request, _("“%(action)s” done.") % {"action": t.label})
        return redirect(self._back(request, obj))


def _url_name(key: str, transition: str) -> str:
    return f"lifecycle_{key.replace('.', '_')}_{transition}"


def transition_url(obj, key: str, transition: str) -> str:
    from django.urls import reverse

    return reverse(f"core:{_url_name(key, transition)}", args=[obj.pk])


def urlpatterns() -> list:
    """A page per declared, generic transition (read from the apps' lifecycles at URL loading)."""
    out = []
    for key, lc in registry.all_lifecycles().items():
        for t in lc.transitions:
            if not t.generic:
                continue
            view = type(
                f"{_url_name(key, t.name).title().replace('_', '')}View",
                (TransitionView,),
                {"lifecycle_key": key, "transition_name": t.name},
            )
            out.append(
                path(f"lifecycle/{key}/<int:pk>/{t.name}/", view.as_view(), name=_url_name(key, t.name))
            )
    return out
