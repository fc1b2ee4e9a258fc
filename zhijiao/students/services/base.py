"""Shared by the registry services: system writes, scope checks and the editable fields."""

from __future__ import annotations

import contextlib
import contextvars

from zhijiao.core.services import ensure_in_scope

from ..choices import EnrolmentStatus

S = EnrolmentStatus
_SYSTEM = contextvars.ContextVar("students_system_writes", default=False)


@contextlib.contextmanager
def system_writes():
    """Loaders (the demo) write without a user: scope checks are skipped inside this block only."""
    token = _SYSTEM.set(True)
    try:
        yield
    finally:
        _SYSTEM.reset(token)


def _scoped() -> bool:
    return not _SYSTEM.get()


def _ensure(instance, actor) -> None:
    if _scoped():
        ensure_in_scope(instance, actor, "change")


STUDENT_FIELDS = (
    "name",
    "name_pinyin",
    "gender",
    "id_type",
    "id_number",
    "birth_date",
    "phone",
    "guardian_name",
    "guardian_phone",
)
ENROLMENT_FIELDS = ("offering", "class_name", "cohort_year", "entry_date", "study_years", "pathway", "stage")
