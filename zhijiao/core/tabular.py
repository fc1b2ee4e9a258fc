"""Spreadsheet input and output shared by every import and export (CSV and XLSX, one pipeline)."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from openpyxl import Workbook
from openpyxl.styles import Font

from zhijiao.core.downloads import file_download

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _safe_cell(value):
    """Text that Excel would run as a formula is prefixed with a quote (CSV/XLSX injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_xlsx(fileobj, *, headers: list[str], rows: Iterable[Iterable], sheet_title: str = "Sheet1") -> int:
    """Stream rows into an XLSX (write-only mode, constant memory). Returns the row count."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title=sheet_title[:31] or "Sheet1")
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for h in headers:
        c = WriteOnlyCell(ws, value=str(h))
        c.font = bold
        header_cells.append(c)
    ws.append(header_cells)
    n = 0
    for row in rows:
        ws.append([_safe_cell(v) for v in row])
        n += 1
    wb.save(fileobj)
    return n


def xlsx_response(
    *,
    filename: str,
    headers: list[str],
    rows: Iterable[Iterable],
    sheet_title: str = "Sheet1",
    fallback: str | None = None,
):
    """An XLSX download; the workbook is spooled to a temporary file, not held in memory."""
    tmp = tempfile.TemporaryFile()
    write_xlsx(tmp, headers=headers, rows=rows, sheet_title=sheet_title)
    tmp.seek(0)
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    return file_download(tmp, filename, content_type=XLSX_CONTENT_TYPE, fallback=fallback)


TEXT_FORMAT = "@"  # Excel's "Text" number format


def write_workbook(fileobj, *, sheets: list[tuple]) -> None:
    """Several sheets, each (title, headers, rows) or (title, headers, rows, text_columns), streamed
    like ``write_xlsx`` (import templates). ``text_columns``: 0-based indexes of columns formatted as
    Text, so what a person types or pastes there (ID numbers, codes, phone numbers) stays text in
    Excel and WPS instead of turning into 3.7E+17 or losing leading zeros."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for title, headers, rows, *rest in sheets:
        ws = wb.create_sheet(title=str(title)[:31] or "Sheet")
        for index in sorted(rest[0] if rest else ()):
            dimension = ws.column_dimensions[get_column_letter(index + 1)]
            dimension.number_format = TEXT_FORMAT
            dimension.width = 22
        header_cells = []
        for h in headers:
            c = WriteOnlyCell(ws, value=str(h))
            c.font = bold
            header_cells.append(c)
        ws.append(header_cells)
        for row in rows:
            ws.append([_safe_cell(v) for v in row])
    wb.save(fileobj)


def workbook_response(*, filename: str, sheets: list[tuple], fallback: str | None = None):
    tmp = tempfile.TemporaryFile()
    write_workbook(tmp, sheets=sheets)
    tmp.seek(0)
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    return file_download(tmp, filename, content_type=XLSX_CONTENT_TYPE, fallback=fallback)
