from zhijiao.core.testing import InstitutionFactory
from zhijiao.orgs.choices import InstitutionKind
from zhijiao.reporting.choices import SubmissionStatus as S
from zhijiao.reporting.demo import MARK, load_demo_reporting
from zhijiao.reporting.models import Aggregate, DataValue, Submission


def test_demo_lab_stats(world):
    for n in range(8):
        InstitutionFactory(
            name=f"测试职业学院{n}",
            kind=InstitutionKind.HIGHER_VOCATIONAL,
            region=world.lixia if n % 2 else world.shinan,
        )
    data_set = load_demo_reporting()
    assert data_set.code == "lab_stats"
    states = set(Submission.objects.values_list("status", flat=True))
    assert states == {S.DRAFT, S.SUBMITTED, S.RETURNED, S.APPROVED, S.LOCKED, S.REOPENED}
    # Secondary schools do not report the colleges' data set.
    assert not Submission.objects.filter(institution__kind="secondary").exists()
    assert DataValue.objects.filter(element__code="remarks").exclude(value=MARK).count() == 0
    approved = Submission.objects.filter(status__in=[S.APPROVED, S.LOCKED]).count()
    province = Aggregate.objects.get(region=world.province, element_code="labs_total", cell="")
    assert province.count == approved
    assert load_demo_reporting() == data_set  # idempotent
    assert Submission.objects.count() == 8
