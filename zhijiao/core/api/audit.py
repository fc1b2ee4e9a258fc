"""``/api/v1/audit-entries/``: the audit log, read-only, for holders of ``view_audit``."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from zhijiao.core import events
from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.api.views import ScopedPermission, ScopedReadOnlyViewSet
from zhijiao.core.models import AuditEntry
from zhijiao.core.views.audit import AuditFilterSet, audit_list


class AuditEntryApiFilterSet(AuditFilterSet):
    """The audit page's filters, plus exact ``actor_id`` and ``object_id`` for integrators."""

    actor_id = django_filters.NumberFilter(field_name="actor_id", label=_("Actor (user id)"))
    object_id = django_filters.CharFilter(label=_("Object id"))

    class Meta(AuditFilterSet.Meta):
        fields = [*AuditFilterSet.Meta.fields, "actor_id", "object_id"]


class AuditEntrySerializer(ModelSerializer):
    action_label = choice_label("action")
    event_label = serializers.SerializerMethodField()

    def get_event_label(self, obj) -> str:
        return events.label(obj.event)

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "timestamp",
            "actor",
            "actor_name",
            "actor_org",
            "request_id",
            "ip_address",
            "action",
            "action_label",
            "event",
            "event_label",
            "object_type",
            "object_id",
            "object_repr",
            "scope_path",
            "before",
            "after",
            "message",
        ]
        read_only_fields = fields


class AuditScopePermission(ScopedPermission):
    """A token reads the audit log only when it was made with the ``audit`` scope (a session needs
    none: the person holds ``view_audit``)."""

    message = _("This token may not read the audit log; create a token with the “Read the audit log” scope.")

    def has_permission(self, request, view) -> bool:
        from zhijiao.accounts.authentication import token_has_scope

        return super().has_permission(request, view) and token_has_scope(request, "audit")


class AuditEntryViewSet(ScopedReadOnlyViewSet):
    """The audit log in the caller's subtree (same scope and filters as the audit page); sensitive
    values are stored masked. A token needs the ``audit`` scope."""

    permission_classes = [AuditScopePermission]

    model = AuditEntry
    selector = staticmethod(audit_list)
    selector_takes_action = False
    required_action = "view_audit"
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryApiFilterSet
    # Orders the log's indexes serve (object type and action are filters).
    ordering_fields = ("timestamp", "id")
    ordering = ("-timestamp", "-id")
