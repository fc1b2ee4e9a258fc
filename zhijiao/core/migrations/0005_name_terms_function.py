# The function behind the generated name-search columns (zhijiao.core.search). PostgreSQL only;
# on SQLite the name lookup falls back to LIKE and nothing is created.

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from zhijiao.core.search import TERMS_FUNCTION_SQL

    schema_editor.execute(TERMS_FUNCTION_SQL)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP FUNCTION IF EXISTS zhijiao_name_terms(text, text)")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_audit_list_indexes"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
