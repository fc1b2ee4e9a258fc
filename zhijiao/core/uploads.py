"""Uploaded files: what they are (by content, not by name) and whether they are safe to open.

One validator for every upload — import files (XLSX, CSV), attachments and evidence (PDF, JPEG,
PNG, Office files). It refuses, in well under a second and before anything parses the file:

- OOXML (.xlsx/.docx/.pptx, a ZIP): more parts than ``UPLOAD_ZIP_MAX_PARTS``; a part larger than
  ``UPLOAD_PART_MAX_BYTES`` or all parts together larger than ``UPLOAD_UNCOMPRESSED_MAX_BYTES``
  uncompressed (the sizes the archive declares, which ``zipfile`` also enforces while reading);
  then, streaming the worksheet and shared-string XML without parsing it, a text run (a cell)
  longer than ``UPLOAD_CELL_MAX_CHARS``, a column beyond ``UPLOAD_MAX_COLUMNS`` and more rows than
  ``IMPORT_MAX_ROWS`` (the same count the inline/background choice uses);
- CSV: not UTF-8 or GB18030, a line longer than ``UPLOAD_CSV_LINE_MAX_BYTES``, NUL bytes, more rows
  than ``IMPORT_MAX_ROWS``;
- PDF: more pages than ``UPLOAD_PDF_MAX_PAGES`` or a page larger than ``UPLOAD_PDF_MAX_PAGE_POINTS``
  on a side (read from the page tree, nothing rendered);
- images: more than ``UPLOAD_IMAGE_MAX_PIXELS`` pixels (from the header; Pillow's own
  decompression-bomb limit is set to the same number for any later decoding, see ``CoreConfig``).

Every size limit is in bytes (characters for cells, pixels for images, points for PDF pages).
A refusal is ``UploadRejected`` (a ``ValidationError`` with a Chinese message naming the limit);
it is final — a background job that meets one fails without a retry
(``core.jobs.PermanentJobError``).
"""

from __future__ import annotations

import codecs
import os
import re
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MB = 1024 * 1024

DEFAULTS = {
    "UPLOAD_MAX_BYTES": 20 * MB,
    "UPLOAD_UNCOMPRESSED_MAX_BYTES": 384 * MB,
    "UPLOAD_PART_MAX_BYTES": 256 * MB,
    "UPLOAD_ZIP_MAX_PARTS": 1000,
    # Excel's own limit for one cell is 32,767 characters.
    "UPLOAD_CELL_MAX_CHARS": 32767,
    "UPLOAD_MAX_COLUMNS": 256,
    "UPLOAD_SHARED_STRINGS_MAX": 4_000_000,
    "UPLOAD_CSV_LINE_MAX_BYTES": 1 * MB,
    "UPLOAD_PDF_MAX_PAGES": 500,
    # 14,400 points (200 inches) is the largest page PDF itself allows.
    "UPLOAD_PDF_MAX_PAGE_POINTS": 14400,
    "UPLOAD_IMAGE_MAX_PIXELS": 50_000_000,
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


class UploadRejected(ValidationError):
    """The file is refused as a whole; the message says why, in the user's language."""

    def __init__(self, message: str, code: str = "upload_rejected"):
        super().__init__(message, code=code)

    def __str__(self) -> str:
        return self.messages[0]


def _mb(n: int) -> str:
    return f"{n / MB:.1f}".removesuffix(".0") if n >= MB else f"{n / MB:.2f}"


# --- types by content ---------------------------------------------------------------------------------
PDF, PNG, JPEG, XLSX, DOCX, PPTX, OLE, ZIP, TEXT = (
    "pdf", "png", "jpeg", "xlsx", "docx", "pptx", "ole", "zip", "text",
)  # fmt: skip

_EXTENSIONS = {
    PDF: {".pdf"},
    PNG: {".png"},
    JPEG: {".jpg", ".jpeg"},
    XLSX: {".xlsx", ".xlsm"},
    DOCX: {".docx"},
    PPTX: {".pptx"},
    OLE: {".doc", ".xls"},
    ZIP: {".zip"},
    TEXT: {".csv", ".txt"},
}


def _read_head(fileobj, n: int = 8192) -> bytes:
    fileobj.seek(0)
    head = fileobj.read(n)
    fileobj.seek(0)
    return head if isinstance(head, bytes) else head.encode()


def sniff(fileobj) -> str | None:
    """What the file is by its bytes: one of the kinds above, or None."""
    head = _read_head(fileobj)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return OLE
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(fileobj) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            fileobj.seek(0)
        if "[Content_Types].xml" in names:
            if any(n.startswith("xl/") for n in names):
                return XLSX
            if any(n.startswith("word/") for n in names):
                return DOCX
            if any(n.startswith("ppt/") for n in names):
                return PPTX
        return ZIP
    if b"\x00" not in head:
        return TEXT
    return None


# --- the checks --------------------------------------------------------------------------------------
def _size(fileobj) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
    return int(size)


def check_size(size: int, max_bytes: int | None = None) -> None:
    cap = max_bytes if max_bytes is not None else limit("UPLOAD_MAX_BYTES")
    if size > cap:
        raise UploadRejected(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / MB:.1f}", "limit": _mb(cap)},
            code="too_large",
        )


@dataclass
class Checked:
    """What the validator learnt: the kind and, for spreadsheets, the row count (without header)."""

    kind: str
    rows: int | None = None


_CHECKED_ATTR = "_zhijiao_upload_checked"


def check_upload(
    fileobj,
    *,
    name: str = "",
    kinds: set[str] | frozenset[str],
    max_bytes: int | None = None,
) -> Checked:
    """Refuse ``fileobj`` unless it is one of ``kinds`` by content (and its name agrees) and within
    every limit. Returns what was learnt; raises ``UploadRejected``. Checks an open file at most
    once (the result is remembered on the file object)."""
    done = getattr(fileobj, _CHECKED_ATTR, None)
    if done is not None and done.kind in kinds:
        return done
    size = _size(fileobj)
    check_size(size, max_bytes)
    if size == 0:
        raise UploadRejected(_("The file is empty."), code="empty")
    kind = sniff(fileobj)
    ext = os.path.splitext(name or getattr(fileobj, "name", "") or "")[1].lower()
    if kind not in kinds:
        raise UploadRejected(
            _("The file is not of an accepted type; its content does not match."), code="type"
        )
    if ext and ext not in _EXTENSIONS.get(kind, set()):
        raise UploadRejected(
            _("The file's name (%(ext)s) does not match what it contains.") % {"ext": ext}, code="type"
        )
    checked = Checked(kind=kind)
    if kind in (XLSX, DOCX, PPTX, ZIP):
        checked.rows = _check_zip(fileobj, spreadsheet=kind == XLSX)
    elif kind == TEXT:
        checked.rows = _check_csv(fileobj)
    elif kind == PDF:
        _check_pdf(fileobj)
    elif kind in (PNG, JPEG):
        _check_image(fileobj)
    fileobj.seek(0)
    try:
        setattr(fileobj, _CHECKED_ATTR, checked)
    except AttributeError:  # a file object without attributes (BytesIO has them)
        pass
    return checked


# --- OOXML ------------------------------------------------------------------------------------------
_CHUNK = 1 << 20
# A cell reference with two or three letters, wherever the r attribute stands (a single letter is
# column A–Z, always allowed); "ref=" of merged cells and dimensions does not match.
_COLUMN_REF = re.compile(rb'\br="([A-Z]{2,3})[0-9]')
_SHARED_ITEM = re.compile(rb"<(?:[A-Za-z0-9_]+:)?si\b")
_ROW_OPEN = re.compile(rb"<(?:[A-Za-z0-9_]+:)?row\b")


def _column_index(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


def _check_zip(fileobj, *, spreadsheet: bool) -> int | None:
    fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadRejected(
            _("The file is damaged: it cannot be opened as a ZIP/Office file."), code="damaged"
        )
    with archive:
        infos = archive.infolist()
        if len(infos) > limit("UPLOAD_ZIP_MAX_PARTS"):
            raise UploadRejected(
                _("The file holds %(n)d parts; at most %(limit)d are accepted.")
                % {"n": len(infos), "limit": limit("UPLOAD_ZIP_MAX_PARTS")},
                code="zip_parts",
            )
        total = 0
        part_cap = limit("UPLOAD_PART_MAX_BYTES")
        for info in infos:
            if info.file_size > part_cap:
                raise UploadRejected(
                    _(
                        "A part of the file (%(part)s) unpacks to %(size)s MB; at most %(limit)s MB are accepted."
                    )
                    % {"part": info.filename[:60], "size": _mb(info.file_size), "limit": _mb(part_cap)},
                    code="zip_part_size",
                )
            total += info.file_size
        if total > limit("UPLOAD_UNCOMPRESSED_MAX_BYTES"):
            raise UploadRejected(
                _("The file unpacks to %(size)s MB; at most %(limit)s MB are accepted.")
                % {"size": _mb(total), "limit": _mb(limit("UPLOAD_UNCOMPRESSED_MAX_BYTES"))},
                code="zip_total_size",
            )
        if not spreadsheet:
            return None
        rows = 0
        names = {info.filename for info in infos}
        for info in infos:
            if info.filename == "xl/sharedStrings.xml":
                _scan_xml(archive, info, cells=False)
            elif info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                found = _scan_xml(archive, info, cells=True)
                if info.filename == _first_sheet(archive, names):
                    rows = found
        return max(0, rows - 1)


def _first_sheet(archive, names) -> str:
    """The first worksheet's part name (what the importer reads); sheet1.xml if the workbook says nothing."""
    if "xl/worksheets/sheet1.xml" in names:
        return "xl/worksheets/sheet1.xml"
    return min((n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")), default="")


def _scan_xml(archive, info, *, cells: bool) -> int:
    """Stream one XML part: no text run (a cell's text between tags) longer than the cell limit, and
    for a worksheet no column beyond the column limit and no more rows than the import limit.
    Returns the number of rows. Nothing is parsed: a few C-level byte searches per megabyte."""
    max_chars = limit("UPLOAD_CELL_MAX_CHARS")
    # A character is at most 4 bytes in UTF-8, and an entity (&amp;) at most 10 bytes for one.
    run_cap = max_chars * 4
    # Only runs starting right after a "<" (or at the start) are tried, so the search is linear.
    long_run = re.compile(rb"(?<![^<])[^<]{%d}" % (run_cap + 1))
    max_strings = limit("UPLOAD_SHARED_STRINGS_MAX")
    strings = 0
    max_columns = limit("UPLOAD_MAX_COLUMNS")
    max_rows = int(getattr(settings, "IMPORT_MAX_ROWS", 200_000)) + 1
    rows = 0
    carry = b""  # the tail of the previous chunk: a tag or a text run across the boundary
    try:
        with archive.open(info) as src:
            while True:
                chunk = src.read(_CHUNK)
                if not chunk:
                    break
                data = carry + chunk
                if long_run.search(data):
                    raise UploadRejected(
                        _("A cell of the file holds more than %(limit)d characters (Excel allows %(limit)d).")
                        % {"limit": max_chars},
                        code="cell_length",
                    )
                cut = data.rfind(b"<")
                complete, carry = (data, b"") if cut < 0 else (data[:cut], data[cut:])
                if len(carry) > run_cap + 64:  # an endless tag is as bad as an endless cell
                    raise UploadRejected(
                        _("The file is malformed (a tag of more than %(n)d bytes).") % {"n": run_cap},
                        code="malformed",
                    )
                if not cells:
                    strings += len(_SHARED_ITEM.findall(complete))
                    if strings > max_strings:
                        raise UploadRejected(
                            _("The file holds more than %(limit)d different texts.") % {"limit": max_strings},
                            code="shared_strings",
                        )
                if cells:
                    rows += len(_ROW_OPEN.findall(complete))
                    if rows > max_rows:
                        raise UploadRejected(
                            _(
                                "The file has more than %(limit)d data rows; at most %(limit)d can be "
                                "imported at once. Split the file."
                            )
                            % {"limit": max_rows - 1},
                            code="rows",
                        )
                    for letters in set(_COLUMN_REF.findall(complete)):
                        if _column_index(letters) > max_columns:
                            raise UploadRejected(
                                _(
                                    "The sheet uses column %(column)s; at most %(limit)d columns are "
                                    "accepted. Delete the far-away cells."
                                )
                                % {"column": letters.decode(), "limit": max_columns},
                                code="columns",
                            )
            if cells and carry:
                rows += len(_ROW_OPEN.findall(carry))
    except zipfile.BadZipFile:
        raise UploadRejected(
            _("The file is damaged: it cannot be opened as a ZIP/Office file."), code="damaged"
        )
    return rows


# --- CSV ---------------------------------------------------------------------------------------------
def _check_csv(fileobj) -> int:
    fileobj.seek(0)
    line_cap = limit("UPLOAD_CSV_LINE_MAX_BYTES")
    max_rows = int(getattr(settings, "IMPORT_MAX_ROWS", 200_000)) + 1
    lines = 0
    carry = b""
    utf8 = True

    utf8_decoder = codecs.getincrementaldecoder("utf-8")()
    gb_decoder = codecs.getincrementaldecoder("gb18030")()
    gb_ok = True
    while True:
        chunk = fileobj.read(_CHUNK)
        if not chunk:
            break
        if isinstance(chunk, str):
            chunk = chunk.encode()
        if b"\x00" in chunk:
            raise UploadRejected(
                _("The file is not a CSV text file. Upload the .xlsx workbook as .xlsx."), code="type"
            )
        data = carry + chunk
        lines += data.count(b"\n") - carry.count(b"\n")
        last = data.rfind(b"\n")
        carry = data[last + 1 :] if last >= 0 else data
        longest = max((len(part) for part in data.split(b"\n")), default=0)
        if longest > line_cap:
            raise UploadRejected(
                _("A line of the file is longer than %(limit)s MB.") % {"limit": _mb(line_cap)},
                code="line_length",
            )
        if lines > max_rows:
            raise UploadRejected(
                _(
                    "The file has more than %(limit)d data rows; at most %(limit)d can be imported at once. Split the file."
                )
                % {"limit": max_rows - 1},
                code="rows",
            )
        if utf8:
            try:
                utf8_decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        if not utf8 and gb_ok:
            try:
                gb_decoder.decode(chunk)
            except UnicodeDecodeError:
                gb_ok = False
        if not utf8 and not gb_ok:
            raise UploadRejected(_("The CSV file is neither UTF-8 nor GB18030 text."), code="encoding")
    if not utf8:
        # Start again for GB18030 from the beginning (the first chunks were read as UTF-8).
        fileobj.seek(0)
        gb = codecs.getincrementaldecoder("gb18030")()
        try:
            for chunk in iter(lambda: fileobj.read(_CHUNK), b""):
                gb.decode(chunk if isinstance(chunk, bytes) else chunk.encode())
            gb.decode(b"", final=True)
        except UnicodeDecodeError:
            raise UploadRejected(_("The CSV file is neither UTF-8 nor GB18030 text."), code="encoding")
    fileobj.seek(0)
    return max(0, lines + (1 if carry.strip() else 0) - 1)


# --- PDF ---------------------------------------------------------------------------------------------
def _check_pdf(fileobj) -> None:
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    max_pages = limit("UPLOAD_PDF_MAX_PAGES")
    max_points = limit("UPLOAD_PDF_MAX_PAGE_POINTS")
    fileobj.seek(0)
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(fileobj, strict=False)
        if reader.is_encrypted:
            raise UploadRejected(
                _("The PDF is password-protected; upload it without a password."), code="pdf_encrypted"
            )
        count = len(reader.pages)
        if count > max_pages:
            raise UploadRejected(
                _("The PDF has %(n)d pages; at most %(limit)d are accepted.")
                % {"n": count, "limit": max_pages},
                code="pdf_pages",
            )
        for page in reader.pages:
            box = page.mediabox
            if float(box.width) > max_points or float(box.height) > max_points:
                raise UploadRejected(
                    _("A page of the PDF is larger than any real paper."), code="pdf_page_size"
                )
    except UploadRejected:
        raise
    except (
        PdfReadError,
        ValueError,
        TypeError,
        KeyError,
        IndexError,
        AttributeError,
        RecursionError,
        OSError,
    ):
        raise UploadRejected(_("The PDF is damaged and cannot be read."), code="damaged")
    finally:
        fileobj.seek(0)


# --- images ------------------------------------------------------------------------------------------
def _check_image(fileobj) -> None:
    from PIL import Image, UnidentifiedImageError

    max_pixels = limit("UPLOAD_IMAGE_MAX_PIXELS")
    fileobj.seek(0)
    try:
        with Image.open(fileobj) as image:  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise UploadRejected(
                    _("The image has %(mp)s million pixels; at most %(limit)s million are accepted.")
                    % {"mp": f"{width * height / 1e6:.0f}", "limit": f"{max_pixels / 1e6:.0f}"},
                    code="image_pixels",
                )
            image.verify()  # structure and checksums, without decoding the pixels
    except UploadRejected:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit (set from ours) met first
        raise UploadRejected(
            _("The image has more than %(limit)s million pixels.") % {"limit": f"{max_pixels / 1e6:.0f}"},
            code="image_pixels",
        )
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise UploadRejected(_("The image is damaged and cannot be read."), code="damaged")
    finally:
        fileobj.seek(0)


# --- import files --------------------------------------------------------------------------------------
_XLSX_EXT = {".xlsx", ".xlsm"}
_CSV_EXT = {".csv"}


def check_table_limits(fileobj, filename: str) -> int | None:
    """The limits of an import file (XLSX or CSV by its name), before anything parses it; returns the
    data rows counted on the way (None when the content is not what the name says: the reader then
    explains that in its own words). Remembered on the file object, so the row estimate and the
    reader do not scan it again."""
    done = getattr(fileobj, _CHECKED_ATTR, None)
    if done is not None:
        return done.rows
    ext = os.path.splitext(filename or "")[1].lower()
    head = _read_head(fileobj, 4096)
    rows = None
    if ext in _XLSX_EXT and head.startswith(b"PK\x03\x04"):
        fileobj.seek(0)
        if not zipfile.is_zipfile(fileobj):  # damaged: the reader explains it in its words
            fileobj.seek(0)
            return None
        fileobj.seek(0)
        check_size(_size(fileobj))
        rows = _check_zip(fileobj, spreadsheet=True)
        kind = XLSX
    elif ext in _CSV_EXT and not head.startswith(b"PK\x03\x04") and b"\x00" not in head:
        check_size(_size(fileobj))
        rows = _check_csv(fileobj)
        kind = TEXT
    else:
        return None
    fileobj.seek(0)
    try:
        setattr(fileobj, _CHECKED_ATTR, Checked(kind=kind, rows=rows))
    except AttributeError:
        pass
    return rows


# --- the kinds each place accepts ---------------------------------------------------------------------
TABLE_KINDS = frozenset({XLSX, TEXT})
ATTACHMENT_KINDS = frozenset({PDF, PNG, JPEG})
DOCUMENT_KINDS = frozenset({PDF, PNG, JPEG, DOCX, XLSX, PPTX, OLE})


def check_content(fileobj, *, name: str = "", max_bytes: int | None = None) -> Checked:
    """An attachment already accepted by its own rules (type, size): only the content checks
    (PDF pages, image pixels, Office parts), for any kind the module knows."""
    return check_upload(
        fileobj, name=name, kinds=DOCUMENT_KINDS | ATTACHMENT_KINDS | {TEXT, ZIP}, max_bytes=max_bytes
    )


__all__ = [
    "ATTACHMENT_KINDS",
    "DOCUMENT_KINDS",
    "TABLE_KINDS",
    "Checked",
    "UploadRejected",
    "check_content",
    "check_size",
    "check_table_limits",
    "check_upload",
    "limit",
    "sniff",
]
