"""The user's own messages (the in-site inbox) and notification settings: which kinds of message
arrive on which channel (``core.notifications``). Every app's messages land here."""

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


class InboxView(LoginRequiredMixin, TemplateView):
    template_name = "accounts/inbox.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["notes"] = notifications.inbox(user=self.request.user)[:200]
        ctx["unread"] = notifications.unread_count(user=self.request.user)
        return ctx

    def post(self, request):
        ids = request.POST.getlist("ids")
        try:
            parsed = [int(i) for i in ids] if ids else None
        except ValueError:
            parsed = []
        notifications.mark_read(user=request.user, ids=parsed)
        return redirect("accounts:inbox")
