from django import template

from ..rules import rule_title as _rule_title

register = template.Library()


@register.filter
def rule_title(rule_id) -> str:
    """``{{ alert.rule_id|rule_title }}``: a rule by its title in the reader's language, not its id."""
    return _rule_title(rule_id)
