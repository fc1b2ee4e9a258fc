import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.internships import services
from zhijiao.internships.models import Placement, Post
from zhijiao.internships.services import PlacementBlocked

pytestmark = pytest.mark.django_db


def test_complete_placement_activates_with_audit(iw):
    p = iw.placement()
    assert p.violations == [] or all(
        v["severity"] != "block" for v in Placement.objects.get(pk=p.pk).violations
    )
    services.placement_activate(actor=iw.school_admin, placement=p)
    p.refresh_from_db()
    assert p.status == "active" and p.activated_at
    assert AuditEntry.objects.filter(
        object_type="internships.placement", object_id=str(p.pk), message="activate"
    ).exists()


def test_activation_lists_every_failure(iw):
    enrolment = iw.student(
        birth=(iw.start - dt.timedelta(days=365 * 15)).strftime("%Y%m%d"),
        entry=iw.today - dt.timedelta(days=100),
    )
    p = iw.placement(enrolment, complete=False)
    with pytest.raises(PlacementBlocked) as exc:
        services.placement_activate(actor=iw.school_admin, placement=p)
    found = {v.rule_id for v in exc.value.violations}
    assert {"INT-AGE", "INT-GRADE1", "INT-AGREE", "INT-INS", "INT-MENTOR"} <= found
    p.refresh_from_db()
    assert p.status == "draft"
    # The stored check explains the block on the placement page.
    assert {v["rule_id"] for v in p.violations} >= {"INT-AGE", "INT-GRADE1"}


def test_caps_counted_across_schools(iw, world):
    Post.objects.filter(pk=iw.post.pk).update(on_duty_staff=10)  # 20 % of 10 = 2 interns on the post
    iw.placement(activate=True)
    other = iw.student(school=world.school_b, offering=world.offering_b)
    from zhijiao.internships.models import InternshipPlan

    plan_b = services.plan_create(
        actor=world["school_b"],
        data={
            "institution": world.school_b,
            "offering": world.offering_b,
            "title": "青岛计划",
            "kind": "post",
            "cohort_year": 2024,
            "start_date": iw.plan.start_date,
            "end_date": iw.plan.end_date,
        },
    )
    InternshipPlan.objects.filter(pk=plan_b.pk).update(filing_status="filed", created_at=iw.plan.created_at)
    plan_b.refresh_from_db()
    pb = services.placement_create(
        actor=world["school_b"],
        plan=plan_b,
        enrolment=other,
        post=iw.post,
        data={"start_date": iw.start, "end_date": iw.end, "monthly_pay": Decimal(3200)},
    )
    iw.school_admin, saved = world["school_b"], iw.school_admin
    iw.complete(pb)
    services.placement_activate(actor=world["school_b"], placement=pb)  # 2 of 10: allowed
    iw.school_admin = saved
    third = iw.placement()
    with pytest.raises(PlacementBlocked) as exc:
        services.placement_activate(actor=iw.school_admin, placement=third)
    assert [v.rule_id for v in exc.value.violations] == ["INT-RATIO-POST"]


def test_headcount_change_that_breaks_caps_is_refused(iw):
    iw.placement(activate=True)
    iw.placement(activate=True)
    with pytest.raises(ValidationError) as exc:
        services.post_update(actor=iw.host_user, post=iw.post, data={"on_duty_staff": 9})
    assert "on_duty_staff" in exc.value.message_dict
    services.post_update(actor=iw.host_user, post=iw.post, data={"on_duty_staff": 10})


def test_suspended_or_graduated_student_cannot_be_placed(iw):
    enrolment = iw.student()
    enrolment.status = "suspended"
    enrolment.save()
    with pytest.raises(ValidationError):
        iw.placement(enrolment)
    assert not Placement.objects.filter(enrolment=enrolment).exists()


def test_active_placement_change_that_breaks_a_rule_is_rolled_back(iw):
    p = iw.placement(activate=True)
    with pytest.raises(PlacementBlocked):
        services.placement_update(actor=iw.school_admin, placement=p, data={"monthly_pay": Decimal(100)})
    p.refresh_from_db()
    assert p.monthly_pay == Decimal(3200)


def test_backdated_and_future_agreements_rejected(iw):
    p = iw.placement(complete=False)
    with pytest.raises(ValidationError) as exc:
        services.agreement_record(
            actor=iw.school_admin, placement=p, data={"school_signed_on": iw.today + dt.timedelta(days=1)}
        )
    assert "school_signed_on" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.agreement_record(
            actor=iw.school_admin, placement=p, data={"host_signed_on": dt.date(2001, 1, 1)}
        )


def test_out_of_scope_school_cannot_touch_placement(iw, world):
    p = iw.placement()
    with pytest.raises(OutOfScope):
        services.placement_activate(actor=world["school_b"], placement=p)
    with pytest.raises(OutOfScope):
        services.agreement_record(actor=world["school_b"], placement=p, data={"location": "x"})


def test_plan_filing_state_machine(iw, world):
    plan = services.plan_create(
        actor=iw.school_admin,
        data={
            "institution": world.school_a,
            "offering": world.offering_a,
            "title": "认识实习",
            "kind": "cognitive",
            "cohort_year": 2025,
            "start_date": iw.start,
            "end_date": iw.start + dt.timedelta(days=3),
        },
    )
    assert plan.filing_status == "draft"
    services.plan_submit_filing(actor=iw.school_admin, plan=plan)
    plan.refresh_from_db()
    assert plan.filing_status == "in_review"
    with pytest.raises(ValidationError):
        services.plan_submit_filing(actor=iw.school_admin, plan=plan)


def test_legacy_kind_maps_to_post(iw, world):
    plan = services.plan_create(
        actor=iw.school_admin,
        data={
            "institution": world.school_a,
            "offering": world.offering_a,
            "title": "顶岗",
            "kind": "cognitive",
            "legacy_type": "顶岗",
            "cohort_year": 2020,
            "start_date": iw.start,
            "end_date": iw.end,
        },
    )
    assert plan.kind == "post"


def test_reports_review_and_grade(iw):
    from zhijiao.internships.selectors import internship_blocks_graduation, internship_grade_for

    p = iw.placement(activate=True)
    student_user = p.enrolment.student.user
    report = services.report_submit(
        actor=student_user,
        placement=p,
        data={
            "kind": "week",
            "period_start": iw.start,
            "period_end": iw.start + dt.timedelta(days=6),
            "title": "第1周",
            "content": "学习测试用例设计",
        },
    )
    assert report.fingerprint is not None
    with pytest.raises(ValidationError):
        services.report_review(actor=iw.mentor_user, report=report, accept=False, comment="")
    services.report_review(actor=iw.mentor_user, report=report, accept=True)
    report.refresh_from_db()
    assert report.status == "reviewed" and report.reviewed_by == iw.mentor_user
    with pytest.raises(OutOfScope):
        services.report_submit(
            actor=iw.mentor_user,
            placement=p,
            data={
                "kind": "day",
                "period_start": iw.today,
                "period_end": iw.today,
                "title": "x",
                "content": "y",
            },
        )
    assert internship_grade_for(p.enrolment) == ""
    services.evaluation_grade(actor=iw.mentor_user, placement=p, grade="fail")
    assert internship_grade_for(p.enrolment) == "fail"
    assert internship_blocks_graduation(p.enrolment)
    # The registry prefills its graduation entries with it (InternshipsConfig.enrolment_grades).
    from zhijiao.students.views import _internship_grades

    assert _internship_grades([p.enrolment]) == {p.enrolment.pk: "fail"}
    services.evaluation_grade(actor=iw.school_admin, placement=p, grade="pass")
    assert not internship_blocks_graduation(p.enrolment)


def test_direct_report_anonymous_to_authority(iw, world):
    from zhijiao.internships.selectors import direct_report_list, reporter_visible

    p = iw.placement(activate=True)
    student_user = p.enrolment.student.user
    report = services.direct_report_submit(
        actor=student_user,
        data={"category": "fees", "content": "收取押金500元", "anonymous_to_authority": True},
    )
    assert report.institution_id == world.school_a.pk
    assert direct_report_list(user=world["province_admin"]).filter(pk=report.pk).exists()
    assert not reporter_visible(user=world["province_admin"], report=report)
    assert reporter_visible(user=iw.school_admin, report=report)
    assert not direct_report_list(user=world["school_b"]).filter(pk=report.pk).exists()
    services.direct_report_respond(actor=iw.school_admin, report=report, response="已核实并退还")
    services.direct_report_respond(actor=world["jinan"], report=report, response="已督办", close=True)
    report.refresh_from_db()
    assert report.school_responded_at and report.authority_responded_at and report.status == "closed"


def test_pay_record_and_confirmation(iw):
    p = iw.placement(activate=True)
    rec = services.pay_record(
        actor=iw.host_user,
        placement=p,
        data={"period": iw.start, "amount": Decimal(3200), "paid_on": iw.today},
    )
    services.pay_confirm(
        actor=p.enrolment.student.user, record=rec, received_amount=Decimal(3000), note="少了200"
    )
    rec.refresh_from_db()
    assert rec.confirmed_at and rec.received_amount == Decimal(3000)
    with pytest.raises(OutOfScope):
        services.pay_confirm(actor=iw.host_user, record=rec, received_amount=Decimal(1))


def test_inspection_flow(iw, world):
    iw.placement(activate=True)
    insp = services.inspection_launch(
        actor=world["jinan"],
        region=world.jinan,
        title="2026年实习专项检查",
        answer_due=iw.today + dt.timedelta(days=14),
        sample_size=5,
    )
    item = insp.items.get()
    assert insp.checklist and item.institution_id == world.school_a.pk
    services.inspection_answer(actor=iw.school_admin, item=item, answer="已提供协议和保单")
    with pytest.raises(ValidationError):
        services.inspection_finding(actor=world["jinan"], item=item, result="non_compliant")
    services.inspection_finding(
        actor=world["jinan"],
        item=item,
        result="non_compliant",
        failed_rules=["INT-PAY"],
        rectification_due=iw.today + dt.timedelta(days=30),
    )
    with pytest.raises(OutOfScope):
        services.inspection_answer(actor=world["school_b"], item=item, answer="x")


def test_plan_filing_goes_through_city_and_province(iw, world):
    from zhijiao.workflows.models import ApprovalRequest
    from zhijiao.workflows.services import request_approve, request_return

    plan = services.plan_create(
        actor=iw.school_admin,
        data={
            "institution": world.school_a,
            "offering": world.offering_a,
            "title": "2025级岗位实习",
            "kind": "post",
            "cohort_year": 2025,
            "start_date": iw.start,
            "end_date": iw.end,
        },
    )
    services.plan_submit_filing(actor=iw.school_admin, plan=plan)
    request = ApprovalRequest.objects.get(kind=services.FILING_KIND, object_id=plan.pk)
    request_return(actor=world["jinan"], request=request, comment="缺少安全预案")
    plan.refresh_from_db()
    assert plan.filing_status == "returned" and "安全预案" in plan.filing_comment
    services.plan_submit_filing(actor=iw.school_admin, plan=plan, note="已补充")
    request.refresh_from_db()
    request = request_approve(actor=world["jinan"], request=request)
    plan.refresh_from_db()
    assert plan.filing_status == "in_review"
    request_approve(actor=world["province_admin"], request=request)
    plan.refresh_from_db()
    assert plan.filing_status == "filed" and plan.filing_reference
