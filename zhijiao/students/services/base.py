"""Shared by the registry services: scope checks and the editable fields.

Loaders write as a named system actor (``core.actors``), whose scope is checked like anyone's.
"""

from __future__ import annotations

from zhijiao.core.services import ensure_in_scope

from ..choices import EnrolmentStatus

S = EnrolmentStatus


def _ensure(instance, actor) -> None:
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
    "ethnicity",
    "hukou_region",
    "source_category",
    "aid_category",
)
#: The reported fields coded by the lists in ``students/codelists`` (editable after registration).
CODED_FIELDS = ("ethnicity", "hukou_region", "source_category", "aid_category")
ENROLMENT_FIELDS = ("offering", "class_name", "cohort_year", "entry_date", "study_years", "pathway", "stage")
