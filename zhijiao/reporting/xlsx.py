"""The XLSX template of one organisation's submission (a school's, or a city's own return of a
data set the cities fill), and reading it back.

The template is one sheet, a row per cell of the form: its key (``element code/cell key``),
element name, cell label, unit and the value (the only column a person edits; the sheet is
protected without a password so the keys stay as written). The hidden column F's header names the data set, version,
period, organisation and revision the template was made for: an upload of a template of another
data set, version, organisation or an older revision is refused as a whole.

Reading turns the rows into ``{(element code, cell): raw}`` for the same typed save the web form
uses (``services.submission_save_values``); formulas, merged cells, unknown or repeated keys are row
errors. File elements' rows say "upload on the web form" and are ignored on reading; reference
elements take an organisation's or a major's code or name. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime
import io
import os
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from zhijiao.core.importing.reading import Formula, ImportFileError, read_table
from zhijiao.core.uploads import XLSX, UploadRejected, check_upload

from . import rows as rowlib
from .choices import ValueType
from .fillers import owner_code, owner_key

MARK = "zhijiao.reporting"


def FILE_NOTE() -> str:  # noqa: N802 - a message, translated when used
    return _("Upload the file on the web form")


VALUE_COLUMN = 4  # 0-based: E
IDENTITY_COLUMN = 5  # 0-based: F (hidden)


def identity(submission) -> str:
    return "/".join(
        [
            MARK,
            submission.period.data_set.code,
            f"v{submission.version.number}",
            submission.period.code,
            owner_key(submission),
            f"r{submission.revision}",
        ]
    )


def template_filename(submission) -> str:
    return f"{submission.period.data_set.code}-{submission.period.code}-{owner_code(submission)}.xlsx"


def _display(element, value: str) -> str:
    """What the template shows for a stored value: a choice's name rather than its code."""
    if element.value_type == ValueType.CHOICE:
        return {c["code"]: c.get("name", c["code"]) for c in element.choices}.get(value, value)
    return value


def template_bytes(submission) -> bytes:
    """The template, filled with the submission's current values."""
    values = {(v.element_id, v.cell): v.value for v in submission.values.all()}
    wb = Workbook()
    ws = wb.active
    ws.title = _("Form")[:31]
    headers = [
        pgettext("identifier", "Code"),
        _("Data element"),
        _("Breakdown"),
        _("Unit"),
        _("Value"),
        identity(submission),
    ]
    ws.append(headers)
    bold = Font(bold=True)
    for cell in ws[1]:
        cell.font = bold
    editable = PatternFill("solid", fgColor="FFF2CC")
    choice_lists: dict[str, DataValidation] = {}
    elements = submission.version.elements.prefetch_related("categories").select_related("section")
    derived = rowlib.derived_codes(submission.version.definition)
    row = 1
    for element in elements:
        for cell_key, label in element.cells():
            row += 1
            raw = values.get((element.pk, cell_key), "")
            shown = _display(element, raw)
            if element.value_type in (
                ValueType.NUMBER,
                ValueType.INTEGER,
                ValueType.PERCENTAGE,
                ValueType.MONEY,
            ):
                try:
                    shown = int(raw) if raw.lstrip("-").isdigit() else float(raw) if raw else None
                except ValueError:
                    pass
            ws.append([f"{element.code}/{cell_key}", element.name, label, element.unit])
            for column in range(1, VALUE_COLUMN + 1):
                ws.cell(row=row, column=column).data_type = "s"  # text as text, never a formula
            value_cell = ws.cell(row=row, column=VALUE_COLUMN + 1)
            if element.code in derived:
                # Computed from a list of rows (its own sheet): shown, locked, ignored on reading.
                value_cell.value = shown if shown not in ("", None) else None
                value_cell.fill = PatternFill("solid", fgColor="EEEEEE")
                continue
            if element.value_type == ValueType.FILE:
                # A file cannot travel in a spreadsheet: the cell says where to attach it, stays
                # locked, and is ignored when the template comes back.
                value_cell.value = FILE_NOTE() + (f"（{raw}）" if raw else "")
                value_cell.data_type = "s"
                value_cell.fill = PatternFill("solid", fgColor="EEEEEE")
                continue
            if shown not in ("", None):
                value_cell.value = shown
                if isinstance(shown, str):
                    value_cell.data_type = "s"
            value_cell.protection = Protection(locked=False)
            value_cell.fill = editable
            if element.value_type in (ValueType.TEXT, ValueType.CHOICE, ValueType.ORG, ValueType.MAJOR):
                value_cell.number_format = "@"
            if element.value_type == ValueType.CHOICE and element.choices:
                names = ",".join(c.get("name", c["code"]) for c in element.choices)
                if len(names) < 250:  # Excel's limit for an inline list
                    dv = choice_lists.get(element.code)
                    if dv is None:
                        dv = choice_lists[element.code] = DataValidation(
                            type="list", formula1=f'"{names}"', allow_blank=True
                        )
                        ws.add_data_validation(dv)
                    dv.add(value_cell)
    for letter, width in zip("ABCDE", (24, 36, 20, 8, 18), strict=True):
        ws.column_dimensions[letter].width = width
    ws.column_dimensions["F"].hidden = True
    ws.freeze_panes = "A2"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    _row_sheets(wb, submission)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


BLANK_LINES = 20  # blank lines of a typed list's sheet (the web form adds more)


def sheet_title(rl) -> str:
    return rl.name[:31]


def row_headers(rl) -> list[str]:
    return [_("Row key"), pgettext("person", "Name"), _("ID number (masked)"), *[c.name for c in rl.columns]]


def _row_sheets(wb, submission) -> None:
    """One sheet per row list: a row per record (its key, name and masked ID number locked), the
    columns to fill; a typed list has blank lines for new records (no key)."""
    from .models import SubmissionRow

    lists = rowlib.row_lists(submission.version.definition)
    if not lists:
        return
    stored: dict[str, list] = {}
    for r in SubmissionRow.objects.filter(submission_id=submission.pk).select_related("section"):
        stored.setdefault(r.section.code, []).append(r)
    editable = PatternFill("solid", fgColor="FFF2CC")
    for rl in lists:
        ws = wb.create_sheet(sheet_title(rl))
        ws.append(row_headers(rl))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        lines = [(r.key, r.person_name, r.id_masked, r.values) for r in stored.get(rl.code, [])]
        if not rl.prefill:
            lines += [("", "", "", {})] * BLANK_LINES
        validations = {}
        for column in rl.columns:
            if column.value_type == ValueType.CHOICE and column.choices:
                names = ",".join(c.get("name", c["code"]) for c in column.choices)
                if len(names) < 250:
                    validations[column.code] = DataValidation(
                        type="list", formula1=f'"{names}"', allow_blank=True
                    )
                    ws.add_data_validation(validations[column.code])
        for line, (key, name, masked, vals) in enumerate(lines, start=2):
            ws.append([key, name, masked])
            for i in range(1, 4):
                ws.cell(row=line, column=i).data_type = "s"
            for j, column in enumerate(rl.columns, start=4):
                cell = ws.cell(row=line, column=j)
                raw = vals.get(column.code, "")
                shown = _display(column, raw)
                if (
                    column.value_type
                    in (ValueType.NUMBER, ValueType.INTEGER, ValueType.PERCENTAGE, ValueType.MONEY)
                    and raw
                ):
                    try:
                        shown = int(raw) if raw.lstrip("-").isdigit() else float(raw)
                    except ValueError:
                        pass
                if shown not in ("", None):
                    cell.value = shown
                    if isinstance(shown, str):
                        cell.data_type = "s"
                if column.value_type in (ValueType.TEXT, ValueType.CHOICE):
                    cell.number_format = "@"
                cell.protection = Protection(locked=False)
                cell.fill = editable
                if column.code in validations:
                    validations[column.code].add(cell)
        for i, width in enumerate([12, 12, 20] + [16] * len(rl.columns)):
            ws.column_dimensions[ws.cell(row=1, column=i + 1).column_letter].width = width
        ws.column_dimensions["A"].hidden = True
        ws.freeze_panes = "B2"
        ws.protection.sheet = True
        ws.protection.formatColumns = False


def read_rows(fileobj, submission) -> tuple[dict, dict[str, str], list[str]]:
    """The rows of the row-list sheets of an uploaded template: ``({section: [(key, {column:
    raw})]}, {key: label naming the sheet and line}, errors)``. A list whose sheet is absent is
    left as it is; formulas, merged cells, changed headers, unknown or repeated keys are errors."""
    from openpyxl import load_workbook

    lists = rowlib.row_lists(submission.version.definition)
    rows: dict = {}
    labels: dict[str, str] = {}
    errors: list[str] = []
    if not lists:
        return rows, labels, errors
    fileobj.seek(0)
    try:
        wb = load_workbook(fileobj)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same refusal
        raise ValidationError(_("The file could not be read as an Excel workbook.")) from exc
    for rl in lists:
        title = sheet_title(rl)
        if title not in wb.sheetnames:
            continue
        ws = wb[title]

        def where(line: int, name: str = "", title=title) -> str:
            return f"{title}：" + rowlib.row_label(line, name)

        for ref in ws.merged_cells.ranges:
            errors.append(
                f"{where(ref.min_row)}：" + _("merged cells (%(ref)s) are not accepted") % {"ref": ref.coord}
            )
        header = [_raw(c.value) for c in ws[1]][: 3 + len(rl.columns)]
        if header != row_headers(rl):
            errors.append(f"{title}：" + _("the sheet's columns were changed; download the template again."))
            continue
        posted = []
        seen: dict[str, int] = {}
        for cells in ws.iter_rows(min_row=2):
            line = cells[0].row
            cells = list(cells) + [None] * (3 + len(rl.columns) - len(cells))
            if any(c is not None and c.data_type == "f" for c in cells):
                errors.append(f"{where(line)}：" + _("a formula is not accepted; type the value itself"))
                continue
            key = _raw(cells[0].value if cells[0] is not None else None)
            vals = {
                column.code: _raw(cells[3 + j].value if cells[3 + j] is not None else None)
                for j, column in enumerate(rl.columns)
            }
            if not key:
                if all(v == "" for v in vals.values()):
                    continue
                key = f"{rowlib.NEW}{line}"
            if key in seen:
                errors.append(f"{where(line)}：" + _("this cell is also on row %(row)d") % {"row": seen[key]})
                continue
            seen[key] = line
            labels[key] = where(line, _raw(cells[1].value if cells[1] is not None else None))
            posted.append((key, vals))
        rows[rl.code] = posted
    return rows, labels, errors


@dataclass
class Parsed:
    values: dict[tuple[str, str], str] = field(default_factory=dict)
    lines: dict[tuple[str, str], int] = field(default_factory=dict)  # key → Excel row
    errors: list[str] = field(default_factory=list)


def _raw(cell) -> str:
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return str(cell)
    if isinstance(cell, datetime.datetime):
        return cell.date().isoformat()
    if isinstance(cell, datetime.date):
        return cell.isoformat()
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    return str(cell).strip()


def row_error(line: int, message: str) -> str:
    return _("Row %(row)d: %(message)s") % {"row": line, "message": message}


def read_upload(fileobj, filename: str, submission) -> Parsed:
    """The values of an uploaded template of ``submission``; raises ``ValidationError`` (one
    Chinese sentence) when the file as a whole is refused, and lists row errors in ``errors``."""
    if os.path.splitext(filename or "")[1].lower() != ".xlsx":
        raise ValidationError(_("Upload the Excel template (.xlsx) downloaded for this form."))
    try:
        check_upload(fileobj, name=filename, kinds={XLSX})
        table = read_table(fileobj, filename)
    except UploadRejected as exc:
        raise ValidationError(str(exc)) from exc
    except ImportFileError as exc:
        raise ValidationError(str(exc)) from exc
    headers = [_raw(h) for h in table.headers]
    mark = headers[IDENTITY_COLUMN] if len(headers) > IDENTITY_COLUMN else ""
    parts = mark.split("/")
    if len(parts) != 6 or parts[0] != MARK:
        raise ValidationError(
            _("This is not a template downloaded from this form; download the template and fill that in.")
        )
    _mark, code, version, period, institution, revision = parts
    if code != submission.period.data_set.code:
        raise ValidationError(_("This template belongs to another data set; download this form's template."))
    if version != f"v{submission.version.number}":
        raise ValidationError(
            _("This template is of version %(theirs)s of the data set; this form uses version %(ours)s.")
            % {"theirs": version.lstrip("v"), "ours": submission.version.number}
        )
    if period != submission.period.code or institution != owner_key(submission):
        raise ValidationError(_("This template belongs to another organisation or period."))
    if revision != f"r{submission.revision}":
        raise ValidationError(
            _(
                "The form was saved after this template was downloaded; download the template again so "
                "that no one's values are overwritten."
            )
        )
    parsed = Parsed()
    for row, _col, ref in table.merged:
        if row > 1:
            parsed.errors.append(row_error(row, _("merged cells (%(ref)s) are not accepted") % {"ref": ref}))
    for line, cells in table.rows:
        cells = list(cells) + [None] * (VALUE_COLUMN + 1 - len(cells))
        if any(isinstance(c, Formula) for c in cells[: VALUE_COLUMN + 1]):
            parsed.errors.append(row_error(line, _("a formula is not accepted; type the value itself")))
            continue
        code, _slash, cell = _raw(cells[0]).partition("/")
        key = (code, cell)
        if key in parsed.values:
            parsed.errors.append(
                row_error(line, _("this cell is also on row %(row)d") % {"row": parsed.lines[key]})
            )
            continue
        parsed.values[key] = _raw(cells[VALUE_COLUMN])
        parsed.lines[key] = line
    return parsed


def without_files(elements, values: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """The values of every element but the file elements (their rows only say where to upload)."""
    files = {e.code for e in elements if e.value_type == ValueType.FILE}
    return {key: raw for key, raw in values.items() if key[0] not in files}


def choice_codes(elements, values: dict[tuple[str, str], str]) -> dict[tuple[str, str], str]:
    """A choice typed (or picked) by its name becomes its code."""
    by_code = {e.code: e for e in elements}
    out = {}
    for (code, cell), raw in values.items():
        element = by_code.get(code)
        if element is not None and element.value_type == ValueType.CHOICE:
            raw = {c.get("name", c["code"]): c["code"] for c in element.choices}.get(raw, raw)
        out[(code, cell)] = raw
    return out
