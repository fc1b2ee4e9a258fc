"""Files that background jobs write and people download — list exports, certificate print batches,
quality-report batches — and the stored uploads that background imports re-read.

They live in Django's default storage (``core.files``: ``MEDIA_ROOT`` in the demo, the S3-compatible
bucket in production), not on the disk of whichever host ran the job: the web server that answers the
download, the Celery worker that wrote the file and the worker that resumes a job after a restart may
be different machines. The parts a job keeps while it runs (a chunk of a print, one school's PDF) are
stored the same way, so a job resumed elsewhere finds them.

Names are storage names such as ``exports/job-12.xlsx``: relative, forward slashes, no ``..``.
"""

from __future__ import annotations

import contextlib
import datetime
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone


def _checked(name: str) -> str:
    parts = name.split("/")
    if not name or name.startswith("/") or "\\" in name or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"bad job file name: {name!r}")
    return name


def save(name: str, content) -> str:
    """Store ``content`` (a file object or bytes) under exactly ``name``, replacing any file there."""
    name = _checked(name)
    if isinstance(content, (bytes, bytearray)):
        content = ContentFile(bytes(content))
    elif not isinstance(content, File):
        content = File(content, name=name.rsplit("/", 1)[-1])
    if default_storage.exists(name):
        default_storage.delete(name)
    stored = default_storage.save(name, content)
    if stored != name:  # another writer took the name between the delete and the save
        default_storage.delete(stored)
        raise FileExistsError(name)
    return name


@contextlib.contextmanager
def writing(name: str):
    """A local temporary file to write into; stored under ``name`` when the block ends without error
    (nothing is stored otherwise, so a reader never sees half a file)."""
    with tempfile.TemporaryFile() as tmp:
        yield tmp
        tmp.flush()
        tmp.seek(0)
        save(name, tmp)


def exists(name: str) -> bool:
    return default_storage.exists(_checked(name))


def open(name: str):  # noqa: A001 — the storage's own verb
    """The stored file, opened for reading (binary)."""
    return default_storage.open(_checked(name), "rb")


def read_bytes(name: str) -> bytes:
    with open(name) as fh:
        return fh.read()


def delete(name: str) -> None:
    name = _checked(name)
    if default_storage.exists(name):
        default_storage.delete(name)


def purge(folder: str, *, older_than_hours: float, prefix: str = "job-") -> int:
    """Delete the files of ``folder`` whose names start with ``prefix`` and that are older than the
    given hours; returns how many. A storage that cannot list or date its files purges nothing."""
    folder = _checked(folder)
    cutoff = timezone.now() - datetime.timedelta(hours=older_than_hours)
    try:
        _dirs, files = default_storage.listdir(folder)
    except (FileNotFoundError, NotImplementedError, OSError):
        return 0
    removed = 0
    for file_name in files:
        if not file_name.startswith(prefix):
            continue
        name = f"{folder}/{file_name}"
        try:
            if default_storage.get_modified_time(name) < cutoff:
                default_storage.delete(name)
                removed += 1
        except (FileNotFoundError, NotImplementedError, OSError):
            pass
    return removed
