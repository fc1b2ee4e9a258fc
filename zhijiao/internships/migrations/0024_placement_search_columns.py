# The placement list's search (issue 16): the student's name, name terms, ID number and 学籍号 on the
# placement row with a GIN and two prefix indexes, kept by triggers (zhijiao.internships.search) and
# backfilled here in one set-based UPDATE. PostgreSQL only; on SQLite the search joins the student.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.internships import search

    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in search.INSTALL:
        schema_editor.execute(sql)
    schema_editor.execute(search.BACKFILL)
    for sql in search.INDEXES:
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    from zhijiao.internships import search

    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in search.UNINSTALL:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("internships", "0023_dashboard_aggregates"),
        ("students", "0004_student_search_terms"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
