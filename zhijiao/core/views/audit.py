"""The audit log: read-only pages for users holding ``view_audit`` (province admins, auditors).

There are no edit or delete routes; entries are append-only in the model as well.
"""

import django_filters
import django_tables2 as tables
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.scoping import can, scope_q

from .generic import ObjectDetailView, ObjectListView, change_history


class _AuditScope:
    """AuditEntry seen by ``core.scoping.scope_q``: filed under ``scope_path``, readable by region grants."""

    scope_region_path = "scope_path"
    scope_institution = None
    scope_enterprise = None
    scope_change_nodes = frozenset({"region"})


def audit_list(*, user) -> QuerySet[AuditEntry]:
    """Entries under the subtrees where the user holds ``view_audit`` (superusers: all)."""
    q = scope_q(_AuditScope, user, "view_audit")
    qs = AuditEntry.objects.all()
    return qs if q is None else qs.filter(q)


def _object_type_choices():
    return [
        (m._meta.label_lower, f"{m._meta.verbose_name} ({m._meta.label_lower})")
        for m in apps.get_models()
        if m.__module__.startswith("zhijiao.")
    ]


class AuditFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    actor = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="startswith", label=_("actor name")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("action"))
    object_type = django_filters.ChoiceFilter(choices=_object_type_choices, label=_("object type"))
    request_id = django_filters.CharFilter(lookup_expr="iexact", label=_("request id"))
    date_from = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEntry
        fields = ["q", "actor", "action", "object_type", "request_id", "date_from", "date_to"]

    def search(self, queryset, name, value):
        """An object's or an actor's name by its start, an object id or a request id: each branch is
        one index of the log (millions of rows a year: no substring scans)."""
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(object_repr__startswith=value)
            | Q(actor_name__startswith=value)
            | Q(object_id=value)
            | Q(request_id=value)
        )


class AuditTable(tables.Table):
    # The log reads by time (core_audit_time); everything else narrows it through the filters.
    timestamp = tables.DateTimeColumn(format="Y-m-d H:i:s", linkify=("core:audit_detail", [tables.A("pk")]))
    actor_name = tables.Column(orderable=False)
    actor_org = tables.Column(orderable=False)
    action = tables.Column(orderable=False)
    object_type = tables.Column(orderable=False)
    object_repr = tables.Column(orderable=False)
    ip_address = tables.Column(orderable=False)
    object_id = tables.Column(orderable=False)
    request_id = tables.Column(orderable=False)

    class Meta:
        model = AuditEntry
        fields = (
            "timestamp",
            "actor_name",
            "actor_org",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "ip_address",
            "request_id",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No audit entries match.")


class AuditPermissionMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not can(request.user, "view_audit"):
            raise PermissionDenied(_("Only province administrators and auditors may read the audit log."))
        return super().dispatch(request, *args, **kwargs)


class AuditListView(AuditPermissionMixin, ObjectListView):
    selector = audit_list
    filterset_class = AuditFilterSet
    table_class = AuditTable
    title = _("Audit log")
    export_filename = "audit-log"


class AuditDetailView(AuditPermissionMixin, ObjectDetailView):
    selector = audit_list
    template_name = "core/audit_detail.html"
    fields = [
        "timestamp",
        "actor_name",
        "actor_org",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "scope_path",
        "ip_address",
        "request_id",
        "message",
    ]
    list_url_name = "core:audit_list"
    show_history = False

    def get_context_data(self, obj):
        context = super().get_context_data(obj)
        before, after = obj.before or {}, obj.after or {}
        keys = list(dict.fromkeys([*after.keys(), *before.keys()]))
        context["changes"] = [{"field": k, "before": before.get(k), "after": after.get(k)} for k in keys]
        context["related"] = (
            audit_list(user=self.request.user)
            .filter(object_type=obj.object_type, object_id=obj.object_id)
            .exclude(pk=obj.pk)[:20]
            if obj.object_id
            else []
        )
        return context


__all__ = ["AuditDetailView", "AuditListView", "audit_list", "change_history"]
