# The generated name-search column (characters, adjacent pairs, pinyin syllables and initials) and
# its GIN index (zhijiao.core.search). PostgreSQL only: SQLite searches names with LIKE.

from django.db import migrations

TABLE, NAME, PINYIN = "students_student", "name", "name_pinyin"


def add(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from zhijiao.core.search import add_terms_column_sql

    for sql in add_terms_column_sql(TABLE, NAME, PINYIN):
        schema_editor.execute(sql)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from zhijiao.core.search import drop_terms_column_sql

    for sql in drop_terms_column_sql(TABLE):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("students", "0003_list_indexes"),
        ("core", "0005_name_terms_function"),
    ]

    operations = [migrations.RunPython(add, remove, elidable=False)]
