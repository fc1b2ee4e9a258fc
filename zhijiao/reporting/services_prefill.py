"""Prefilling a submission from the platform's own data (``reporting.prefill``): only cells that
are still empty are filled — a value the school typed is never overwritten — through the same
typed, audited save as the web form."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from zhijiao.core.services import ensure_in_scope

from . import prefill, services, validation
from .choices import EDITABLE


def submission_prefill(*, actor, submission) -> int:
    """Fill the empty declared cells; returns how many were filled (0: nothing saved)."""
    ensure_in_scope(submission, actor, "change")
    if submission.status not in EDITABLE:
        return 0
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
        return 0
    services.submission_save_values(
        actor=actor, submission=submission, values=todo, revision=submission.revision
    )
    return len(todo)
