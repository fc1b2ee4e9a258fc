"""Photos in bulk: a ZIP of photos named by ID number (``370102200801011234.jpg``), matched to the
students the user may change, each photo checked like a single upload (``core.files``).

The archive itself goes through ``core.files.validate_upload`` (ZIP by content, its size, the number
of entries and the declared uncompressed sizes: a zip bomb is refused before anything is read). Each
entry is then refused on its own when its name tries to leave the archive (``..``, an absolute or
drive path, a link), when it is encrypted, larger than a photo may be or compressed suspiciously far,
when its name is not a valid ID number (GB 11643 check digit) or appears twice, or when its content
is not a JPEG/PNG within the photo limits. Refused and unmatched files are reported; the matched
photos are stored in one transaction, each an audited change of the student record, under a random
file name (no ID number in storage paths).
"""

from __future__ import annotations

import posixpath
import uuid
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from zhijiao.core import files
from zhijiao.core.scoping import restrict
from zhijiao.core.services import model_update

from ..choices import IdType
from ..models import Student
from .identity import check_identity
from .records import PHOTO_MAX_BYTES, check_photo

ZIP_MAX_BYTES = 200 * 1024 * 1024  # default of settings.STUDENT_PHOTO_ZIP_MAX_BYTES
ZIP_MAX_FILES = 1000  # default of settings.STUDENT_PHOTO_ZIP_MAX_FILES
# A JPEG or PNG hardly compresses; an entry that inflates more than this is refused.
MAX_RATIO = 20  # default of settings.STUDENT_PHOTO_ZIP_MAX_RATIO
PHOTO_EXTENSIONS = (".jpg", ".jpeg", ".png")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


@dataclass
class PhotoImportReport:
    matched: list[tuple[str, Student]] = field(default_factory=list)
    unmatched: list[tuple[str, str]] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.matched) + len(self.unmatched) + len(self.rejected)


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as the archiver wrote it: UTF-8 when flagged, else GBK (Chinese Windows)."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _unsafe(name: str, info: zipfile.ZipInfo) -> bool:
    if "\\" in name or name.startswith("/") or ":" in name or "\x00" in name:
        return True
    if ".." in name.split("/"):
        return True
    if posixpath.normpath(name).startswith(".."):
        return True
    mode = (info.external_attr >> 16) & 0o170000
    return mode == 0o120000  # a symbolic link


def photos_import_zip(*, actor, upload) -> PhotoImportReport:
    """Read the ZIP, store the photos of the students found, and report every file.

    Raises ``ValidationError`` (nothing stored) when the archive itself is refused."""
    files.validate_upload(
        upload,
        kinds=frozenset({files.ZIP}),
        max_bytes=_setting("STUDENT_PHOTO_ZIP_MAX_BYTES", ZIP_MAX_BYTES),
        field="archive",
    )
    photo_max = _setting("STUDENT_PHOTO_MAX_BYTES", PHOTO_MAX_BYTES)
    max_ratio = _setting("STUDENT_PHOTO_ZIP_MAX_RATIO", MAX_RATIO)
    report = PhotoImportReport()
    found: dict[str, tuple[str, bytes, str]] = {}  # ID number → (file name, content, extension)
    upload.seek(0)
    with zipfile.ZipFile(upload) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > _setting("STUDENT_PHOTO_ZIP_MAX_FILES", ZIP_MAX_FILES):
            raise ValidationError(
                {
                    "archive": _("The archive holds %(n)d files; at most %(limit)d are accepted.")
                    % {"n": len(infos), "limit": _setting("STUDENT_PHOTO_ZIP_MAX_FILES", ZIP_MAX_FILES)}
                }
            )
        for info in infos:
            name = _entry_name(info)
            base = posixpath.basename(name)
            if name.startswith("__MACOSX/") or base.startswith("."):
                continue  # the archiver's own metadata
            if _unsafe(name, info):
                report.rejected.append((name, _("unsafe path in the archive")))
                continue
            stem, ext = posixpath.splitext(base)
            ext = ext.lower()
            if ext not in PHOTO_EXTENSIONS:
                report.rejected.append((name, _("not a JPEG or PNG file name")))
                continue
            if info.flag_bits & 0x1:
                report.rejected.append((name, _("encrypted")))
                continue
            if info.file_size > photo_max:
                report.rejected.append(
                    (name, _("larger than %(mb).1f MB") % {"mb": photo_max / (1024 * 1024)})
                )
                continue
            if info.compress_size and info.file_size / info.compress_size > max_ratio:
                report.rejected.append((name, _("compressed suspiciously far (a zip bomb?)")))
                continue
            try:
                number = check_identity(
                    id_type=IdType.RESIDENT_ID, id_number=stem, birth_date=None, gender=None
                )
            except ValidationError as exc:
                report.rejected.append(
                    (
                        name,
                        _("the file name is not an ID number: %(reason)s")
                        % {"reason": " ".join(exc.messages)},
                    )
                )
                continue
            if number in found:
                report.rejected.append(
                    (name, _("the same ID number as %(other)s") % {"other": found[number][0]})
                )
                continue
            try:
                with archive.open(info) as fh:
                    data = fh.read(photo_max + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError):
                report.rejected.append((name, _("damaged in the archive")))
                continue
            if len(data) > photo_max:
                report.rejected.append(
                    (name, _("larger than %(mb).1f MB") % {"mb": photo_max / (1024 * 1024)})
                )
                continue
            try:
                check_photo(SimpleUploadedFile(base, data))
            except ValidationError as exc:
                report.rejected.append((name, " ".join(exc.messages)))
                continue
            found[number] = (name, data, ext)
    students = {
        s.id_number: s
        for s in restrict(Student.objects.all(), actor, "change").filter(
            id_type=IdType.RESIDENT_ID, id_number__in=list(found)
        )
    }
    with transaction.atomic():
        for number, (name, data, ext) in found.items():
            student = students.get(number)
            if student is None:
                report.unmatched.append((name, _("no student with this ID number in your organisation")))
                continue
            photo = SimpleUploadedFile(f"{uuid.uuid4().hex}{'.png' if ext == '.png' else '.jpg'}", data)
            model_update(actor=actor, instance=student, data={"photo": photo}, message=_("Photo import"))
            report.matched.append((name, student))
    return report
