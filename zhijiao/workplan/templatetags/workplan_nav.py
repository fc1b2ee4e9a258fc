from django import template

from zhijiao.workplan import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def sees_a_plan(context) -> bool:
    """Whether the board and the timeline have a plan to show this user (cities and schools have
    none of their own: their work is in the worklist). Looked up once per request."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    if not hasattr(request, "_workplan_sees_plan"):
        request._workplan_sees_plan = selectors.plan_list(user=request.user).exists()
    return request._workplan_sees_plan
