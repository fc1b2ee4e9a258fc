"""Thin declarative page views every app copies: list, detail, edit (create + update) and delete.

A view names a *selector* (``selector(user=...) -> scoped queryset``), and for writes the app's
*services*; the view itself never filters by organisation and never saves a model. Anything the
user may not see is a 404, whatever the reason (missing, out of scope, malformed id).

    class InstitutionListView(ObjectListView):
        selector = selectors.institution_list
        filterset_class = InstitutionFilterSet
        table_class = InstitutionTable
        exporter = "zhijiao.orgs.importers.InstitutionImporter"
        import_kind = "institutions"
        add_url_name = "orgs:institution_add"
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.views import View
from django_tables2 import DateColumn, DateTimeColumn, RequestConfig
from django_tables2.rows import BoundRows

from zhijiao.core import display, listing
from zhijiao.core.audit import audit_record
from zhijiao.core.models import AuditAction, AuditEntry
from zhijiao.core.scoping import user_scope
from zhijiao.core.services import OutOfScope

logger = logging.getLogger(__name__)

PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 25
# Query-string keys that are not filters (kept out of export links and hidden form fields).
_NON_FILTER_KEYS = {"page", "per_page", "export", "sort", "cursor", "count"}


def _call_selector(view, user, **kwargs) -> QuerySet:
    # Reading through the class keeps a plain function from being bound as a method.
    selector = type(view).selector
    if selector is None:
        raise NotImplementedError(f"{type(view).__name__} needs a selector")
    return selector(user=user, **kwargs)


def may_create(user, model: type[Model], nodes: frozenset[str] | None = None) -> bool:
    """Whether a user holds a ``change`` grant at a kind of node that may own new rows of ``model``."""
    scope = user_scope(user)
    if scope.is_superuser:
        return True
    nodes = nodes if nodes is not None else getattr(model, "scope_change_nodes", frozenset())
    return any(g.node_kind in nodes for g in scope.grants_for("change"))


def actor_scope_path(user) -> str:
    """The region path an audit entry about the user's own activity (exports) is filed under."""
    for grant in user_scope(user).grants:
        if grant.region_path:
            return grant.region_path
    from zhijiao.accounts.models import RoleAssignment

    # A school's or an enterprise's region, through the grant's own foreign keys (the kernel does
    # not import the enterprises app).
    rows = RoleAssignment.objects.filter(user=user).values_list(
        "institution_id", "institution__region__path", "enterprise_id", "enterprise__region__path"
    )
    paths = {("i", i): ip for i, ip, _e, _ep in rows if i} | {("e", e): ep for _i, _ip, e, ep in rows if e}
    for grant in user_scope(user).grants:
        if grant.institution_id and paths.get(("i", grant.institution_id)):
            return paths[("i", grant.institution_id)]
        if grant.enterprise_id and paths.get(("e", grant.enterprise_id)):
            return paths[("e", grant.enterprise_id)]
    return ""


def safe_reverse(name: str | None, *args) -> str | None:
    if not name:
        return None
    try:
        return reverse(name, args=args or None)
    except NoReverseMatch:
        return None


def filter_querystring(request, **extra) -> str:
    """The current filters (no paging/export keys) plus ``extra``, url-encoded."""
    pairs = [(k, v) for k, values in request.GET.lists() if k not in _NON_FILTER_KEYS for v in values]
    if request.GET.get("sort"):
        pairs.append(("sort", request.GET["sort"]))
    pairs += [(k, v) for k, v in extra.items() if v is not None]
    return urlencode(pairs)


class ObjectListView(LoginRequiredMixin, View):
    """Search + filter form, sortable paginated table, XLSX export of the filtered rows, HTMX partial."""

    selector = None
    filterset_class = None
    table_class = None
    template_name = "generic/object_list.html"
    partial_template_name = "includes/object_table.html"
    title: str = ""
    # The import helper's class (dotted path, imported lazily) with ``export_response(queryset, filename)``.
    exporter: str | type | None = None
    export_filename: str = ""
    import_kind: str | None = None
    add_url_name: str | None = None
    # Kinds of node whose users may create rows here (None: the model's scope_change_nodes).
    create_nodes: frozenset[str] | None = None
    # Extra joins the table's columns need (the selector's own select_related stays).
    list_select_related: tuple[str, ...] = ()

    def get_queryset(self) -> QuerySet:
        queryset = _call_selector(self, self.request.user)
        if self.list_select_related:
            queryset = queryset.select_related(*self.list_select_related)
        return queryset

    @property
    def model(self) -> type[Model]:
        return self.get_queryset().model

    def get_filterset(self, queryset):
        if self.filterset_class is None:
            return None
        return self.filterset_class(self.request.GET or None, queryset=queryset, request=self.request)

    def get_page_size(self) -> int:
        try:
            size = int(self.request.GET.get("per_page", DEFAULT_PAGE_SIZE))
        except ValueError:
            return DEFAULT_PAGE_SIZE
        return size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE

    def get_table(self, queryset):
        """The table over the filtered rows, ordered as the request asks (paged by ``get_window``)."""
        # Not ``table_class(queryset, request=…)``: django-tables2 then paginates with a COUNT(*).
        table = self.table_class(queryset)
        RequestConfig(self.request, paginate=False).configure(table)
        _keep_dates_whole(table)
        return table

    def get_title(self, model) -> str:
        return self.title or str(model._meta.verbose_name_plural)

    def get_tally(self, filterset) -> int | None:
        """An exact count from maintained counters when the list is not narrowed (None: count rows).

        Lists over the big tables return ``core.counters`` figures for the user's scope here.
        """
        return None

    def filters_active(self, filterset) -> bool:
        """Whether the request narrows the list (then maintained counters do not apply)."""
        if filterset is None or not filterset.is_bound:
            return False
        if not filterset.form.is_valid():
            return True
        return any(value not in (None, "", [], ()) for value in filterset.form.cleaned_data.values())

    def get_count(self, queryset, filterset) -> listing.ListCount:
        if self.request.GET.get("count") == "exact":
            exact = listing.exact_count(queryset)
            if exact is not None:
                return listing.ListCount(exact, True, counted=True)
            messages.info(
                self.request, _("Counting every row took too long; the number shown is an estimate.")
            )
        tally = None if self.filters_active(filterset) else self.get_tally(filterset)
        return listing.count_rows(queryset, tally=tally, for_page=True)

    def get_window(self, table, filterset) -> listing.ListWindow:
        """The page the request asks for: by number up to ``LIST_MAX_OFFSET`` rows, else by cursor."""
        ordered = table.data.data
        keys = listing.ordering_keys(ordered)
        count = self.get_count(ordered, filterset)
        size = self.get_page_size()
        try:
            page = int(self.request.GET.get("page") or 1)
        except ValueError:
            page = 1
        cursor = self.request.GET.get("cursor") or None
        try:
            window = listing.paginate(
                ordered, per_page=size, count=count, page=page, cursor=cursor, keys=keys
            )
        except listing.InvalidCursor:
            messages.info(
                self.request, _("That page link no longer matches the list; showing the first page.")
            )
            window = listing.paginate(ordered, per_page=size, count=count, keys=keys)
        except listing.PageTooDeep:
            messages.info(
                self.request,
                _("Pages this deep have no numbers: use Next to go on from the last numbered page."),
            )
            window = listing.paginate(
                ordered, per_page=size, count=count, page=listing.max_page(size), keys=keys
            )
        self.attach_window(table, window)
        return window

    def page_link(self, **extra) -> str:
        pairs = [
            (k, v) for k, values in self.request.GET.lists() if k not in _NON_FILTER_KEYS for v in values
        ]
        for key in ("sort", "per_page"):  # an exact count is asked for once, not on every page
            if self.request.GET.get(key):
                pairs.append((key, self.request.GET[key]))
        pairs += [(k, v) for k, v in extra.items() if v is not None]
        return "?" + urlencode(pairs)

    def attach_window(self, table, window: listing.ListWindow) -> None:
        """Give the table its page: the rows, and the links the pagination bar shows."""
        table.page = _TablePage(window, BoundRows(window.rows, table=table))
        table.paginator = _TablePaginator(window)
        table.window = window
        window.first_url = (
            self.page_link(page=1) if (window.number or 1) > 1 or window.number is None else None
        )
        window.next_url = (
            self.page_link(page=window.next_page)
            if window.next_page
            else (self.page_link(cursor=window.next_cursor) if window.next_cursor else None)
        )
        window.previous_url = (
            self.page_link(page=window.previous_page)
            if window.previous_page
            else (self.page_link(cursor=window.previous_cursor) if window.previous_cursor else None)
        )
        window.page_links = (
            [(n, self.page_link(page=n) if n else None) for n in page_numbers(window)]
            if window.number is not None
            else []
        )
        window.exact_count_url = None if window.count.exact else self.page_link(count="exact")

    def get(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        model = queryset.model
        filterset = self.get_filterset(queryset)
        filtered = filterset.qs if filterset is not None else queryset
        table = self.get_table(filtered)
        if request.GET.get("export") in EXPORT_FORMATS:
            return self.export(table.data.data, model, fmt=request.GET["export"], filterset=filterset)
        self.get_window(table, filterset)
        context = self.get_context_data(model=model, filterset=filterset, table=table)
        if request.htmx and not request.htmx.history_restore_request:
            return render(request, self.partial_template_name, context)
        return render(request, self.template_name, context)

    def get_context_data(self, *, model, filterset, table) -> dict[str, Any]:
        user = self.request.user
        import_url = None
        if self.import_kind:
            from zhijiao.core.importing import get_importer

            importer = get_importer(self.import_kind)
            # The same test as the import page itself: the button shows only where the page opens.
            if importer is not None and importer.available_to(user):
                import_url = safe_reverse("imports:upload", self.import_kind)
        add_url = None
        if self.add_url_name and may_create(user, model, self.create_nodes):
            add_url = safe_reverse(self.add_url_name)
        return {
            "title": self.get_title(model),
            "model_meta": model._meta,
            "filterset": filterset,
            "table": table,
            "page_sizes": PAGE_SIZES,
            "page_size": self.get_page_size(),
            "filter_params": [
                (k, v) for k, vs in self.request.GET.lists() if k not in _NON_FILTER_KEYS for v in vs
            ],
            "export_url": "?" + filter_querystring(self.request, export="xlsx"),
            "csv_export_url": "?" + filter_querystring(self.request, export="csv"),
            "import_url": import_url,
            "add_url": add_url,
            "extra_actions": self.get_extra_actions(),
            "list_url": self.request.path,
        }

    def get_extra_actions(self) -> list[tuple[str, str]]:
        """More buttons beside Import and Add: (label, url) pairs the user may follow."""
        return []

    # --- export ---------------------------------------------------------------------------------
    def get_export_filename(self, model) -> str:
        return self.export_filename or str(model._meta.verbose_name_plural)

    def get_exporter(self):
        if self.exporter is None:
            return None
        if isinstance(self.exporter, str):
            try:
                return import_string(self.exporter)
            except ImportError:
                return None
        return self.exporter

    def _exporter_method(self, name: str):
        exporter = self.get_exporter()
        method = getattr(exporter, name, None) if exporter is not None else None
        if method is None:
            return None
        if inspect.isclass(exporter) and not inspect.ismethod(method):
            # A plain instance method: the exporter class is instantiated without arguments.
            try:
                method = getattr(exporter(), name)
            except TypeError:
                return None
        return method

    def export_headers(self) -> list[str]:
        """The export's header row: the app's column map (so the file re-imports), else the table's."""
        headers = self._exporter_method("export_headers")
        if headers is not None and self._exporter_method("export_rows") is not None:
            return list(headers())
        empty = self.get_queryset().none()
        return [str(c.header) for c in self._export_columns(self.get_table(empty))]

    def export_rows(self, queryset: QuerySet):
        """Rows of ``queryset`` (one chunk of the list, in the list's order) as the export writes them."""
        rows = self._exporter_method("export_rows")
        if rows is not None:
            return rows(queryset)
        return self.export_table_rows(queryset)

    def _export_columns(self, table):
        return [c for c in table.columns if c.name not in getattr(table, "export_exclude", ())]

    def export_table_rows(self, queryset):
        """The fallback export: the table's own columns, as displayed (masked where the table masks).

        Each column's way to a cell is worked out once per chunk (django-tables2's own
        ``get_cell_value`` inspects the render method's signature for every cell: 5 ms a row)."""
        table = self.get_table(queryset.none())
        cells = [_cell_function(table, column) for column in self._export_columns(table)]
        for record in queryset:
            yield [_plain_cell(cell(record)) for cell in cells]

    def export(self, queryset: QuerySet, model, *, fmt: str = "xlsx", filterset=None):
        """A small export answers at once; a larger one becomes a background job with progress
        (``core.exports``), which writes the file in the list's order and scope for its owner."""
        from zhijiao.core import exports

        small = settings.EXPORT_SYNC_MAX_ROWS
        count = listing.bounded_count(queryset, small)
        filename = self.get_export_filename(model)
        if count > small:
            job = exports.export_start(view=self, fmt=fmt, filename=filename, model=model)
            return HttpResponseRedirect(reverse("core:export_detail", args=[job.pk]))
        keys = listing.ordering_keys(queryset)
        ordered = listing.apply_ordering(queryset, keys) if keys else queryset
        response = exports.file_response(
            fmt=fmt,
            filename=filename,
            headers=self.export_headers(),
            rows=self.export_rows(ordered),
            fallback=model._meta.model_name,
        )
        audit_record(
            actor=self.request.user,
            action=AuditAction.EXPORT,
            object_type=model._meta.label_lower,
            object_repr=_("%(n)s rows of %(what)s") % {"n": count, "what": model._meta.verbose_name_plural},
            scope_path=actor_scope_path(self.request.user),
            message=filter_querystring(self.request)[:500],
        )
        return response


class _TablePage:
    """What django-tables2's templates read from ``table.page``: the rows of the window."""

    def __init__(self, window: listing.ListWindow, rows: BoundRows):
        self.window = window
        self.object_list = rows
        self.number = window.number
        self.has_next = window.has_next
        self.has_previous = window.has_previous

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


class _TablePaginator:
    """``table.paginator`` as Django's Paginator answers it (the count may be an estimate: ``table.window``)."""

    def __init__(self, window: listing.ListWindow):
        self.window = window
        self.count = window.count.value
        self.per_page = window.per_page
        self.num_pages = window.num_pages


def page_numbers(window: listing.ListWindow) -> list[int | None]:
    """1 … n-2 n-1 [n] n+1 n+2 … last numbered page (None for a gap)."""
    current, last = window.number or 1, max(window.numbered_pages, window.number or 1)
    wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
    numbers: list[int | None] = []
    for n in sorted(wanted):
        if numbers and n - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(n)
    return numbers


EXPORT_FORMATS = ("xlsx", "csv")


def _cell_function(table, bound):
    """``record -> value`` of one column: its ``value_``/``render_`` method if the table has one
    (called with the arguments it names), else the field's value (choices by label, rows by name)."""
    from django_tables2.utils import Accessor

    name = bound.name
    accessor = Accessor(bound.accessor)
    model = getattr(table._meta, "model", None)
    field = accessor.get_field(model) if model is not None else None
    method = getattr(table, f"value_{name}", None) or getattr(table, f"render_{name}", None)
    if method is not None:
        accepted = set(inspect.signature(method).parameters)

        def call(record):
            value = accessor.resolve(record, quiet=True)
            args = {
                "value": value,
                "record": record,
                "column": bound.column,
                "bound_column": bound,
                "table": table,
            }
            return method(**{k: v for k, v in args.items() if k in accepted})

        return call
    choices = dict(field.flatchoices) if field is not None and getattr(field, "choices", None) else None

    def plain(record):
        value = accessor.resolve(record, quiet=True)
        if choices is not None:
            return choices.get(value, value)
        return value  # booleans, dates and times are shown by the display layer (_plain_cell)

    return plain


def _keep_dates_whole(table) -> None:
    """Date and time cells on one line (2026-12-05 14:03) when the other cells wrap to fit the page."""
    for bound in table.columns:
        if isinstance(bound.column, (DateColumn, DateTimeColumn)):
            td = bound.column.attrs.setdefault("td", {})
            td["class"] = f"{td.get('class', '')} text-nowrap".strip()


def _plain_cell(value):
    """A table cell as the export shows it: numbers as numbers, everything else as the page's text."""
    from django.utils.html import strip_tags

    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    value = display.shown(value)
    text = str(value)
    text = (strip_tags(text) if "<" in text else text).strip()
    return "" if text == "—" else text


class ScopedObjectMixin(LoginRequiredMixin):
    """Fetch ``pk`` through the selector: anything unreachable is a 404."""

    selector = None
    pk_url_kwarg = "pk"

    def get_object(self, action: str = "view"):
        kwargs = {} if action == "view" else {"action": action}
        try:
            return _call_selector(self, self.request.user, **kwargs).get(pk=self.kwargs[self.pk_url_kwarg])
        except (ObjectDoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404

    def get_changeable_object(self):
        """The object for writing; viewable-but-not-changeable is a 403, unreachable a 404."""
        try:
            return self.get_object(action="change")
        except Http404:
            self.get_object()  # raises 404 when not even viewable
            raise PermissionDenied(_("You may view this record but not change it."))


def _display_value(field, value, related: dict):
    return display.field_value(field, value, related)


def _flatten_nested(model: type[Model], values: dict) -> dict:
    """Spread a nested snapshot (a roster import stores the enrolment inside the student's entry as
    ``{"enrolment": {...}}``) into one row per field, keyed ``(field, "Enrolment · Field")``."""
    if not any(isinstance(v, dict) for v in values.values()):
        return values
    related = {rel.related_model._meta.model_name: rel.related_model for rel in model._meta.related_objects}
    flat: dict = {}
    for key, value in values.items():
        sub_model = related.get(key)
        if not isinstance(value, dict) or sub_model is None:
            flat[key] = value
            continue
        sub_fields = {f.name: f for f in sub_model._meta.concrete_fields}
        for sub, sub_value in value.items():
            sub_field = sub_fields.get(sub)
            if sub_field is None or sub_field.primary_key or sub_field.related_model is model:
                continue
            label = f"{capfirst(sub_model._meta.verbose_name)} · {capfirst(sub_field.verbose_name)}"
            flat[(sub_field, label)] = sub_value
    return flat


def describe_changes(model: type[Model] | None, entries: list[AuditEntry]) -> list[dict]:
    """Each audit entry with its field-by-field diff, every value through the display layer.

    Field names by verbose name, choices by label, booleans 是/否, times in Beijing time, foreign
    keys by the name of what they point to (one query per related model for all the entries).
    ``model`` None (a type no longer installed): the stored keys and values, displayed as plain values.
    """
    fields = {f.name: f for f in model._meta.concrete_fields} if model is not None else {}
    pk_name = model._meta.pk.name if model is not None else "id"
    flat = [
        (
            _flatten_nested(model, entry.before or {}) if model else dict(entry.before or {}),
            _flatten_nested(model, entry.after or {}) if model else dict(entry.after or {}),
        )
        for entry in entries
    ]
    wanted: dict[type[Model], set] = {}
    for pair in flat:
        for values in pair:
            for key, value in values.items():
                field = key[0] if isinstance(key, tuple) else fields.get(key)
                if (
                    field is not None
                    and field.is_relation
                    and (field.many_to_one or field.one_to_one)
                    and value not in (None, "")
                ):
                    wanted.setdefault(field.related_model, set()).add(value)
    related = {m: m._default_manager.in_bulk(list(ids)) for m, ids in wanted.items()}
    history = []
    for entry, (before, after) in zip(entries, flat, strict=True):
        keys = [k for k in dict.fromkeys([*after.keys(), *before.keys()]) if k != pk_name]
        changes = []
        for key in keys:
            if entry.action == AuditAction.UPDATE and before.get(key) == after.get(key):
                continue
            if isinstance(key, tuple):  # a field of a nested related record (see _flatten_nested)
                field, label = key
            else:
                field = fields.get(key)
                label = capfirst(field.verbose_name) if field is not None else key
            changes.append(
                {
                    "field": label,
                    "before": _display_value(field, before.get(key), related),
                    "after": _display_value(field, after.get(key), related),
                }
            )
        history.append({"entry": entry, "changes": changes})
    return history


def describe_entries(entries) -> list[dict]:
    """``describe_changes`` for entries about any kinds of object, in the order given."""
    from django.apps import apps

    entries = list(entries)
    by_type: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        by_type.setdefault(entry.object_type, []).append(entry)
    described = {}
    for label, group in by_type.items():
        try:
            model = apps.get_model(label)
        except (LookupError, ValueError):
            model = None
        for item in describe_changes(model, group):
            described[item["entry"].pk] = item
    return [described[entry.pk] for entry in entries]


def change_history(instance: Model, limit: int = 50) -> list[dict]:
    """Audit entries of one object with a field-by-field diff, newest first (``describe_changes``)."""
    entries = list(
        AuditEntry.objects.filter(
            object_type=instance._meta.label_lower, object_id=str(instance.pk)
        ).order_by("-timestamp", "-id")[:limit]
    )
    return describe_changes(type(instance), entries)


def object_fields(instance: Model, names: list[str], masked: dict | None = None) -> list[tuple[str, Any]]:
    """(label, display value) pairs for a detail page through the display layer, ``masked`` applied
    and every sensitive field (``core.sensitive``) masked.

    Choices by label, booleans 是/否, dates and times in Beijing time; a foreign key stays the
    object (the page links to it).
    """
    from zhijiao.core import sensitive

    masked = {
        **{
            name: functools.partial(sensitive.mask, kind)
            for name, kind in sensitive.fields_of(instance).items()
        },
        **(masked or {}),
    }
    rows = []
    for name in names:
        field = instance._meta.get_field(name)
        value = getattr(instance, name)
        if name in masked and value:
            value = masked[name](str(value))
        else:
            value = display.field_value(field, value)
        rows.append((capfirst(field.verbose_name), value))
    return rows


class ObjectDetailView(ScopedObjectMixin, View):
    template_name = "generic/object_detail.html"
    fields: list[str] = []
    masked_fields: dict[str, Any] = {}  # field name -> masking function (PIPL: minimal disclosure)
    show_history = True
    edit_url_name: str | None = None
    delete_url_name: str | None = None
    list_url_name: str | None = None

    def get(self, request, *args, **kwargs):
        obj = self.get_object()
        return render(request, self.template_name, self.get_context_data(obj))

    def can_change(self, obj) -> bool:
        return _call_selector(self, self.request.user, action="change").filter(pk=obj.pk).exists()

    def get_context_data(self, obj) -> dict[str, Any]:
        changeable = bool(self.edit_url_name or self.delete_url_name) and self.can_change(obj)
        return {
            "object": obj,
            "title": str(obj),
            "model_meta": obj._meta,
            "fields": object_fields(obj, self.fields, self.masked_fields),
            "history": change_history(obj) if self.show_history else [],
            "edit_url": safe_reverse(self.edit_url_name, obj.pk) if changeable else None,
            "delete_url": safe_reverse(self.delete_url_name, obj.pk) if changeable else None,
            "list_url": safe_reverse(self.list_url_name),
            "contributed_panels": contributed_detail_panels(self.request, obj),
        }


def contributed_detail_panels(request, obj) -> list[dict]:
    """Sections other apps add to a model's detail page (``AppConfig.detail_panels``), e.g. the
    offered majors on an institution's page: ``{"orgs.institution": "zhijiao.majors.panels.x"}``
    names a function ``(request, obj) -> (template, context)`` or ``None`` to show nothing."""
    from zhijiao.core.contributions import contributions

    label = obj._meta.label_lower
    out = []
    for _config, panels in contributions("detail_panels"):
        if label in panels:
            found = import_string(panels[label])(request, obj)
            if found is not None:
                template, data = found
                out.append({"template": template, "data": data})
    return out


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: per field where the form has it, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            target = field if field in form.fields else None
            if field == NON_FIELD_ERRORS:
                target = None
            for message in errors:
                form.add_error(target, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


class ObjectEditView(ScopedObjectMixin, View):
    """Create (no pk in the URL) or update. The ModelForm validates; the service writes."""

    form_class = None
    template_name = "generic/object_edit.html"
    create_service = None  # callable(*, actor, data) -> instance
    update_service = None  # callable(*, actor, <service_kwarg>=instance, data) -> instance
    service_kwarg: str = ""
    list_url_name: str | None = None
    create_nodes: frozenset[str] | None = None

    def is_create(self) -> bool:
        return self.pk_url_kwarg not in self.kwargs

    def get_form(self, instance=None, data=None):
        return self.form_class(data=data, instance=instance, user=self.request.user)

    def _model(self):
        return self.form_class._meta.model

    def _check_create_allowed(self):
        if not may_create(self.request.user, self._model(), self.create_nodes):
            raise PermissionDenied(_("You may not add records here."))

    def _render(self, form, obj=None, status=200):
        model = self._model()
        if obj is None:
            title = _("Add %(what)s") % {"what": model._meta.verbose_name}
        else:
            title = _("Change %(what)s") % {"what": obj}
        context = {
            "form": form,
            "object": obj,
            "title": title,
            "model_meta": model._meta,
            "cancel_url": obj.get_absolute_url() if obj is not None else safe_reverse(self.list_url_name),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, *args, **kwargs):
        if self.is_create():
            self._check_create_allowed()
            return self._render(self.get_form())
        obj = self.get_changeable_object()
        return self._render(self.get_form(instance=copy.deepcopy(obj)), obj)

    def post(self, request, *args, **kwargs):
        obj = None
        if self.is_create():
            self._check_create_allowed()
            form = self.get_form(data=request.POST)
        else:
            obj = self.get_changeable_object()
            # The form validates a copy: the service must see the stored values as "before".
            form = self.get_form(instance=copy.deepcopy(obj), data=request.POST)
        if not form.is_valid():
            return self._render(form, obj, status=200)
        data = {name: form.cleaned_data[name] for name in form.fields if name in form.cleaned_data}
        try:
            if obj is None:
                saved = type(self).create_service(actor=request.user, data=data)
                messages.success(request, _("%(what)s was added.") % {"what": saved})
            else:
                saved = type(self).update_service(actor=request.user, data=data, **{self.service_kwarg: obj})
                messages.success(request, _("%(what)s was saved.") % {"what": saved})
        except OutOfScope:
            if obj is None:
                form.add_error(None, _("You may only add records inside your own organisation."))
                return self._render(form, obj)
            raise Http404
        except ValidationError as exc:
            add_service_errors(form, exc)
            return self._render(form, obj)
        return HttpResponseRedirect(saved.get_absolute_url())


class ObjectDeleteView(ScopedObjectMixin, View):
    template_name = "generic/object_delete.html"
    delete_service = None  # callable(*, actor, <service_kwarg>=instance)
    service_kwarg: str = ""
    list_url_name: str | None = None

    def _render(self, obj, error=None):
        return render(
            self.request,
            self.template_name,
            {
                "object": obj,
                "title": _("Delete %(what)s") % {"what": obj},
                "model_meta": obj._meta,
                "error": error,
                "cancel_url": obj.get_absolute_url(),
            },
        )

    def get(self, request, *args, **kwargs):
        return self._render(self.get_changeable_object())

    def post(self, request, *args, **kwargs):
        obj = self.get_changeable_object()
        label = str(obj)
        try:
            type(self).delete_service(actor=request.user, **{self.service_kwarg: obj})
        except OutOfScope:
            raise Http404
        except ValidationError as exc:
            return self._render(obj, error=" ".join(exc.messages))
        messages.success(request, _("%(what)s was deleted.") % {"what": label})
        return HttpResponseRedirect(safe_reverse(self.list_url_name) or reverse("core:home"))


class ScopedModelForm:
    """Mixin for the ModelForms of the edit pages: takes ``user``, scopes FK choices, normalises text.

    ``scoped_fields`` maps a field name to ``callable(user) -> queryset`` of allowed choices; the
    current value of an edited row stays selectable so a user may keep what is already there.
    ``text_fields`` / ``code_fields`` are normalised as the services do, before model validation.
    Sensitive fields (``core.sensitive``) of an edited row are shown masked; sending the masked
    value back unchanged keeps the stored one (``restore_masked``).
    """

    scoped_fields: dict[str, Any] = {}
    text_fields: tuple[str, ...] = ()
    code_fields: tuple[str, ...] = ()

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for name, choices in self.scoped_choices().items():
            if name not in self.fields:
                continue
            queryset = choices(user)
            current = getattr(self.instance, f"{name}_id", None) if self.instance.pk else None
            if current is not None:
                model = queryset.model
                queryset = model._default_manager.filter(
                    pk__in=queryset.values("pk")
                ) | model._default_manager.filter(pk=current)
            self.fields[name].queryset = queryset
        if self.instance.pk:
            mask_initial(self, self.instance)
        for field in self.fields.values():
            css = "form-select" if getattr(field.widget, "input_type", "") == "select" else "form-control"
            if field.widget.__class__.__name__ in ("CheckboxInput",):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)

    def scoped_choices(self) -> dict[str, Any]:
        """``scoped_fields``, plus the source of every search-as-you-type field (one set of rows
        for what the search suggests and what the form accepts)."""
        from zhijiao.core.autocomplete import SOURCES, autocomplete_widgets
        from zhijiao.core.views.autocomplete import load_sources

        choices = dict(self.scoped_fields)
        widgets = autocomplete_widgets(self)
        if widgets:
            load_sources()
        for name, source in widgets:
            choices.setdefault(name, SOURCES[source].rows)
        return choices

    def clean(self):
        from zhijiao.core.validators import normalize_code, normalize_text

        cleaned = super().clean()
        for name in self.text_fields:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalize_text(cleaned[name])
        for name in self.code_fields:
            if isinstance(cleaned.get(name), str):
                cleaned[name] = normalize_code(cleaned[name])
        if self.instance.pk:
            restore_masked(cleaned, self.instance)
        return cleaned


def mask_initial(form, instance: Model, names=None) -> None:
    """Show the sensitive fields of ``instance`` masked in ``form`` (an edit page's initial values)."""
    from zhijiao.core import sensitive

    for name, kind in sensitive.fields_of(instance).items():
        if name in form.fields and (names is None or name in names):
            form.initial[name] = sensitive.mask(kind, getattr(instance, name))


def restore_masked(cleaned: dict, instance: Model) -> dict:
    """A sensitive field sent back as it was shown (masked) means "unchanged": the stored value."""
    from zhijiao.core import sensitive

    for name, kind in sensitive.fields_of(instance).items():
        value = cleaned.get(name)
        stored = getattr(instance, name, "") or ""
        if isinstance(value, str) and sensitive.is_masked_form(kind, value, stored):
            cleaned[name] = stored
    return cleaned
