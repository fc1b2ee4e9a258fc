# A check-in carries its placement's school (internships_ci_inst_time): the school's check-in list
# reads one index range instead of walking every school's check-ins in time order (issue 16).
# The column is filled from the placements in one statement, then made required.

import django.db.models.deletion
from django.db import migrations, models


def copy_schools(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        sql = (
            "UPDATE internships_checkin c SET institution_id = p.institution_id"
            " FROM internships_placement p WHERE p.id = c.placement_id"
        )
    else:
        sql = (
            "UPDATE internships_checkin SET institution_id = (SELECT p.institution_id"
            " FROM internships_placement p WHERE p.id = internships_checkin.placement_id)"
        )
    schema_editor.execute(sql)
    if schema_editor.connection.vendor == "postgresql":
        # The new foreign key's checks are deferred; run them now, or PostgreSQL refuses the ALTER
        # below ("pending trigger events").
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [("internships", "0025_alert_tallies")]

    operations = [
        migrations.AddField(
            model_name="checkin",
            name="institution",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.institution",
                verbose_name="institution",
            ),
        ),
        migrations.RunPython(copy_schools, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="checkin",
            name="institution",
            field=models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.institution",
                verbose_name="institution",
            ),
        ),
        migrations.AddIndex(
            model_name="checkin",
            index=models.Index(fields=["institution", "occurred_at", "id"], name="internships_ci_inst_time"),
        ),
    ]
