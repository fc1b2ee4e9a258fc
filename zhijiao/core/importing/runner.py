"""Running one import: read → validate the whole file → write in one transaction → counts.

Small files run inside the request; larger ones (``IMPORT_SYNC_MAX_ROWS``) are kept in the file
storage (``imports/``, ``core.jobfiles``) and imported by a background job that re-reads the stored
file, so a worker restart — on this host or another — simply runs the job again (the write is one transaction keyed on natural keys).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from zhijiao.core import jobfiles

from .base import RowError, get_importer
from .reading import ImportFileError, read_table

MAX_STORED_ERRORS = 1000


@dataclass
class ImportResult:
    ok: bool
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    total: int = 0

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "errors": [e.as_dict() for e in self.errors[:MAX_STORED_ERRORS]],
            "error_count": len(self.errors),
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "total": self.total,
        }

    @classmethod
    def from_dict(cls, data: dict) -> ImportResult:
        return cls(
            ok=bool(data.get("ok")),
            errors=[RowError(e["row"], e["column"], e["reason"]) for e in data.get("errors", [])],
            created=data.get("created", 0),
            updated=data.get("updated", 0),
            unchanged=data.get("unchanged", 0),
            total=data.get("total", 0),
        )


def _fail(message: str) -> ImportResult:
    return ImportResult(ok=False, errors=[RowError(None, "", message)])


Progress = Callable[[int, int, str], None]


def run_import(
    kind: str,
    fileobj,
    filename: str,
    *,
    actor,
    progress: Progress | None = None,
    on_written: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import ``fileobj`` with the importer ``kind`` as ``actor``; nothing is written unless all rows are valid.

    ``on_written(result)`` runs inside the write transaction: a background job records there that
    the rows are in (its checkpoint), so a rerun after a crash reports them instead of writing again.
    """
    importer_cls = get_importer(kind)
    if importer_cls is None or not importer_cls.available_to(actor):
        return _fail(_("You may not import this kind of data."))
    importer = importer_cls(actor)

    def step(done: int, total: int, stage: str) -> None:
        if progress:
            progress(done, total, stage)

    step(0, 0, "reading")
    try:
        table = read_table(fileobj, filename)
    except ImportFileError as exc:
        return _fail(str(exc))
    total = len(table.rows)
    step(0, total, "validating")
    report = importer.validate(table, progress=lambda d, t: step(d, t, "validating"))
    if not report.ok:
        return ImportResult(ok=False, errors=report.errors, total=total)
    step(total, total, "writing")
    try:
        with transaction.atomic():
            counts = importer.write(report.rows, actor)
            if on_written is not None:
                on_written(ImportResult(ok=True, total=total, **counts))
    except ValidationError as exc:
        return _fail(" ".join(str(m) for m in exc.messages))
    except PermissionDenied as exc:
        return _fail(str(exc) or _("You may not import this kind of data."))
    except IntegrityError:
        # A concurrent write took one of the natural keys between validation and writing.
        return _fail(
            _("Someone changed the same records while this file was being imported; upload it again.")
        )
    step(total, total, "done")
    return ImportResult(ok=True, total=total, **counts)


# --- stored files for background imports ------------------------------------------------------
IMPORTS_FOLDER = "imports"


def store_upload(uploaded) -> str:
    """Keep an upload in the file storage (``core.jobfiles``: ``imports/<random name>``) for the
    background job, which may run on another host; returns the bare name the job's params carry."""
    ext = os.path.splitext(uploaded.name or "")[1].lower()
    if ext not in {".xlsx", ".xlsm", ".csv"}:
        ext = ".bin"
    name = f"{uuid.uuid4().hex}{ext}"
    with jobfiles.writing(stored_name(name)) as out:
        for chunk in uploaded.chunks():
            out.write(chunk)
    return name


def stored_name(name: str) -> str:
    """The storage name of a stored upload. Only a bare file name is accepted: job params must never
    point outside the imports folder."""
    if os.path.basename(name) != name or name.startswith(".") or "/" in name or "\\" in name:
        raise ValueError("bad stored file name")
    return f"{IMPORTS_FOLDER}/{name}"
