import pytest

from zhijiao.internships.demo import load_demo_internships
from zhijiao.internships.models import Alert, CheckIn, Inspection, InternshipPlan, Placement, Report

pytestmark = pytest.mark.django_db


def test_demo_loads_once_with_violations_alerts_and_an_inspection(world):
    result = load_demo_internships(actor=world["province_admin"])
    assert result["created"] and result["active"] > 0 and result["blocked"] > 0
    assert InternshipPlan.objects.filter(filing_status="filed").exists()
    assert Placement.objects.filter(status="active").exists()
    assert CheckIn.objects.exists()
    assert Alert.objects.filter(resolved_at__isnull=True).exists()
    assert Alert.objects.filter(escalation_level__gte=1).exists()
    assert Inspection.objects.filter(status="open").exists()
    again = load_demo_internships(actor=world["province_admin"])
    assert again["created"] is False
    assert Report.objects.count() == 0 or Report.objects.exists()
