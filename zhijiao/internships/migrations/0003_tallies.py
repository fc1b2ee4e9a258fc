# Statement-level triggers keeping the per-school counts of placements, open alerts and blocked
# placements (zhijiao.internships.tallies, zhijiao.core.counters), and the counts of what exists.
# PostgreSQL only.

from django.db import migrations


def install(apps, schema_editor):
    from zhijiao.core import counters
    from zhijiao.internships import tallies

    counters.install(schema_editor, "internships_placement", [tallies.PLACEMENTS], tallies.PLACEMENT_BLOCKED)
    counters.install(
        schema_editor,
        "internships_alert",
        [tallies.ALERTS_OPEN],
        tallies.ALERT_BLOCKED,
        rebuild=tallies.BLOCKED_REBUILD,
    )


def uninstall(apps, schema_editor):
    from zhijiao.core import counters

    counters.uninstall(schema_editor, "internships_placement", ["placements", "blocked"])
    counters.uninstall(schema_editor, "internships_alert", ["alerts_open"])


class Migration(migrations.Migration):
    dependencies = [
        ("internships", "0002_list_indexes"),
        ("core", "0006_tally"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
