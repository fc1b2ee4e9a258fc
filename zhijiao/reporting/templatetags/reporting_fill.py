"""What the web form shows for the reference and file elements (their stored values are codes and
file names)."""

from django import template

from ..validation import reference_labels

register = template.Library()


@register.simple_tag
def reference_label(element, value):
    """“name（code）” of a stored reference, or the value itself when it is not found any more."""
    if not value:
        return ""
    return reference_labels([(element.value_type, value)]).get((element.value_type, value), value)


@register.simple_tag
def element_file(submission, element):
    """The attachment of a file element, or None."""
    return submission.files.filter(element=element, cell="").first()
