"""Facts written before they were kept per lowest region sat at their city: they keep it as
their region (their totals stay right for the city and the province; approving again rewrites a
school's rows at its county). Reversible: the reverse leaves the rows as they are."""

from django.db import migrations
from django.db.models import F


def forwards(apps, schema_editor):
    Fact = apps.get_model("reporting", "Fact")
    Fact.objects.filter(region__isnull=True).update(region=F("city"))


class Migration(migrations.Migration):
    dependencies = [("reporting", "0012_fact_region_and_city_submission")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
