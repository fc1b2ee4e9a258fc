"""Prefilling a submission from the platform's own data (``reporting.prefill``): only cells that
are still empty are filled — a value the school typed is never overwritten — through the same
typed, audited save as the web form."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from zhijiao.core.services import ensure_in_scope

from . import prefill, services, validation
from .choices import EDITABLE


def submission_prefill(*, actor, submission) -> int:
    """Fill the empty declared cells, and add the graduates missing from a row list declared
    ``prefill: graduates``; returns how many cells and rows were filled (0: nothing saved)."""
    from .services_rows import submission_prefill_rows

    ensure_in_scope(submission, actor, "change")
    if submission.status not in EDITABLE:
        return 0
    added = submission_prefill_rows(actor=actor, submission=submission)
    if added:
        submission.refresh_from_db()
    version = submission.version
    elements = list(version.elements.prefetch_related("categories"))
    found = prefill.values_for(
        user=actor,
        submission=submission,
        settings=validation.element_settings(version.definition),
        elements=elements,
    )
    filled = {(v.element.code, v.cell) for v in submission.values.select_related("element") if v.value != ""}
    by_code = {e.code: e for e in elements}
    todo = {}
    for key, value in found.items():
        if key in filled:
            continue
        try:
            services.clean_value(by_code[key[0]], value)
        except ValidationError:
            continue  # outside the element's bounds: left for the school to enter and explain
        todo[key] = value
    if not todo:
        return added
    services.submission_save_values(
        actor=actor, submission=submission, values=todo, revision=submission.revision
    )
    return added + len(todo)
