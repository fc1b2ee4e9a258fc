"""Students and enrolments counted per school by the database (``core.counters``).

Changing a spec needs a migration that installs it again (``students`` 0005 installs these).
"""

from zhijiao.core.counters import TallySpec

STUDENTS = TallySpec("students", "students_student", "current_institution_id")
# Current enrolments by status (k1).
ENROLMENTS = TallySpec("enrolments", "students_enrolment", "institution_id", ("r.status",), "r.is_current")
# 学籍 statistics (selectors.registry_statistics): current enrolments by major (k1, the offering's
# major id), cohort year (k2, the 年级) and status (k3). Students 0008 installs it. A school has a few
# dozen majors and cohorts, so the province sums tens of thousands of rows, never the registry.
ENROLMENT_MIX = TallySpec(
    "enrolment_mix",
    "students_enrolment",
    "institution_id",
    (
        "(SELECT o.major_id FROM majors_institutionmajor o WHERE o.id = r.offering_id)",
        "r.cohort_year",
        "r.status",
    ),
    "r.is_current",
)
