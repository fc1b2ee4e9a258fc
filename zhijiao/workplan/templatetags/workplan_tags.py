from django import template
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
