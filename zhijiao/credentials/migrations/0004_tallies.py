# Statement-level triggers keeping the per-school counts of certificates (zhijiao.credentials.tallies,
# zhijiao.core.counters), and the counts of what exists. PostgreSQL only.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.credentials.tallies import CERTIFICATES

    counters.install(schema_editor, "credentials_certificate", [CERTIFICATES])


def uninstall(apps, schema_editor):
    from zhijiao.core import counters

    counters.uninstall(schema_editor, "credentials_certificate", ["certificates"])


class Migration(migrations.Migration):
    dependencies = [
        ("credentials", "0003_certificate_search_terms"),
        ("core", "0006_tally"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
