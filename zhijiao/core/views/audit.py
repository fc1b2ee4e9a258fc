"""The audit log: read-only pages for users holding ``view_audit`` (province admins, auditors).

There are no edit or delete routes; entries are append-only in the model as well.
"""

import django_filters
import django_tables2 as tables
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from zhijiao.core import display, events, listing
from zhijiao.core.filters import FilterSet
from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.scoping import can, restrict

from .generic import ObjectDetailView, ObjectListView, change_history, describe_entries


def audit_list(*, user) -> QuerySet[AuditEntry]:
    """Entries under the subtrees where the user holds ``view_audit`` (superusers: all)."""
    return restrict(AuditEntry.objects.all(), user, "view_audit")


def _object_type_choices():
    """Every model by its verbose name (the app's name added where two models share one), sorted."""
    models = [m for m in apps.get_models() if m.__module__.startswith("zhijiao.")]
    names = [str(capfirst(m._meta.verbose_name)) for m in models]
    choices = [
        (
            m._meta.label_lower,
            name if names.count(name) == 1 else f"{name}（{m._meta.app_config.verbose_name}）",
        )
        for m, name in zip(models, names, strict=True)
    ]
    return sorted(choices, key=lambda c: c[1])


class AuditFilterSet(FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))
    actor = django_filters.CharFilter(
        field_name="actor_name", lookup_expr="startswith", label=_("actor name")
    )
    action = django_filters.ChoiceFilter(choices=AuditAction.choices, label=_("action"))
    event = django_filters.ChoiceFilter(choices=events.choices, label=_("event"))
    object_type = django_filters.ChoiceFilter(choices=_object_type_choices, label=_("object type"))
    request_id = django_filters.CharFilter(lookup_expr="iexact", label=_("request id"))
    date_from = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__gte", label=_("From"))
    date_to = django_filters.DateFilter(field_name="timestamp", lookup_expr="date__lte", label=_("To"))

    class Meta:
        model = AuditEntry
        fields = ["q", "actor", "action", "event", "object_type", "request_id", "date_from", "date_to"]

    def search(self, queryset, name, value):
        """An object's or an actor's name by its start, an object id or a request id: each branch is
        one index of the log (millions of rows a year: no substring scans)."""
        value = value.strip()
        if not value:
            return queryset
        branches = [
            Q(object_repr__startswith=value),
            Q(actor_name__startswith=value),
            Q(object_id=value),
            Q(request_id=value),
        ]
        return listing.search_branches(listing.sort_few_matches(queryset), branches)


class AuditTable(tables.Table):
    # The log reads by time (core_audit_time); everything else narrows it through the filters.
    timestamp = tables.DateTimeColumn(linkify=("core:audit_detail", [tables.A("pk")]))
    actor_name = tables.Column(orderable=False)
    actor_org = tables.Column(orderable=False)
    action = tables.Column(orderable=False)
    event = tables.Column(orderable=False)
    object_type = tables.Column(orderable=False)
    object_repr = tables.Column(orderable=False)
    ip_address = tables.Column(orderable=False)
    object_id = tables.Column(orderable=False)
    request_id = tables.Column(orderable=False, attrs={"td": {"class": "text-break small"}})

    def render_actor_name(self, value):
        return display.actor_name(value)

    def render_object_type(self, value):
        return display.model_name(value)

    def render_event(self, value):
        return events.label(value)

    class Meta:
        model = AuditEntry
        fields = (
            "timestamp",
            "actor_name",
            "actor_org",
            "action",
            "event",
            "object_type",
            "object_id",
            "object_repr",
            "ip_address",
            "request_id",
        )
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = _("No audit entries match.")


def _scope_names(path: str) -> str:
    """``370000/370100/`` → 山东省 / 济南市 (the regions an entry is filed under)."""
    from zhijiao.orgs.models import Region

    codes = [c for c in (path or "").split("/") if c]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    return " / ".join(names.get(c, c) for c in codes)


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
        "event",
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
        shown = {
            "actor_name": display.actor_name(obj.actor_name),
            "object_type": display.model_name(obj.object_type),
            "message": display.message(obj.message),
            "scope_path": _scope_names(obj.scope_path),
            "event": events.label(obj.event),
        }
        labels = {capfirst(AuditEntry._meta.get_field(n).verbose_name): n for n in shown}
        context["fields"] = [
            (label, shown[labels[label]] if label in labels else value) for label, value in context["fields"]
        ]
        context["changes"] = describe_entries([obj])[0]["changes"]
        context["related"] = (
            audit_list(user=self.request.user)
            .filter(object_type=obj.object_type, object_id=obj.object_id)
            .exclude(pk=obj.pk)[:20]
            if obj.object_id
            else []
        )
        return context


__all__ = ["AuditDetailView", "AuditListView", "audit_list", "change_history"]


def audit_counts(*, user, days: int = 7) -> dict:
    """The audit figures of the home page: entries of the last ``days`` days by kind (one query)."""
    import datetime

    from django.db.models import Count
    from django.utils import timezone

    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    start = timezone.make_aware(datetime.datetime.combine(since, datetime.time.min))
    rows = (
        audit_list(user=user).filter(timestamp__gte=start).order_by().values("action").annotate(n=Count("id"))
    )
    by_action = {r["action"]: r["n"] for r in rows}
    return {
        "since": since,
        "entries": sum(by_action.values()),
        **{a: by_action.get(a, 0) for a in ("login_failed", "export", "view_sensitive")},
    }
