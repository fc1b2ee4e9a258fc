# Statement-level triggers keeping the per-school counts of students and current enrolments
# (zhijiao.students.tallies, zhijiao.core.counters), and the counts of what exists. PostgreSQL only.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.students.tallies import ENROLMENTS, STUDENTS

    counters.install(schema_editor, "students_student", [STUDENTS])
    counters.install(schema_editor, "students_enrolment", [ENROLMENTS])


def uninstall(apps, schema_editor):
    from zhijiao.core import counters

    counters.uninstall(schema_editor, "students_student", ["students"])
    counters.uninstall(schema_editor, "students_enrolment", ["enrolments"])


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0004_student_search_terms"),
        ("core", "0006_tally"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
