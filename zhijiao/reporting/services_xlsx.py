"""Filling a submission from its uploaded XLSX template: the whole file is read and every row
checked by the same typed save as the web form (``services.submission_save_values``); a refused
file or any row error changes nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from zhijiao.core.services import ensure_in_scope

from . import rows as rowlib
from . import services, validation, xlsx


def submission_upload(*, actor, submission, fileobj, filename: str):
    """Save the values of an uploaded template. Raises ``ValidationError`` with one message per
    problem (the file as a whole, or ``第 N 行：…`` per row); nothing is saved unless all is well."""
    ensure_in_scope(submission, actor, "change")
    services._check_editable(submission)
    parsed = xlsx.read_upload(fileobj, filename, submission)
    elements = list(submission.version.elements.prefetch_related("categories"))
    known = {(e.code, cell) for e in elements for cell, _label in e.cells()}
    errors = list(parsed.errors)
    for key, line in parsed.lines.items():
        if key not in known:
            errors.append(xlsx.row_error(line, _("no such data element or cell in this form")))
    derived = rowlib.derived_codes(submission.version.definition)  # computed from the rows: ignored
    values = xlsx.choice_codes(
        elements,
        xlsx.without_files(
            elements, {k: v for k, v in parsed.values.items() if k in known and k[0] not in derived}
        ),
    )
    # Every typed check at once (the save's own, without saving), so one upload lists all problems.
    lines = {validation.field_key(code, cell): line for (code, cell), line in parsed.lines.items()}
    checked = validation.check_values(elements, [], values)
    errors += [xlsx.row_error(lines.get(key, 0), "；".join(msgs)) for key, msgs in checked.errors.items()]
    # The row lists' sheets, each row checked as the web form's (messages name the sheet and line).
    rows, labels, row_errors = xlsx.read_rows(fileobj, submission)
    errors += row_errors
    lists = {rl.code: rl for rl in rowlib.row_lists(submission.version.definition)}
    for code, posted in rows.items():
        _cleaned, bad, _missing = rowlib.clean_rows(lists[code], posted, labels=labels)
        errors += [m for msgs in bad.values() for m in msgs]
    if errors:
        raise ValidationError(sorted(set(errors), key=_line_of))
    try:
        return services.submission_save_values(
            actor=actor, submission=submission, values=values, revision=submission.revision, rows=rows or None
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):  # e.g. a row key not in the list
            raise ValidationError(
                sorted({m for msgs in exc.message_dict.values() for m in msgs}, key=_line_of)
            ) from exc
        raise


def _line_of(message: str) -> int:
    digits = "".join(ch if ch.isdigit() else " " for ch in message).split()
    return int(digits[0]) if digits else 0
