"""The province's holiday days move to the kernel calendar (core.CalendarDay); reversible."""

from django.db import migrations


def forward(apps, schema_editor):
    old = apps.get_model("internships", "HolidayCalendar")
    new = apps.get_model("core", "CalendarDay")
    new.objects.bulk_create(
        [new(date=r.date, kind=r.kind, name=r.name) for r in old.objects.all()], ignore_conflicts=True
    )


def backward(apps, schema_editor):
    old = apps.get_model("internships", "HolidayCalendar")
    new = apps.get_model("core", "CalendarDay")
    old.objects.bulk_create(
        [old(date=r.date, kind=r.kind, name=r.name) for r in new.objects.all()], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [
        ("internships", "0005_alert_rule_index"),
        ("core", "0009_calendarday"),
    ]

    operations = [migrations.RunPython(forward, backward)]
