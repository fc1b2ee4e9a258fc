import pytest

from zhijiao.internships.demo import load_demo_internships
from zhijiao.internships.models import EarlyTermination, LeaveRequest, PostChange

pytestmark = pytest.mark.django_db


def test_demo_shows_the_batch_work_marked_as_examples(world):
    load_demo_internships(actor=world["province_admin"])
    assert PostChange.objects.filter(reason__startswith="示例").exists()
    termination = EarlyTermination.objects.get()
    assert termination.explanation.startswith("示例") and termination.placement.status == "ended"
    assert all(leave.reason.startswith("示例") for leave in LeaveRequest.objects.all())
