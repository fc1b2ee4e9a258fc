from django import template

from zhijiao.core import display

register = template.Library()


@register.filter
def shown(value):
    """Any value through the display layer: 是/否, Beijing times, lists joined (core.display)."""
    return display.shown(value)


@register.filter
def when(value):
    """A date-time (or its ISO text) in Beijing time: 2026-12-05 14:03."""
    return display.when(value)


@register.filter
def day(value):
    return display.day(value)


@register.filter
def model_name(label):
    """``accounts.user`` → 用户."""
    return display.model_name(label)


@register.filter
def role_name(code):
    return display.role_name(code)


@register.filter
def actor(name):
    """An audit entry's actor: ``system`` → 系统."""
    return display.actor_name(name)


@register.filter
def audit_message(text):
    return display.message(text)


@register.filter
def blank_dash(value):
    """Empty values as an em dash (detail pages, diffs)."""
    if value is None or value == "":
        return "—"
    return value


@register.filter
def is_model(value) -> bool:
    return hasattr(value, "_meta") and hasattr(value, "get_absolute_url")


@register.filter
def bs_widget(bound_field, size: str = ""):
    """Render a form field's widget with the Bootstrap class for its kind (and ``sm`` size)."""
    widget = bound_field.field.widget
    kind = getattr(widget, "input_type", "")
    if kind == "checkbox":
        css = "form-check-input"
    elif kind == "select" or widget.__class__.__name__.endswith("Select"):
        css = "form-select" + (" form-select-sm" if size == "sm" else "")
    else:
        css = "form-control" + (" form-control-sm" if size == "sm" else "")
    attrs = {"class": css}
    if bound_field.errors:
        attrs["class"] += " is-invalid"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def mask(value, kind: str):
    """``{{ value|mask:"phone" }}``: a sensitive value as shown to people (``core.sensitive``)."""
    from zhijiao.core.sensitive import mask as mask_value

    return mask_value(kind, value)


@register.simple_tag(takes_context=True)
def table_body(context, table):
    """A table's rows in one pass of Python (core.tablebody): the same cells as django-tables2's loop."""
    from zhijiao.core.tablebody import render_body

    return render_body(table, context)
