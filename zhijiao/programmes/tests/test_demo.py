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


def test_the_demo_takes_a_call_to_awards_and_follow_up_rounds(world):
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.programmes.choices import ReportStatus
    from zhijiao.programmes.models import Award, FollowUpReport, FollowUpRound

    schools = [world.school_a, world.school_b] + [
        InstitutionFactory(name=f"示例职业中专{n}", region=world.lixia if n % 2 else world.shinan)
        for n in range(4)
    ]
    for school in schools:
        InstitutionMajor.objects.create(institution=school, major=world.major, start_year=2018)
    load_demo_programmes()
    call = Call.objects.get(code="2019-r11-brand")
    assert call.stage == "approved"
    awards = Award.objects.filter(application__call=call)
    assert awards.count() == 4 and all(a.offering_id and a.is_demo for a in awards)
    assert set(Application.objects.filter(call=call).values_list("status", flat=True)) == {
        S.APPROVED,
        S.SUBMITTED,
        S.NOT_RECOMMENDED,
    }
    assert FollowUpRound.objects.filter(call=call).count() == 2
    states = set(FollowUpReport.objects.values_list("status", flat=True))
    assert {
        ReportStatus.DRAFT,
        ReportStatus.UNDER_REVIEW,
        ReportStatus.RECTIFYING,
        ReportStatus.CONCLUDED,
    } <= states
    before = (Award.objects.count(), FollowUpReport.objects.count())
    load_demo_programmes()
    assert (Award.objects.count(), FollowUpReport.objects.count()) == before


def test_the_demo_has_a_call_resting_in_each_middle_phase(world, client):
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.programmes import services
    from zhijiao.programmes.choices import ObjectionStatus, ReviewStatus
    from zhijiao.programmes.models import Objection, Review

    schools = [world.school_a, world.school_b] + [
        InstitutionFactory(name=f"示例职业中专{n}", region=world.lixia if n % 2 else world.shinan)
        for n in range(4)
    ]
    for school in schools:
        InstitutionMajor.objects.create(institution=school, major=world.major, start_year=2018)
    load_demo_programmes()
    stages = dict(Call.objects.filter(code__startswith="2021-r11-brand-").values_list("code", "stage"))
    assert stages == {
        "2021-r11-brand-review": "reviewing",
        "2021-r11-brand-decided": "decided",
        "2021-r11-brand-notice": "publicised",
    }
    reviewing = Call.objects.get(code="2021-r11-brand-review")
    assert set(Application.objects.filter(call=reviewing).values_list("status", flat=True)) == {
        S.UNDER_REVIEW
    }
    in_review = set(Review.objects.filter(application__call=reviewing).values_list("status", flat=True))
    assert in_review == {ReviewStatus.SUBMITTED, ReviewStatus.ASSIGNED}
    decided = Call.objects.get(code="2021-r11-brand-decided")
    assert Application.objects.filter(call=decided, status=S.SHORTLISTED).count() == 4
    assert services.funding_total(decided) <= decided.budget_total
    assert Application.objects.filter(call=decided, funding__isnull=False).count() == 2
    notice = Call.objects.get(code="2021-r11-brand-notice")
    assert services.objection_window_open(notice)
    assert Application.objects.filter(call=notice, status=S.SHORTLISTED).count() == 4
    assert sorted(Objection.objects.filter(call=notice).values_list("status", flat=True)) == [
        ObjectionStatus.ANSWERED,
        ObjectionStatus.OPEN,
    ]
    # The public notice and the objection form open without an account.
    page = client.get(f"/programmes/public/{notice.code}/").content.decode()
    assert f"/programmes/public/{notice.code}/objection/" in page and "维持拟立项结论" in page
    assert client.get(f"/programmes/public/{notice.code}/objection/").status_code == 200
