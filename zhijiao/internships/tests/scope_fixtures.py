"""Scope-matrix rows for internships, through the services where they allow it.

School A (济南) places its student (the matrix's ``student`` account) at enterprise A; school B
(青岛) places one at enterprise B; the college (济南) places one at enterprise B too, so 青岛's
host sees a 济南 placement that the 青岛 city bureau must not. Each placement gets its agreement,
insurance, mentors, check-ins, a report, pay, an evaluation, an alert and a 直报; the province
and 青岛 each launch an inspection.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from zhijiao.core.testing import blank_pdf, make_user
from zhijiao.core.testing_scope import object_url, scope_access, scope_fixture
from zhijiao.internships import services
from zhijiao.internships.models import (
    Alert,
    BlacklistEntry,
    CheckIn,
    DirectReport,
    HostAssessment,
    Incident,
    Inspection,
    InspectionItem,
    InternshipPlan,
    PayRecord,
    Placement,
    Report,
    RuleException,
)
from zhijiao.internships.services import incidents, safety, vetting

HOSTS = {"a": "a", "b": "b", "c": "b"}


def _plan(sw, key, admin, start, end) -> InternshipPlan:
    plan = services.plan_create(
        actor=admin,
        data={
            "institution": sw.schools[key],
            "offering": sw.offerings[key],
            "title": f"{sw.schools[key].name}岗位实习方案",
            "kind": "post",
            "cohort_year": 2023,
            "start_date": start - dt.timedelta(days=5),
            "end_date": end + dt.timedelta(days=5),
        },
    )
    InternshipPlan.objects.filter(pk=plan.pk).update(
        filing_status="filed", created_at=timezone.now() - dt.timedelta(days=60)
    )
    plan.refresh_from_db()
    return plan


SCHOOL_USERS = {"a": "school_a", "b": "school_b", "c": "college"}


def _vet_and_ready(sw, key, p, admin) -> None:
    """The school's approved assessment of the host (Art. 7) and the training before the start."""
    assessment = vetting.host_vet(
        actor=sw[SCHOOL_USERS[key]],
        institution=p.institution,
        enterprise=p.enterprise,
        assessed_on=p.start_date - dt.timedelta(days=30),
        report=ContentFile(blank_pdf(), name="report.pdf"),
        decision="校党委会 示例",
    )
    if key in ("a", "b"):  # published by two schools: the student (school A) reads A's list, not B's
        vetting.assessment_publish(actor=sw[SCHOOL_USERS[key]], assessment=assessment)
    before = p.start_date - dt.timedelta(days=2)
    safety.safety_record(actor=admin, placement=p, data={"training_on": before, "test_passed_on": before})


def _complete(p, admin, today, mentor_user=None) -> None:
    signed = max(min(today, p.start_date) - dt.timedelta(days=3), timezone.localdate(p.plan.created_at))
    services.agreement_record(
        actor=admin,
        placement=p,
        data={
            "location": "厂区",
            "content": "岗位实习",
            "hours_and_rest": "8小时/天",
            "board_lodging": "提供食宿",
            "safety_protection": "岗前培训",
            "insurance_policy_no": f"P-{p.pk}",
            "accident_handling": "按保险处理",
            "assessment_method": "过程+结果",
            "pay_amount": Decimal(3200),
            "pay_cycle": "每月银行转账",
            "breach_liability": "按协议",
            "school_signed_on": signed,
            "host_signed_on": signed,
            "student_signed_on": signed,
            # The 知情同意书 of student and guardian every 岗位实习 needs (教职成〔2021〕4号).
            "guardian_consent_on": signed,
            "guardian_consent_file": ContentFile(blank_pdf(), name="consent.pdf"),
        },
    )
    services.insurance_record(
        actor=admin,
        placement=p,
        data={
            "policy_no": f"INS-{p.pk}",
            "insurer": "人保",
            "coverage_start": p.start_date,
            "coverage_end": p.end_date,
        },
    )
    services.mentor_assign(actor=admin, placement=p, kind="school", name="王老师", user=mentor_user)
    services.mentor_assign(actor=admin, placement=p, kind="host", name="李工")


@scope_fixture(after=("students.students",))
def internships(sw) -> None:
    admin = sw["province_admin"]
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=10), today + dt.timedelta(days=140)
    for ent in sw.enterprises.values():
        ent.headcount = 200
        ent.save(update_fields=["headcount"])
    posts = {}
    for key, ent in sw.enterprises.items():
        posts[key] = services.post_create(
            actor=sw[f"ent_{key}"],
            data={
                "enterprise": ent,
                "name": f"{ent.name[:2]}装配岗",
                "major_category": sw.major.major_class.category,
                "wage_standard": Decimal(4000),
                "lowest_grade_wage": Decimal(3000),
                "on_duty_staff": 50,
                "latitude": Decimal("36.651200"),
                "longitude": Decimal("117.120000"),
            },
        )
    # A post school B registered at enterprise A (a school may register hosts' posts).
    services.post_create(
        actor=sw["school_b"],
        data={
            "enterprise": sw.ent_a,
            "name": "青岛学校登记岗",
            "major_category": sw.major.major_class.category,
        },
    )
    mentor = make_user("mentor_a")
    sw.users["mentor_a"] = mentor
    placements = {}
    for key in sw.schools:
        plan = _plan(sw, key, admin, start, end)
        enrolment = sw.made["students"][key]["placed"].enrolments.get(is_current=True)
        p = services.placement_create(
            actor=admin,
            plan=plan,
            enrolment=enrolment,
            post=posts[HOSTS[key]],
            data={"start_date": start, "end_date": end, "monthly_pay": Decimal(3200)},
        )
        _complete(p, admin, today, mentor_user=mentor if key == "a" else None)
        _vet_and_ready(sw, key, p, admin)
        p = services.placement_activate(actor=admin, placement=p)
        placements[key] = p
        CheckIn.objects.create(
            placement=p,
            kind="START",
            occurred_at=timezone.now() - dt.timedelta(days=1),
            latitude=Decimal("36.651200"),
            longitude=Decimal("117.120000"),
            client_key=f"matrix-{key}",
            distance_m=0,
        )
        Report.objects.create(
            placement=p,
            kind="week",
            period_start=today - dt.timedelta(days=7),
            period_end=today - dt.timedelta(days=1),
            title=f"{key}周报",
            content="本周学习了岗位操作规程。",
        )
        services.pay_record(
            actor=sw[f"ent_{HOSTS[key]}"],
            placement=p,
            data={
                "period": today.replace(day=1),
                "amount": Decimal(3200),
                "paid_on": today,
                "method": "bank_transfer",
            },
        )
        services.evaluation_by_enterprise(actor=sw[f"ent_{HOSTS[key]}"], placement=p, score=90, comment="好")
        Alert.objects.create(
            placement=p,
            institution_id=p.institution_id,
            enterprise_id=p.enterprise_id,
            rule_id="INT-MISSING",
            severity="warn",
            message="三天未签到",
            first_seen=timezone.now(),
            last_seen=timezone.now(),
        )
    # Exceptions to a "一般/原则上" rule in two organisations: one approved by the city, one waiting.
    for key, decider in (("a", sw["jinan"]), ("b", None)):
        exception = services.rule_exception_request(
            actor=admin, placement=placements[key], rule_id="INT-DUR", reason=f"{key}分两段实习"
        )
        if decider is not None:
            services.rule_exception_decide(actor=decider, exception=exception, approve=True)
    services.direct_report_submit(
        actor=sw["student"], placement=placements["a"], data={"category": "hours", "content": "加班太多。"}
    )
    for key in ("b", "c"):
        p = placements[key]
        DirectReport.objects.create(
            placement=p,
            institution_id=p.institution_id,
            enterprise_id=p.enterprise_id,
            category="fees",
            content=f"{key}收取押金。",
        )
    province = sw.province
    services.inspection_launch(
        actor=admin,
        region=province,
        title="全省专项检查",
        answer_due=today + dt.timedelta(days=20),
        sample_size=6,
    )
    services.inspection_launch(
        actor=sw["qingdao"],
        region=sw.qingdao,
        title="青岛专项检查",
        answer_due=today + dt.timedelta(days=20),
        sample_size=6,
    )
    # The province's blacklist, one entry per enterprise's region (after the placements started).
    for key, ent in sw.enterprises.items():
        vetting.blacklist_add(
            actor=admin, enterprise=ent, reason=f"{key}示例违规", document_number=f"鲁教职字〔2026〕{key}号"
        )
    # Incident 直报 in two schools, each reported with a follow-up.
    for key in ("a", "b"):
        school_user, p = sw[SCHOOL_USERS[key]], placements[key]
        incident = incidents.incident_record(
            actor=school_user,
            institution=p.institution,
            data={
                "placement": p,
                "kind": "injury",
                "occurred_at": timezone.now() - dt.timedelta(hours=5),
                "learned_at": timezone.now() - dt.timedelta(hours=4),
                "place": "车间",
                "summary": f"{key}学生手部划伤。",
            },
        )
        incidents.incident_report(actor=school_user, incident=incident)
        incidents.incident_follow_up(actor=school_user, incident=incident, content="已就医，伤情稳定。")
    sw.made["placements"] = placements


# --- access beyond the tree and the declared relationships (the student's own placement, a mentor's,
# a reporter's 直报, an inspection through its items: Model.scope_relations, read by the oracle) ----------
# The student confirms the pay that arrived (services.pay_confirm).
scope_access(PayRecord, change=lambda row, user: row.placement.enrolment.student.user_id == user.pk)

object_url("internships:placement_add", InternshipPlan)
object_url("internships:agreement_file", Placement)
object_url("internships:plan_submit", InternshipPlan)
for _name in ("placement_activate", "placement_check", "agreement", "insurance", "mentor", "grade"):
    object_url(f"internships:{_name}", Placement)
object_url("internships:exception_request", Placement)
object_url("internships:safety", Placement)
object_url("internships:outside_approve", Placement)
object_url("internships:assessment_detail", HostAssessment)
object_url("internships:assessment_edit", HostAssessment)
object_url("internships:assessment_report", HostAssessment)
object_url("internships:blacklist_lift", BlacklistEntry)
for _name in ("incident_detail", "incident_report", "incident_follow_up"):
    object_url(f"internships:{_name}", Incident)
object_url("internships:exception_decide", RuleException)
object_url("internships:direct_report_respond", DirectReport)
object_url("internships:pay_confirm", PayRecord)
object_url("internships:report_review", Report)
object_url("internships:inspection_detail", Inspection)
object_url("internships:inspection_close", Inspection)
object_url("internships:inspection_report", Inspection)
for _name in ("inspection_answer", "inspection_finding", "inspection_rectify", "inspection_evidence"):
    object_url(f"internships:{_name}", InspectionItem)

from . import scope_fixtures_batch  # noqa: E402,F401 - the batch work's rows (post changes, leave, termination)
