"""The user's own notification settings: which kinds of message arrive on which channel
(``core.notifications``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from zhijiao.core import notifications


class NotificationPreferencesView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/notifications.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        prefs = notifications.preferences(user)
        channels = list(notifications.CHANNELS.items())
        ctx["channels"] = channels
        ctx["rows"] = [
            {
                "code": code,
                "label": kind.label,
                "cells": [
                    {"name": f"{code}:{channel}", "on": prefs[(code, channel)], "label": label}
                    for channel, label in channels
                ],
            }
            for code, kind in sorted(notifications.kinds().items(), key=lambda kv: (kv[1].app, kv[0]))
        ]
        ctx["has_email"] = bool(user.email)
        ctx["has_phone"] = bool(getattr(user, "phone", ""))
        return ctx

    def post(self, request):
        chosen = set(request.POST.getlist("on"))
        choices = {
            (code, channel): f"{code}:{channel}" in chosen
            for code in notifications.kinds()
            for channel in notifications.CHANNELS
        }
        changed = notifications.preferences_update(actor=request.user, user=request.user, choices=choices)
        if changed:
            messages.success(request, _("Your notification settings were saved."))
        return redirect("accounts:notifications")
