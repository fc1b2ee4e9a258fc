"""Building spreadsheets in tests: ``xlsx_file([[...], ...], merged=["B2:B3"])``, ``csv_file(...)``."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook


def xlsx_file(rows: list[list], *, merged: list[str] = (), text_cells: bool = False) -> io.BytesIO:
    """An in-memory XLSX with ``rows`` on the first sheet (strings starting with "=" become formulas)."""
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    for ref in merged:
        ws.merge_cells(ref)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    return buf


def csv_file(rows: list[list], *, encoding: str = "utf-8-sig") -> io.BytesIO:
    text = io.StringIO()
    csv.writer(text).writerows(rows)
    return io.BytesIO(text.getvalue().encode(encoding))


def headers(importer, *keys: str) -> list[str]:
    """The header labels (active language) of ``keys`` in an importer's column map."""
    by_key = {c.key: c.header() for c in importer.columns}
    return [by_key[k] for k in keys]
