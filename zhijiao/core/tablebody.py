"""Table bodies rendered in one pass of Python instead of a template loop per cell.

A province page of 25 rows took two to three times a school's page of two (issue 16: the ratio grew
with the page's length, not with the data); profiled, the plan list's rows cost about 4,800 Python
function calls each, all per cell:

* django-tables2 asks ``inspect.signature`` of every render method, link function and attribute
  callable on every call (``django_tables2.utils.signature``) to decide which arguments to pass.
  A function's signature does not change: ``cached_signature`` answers it once per function
  (weakly keyed, so functions made at run time are not kept alive).
* The template loop (``{% for column, cell in row.items %}<td {{ column.attrs.td.as_html }}>``)
  resolves three lookups per cell and recomputes the column's ``th``/``td``/``tf`` attributes
  every time. ``render_body`` walks the same rows with the same ``BoundRow.items`` (so every column
  renders exactly as before), computes a column's ``td`` attributes once when none of them is a
  callable, and writes each cell through ``render_value_in_context`` — what ``{{ cell }}`` does
  (Beijing time, localisation, escaping).
* Every date and time column is a ``TemplateColumn`` (``{{ value|date:"…" }}``) that compiles its
  template anew for every cell (``Template(self.template_code)``). ``_compile_once`` formats those
  with the date filter directly, and renders any other template column with its template compiled
  once, in the same context.

Now about 2,000 calls a row. ``core/tests/test_tablebody.py`` compares the markup with
django-tables2's own template over every list page.
"""

from __future__ import annotations

import re
import weakref

from django.template import Context, Template
from django.template.base import render_value_in_context
from django.template.defaultfilters import date as date_filter
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import template_localtime

_signatures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def install_cached_signature() -> None:
    """Make django-tables2 read each function's signature once (``core.apps.CoreConfig.ready``)."""
    from django_tables2 import utils

    if getattr(utils.signature, "zhijiao_cached", False):
        return
    original = utils.signature

    def cached_signature(fn):
        # A bound method is a new object on every attribute read; its function is not. The
        # signature of a bound method drops ``self``, so bound and plain calls are kept apart.
        target = getattr(fn, "__func__", fn)
        bound = target is not fn
        try:
            per_target = _signatures.get(target)
        except TypeError:  # not weakly referable (a builtin): ask every time, as before
            return original(fn)
        if per_target is None:
            per_target = {}
            try:
                _signatures[target] = per_target
            except TypeError:
                return original(fn)
        found = per_target.get(bound)
        if found is None:
            found = per_target[bound] = original(fn)
        return found

    cached_signature.zhijiao_cached = True
    utils.signature = cached_signature


def _static_td(table, bound_column) -> str | None:
    """The column's ``<td>`` attributes as HTML when none depends on the row (else None)."""
    attrs = {**table.attrs, **bound_column.column.attrs}
    td = attrs.get("td", attrs.get("cell", {}))
    if any(callable(v) for v in td.values()):
        return None
    return bound_column.attrs["td"].as_html()


_templates: dict[str, Template] = {}
_DATE_CODE = re.compile(r'\{\{ value\|date:"([^"]*)"\|default:default \}\}')


def _compile_once(bound_column) -> None:
    """Render a ``TemplateColumn`` given as code with its template compiled once per process.

    A bound column is its table's own, so the function set here serves this table only; it does
    what ``TemplateColumn.render`` does, bar the compiling. A table's ``render_<name>`` stays.
    """
    from django_tables2 import TemplateColumn

    column = bound_column.column
    code = getattr(column, "template_code", None)
    if not isinstance(column, TemplateColumn) or not code or bound_column.render != column.render:
        return
    date_format = _DATE_CODE.fullmatch(code)
    if date_format is not None:
        # DateColumn and DateTimeColumn: ``{{ value|date:"FORMAT"|default:default }}`` is the date
        # filter on the value in Beijing time, or the column's default — no template needed.
        fmt = date_format.group(1)

        def render_date(value, bound_column, **kwargs):
            return conditional_escape(date_filter(template_localtime(value), fmt) or bound_column.default)

        bound_column.render = render_date
        return
    template = _templates.get(code)
    if template is None:
        template = _templates[code] = Template(code)

    def render(record, table, value, bound_column, **kwargs):
        parent_context = getattr(table, "context", Context())
        context = column.get_context_data(
            record=record, table=table, value=value, bound_column=bound_column, **kwargs
        )
        with parent_context.update(context):
            parent_context["request"] = getattr(table, "request", None)
            return template.render(parent_context)

    bound_column.render = render


def render_body(table, context) -> str:
    """``<tbody>`` … ``</tbody>`` of a django-tables2 table, as its bootstrap5 template writes it."""
    columns = list(table.columns)
    for column in columns:
        _compile_once(column)
    static = {column.name: _static_td(table, column) for column in columns}
    tbody = table.attrs.get("tbody")
    parts = [f"<tbody {_attrs_html(tbody) if tbody else ''}>"]
    any_row = False
    for row in table.paginated_rows:
        any_row = True
        parts.append(f"<tr {row.attrs.as_html()}>")
        for column, cell in row.items():
            td = static[column.name]
            if td is None:
                td = column.attrs["td"].as_html()
            if column.localize is None:
                text = render_value_in_context(cell, context)
            else:
                text = conditional_escape(str(localize(cell, use_l10n=bool(column.localize))))
            parts.append(f"<td {td}>{text}</td>")
        parts.append("</tr>")
    if not any_row and table.empty_text:
        parts.append(format_html('<tr><td colspan="{}">{}</td></tr>', len(columns), table.empty_text))
    parts.append("</tbody>")
    return mark_safe("".join(parts))  # noqa: S308 — every piece above is escaped or built by django-tables2


def _attrs_html(attrs) -> str:
    from django_tables2.utils import AttributeDict

    return AttributeDict(attrs).as_html()
