"""Large choices are searched, not listed: a registry of choice sources, a JSON endpoint, a widget.

A *source* names the rows a user may pick for one kind of field — a selector function
``rows(user, **forwarded) -> QuerySet`` that starts from ``restrict`` — and how to search and
label them. The form field that offers those rows uses the same function for its queryset, so
what the endpoint suggests and what the form accepts on submit are one set::

    register(ChoiceSource(
        name="internships.plan-offerings",
        rows=lambda user, institution=None: selectors.plan_offering_choices(user=user, institution=institution),
        search=("major__name", "major__code"),
        forward=("institution",),          # the form's institution field narrows the offers
    ))

    class PlanForm(ScopedModelForm, forms.ModelForm):
        class Meta:
            widgets = {"offering": AutocompleteSelect("internships.plan-offerings", forward=("institution",))}

``GET /autocomplete/<source>/?q=…&institution=…`` answers ``{"results": [{"id", "text"}], "more"}``
in one query for the rows after the session and the grants; ``static/js/autocomplete.js`` turns the select into a
search box (tom-select, served locally). Without JavaScript the select still submits its current
value; the server validates every submitted id against the scoped queryset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

#: How many suggestions one request returns.
LIMIT = 20
#: The longest search text taken (longer input is cut, never an error).
MAX_QUERY = 50


@dataclass(frozen=True)
class ChoiceSource:
    name: str
    rows: Callable[..., QuerySet]
    search: tuple[str, ...]
    label: Callable[[Model], str] = str
    #: Other fields of the form whose (integer) values narrow the rows, passed to ``rows`` by name.
    forward: tuple[str, ...] = ()
    #: Search fields matched from the start (codes) rather than anywhere (names).
    prefix: tuple[str, ...] = field(default=())


SOURCES: dict[str, ChoiceSource] = {}


def register(source: ChoiceSource) -> ChoiceSource:
    SOURCES[source.name] = source
    return source


def _contains_lookup(model, path: str) -> str:
    """``textsearch`` where the field's table has a terms index (a host's or a post's name,
    ``core.search.TextSearch``): thousands of hosts searched from the index; else ``icontains``."""
    field = None
    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return "icontains"
        model = field.related_model or model
    return "textsearch" if field is not None and field.get_lookup("textsearch") else "icontains"


def search(
    source: ChoiceSource, *, user, query: str = "", forwarded: dict | None = None
) -> tuple[list, bool]:
    """The first ``LIMIT`` rows matching ``query`` (every word must match some search field)."""
    rows = source.rows(user, **(forwarded or {}))
    for word in (query or "")[:MAX_QUERY].split():
        q = Q()
        for name in source.search:
            lookup = "istartswith" if name in source.prefix else _contains_lookup(rows.model, name)
            q |= Q(**{f"{name}__{lookup}": word})
        rows = rows.filter(q)
    found = list(rows[: LIMIT + 1])
    return [{"id": r.pk, "text": source.label(r)} for r in found[:LIMIT]], len(found) > LIMIT


def parse_forwarded(source: ChoiceSource, params) -> dict:
    """The forwarded values that are ids; anything else is dropped (bad input narrows nothing)."""
    out = {}
    for name in source.forward:
        raw = (params.get(name) or "").strip()
        if raw.isdigit() and len(raw) < 12:
            out[name] = int(raw)
    return out


class _AutocompleteMixin:
    """Renders only the selected option(s): the choices come from the endpoint as the user types."""

    def __init__(self, source: str, *, forward: tuple[str, ...] = (), params: dict | None = None, attrs=None):
        super().__init__(attrs=attrs)
        self.source = source
        self.forward = tuple(forward)
        #: Fixed values sent with every search (the plan a placement form belongs to).
        self.params = dict(params or {})

    def build_attrs(self, base_attrs, extra_attrs=None):
        attrs = super().build_attrs(base_attrs, extra_attrs)
        attrs["data-autocomplete-url"] = reverse("core:autocomplete", args=[self.source])
        if self.forward:
            attrs["data-autocomplete-forward"] = ",".join(self.forward)
        if self.params:
            attrs["data-autocomplete-params"] = urlencode(self.params)
        attrs["data-placeholder"] = str(_("Type a name or code to search"))
        attrs["data-no-results"] = str(_("Nothing matches"))
        attrs["data-loading"] = str(_("Searching…"))
        attrs.setdefault("class", "form-select")
        return attrs

    def optgroups(self, name, value, attrs=None):
        chosen = [v for v in value if v not in ("", None)]
        field = getattr(self.choices, "field", None)
        source = SOURCES.get(self.source)
        label = source.label if source is not None else (field.label_from_instance if field else str)
        options = []
        if not self.allow_multiple_selected:
            options.append(self.create_option(name, "", field.empty_label if field else "", not chosen, 0))
        if chosen and field is not None:
            try:
                rows = field.queryset.filter(pk__in=chosen)
            except (ValueError, TypeError):
                rows = field.queryset.none()
            for index, row in enumerate(rows, start=1):
                options.append(self.create_option(name, str(row.pk), label(row), True, index))
        return [(None, options, 0)]


class AutocompleteSelect(_AutocompleteMixin, forms.Select):
    pass


class AutocompleteSelectMultiple(_AutocompleteMixin, forms.SelectMultiple):
    pass


def autocomplete_widgets(form) -> list[tuple[str, str]]:
    """(field name, source name) of a form's search-as-you-type fields."""
    return [
        (name, f.widget.source) for name, f in form.fields.items() if isinstance(f.widget, _AutocompleteMixin)
    ]


__all__ = [
    "AutocompleteSelect",
    "AutocompleteSelectMultiple",
    "ChoiceSource",
    "LIMIT",
    "SOURCES",
    "autocomplete_widgets",
    "parse_forwarded",
    "register",
    "search",
]
