"""The work plan's inbox moves to the platform's notifications (core.Notification); reversible."""

from django.db import migrations

FIELDS = ("user_id", "kind", "link", "dedupe_key", "created_at", "read_at", "emailed_at")


def forward(apps, schema_editor):
    old = apps.get_model("workplan", "Notification")
    new = apps.get_model("core", "Notification")
    batch = []
    for row in old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(new(title=row.text, **{f: getattr(row, f) for f in FIELDS}))
        if len(batch) >= 2000:
            new.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    new.objects.bulk_create(batch, ignore_conflicts=True)


def backward(apps, schema_editor):
    old = apps.get_model("workplan", "Notification")
    new = apps.get_model("core", "Notification")
    old.objects.bulk_create(
        [old(text=row.title[:500], **{f: getattr(row, f) for f in FIELDS}) for row in new.objects.all()],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("workplan", "0001_initial"),
        ("core", "0010_notifications"),
    ]

    operations = [migrations.RunPython(forward, backward)]
