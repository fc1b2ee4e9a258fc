# A check-in carries its placement's school (internships_ci_inst_time): a school's check-ins are one
# range of its own index instead of a walk of every school's check-ins in time order (issue 16).
# Added while the platform serves (zhijiao.core.online_schema.AddCopiedColumn): the column nullable,
# a trigger filling it for writers that leave it out (the old code until it restarts), the stored
# rows filled 50,000 at a time, the foreign key and NOT NULL validated without blocking writes, the
# index built concurrently. Not atomic: an interrupted run is finished by running migrate again.

import django.db.models.deletion
from django.db import migrations, models

from zhijiao.core.online_schema import AddCopiedColumn


class Migration(migrations.Migration):
    atomic = False  # each step its own short transaction

    dependencies = [("internships", "0025_alert_tallies")]

    operations = [
        AddCopiedColumn(
            "checkin",
            "institution",
            models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.institution",
                verbose_name="institution",
            ),
            models.Index(fields=["institution", "occurred_at", "id"], name="internships_ci_inst_time"),
            parent_table="internships_placement",
            via="placement_id",
            parent_column="institution_id",
        )
    ]
