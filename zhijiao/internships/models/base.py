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
    """Size, and for a new upload its content (core.uploads: type by content, PDF pages, pixel
    bombs, damaged files); a stored file is not read again on every save."""
    limit_mb = getattr(settings, "INTERNSHIP_MAX_ATTACHMENT_MB", 10)
    if file and getattr(file, "size", 0) > limit_mb * 1024 * 1024:
        raise ValidationError(
            _("The file is larger than %(limit)s MB.") % {"limit": limit_mb}, code="too_large"
        )
    if file and getattr(file, "_committed", True) is False:
        from zhijiao.core.uploads import check_content

        upload = getattr(file, "file", file)
        check_content(upload, name=getattr(file, "name", ""), max_bytes=limit_mb * 1024 * 1024)
