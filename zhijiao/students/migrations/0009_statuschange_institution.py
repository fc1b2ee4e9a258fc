# A status change carries its enrolment's school (students_chg_inst_created): the scope tests a
# school's changes on their own rows instead of joining every change's enrolment (issue 16).
# Added while the platform serves, as internships 0026 (zhijiao.core.online_schema.AddCopiedColumn).

import django.db.models.deletion
from django.db import migrations, models

from zhijiao.core.online_schema import AddCopiedColumn


class Migration(migrations.Migration):
    atomic = False  # each step its own short transaction

    dependencies = [("students", "0008_enrolment_mix_tally")]

    operations = [
        AddCopiedColumn(
            "statuschange",
            "institution",
            models.ForeignKey(
                db_index=False,
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="orgs.institution",
                verbose_name="institution",
            ),
            models.Index(fields=["institution", "created_at", "id"], name="students_chg_inst_created"),
            parent_table="students_enrolment",
            via="enrolment_id",
            parent_column="institution_id",
        )
    ]
