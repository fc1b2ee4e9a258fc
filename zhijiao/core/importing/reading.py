"""Reading an uploaded CSV or XLSX into header + numbered rows, rejecting broken files early.

Row numbers are the ones a person sees in Excel (the header is row 1). Cells keep their Python
type (XLSX numbers stay numbers) so column parsers can tell a code typed as a number from text.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.etree.ElementTree import ParseError

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl.utils.cell import column_index_from_string, range_boundaries

CSV_EXTENSIONS = {".csv"}
XLSX_EXTENSIONS = {".xlsx", ".xlsm"}


class ImportFileError(Exception):
    """The file as a whole cannot be read; the message is shown to the user as is."""


class Formula:
    """A cell holding a formula; reported as a row error (we import values, never formulas)."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"Formula({self.text!r})"


@dataclass
class Table:
    headers: list[Any]
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cells)
    merged: list[tuple[int, int, str]] = field(default_factory=list)  # (row, column index 0-based, "A2:A3")


def check_size(size: int) -> None:
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise ImportFileError(
            _("The file is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {"size": f"{size / 1048576:.1f}", "limit": f"{limit / 1048576:.0f}"}
        )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_rows(rows: list) -> None:
    limit = settings.IMPORT_MAX_ROWS
    if len(rows) > limit:
        raise ImportFileError(
            _("The file has %(n)d data rows; at most %(limit)d can be imported at once. Split the file.")
            % {"n": len(rows), "limit": limit}
        )


def read_table(fileobj, filename: str) -> Table:
    """Read the first sheet of an XLSX or a CSV; raise ImportFileError for unreadable files."""
    ext = os.path.splitext(filename or "")[1].lower()
    fileobj.seek(0, os.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    check_size(size)
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    # Decompression bombs, huge cells, far-away columns, too many rows: refused before parsing.
    from zhijiao.core.uploads import UploadRejected, check_table_limits

    try:
        check_table_limits(fileobj, filename)
    except UploadRejected as exc:
        raise ImportFileError(str(exc)) from None
    fileobj.seek(0)
    if ext in XLSX_EXTENSIONS:
        table = _read_xlsx(fileobj)
    elif ext in CSV_EXTENSIONS:
        table = _read_csv(fileobj)
    else:
        raise ImportFileError(_("Upload an Excel workbook (.xlsx) or a CSV file."))
    if not table.headers or all(_blank(h) for h in table.headers):
        raise ImportFileError(_("The first row must hold the column headers; the sheet is empty."))
    if not table.rows:
        raise ImportFileError(_("The file has a header row but no data rows."))
    return table


_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _F, _IS, _T, _MERGE = (_NS + t for t in ("row", "c", "v", "f", "is", "t", "mergeCell"))
_COLUMN_CACHE: dict[str, int] = {}


def _column_index(ref: str) -> int:
    letters = ref.rstrip("0123456789")
    idx = _COLUMN_CACHE.get(letters)
    if idx is None:
        idx = _COLUMN_CACHE[letters] = column_index_from_string(letters) - 1
    return idx


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _iter_sheet(src, shared, date_styles: set, epoch, merged: list):
    """Stream (row number, values) from a worksheet's XML.

    openpyxl's read-only reader builds an object per cell, which dominated large imports; this
    keeps only what imports need — values, formulas (as ``Formula``), dates — and also collects
    ``<mergeCells>``, which read-only mode drops.
    """
    from xml.etree.ElementTree import iterparse

    from openpyxl.utils.datetime import from_excel

    last = 0
    for _event, el in iterparse(src, events=("end",)):
        tag = el.tag
        if tag == _ROW:
            r = el.get("r")
            last = int(r) if r else last + 1
            values: list[Any] = []
            for c in el:
                if c.tag != _C:
                    continue
                ref = c.get("r")
                col = _column_index(ref) if ref else len(values)
                if col >= len(values):
                    values.extend([None] * (col + 1 - len(values)))
                formula = c.find(_F)
                if formula is not None:
                    values[col] = Formula("=" + (formula.text or ""))
                    continue
                t = c.get("t", "n")
                if t == "inlineStr":
                    is_el = c.find(_IS)
                    values[col] = "".join(x.text or "" for x in is_el.iter(_T)) if is_el is not None else ""
                    continue
                v = c.find(_V)
                text = v.text if v is not None else None
                if text is None:
                    continue
                if t == "s":
                    value = shared[int(text)]
                    values[col] = str(value) if not isinstance(value, str) else value
                elif t == "n":
                    number = _number(text)
                    style = c.get("s")
                    if style is not None and int(style) in date_styles:
                        values[col] = from_excel(number, epoch)
                    else:
                        values[col] = number
                elif t == "b":
                    values[col] = text == "1"
                elif t == "d":
                    values[col] = datetime.datetime.fromisoformat(text)
                else:  # "str" (formula result), "e" (error value)
                    values[col] = text
            el.clear()
            yield last, values
        elif tag == _MERGE:
            merged.append(el.get("ref"))


def _read_strings(reader) -> None:
    """The shared strings: the byte-level reader, or openpyxl's own for anything unusual."""
    from openpyxl.xml.constants import SHARED_STRINGS

    from .xlsxfast import NotFast, read_shared_strings

    ct = reader.package.find(SHARED_STRINGS)
    if ct is None:
        return
    path = ct.PartName[1:]
    try:
        reader.shared_strings = read_shared_strings(reader.archive.read(path))
    except NotFast:
        reader.read_strings()


def _open_workbook(fileobj, strings: bool = True):
    """openpyxl's reader without its per-sheet dimension scan (a full extra pass over the sheet)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    reader = ExcelReader(fileobj, read_only=True, data_only=False)
    reader.read_manifest()
    if strings:
        _read_strings(reader)
    reader.read_workbook()
    apply_stylesheet(reader.archive, reader.wb)
    reader.first_sheet = None
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
            reader.first_sheet = rel.target
            break
    if reader.first_sheet is None:
        reader.archive.close()
        raise ImportFileError(_("The workbook has no sheets."))
    return reader


def _read_xlsx(fileobj) -> Table:

    head = fileobj.read(4)
    fileobj.seek(0)
    if head != b"PK\x03\x04" or not zipfile.is_zipfile(fileobj):
        raise ImportFileError(
            _(
                "The file is not an Excel workbook (.xlsx). Old .xls files and renamed files cannot be read; "
                "save it from Excel as .xlsx."
            )
        )
    fileobj.seek(0)
    try:
        reader = _open_workbook(fileobj)
    except ImportFileError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for damaged archives
        raise ImportFileError(
            _("The Excel workbook cannot be read (%(error)s). Save it again from Excel as .xlsx.")
            % {"error": type(exc).__name__}
        )
    from .xlsxfast import NotFast, iter_sheet_rows

    try:
        wb = reader.wb
        args = (reader.shared_strings, set(wb._date_formats), wb.epoch)
        refs: list[str] = []
        try:
            with reader.archive.open(reader.first_sheet) as src:
                headers, rows = _collect_rows(iter_sheet_rows(src, *args, refs))
        except NotFast:
            # Outside the compact grammar (formulas, rich text, prefixes …): the general parser.
            refs = []
            with reader.archive.open(reader.first_sheet) as src:
                headers, rows = _collect_rows(_iter_sheet(src, *args, refs))
    except (KeyError, ValueError, IndexError, zipfile.BadZipFile, ParseError) as exc:
        raise ImportFileError(
            _("The Excel workbook cannot be read (%(error)s). Save it again from Excel as .xlsx.")
            % {"error": type(exc).__name__}
        )
    finally:
        reader.archive.close()
    merged = []
    for ref in refs:
        min_col, min_row, _max_col, _max_row = range_boundaries(ref)
        merged.append((min_row, min_col - 1, ref))
    return Table(headers=headers or [], rows=rows, merged=merged)


def _collect_rows(source):
    """Header and non-blank data rows from (row number, values) pairs; row limit enforced."""
    headers: list[Any] | None = None
    rows: list[tuple[int, list[Any]]] = []
    limit = settings.IMPORT_MAX_ROWS
    for idx, values in source:
        if _all_blank(values):
            continue
        if headers is None:
            if idx != 1:
                raise ImportFileError(_("The first row must hold the column headers; the sheet is empty."))
            headers = values
            continue
        rows.append((idx, values))
        if len(rows) > limit:
            _check_rows(rows)
    return headers, rows


def _all_blank(values: list[Any]) -> bool:
    for v in values:
        if v is not None and (not isinstance(v, str) or v.strip()):
            return False
    return True


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFileError(_("The CSV file is neither UTF-8 nor GB18030 text."))


def _read_csv(fileobj) -> Table:
    data = fileobj.read()
    if isinstance(data, str):
        text = data.lstrip("\ufeff")
    else:
        if data[:4] == b"PK\x03\x04" or b"\x00" in data[:4096]:
            raise ImportFileError(_("The file is not a CSV text file. Upload the .xlsx workbook as .xlsx."))
        text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    headers: list[Any] | None = None
    rows: list[tuple[int, list[Any]]] = []
    limit = settings.IMPORT_MAX_ROWS
    try:
        for idx, values in enumerate(reader, start=1):
            if headers is None:
                headers = values
                continue
            if all(_blank(v) for v in values):
                continue
            rows.append((idx, values))
            if len(rows) > limit:
                _check_rows(rows)
    except csv.Error as exc:
        raise ImportFileError(_("The CSV file is malformed: %(error)s") % {"error": str(exc)})
    return Table(headers=headers or [], rows=rows)


def column_letter_index(ref: str) -> int:
    return column_index_from_string(ref) - 1


def estimate_rows(fileobj, filename: str) -> int:
    """A cheap row count to choose between inline and background import (no cell is parsed).

    The upload's limits are checked first (``core.uploads.check_table_limits``, which counts the
    rows on the way); a file it refuses raises ``UploadRejected``."""
    from zhijiao.core.uploads import check_table_limits

    ext = os.path.splitext(filename or "")[1].lower()
    counted = check_table_limits(fileobj, filename)
    fileobj.seek(0)
    if counted is not None:
        return counted
    try:
        if ext in XLSX_EXTENSIONS and zipfile.is_zipfile(fileobj):
            fileobj.seek(0)
            reader = _open_workbook(fileobj, strings=False)
            try:
                rows = plain = prefixed = 0
                tail = b""
                with reader.archive.open(reader.first_sheet) as src:
                    for chunk in iter(lambda: src.read(1 << 20), b""):
                        data = tail + chunk
                        plain += data.count(b"<row")
                        prefixed += data.count(b":row")
                        tail = data[-8:]
                        plain -= tail.count(b"<row")
                        prefixed -= tail.count(b":row")
                    plain += tail.count(b"<row")
                    prefixed += tail.count(b":row")
                rows = plain or prefixed // 2  # <x:row …> and </x:row> both contain ":row"
                return max(0, rows - 1)
            finally:
                reader.archive.close()
        fileobj.seek(0)
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: fileobj.read(1 << 20), b"")) - 1)
    except Exception:
        return 0
    finally:
        fileobj.seek(0)
