"""Shared pieces of the internship models: grades and the attachment check."""

from django.utils.translation import gettext_lazy as _

GRADE_CHOICES = [
    ("excellent", _("Excellent")),
    ("good", _("Good")),
    ("pass", _("Pass")),
    ("fail", _("Fail")),
]


def validate_attachment_size(file) -> None:
    """A new upload through the platform's upload validator (``core.files``: any kind it knows, by
    content, at most ``INTERNSHIP_ATTACHMENT_MAX_BYTES``, pages, pixels, damaged files, virus scan);
    a stored file is not read again on every save, only its size is checked."""
    from zhijiao.core import files

    if not file:
        return
    max_bytes = files.limit_bytes("INTERNSHIP_ATTACHMENT_MAX_BYTES")
    if getattr(file, "_committed", True) is False:
        files.validate_upload(
            getattr(file, "file", file), kinds=files.ANY_KNOWN, max_bytes=max_bytes, name=file.name
        )
    else:
        try:
            size = getattr(file, "size", 0) or 0
        except OSError:
            # A stored file the storage no longer has (a restored database, a cleaned test media root):
            # nothing to re-check, and saving the row's other fields must not fail on it.
            return
        if size > max_bytes:
            from zhijiao.core.uploads import check_size

            check_size(size, max_bytes)
