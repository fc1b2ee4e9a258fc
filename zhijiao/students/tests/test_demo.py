import pytest

from zhijiao.students.demo import load_demo_students
from zhijiao.students.models import Enrolment, Graduation, StatusChange, Student
from zhijiao.students.selectors import student_is_eligible_for_internship

pytestmark = pytest.mark.django_db


def test_demo_students(world):
    result = load_demo_students(per_school=30, schools=2)
    assert result["created"] and result["students"] == 60
    assert Student.objects.filter(name="欧阳䶮").exists()
    assert Graduation.objects.filter(status="approved", outcome="graduated").exists()
    assert StatusChange.objects.filter(kind="transfer", status="in_review").count() == 10
    suspended = Student.objects.filter(enrolments__status="suspended").first()
    assert suspended and not student_is_eligible_for_internship(suspended)
    army = StatusChange.objects.filter(kind="suspend", status="approved", suspension_reason="army")
    assert army.count() == 2 and {c.months for c in army} == {24}  # longer than the 12-month limit
    assert Enrolment.objects.filter(status="pending").exists()  # the batch left in review
    assert {a["username"] for a in result["accounts"]} == {"student_demo", "student_rare"}
    for s in Student.objects.exclude(registry_number=None):
        assert s.registry_number == "G" + s.id_number
    again = load_demo_students(per_school=30, schools=2)
    assert not again["created"]
