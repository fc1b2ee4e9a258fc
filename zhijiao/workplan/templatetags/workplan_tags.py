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
