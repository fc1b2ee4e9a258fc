"""Students and enrolments counted per school by the database (``core.counters``).

Changing a spec needs a migration that installs it again (``students`` 0005 installs these).
"""

from zhijiao.core.counters import TallySpec

STUDENTS = TallySpec("students", "students_student", "current_institution_id")
# Current enrolments by status (k1).
ENROLMENTS = TallySpec("enrolments", "students_enrolment", "institution_id", ("r.status",), "r.is_current")
