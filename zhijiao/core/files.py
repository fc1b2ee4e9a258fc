"""Files and attachments: the one validator every upload goes through, and where files are stored.

``validate_upload(upload, kinds=…, max_bytes=…)`` accepts a file only when its name has an
extension of one of ``kinds``, its content is of that kind (magic bytes, not the name or the browser's
content type), it is within every bounded check of ``core.uploads`` (size, OOXML parts, PDF pages,
image pixels, damaged files — the limits of issue 11) and the virus scanner passes it. It answers
what it learnt (kind, content type, size) or raises a ``ValidationError`` (under ``field`` when given)
naming the file. Every size limit is in bytes (``limit_bytes``).

Virus scanning: ``FILES_VIRUS_SCANNER`` names a callable ``scan(fileobj, name)`` that raises
``UploadRejected`` for an infected file; none by default. ``clamd_scan`` is one for ClamAV's daemon
(``FILES_CLAMD_ADDRESS``: ``host:port`` or a Unix socket path), see docs/deploy.md.

Storage: the file fields use Django's default storage — local disk (``MEDIA_ROOT``) in the demo, an
S3-compatible bucket (MinIO) in production through django-storages when ``FILES_S3_BUCKET`` is set
(``config/settings.py``, ``STORAGES``; docs/deploy.md).
"""

from __future__ import annotations

import os
import socket
import struct
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from . import uploads
from .uploads import DOCX, JPEG, OLE, PDF, PNG, PPTX, TEXT, XLSX, ZIP, UploadRejected  # noqa: F401

MB = 1024 * 1024

CONTENT_TYPES = {
    PDF: "application/pdf",
    PNG: "image/png",
    JPEG: "image/jpeg",
    XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ZIP: "application/zip",
    TEXT: "text/csv",
}
# The old binary Office formats share one container; the extension says which it is.
_OLE_TYPES = {".doc": "application/msword", ".xls": "application/vnd.ms-excel"}

# The kinds each place accepts.
IMAGES_AND_PDF = frozenset({PDF, PNG, JPEG})
OFFICE_DOCUMENTS = frozenset({PDF, PNG, JPEG, DOCX, XLSX, PPTX, OLE})
TABLES = frozenset({XLSX, TEXT})
ANY_KNOWN = OFFICE_DOCUMENTS | {TEXT, ZIP}

# Every named upload limit, in bytes, with its default.
LIMITS = {
    "UPLOAD_MAX_BYTES": 20 * MB,  # import files
    "STUDENT_ATTACHMENT_MAX_BYTES": 5 * MB,  # 学籍异动 attachments
    "INTERNSHIP_ATTACHMENT_MAX_BYTES": 10 * MB,  # every internship attachment
    "WORKPLAN_EVIDENCE_MAX_BYTES": 10 * MB,  # work-plan report evidence
}


def limit_bytes(name: str) -> int:
    """An upload limit in bytes: ``settings.<name>``, else its default in ``LIMITS``."""
    return int(getattr(settings, name, LIMITS[name]))


def extensions_of(kinds) -> list[str]:
    """The file-name extensions of ``kinds`` (".pdf", ".jpg", …), sorted."""
    return sorted({ext for kind in kinds for ext in uploads._EXTENSIONS.get(kind, ())})


@dataclass(frozen=True)
class Accepted:
    name: str
    kind: str
    content_type: str
    size: int
    extension: str


def _refuse(field: str | None, message: str):
    return ValidationError({field: message}) if field else ValidationError(message)


# How a kind is named to users, in this order.
KIND_LABELS = {
    PDF: "PDF",
    JPEG: "JPEG",
    PNG: "PNG",
    DOCX: "Word",
    XLSX: "Excel",
    PPTX: "PowerPoint",
    OLE: "Word/Excel 97-2003",
    TEXT: "CSV",
    ZIP: "ZIP",
}


def validate_upload(
    upload,
    *,
    kinds,
    max_bytes: int | None = None,
    field: str | None = None,
    name: str | None = None,
    extensions=None,
) -> Accepted:
    """Accept ``upload`` or raise ``ValidationError`` (see the module's docstring). ``extensions``
    narrows the accepted names further (a setting listing "pdf", "docx", …)."""
    kinds = frozenset(kinds)
    name = os.path.basename(name if name is not None else getattr(upload, "name", "") or "")
    ext = os.path.splitext(name)[1].lower()
    accepted_ext = extensions_of(kinds)
    if extensions is not None:
        accepted_ext = [
            e for e in accepted_ext if e.lstrip(".") in {x.lower().lstrip(".") for x in extensions}
        ]
    if ext not in accepted_ext:
        labels = [label for kind, label in KIND_LABELS.items() if kind in kinds]
        raise _refuse(
            field,
            _("%(name)s: only these file types are accepted: %(types)s.")
            % {"name": name, "types": ", ".join(labels)},
        )
    if uploads._size(upload) == 0:
        raise _refuse(field, _("%(name)s is empty.") % {"name": name})
    kind = uploads.sniff(upload)
    if kind not in kinds or ext not in uploads._EXTENSIONS.get(kind, ()):
        raise _refuse(field, _("%(name)s is not the kind of file its name says.") % {"name": name})
    try:
        uploads.check_upload(upload, name=name, kinds=kinds, max_bytes=max_bytes)
        scan(upload, name)
    except UploadRejected as exc:
        raise _refuse(field, f"{name}: {exc}") from None
    content_type = _OLE_TYPES.get(ext, "application/octet-stream") if kind == OLE else CONTENT_TYPES[kind]
    return Accepted(
        name=name, kind=kind, content_type=content_type, size=uploads._size(upload), extension=ext.lstrip(".")
    )


# --- virus scanning ------------------------------------------------------------------------------------
def scan(fileobj, name: str) -> None:
    """Run the configured virus scanner (``FILES_VIRUS_SCANNER``, a dotted path; none by default)."""
    path = getattr(settings, "FILES_VIRUS_SCANNER", "")
    if not path:
        return
    scanner = import_string(path)
    fileobj.seek(0)
    try:
        scanner(fileobj, name)
    finally:
        fileobj.seek(0)


def clamd_scan(fileobj, name: str) -> None:
    """ClamAV's daemon over its INSTREAM protocol (``FILES_CLAMD_ADDRESS``, default 127.0.0.1:3310).

    An infected file is refused; a scanner that does not answer refuses the file too (an upload is
    not accepted unscanned when scanning is configured)."""
    address = getattr(settings, "FILES_CLAMD_ADDRESS", "127.0.0.1:3310")
    timeout = float(getattr(settings, "FILES_CLAMD_TIMEOUT", 30))
    try:
        if address.startswith("/"):
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.settimeout(timeout)
            conn.connect(address)
        else:
            host, _sep, port = address.rpartition(":")
            conn = socket.create_connection((host, int(port)), timeout=timeout)
        with conn:
            conn.sendall(b"zINSTREAM\0")
            for chunk in iter(lambda: fileobj.read(1 << 16), b""):
                conn.sendall(struct.pack("!L", len(chunk)) + chunk)
            conn.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = conn.recv(4096)
                if not part:
                    break
                reply += part
    except OSError:
        raise UploadRejected(_("The file could not be checked for viruses; try again later."), code="scan")
    answer = reply.rstrip(b"\0").decode("utf-8", "replace")
    if answer.endswith("FOUND"):
        raise UploadRejected(_("The file contains a virus and was refused."), code="virus")
    if not answer.endswith("OK"):
        raise UploadRejected(_("The file could not be checked for viruses; try again later."), code="scan")


__all__ = [
    "ANY_KNOWN",
    "CONTENT_TYPES",
    "IMAGES_AND_PDF",
    "LIMITS",
    "OFFICE_DOCUMENTS",
    "TABLES",
    "KIND_LABELS",
    "Accepted",
    "clamd_scan",
    "extensions_of",
    "limit_bytes",
    "scan",
    "validate_upload",
]
