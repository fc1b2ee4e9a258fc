from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    HostAssessment = apps.get_model("internships", "HostAssessment")
    HostAssessment.objects.filter(status="published", listed_by__isnull=True).update(listed_by=F("institution"))


def backwards(apps, schema_editor):
    HostAssessment = apps.get_model("internships", "HostAssessment")
    HostAssessment.objects.update(listed_by=None)


class Migration(migrations.Migration):
    """Hosts published before the field existed are on their school's list."""

    dependencies = [("internships", "0021_host_assessment_listed_by")]

    operations = [migrations.RunPython(forwards, backwards)]
