# The internships dashboard's aggregates (zhijiao.internships.tallies): active placements per school and
# major category (core_tally kind "active_cat") and per host under each region (HostTally), kept by
# statement-level triggers on placements, posts (category changes) and institutions (region changes),
# and counted here from what exists (set-based). PostgreSQL only: elsewhere the dashboard counts rows.

import django.db.models.deletion
from django.db import migrations, models


def install(apps, schema_editor):
    from zhijiao.internships import tallies

    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute('LOCK TABLE "internships_placement" IN SHARE ROW EXCLUSIVE MODE')
    for sql in tallies.dashboard_trigger_sql():
        schema_editor.execute(sql)
    for sql in tallies.DASHBOARD_REBUILD:
        schema_editor.execute(sql)


def uninstall(apps, schema_editor):
    from zhijiao.internships import tallies

    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in tallies.dashboard_drop_sql():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("enterprises", "0001_initial"),
        ("internships", "0022_backfill_host_assessment_listed_by"),
        ("orgs", "0001_initial"),
        ("core", "0006_tally"),
    ]

    operations = [
        migrations.CreateModel(
            name="HostTally",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("path", models.CharField(max_length=60, verbose_name="region path")),
                ("n", models.BigIntegerField(default=0, verbose_name="count")),
                (
                    "enterprise",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="enterprises.enterprise",
                        verbose_name="host enterprise",
                    ),
                ),
            ],
            options={
                "verbose_name": "host tally",
                "verbose_name_plural": "host tallies",
                "constraints": [
                    models.UniqueConstraint(fields=("path", "enterprise"), name="internships_hosttally_key")
                ],
            },
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
