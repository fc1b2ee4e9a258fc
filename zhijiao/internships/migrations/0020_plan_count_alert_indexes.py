# Each plan's placement count as a column kept by statement-level triggers on placements
# (zhijiao.internships.tallies.plan_count_trigger_sql), backfilled here; indexes for sorting by it;
# the alerts' scope-first indexes for their two orders.
# SQLite (the demo) gets row triggers instead.

from django.db import migrations, models


def install(apps, schema_editor):
    from zhijiao.internships import tallies

    if schema_editor.connection.vendor == "sqlite":
        for sql in tallies.SQLITE_PLAN_COUNT:
            schema_editor.execute(sql)
        schema_editor.execute(tallies.PLAN_COUNT_REBUILD_PORTABLE)
        return
    if schema_editor.connection.vendor != "postgresql":
        return

    schema_editor.execute(f'LOCK TABLE "{tallies.PLAN_COUNT_TABLE}" IN SHARE ROW EXCLUSIVE MODE')
    for sql in tallies.plan_count_trigger_sql():
        schema_editor.execute(sql)
    schema_editor.execute(tallies.PLAN_COUNT_REBUILD)


def uninstall(apps, schema_editor):
    from zhijiao.internships import tallies

    if schema_editor.connection.vendor == "sqlite":
        for op in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS internships_placement_plan_count_{op}")
        return
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in tallies.plan_count_drop_sql():
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("internships", "0010_batch_work"),
        ("orgs", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="internshipplan",
            name="placement_count",
            field=models.PositiveIntegerField(default=0, editable=False, verbose_name="placements"),
        ),
        migrations.AddIndex(
            model_name="internshipplan",
            index=models.Index(fields=["placement_count", "id"], name="internships_plan_count"),
        ),
        migrations.AddIndex(
            model_name="internshipplan",
            index=models.Index(
                fields=["institution", "placement_count", "id"], name="internships_plan_inst_count"
            ),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["institution", "first_seen", "id"], name="internships_alert_inst_seen"),
        ),
        migrations.AddIndex(
            model_name="alert",
            index=models.Index(fields=["institution", "rule_id", "id"], name="internships_alert_inst_rule"),
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
