"""Form widgets shared by the apps."""

from __future__ import annotations

import os

from django import forms


class _StoredFile:
    """What the file widget's template prints: the file's own name, linked to a scoped download."""

    def __init__(self, url: str, name: str):
        self.url = url
        self.name = name

    def __str__(self) -> str:
        return self.name


class ScopedFileInput(forms.ClearableFileInput):
    """A file input whose "currently" link goes to a download view that checks the reader's scope.

    Private files (a minor's consent form, a signed agreement) are never served from ``/media/``;
    the form sets ``download_url`` to the view that serves them. Without one, no link is shown.
    """

    download_url: str | None = None

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        if widget.get("is_initial"):
            if self.download_url:
                widget["value"] = _StoredFile(self.download_url, os.path.basename(str(value.name)))
            else:
                widget["is_initial"] = False
        return context
