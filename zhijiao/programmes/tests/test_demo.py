from zhijiao.core.testing import InstitutionFactory
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.demo import load_demo_programmes
from zhijiao.programmes.models import Application, Call, Expert, ProgrammeType


def test_the_plans_programmes_load_as_calls_with_the_plans_totals(world):
    for n in range(6):
        InstitutionFactory(name=f"测试职业中专{n}", region=world.lixia if n % 2 else world.shinan)
    load_demo_programmes()
    assert set(ProgrammeType.objects.values_list("code", flat=True)) == {
        "kp6_school",
        "kp6_major",
        "kp4_team",
        "r9_course",
        "r17_teacher",
    }
    totals = dict(Call.objects.values_list("code", "total_quota"))
    assert totals == {
        "2021-kp6-school": 50,
        "2021-kp6-major": 100,
        "2021-kp4-team": 100,
        "2021-r9-course": 600,
        "2021-r17-teacher": 100,
    }
    call = Call.objects.get(code="2021-kp6-school")
    assert call.is_demo and "鲁教职处函〔2021〕6号" in call.basis
    assert {q.city for q in call.quotas.all()} == {world.jinan, world.qingdao}
    assert call.programme_type.form_version is not None
    states = set(Application.objects.values_list("status", flat=True))
    assert {S.DRAFT, S.SUBMITTED, S.RECOMMENDED, S.SCREENED, S.SCREEN_FAILED} <= states
    assert all("示例" in t for t in Application.objects.values_list("title", flat=True))
    assert Expert.objects.filter(is_demo=True).exists()
    before = (Call.objects.count(), Application.objects.count(), Expert.objects.count())
    load_demo_programmes()  # idempotent
    assert (Call.objects.count(), Application.objects.count(), Expert.objects.count()) == before
