# The audit log's two name-prefix indexes replaced by ones holding each entry's sort keys
# (timestamp, id) and scope (scope_path), so that a search reads its matches index-only (issue 16).
# Built while the platform serves (zhijiao.core.online_schema): the new indexes CONCURRENTLY, then
# the old dropped the same way; not atomic — run `migrate` again if it is interrupted.

from django.db import migrations, models

from zhijiao.core.online_schema import AddIndexOnline, RemoveIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("core", "0011_audit_event"),
    ]

    operations = [
        AddIndexOnline(
            model_name="auditentry",
            index=models.Index(
                fields=["object_repr"],
                include=["timestamp", "id", "scope_path"],
                name="core_audit_repr_keys",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        AddIndexOnline(
            model_name="auditentry",
            index=models.Index(
                fields=["actor_name"],
                include=["timestamp", "id", "scope_path"],
                name="core_audit_actor_keys",
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        RemoveIndexOnline(model_name="auditentry", name="core_audit_repr_prefix"),
        RemoveIndexOnline(model_name="auditentry", name="core_audit_actor_prefix"),
    ]
