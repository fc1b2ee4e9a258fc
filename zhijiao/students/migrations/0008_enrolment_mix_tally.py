# The enrolment trigger keeps a second count for the 学籍 statistics: current enrolments by major,
# cohort year and status (zhijiao.students.tallies.ENROLMENT_MIX); counts what exists. PostgreSQL only.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.students.tallies import ENROLMENT_MIX, ENROLMENTS

    counters.install(schema_editor, "students_enrolment", [ENROLMENTS, ENROLMENT_MIX])


def uninstall(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.students.tallies import ENROLMENTS

    counters.install(schema_editor, "students_enrolment", [ENROLMENTS])
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DELETE FROM core_tally WHERE kind = 'enrolment_mix'")


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0007_issue13_xueji"),
        ("majors", "0001_initial"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
