# The dashboard's open alerts by escalation level and, warnings and blocks, by host (core_tally kinds
# "alerts_level" and "alerts_host", zhijiao.internships.tallies), kept by the alert table's statement
# triggers beside "alerts_open" and the blocked placements, and counted here from what exists.
# PostgreSQL only: elsewhere the dashboard counts the alerts.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.internships import tallies

    counters.install(schema_editor, "internships_alert", tallies.ALERT_SPECS, tallies.ALERT_BLOCKED)


def uninstall(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.internships import tallies

    counters.install(schema_editor, "internships_alert", [tallies.ALERTS_OPEN], tallies.ALERT_BLOCKED)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DELETE FROM core_tally WHERE kind IN ('alerts_level', 'alerts_host')")


class Migration(migrations.Migration):
    dependencies = [("internships", "0024_placement_search_columns")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
