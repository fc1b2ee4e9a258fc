"""File downloads: one way to name a file the browser saves (RFC 6266 with an RFC 8187 UTF-8 name).

Every view that answers with a file uses ``download_response`` (bytes), ``file_download`` (an open
file) or ``set_filename`` (a response it built itself), so a Chinese file name arrives intact:

    Content-Disposition: attachment; filename="class-2021.pdf"; filename*=UTF-8''2021%E7%BA%A7...pdf

Browsers take ``filename*``; the plain ``filename`` is an ASCII fallback for old clients. A header
value with raw UTF-8 is not an option: Django encodes it per RFC 2047, which browsers ignore.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

from django.http import FileResponse, HttpResponse

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f\"\\/]")


def clean_filename(filename: str) -> str:
    """The name without directories, quotes, backslashes or control characters."""
    name = _CONTROL.sub("-", str(filename).replace("\\", "/").rsplit("/", 1)[-1]).strip(" .")
    return name or "download"


def ascii_fallback(filename: str) -> str:
    """An ASCII name for clients that ignore ``filename*``: what is ASCII in the name, else "download"."""
    stem, dot, ext = filename.rpartition(".")
    if not dot:
        stem, ext = filename, ""
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"-{2,}", "-", _UNSAFE.sub("-", stem)).strip("-._")
    if not re.search(r"[A-Za-z]", stem):
        stem = f"download-{stem}" if stem else "download"
    ext = _UNSAFE.sub("", ext)
    return f"{stem}.{ext}" if ext else stem


def content_disposition(filename: str, *, fallback: str | None = None, inline: bool = False) -> str:
    """The ``Content-Disposition`` value for ``filename`` (RFC 6266 §4.3: both parameters)."""
    name = clean_filename(filename)
    plain = ascii_fallback(clean_filename(fallback) if fallback else name)
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"


def set_filename(response, filename: str, *, fallback: str | None = None, inline: bool = False):
    response["Content-Disposition"] = content_disposition(filename, fallback=fallback, inline=inline)
    return response


def download_response(
    content: bytes, filename: str, *, content_type: str, fallback: str | None = None, inline: bool = False
) -> HttpResponse:
    return set_filename(
        HttpResponse(content, content_type=content_type), filename, fallback=fallback, inline=inline
    )


def file_download(
    fileobj,
    filename: str,
    *,
    content_type: str | None = None,
    fallback: str | None = None,
    inline: bool = False,
) -> FileResponse:
    response = FileResponse(fileobj, content_type=content_type) if content_type else FileResponse(fileobj)
    return set_filename(response, filename, fallback=fallback, inline=inline)
