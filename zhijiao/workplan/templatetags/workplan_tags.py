from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import Health

register = template.Library()

_CLASSES = {
    Health.OVERDUE: "danger",
    Health.AT_RISK: "warning",
    Health.ON_TRACK: "success",
    Health.DONE: "secondary",
    Health.NO_DATE: "light",
}


@register.filter
def health_class(value) -> str:
    return _CLASSES.get(value, "light")


@register.filter
def health_label(value) -> str:
    try:
        return str(Health(value).label)
    except ValueError:
        return ""


@register.filter
def days_text(countdown) -> str:
    """ "12 days left" / "due today" / "3 days overdue" for a rules.Countdown."""
    if countdown is None or countdown.days_left is None:
        return "—"
    d = countdown.days_left
    if d == 0:
        return _("due today")
    if d > 0:
        return _("%(n)s days left") % {"n": d}
    return _("%(n)s days overdue") % {"n": -d}


@register.simple_tag(takes_context=True)
def sees_a_plan(context) -> bool:
    """Whether the board and the timeline have a plan to show this user (cities and schools have
    none of their own: their work is in the worklist). Looked up once per request."""
    from .. import selectors

    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    if not hasattr(request, "_workplan_sees_plan"):
        request._workplan_sees_plan = selectors.plan_list(user=request.user).exists()
    return request._workplan_sees_plan


@register.simple_tag
def example_mark(task, field_name: str) -> str:
    """A 示例 badge beside a value the demo invented (the issued plan names no people and no dates)."""
    if task is None or not task.is_example(field_name):
        return ""
    return format_html(
        '<span class="badge text-bg-warning ms-1" title="{}">{}</span>',
        _("An example value of the demo: the issued plan names no owner or date."),
        _("Example"),
    )


@register.simple_tag
def target_quantity(target) -> str:
    """ "约100个", "2–3所"; a target that repeats another item's says which (counted once)."""
    text = f"{'~' if target.approximate else ''}{target.quantity_text}{target.unit}"
    if target.same_as_id:
        other = target.same_as.task
        return format_html(
            '{} <div class="small text-body-secondary">{}</div>',
            text,
            _("same as %(task)s, counted once") % {"task": other.label},
        )
    return text
