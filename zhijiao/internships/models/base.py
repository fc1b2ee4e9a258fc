"""Shared pieces of the internship models: grades and the attachment size check."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

GRADE_CHOICES = [
    ("excellent", _("Excellent")),
    ("good", _("Good")),
    ("pass", _("Pass")),
    ("fail", _("Fail")),
]


def validate_attachment_size(file) -> None:
    limit_mb = getattr(settings, "INTERNSHIP_MAX_ATTACHMENT_MB", 10)
    if file and getattr(file, "size", 0) > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit_mb}, code="too_large"
        )
