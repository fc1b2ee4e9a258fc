"""Awards (立项) and the follow-up rounds after them: the award record, awards as eligibility, the
rounds' reports with their form, expert review, outcomes, rectification, reminders, escalation."""

import datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from zhijiao.core.models import Notification
from zhijiao.core.services import OutOfScope
from zhijiao.programmes import awards, selectors, services
from zhijiao.programmes import services_followup as fu
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.choices import AwardStatus, FollowUpKind, NotificationKind, Outcome, ReportStatus
from zhijiao.programmes.models import Application, Award, FollowUpReport, FollowUpReview, FollowUpRound

pytestmark = pytest.mark.django_db

FORM = {
    "code": "prog_followup_test",
    "name": "中期检查表",
    "version": 1,
    "period_type": "year",
    "sections": [
        {
            "code": "main",
            "name": "进展",
            "elements": [
                {
                    "code": "progress",
                    "name": "完成进度",
                    "type": "integer",
                    "min": 0,
                    "max": 100,
                    "required": True,
                }
            ],
        }
    ],
    "rules": [],
}
RUBRIC = [
    {"code": "progress", "name": "建设进度", "max": 60},
    {"code": "effect", "name": "建设成效", "max": 40},
]


def test_approval_records_the_award_linked_to_the_applicant(world, approved):
    award = Award.objects.get()
    assert award.application == approved["b"]
    assert (award.institution, award.programme_code, award.year) == (world.school_b, "test_type", 2021)
    assert award.funding == Decimal("200.00") and award.status == AwardStatus.ACTIVE
    assert services.awards_of(world.school_b) == {"test_type"}
    assert services.awards_of(world.school_a) == set()
    # Scope: the school sees its own, the other school nothing, the city its schools, the province all.
    assert list(selectors.award_list(user=world["school_b"])) == [award]
    assert not selectors.award_list(user=world["school_a"]).exists()
    assert list(selectors.award_list(user=world["qingdao"])) == [award]
    assert not selectors.award_list(user=world["jinan"]).exists()
    assert list(selectors.award_list(user=world["province_admin"])) == [award]


def test_an_award_is_eligibility_in_a_later_call(world, approved, ptype):
    today = timezone.localdate()
    later = services.call_create(
        actor=world["province_admin"],
        programme_type=ptype,
        code="later",
        name="后续通知",
        year=2022,
        total_quota=2,
        city_quotas={world.jinan: 1, world.qingdao: 1},
        opens_on=today,
        apply_deadline=today + datetime.timedelta(days=5),
        recommend_deadline=today + datetime.timedelta(days=9),
        eligibility=[{"rule": "PROG-ELIG-AWARD", "programmes": ["test_type"], "label": "测试项目立项单位"}],
    )
    with pytest.raises(ValidationError) as exc:
        services.application_create(
            actor=world["school_a"], call=later, institution=world.school_a, title="x", field="46"
        )
    assert "测试项目立项单位" in exc.value.messages[0] and "申报条件" in exc.value.messages[0]
    app = services.application_create(
        actor=world["school_b"], call=later, institution=world.school_b, title="x", field="46"
    )
    assert app.pk
    # A revoked award no longer counts.
    awards.award_set_status(
        actor=world["province_admin"], award=Award.objects.get(), status=AwardStatus.REVOKED
    )
    assert services.eligibility_problems(later, world.school_b)


def test_applicant_kinds_name_who_applies_through_the_institution(world):
    with pytest.raises(ValidationError) as exc:
        awards.applicant_clean(kind="major", institution=world.school_a, applicant={})
    assert "offering" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        awards.applicant_clean(kind="team", institution=world.school_a, applicant={"team_name": "  "})
    assert "team_name" in exc.value.message_dict
    assert awards.applicant_clean(
        kind="teacher", institution=world.school_a, applicant={"person_name": "张老师"}
    ) == {"person_name": "张老师"}
    with pytest.raises(ValidationError) as exc:
        awards.applicant_clean(kind="partnership", institution=world.school_a, applicant={})
    assert "enterprise" in exc.value.message_dict
    assert (
        awards.applicant_clean(kind="institution", institution=world.school_a, applicant={"team_name": "x"})
        == {}
    )


def test_followup_round_with_review_outcome_rectification_and_recheck(world, approved):
    admin, school = world["province_admin"], world["school_b"]
    call = approved["call"]
    due = timezone.localdate() + datetime.timedelta(days=10)
    with pytest.raises(OutOfScope):
        fu.round_create(actor=school, call=call, kind=FollowUpKind.ACCEPTANCE, name="验收", due_date=due)
    with pytest.raises(ValidationError):  # an expert review needs a rubric adding up to 100
        fu.round_create(
            actor=admin,
            call=call,
            kind="acceptance",
            name="验收",
            due_date=due,
            expert_review=True,
            rubric=RUBRIC[:1],
        )
    rnd = fu.round_create(
        actor=admin,
        call=call,
        kind=FollowUpKind.ACCEPTANCE,
        name="2021验收",
        due_date=due,
        form=FORM,
        rubric=RUBRIC,
        expert_review=True,
        reviewers_per_report=2,
    )
    report = FollowUpReport.objects.get(round=rnd)
    assert report.institution == world.school_b and report.status == ReportStatus.DRAFT
    with pytest.raises(OutOfScope):
        fu.report_save(actor=world["school_a"], report=report, values={"progress": "50"})
    with pytest.raises(ValidationError):  # the form must be complete
        fu.report_submit(actor=school, report=report)
    with pytest.raises(ValidationError) as exc:
        fu.report_save(actor=school, report=report, values={"progress": "150"})
    assert "progress" in exc.value.message_dict
    report = fu.report_save(actor=school, report=report, values={"progress": "80"})
    report = fu.report_submit(actor=school, report=report)
    assert report.status == ReportStatus.SUBMITTED
    fu.reviewers_assign(actor=admin, round=rnd)
    reviews = list(FollowUpReview.objects.filter(report=report).select_related("user"))
    assert len(reviews) == 2
    # Expert scope: an assigned expert sees the report, another expert nothing.
    assert selectors.followup_report_list(user=reviews[0].user).filter(pk=report.pk).exists()
    other = ({e.user for e in approved["experts"]} - {r.user for r in reviews}).pop()
    assert not selectors.followup_report_list(user=other).exists()
    with pytest.raises(ValidationError):  # scores not in yet
        fu.report_conclude(actor=admin, report=report, outcome=Outcome.PASS)
    for review in reviews:
        with pytest.raises(ValidationError):
            fu.review_submit(
                actor=review.user, review=review, scores={"progress": "61", "effect": "1"}, comments={}
            )
        fu.review_submit(
            actor=review.user, review=review, scores={"progress": "40", "effect": "30"}, comments={}
        )
    report.refresh_from_db()
    assert report.score == Decimal("70.00")
    with pytest.raises(ValidationError):
        fu.report_conclude(actor=admin, report=report, outcome="bogus")
    with pytest.raises(ValidationError):  # a first 不合格 orders rectification and needs the reason
        fu.report_conclude(actor=admin, report=report, outcome=Outcome.FAIL)
    report = fu.report_conclude(actor=admin, report=report, outcome=Outcome.FAIL, note="佐证材料不全")
    assert (
        report.status == ReportStatus.RECTIFYING
        and report.rectify_deadline == timezone.localdate() + datetime.timedelta(days=rnd.rectify_days)
    )
    assert Notification.objects.filter(user=school, kind=NotificationKind.FOLLOWUP_OUTCOME).exists()
    report = fu.report_save(actor=school, report=report, values={"progress": "100"})
    report = fu.report_submit(actor=school, report=report)
    report = fu.report_conclude(actor=admin, report=report, outcome=Outcome.PASS)
    assert (report.status, report.outcome) == (ReportStatus.CONCLUDED, Outcome.PASS)
    assert Award.objects.get().status == AwardStatus.ACCEPTED
    with pytest.raises(ValidationError):
        fu.report_save(actor=school, report=report, values={"progress": "1"})


def test_a_second_fail_revokes_the_award(world, approved):
    admin, school = world["province_admin"], world["school_b"]
    rnd = fu.round_create(
        actor=admin,
        call=approved["call"],
        kind=FollowUpKind.MIDTERM,
        name="中期",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    report = fu.report_submit(actor=school, report=FollowUpReport.objects.get(round=rnd))
    report = fu.report_conclude(actor=admin, report=report, outcome=Outcome.FAIL, note="进度滞后")
    report = fu.report_submit(actor=school, report=report)
    report = fu.report_conclude(actor=admin, report=report, outcome=Outcome.FAIL, note="整改未到位")
    assert (report.status, report.outcome) == (ReportStatus.CONCLUDED, Outcome.FAIL)
    assert Award.objects.get().status == AwardStatus.REVOKED


def test_reminders_before_and_escalation_after_the_deadline(world, approved):
    admin, school, city = world["province_admin"], world["school_b"], world["qingdao"]
    today = timezone.localdate()
    rnd = fu.round_create(
        actor=admin,
        call=approved["call"],
        kind=FollowUpKind.MIDTERM,
        name="中期",
        due_date=today + datetime.timedelta(days=7),
    )
    assert fu.reminders_send(today=today) == {"reminders": 1, "overdue": 0, "escalations": 0}
    assert fu.reminders_send(today=today) == {"reminders": 0, "overdue": 0, "escalations": 0}  # idempotent
    assert fu.reminders_send(today=today + datetime.timedelta(days=2)) == {
        "reminders": 0,
        "overdue": 0,
        "escalations": 0,
    }
    late = rnd.due_date + datetime.timedelta(days=1)
    assert fu.reminders_send(today=late) == {"reminders": 0, "overdue": 1, "escalations": 0}
    report = FollowUpReport.objects.get(round=rnd)
    with pytest.raises(ValidationError), mock.patch("zhijiao.programmes.services.today", return_value=late):
        fu.report_submit(actor=school, report=report)  # after the deadline: refused
    escalate = rnd.due_date + datetime.timedelta(days=3)
    assert fu.reminders_send(today=escalate)["escalations"] == 1
    assert Notification.objects.filter(user=city, kind=NotificationKind.FOLLOWUP_ESCALATION).count() == 1
    assert fu.reminders_send(today=escalate + datetime.timedelta(days=1))["escalations"] == 0
    assert Notification.objects.filter(user=school, kind=NotificationKind.FOLLOWUP_OVERDUE).count() == 3


def test_must_be_a_brand_major_reads_the_awards_of_the_offered_major(world, ptype):
    """ "须为品牌专业": a major's application is eligible when that offered major holds the award."""
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.programmes import definitions
    from zhijiao.programmes.tests.conftest import TYPE

    brand = InstitutionMajor.objects.create(institution=world.school_a, major=world.major, start_year=2015)
    other = InstitutionMajor.objects.create(institution=world.school_a, major=world.major, start_year=2019)
    earlier = services.call_create(
        actor=world["province_admin"],
        programme_type=ptype,
        code="brand-2019",
        name="品牌专业",
        year=2019,
        total_quota=1,
        city_quotas={world.jinan: 1},
        opens_on=timezone.localdate(),
        apply_deadline=timezone.localdate(),
        recommend_deadline=timezone.localdate(),
    )
    app = Application.objects.create(
        call=earlier, institution=world.school_a, title="品牌", field="46", status=S.APPROVED, offering=brand
    )
    Award.objects.create(
        application=app,
        programme_code="brand_major",
        name="品牌专业",
        year=2019,
        applicant_kind="major",
        institution=world.school_a,
        offering=brand,
        awarded_on=timezone.localdate(),
    )
    major_type = definitions.type_load(
        actor=world["province_admin"],
        text=TYPE.replace("code: test_type", "code: major_type").replace(
            "applicant: institution", "applicant: major"
        ),
    )
    today = timezone.localdate()
    call = services.call_create(
        actor=world["province_admin"],
        programme_type=major_type,
        code="high-level-major",
        name="高水平专业",
        year=2021,
        total_quota=2,
        city_quotas={world.jinan: 2},
        opens_on=today,
        apply_deadline=today + datetime.timedelta(days=3),
        recommend_deadline=today + datetime.timedelta(days=5),
        eligibility=[{"rule": "PROG-ELIG-AWARD", "programmes": ["brand_major"], "label": "省级品牌专业"}],
    )
    with pytest.raises(ValidationError) as exc:
        services.application_create(
            actor=world["school_a"],
            call=call,
            institution=world.school_a,
            title="非品牌专业申报",
            field="46",
            applicant={"offering": other},
        )
    assert "省级品牌专业" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:  # the applicant kind needs the offered major
        services.application_create(
            actor=world["school_a"], call=call, institution=world.school_a, title="x", field="46"
        )
    assert "offering" in exc.value.message_dict
    ok = services.application_create(
        actor=world["school_a"],
        call=call,
        institution=world.school_a,
        title="品牌专业申报",
        field="46",
        applicant={"offering": brand},
    )
    assert ok.offering == brand
    with pytest.raises(ValidationError):  # one application per offered major
        services.application_create(
            actor=world["school_a"],
            call=call,
            institution=world.school_a,
            title="again",
            field="46",
            applicant={"offering": brand},
        )


def test_lists_take_a_constant_number_of_queries(world, approved, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    rnd = fu.round_create(
        actor=world["province_admin"],
        call=approved["call"],
        kind=FollowUpKind.MIDTERM,
        name="中期",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    client = login(world["province_admin"])

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    first = (count("/programmes/awards/"), count(f"/programmes/followup/{rnd.pk}/"))
    for school in [world.school_a] * 3:
        extra = Application.objects.create(
            call=approved["call"], institution=school, title="加", field="46", status=S.APPROVED
        )
        Award.objects.create(
            application=extra,
            programme_code="test_type",
            name="测试项目",
            year=2021,
            applicant_kind="institution",
            institution=school,
            awarded_on=timezone.localdate(),
        )
    fu.round_create(
        actor=world["province_admin"],
        call=approved["call"],
        kind=FollowUpKind.MIDTERM,
        name="中期二",
        due_date=timezone.localdate() + datetime.timedelta(days=3),
    )
    rnd2 = FollowUpRound.objects.get(name="中期二")
    assert rnd2.reports.count() == 4
    assert (count("/programmes/awards/"), count(f"/programmes/followup/{rnd2.pk}/")) == first


def test_reminders_are_scheduled_through_the_app_config(world, approved):
    from zhijiao.core.tasks import contributed_beat_schedule
    from zhijiao.programmes.tasks import followup_reminders

    entry = contributed_beat_schedule()["programmes.followup_reminders"]
    assert entry["task"] == "programmes.followup_reminders"
    rnd = fu.round_create(
        actor=world["province_admin"],
        call=approved["call"],
        kind=FollowUpKind.TERM_END,
        name="期满考核",
        due_date=timezone.localdate() + datetime.timedelta(days=1),
    )
    assert followup_reminders(rnd.due_date.isoformat()) == {"reminders": 1, "overdue": 0, "escalations": 0}
