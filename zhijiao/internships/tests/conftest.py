import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from zhijiao.core.testing import blank_pdf, make_resident_id, make_user
from zhijiao.internships import services
from zhijiao.internships.models import InternshipPlan
from zhijiao.students.models import Enrolment, Student


class IWorld:
    """The core ``World`` plus students, a filed plan, a post and helpers to build compliant placements."""

    def __init__(self, world):
        self.w = world
        self.today = timezone.localdate()
        self.start = self.today - dt.timedelta(days=10)
        self.end = self.start + dt.timedelta(days=150)
        self.school_admin = world["school_a"]
        self.province = world["province_admin"]
        self.mentor_user = make_user("mentor_a")
        self.host_user = world["ent_a"]
        self.plan = services.plan_create(
            actor=self.school_admin,
            data={
                "institution": world.school_a,
                "offering": world.offering_a,
                "title": "2024级计算机应用岗位实习",
                "kind": "post",
                "cohort_year": 2024,
                "start_date": self.start - dt.timedelta(days=5),
                "end_date": self.end + dt.timedelta(days=5),
            },
        )
        # The plan was written two months ago (agreements signed before the start are not "backdated").
        InternshipPlan.objects.filter(pk=self.plan.pk).update(
            filing_status="filed", created_at=timezone.now() - dt.timedelta(days=60)
        )
        self.plan.refresh_from_db()
        world.ent_a.headcount = 200
        world.ent_a.save()
        self.post = services.post_create(
            actor=self.host_user,
            data={
                "enterprise": world.ent_a,
                "name": "软件测试助理",
                "major_category": world.major.major_class.category,
                "wage_standard": Decimal(4000),
                "lowest_grade_wage": Decimal(3000),
                "on_duty_staff": 50,
                "latitude": Decimal("36.651200"),
                "longitude": Decimal("117.120000"),
            },
        )
        self.n = 0

    def student(
        self,
        *,
        birth="20060101",
        gender="male",
        entry=dt.date(2023, 9, 1),
        school=None,
        offering=None,
        user=True,
    ):
        self.n += 1
        school = school or self.w.school_a
        student = Student.objects.create(
            name=f"学生{self.n}",
            gender=gender,
            id_number=make_resident_id(birth=birth, order=self.n),
            birth_date=dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:])),
            current_institution=school,
            user=make_user(f"stu{self.n}") if user else None,
        )
        enrolment = Enrolment.objects.create(
            student=student,
            institution=school,
            offering=offering or self.w.offering_a,
            cohort_year=entry.year,
            entry_date=entry,
            status="registered",
        )
        return enrolment

    def placement(self, enrolment=None, *, post=None, data=None, complete=True, activate=False):
        enrolment = enrolment or self.student()
        data = {"start_date": self.start, "end_date": self.end, "monthly_pay": Decimal(3200), **(data or {})}
        p = services.placement_create(
            actor=self.school_admin, plan=self.plan, enrolment=enrolment, post=post or self.post, data=data
        )
        if complete:
            self.complete(p)
        if activate:
            services.placement_activate(actor=self.school_admin, placement=p)
            p.refresh_from_db()
        return p

    def vet(self, institution, enterprise, *, actor=None):
        """The school's approved on-site assessment of the host (教职成〔2021〕4号第七条), once."""
        from zhijiao.internships.models import HostAssessment
        from zhijiao.internships.services.vetting import host_vet

        if HostAssessment.objects.filter(institution=institution, enterprise=enterprise).exists():
            return
        actor = actor or (self.school_admin if institution == self.w.school_a else self.w["school_b"])
        host_vet(
            actor=actor,
            institution=institution,
            enterprise=enterprise,
            assessed_on=self.start - dt.timedelta(days=30),
            report=ContentFile(blank_pdf(), name="report.pdf"),
            decision="校党委会 示例",
        )

    def ready(self, p):
        """Training and its test before the start (and a minor's health check and registration)."""
        from zhijiao.internships.services.safety import safety_record

        before = p.start_date - dt.timedelta(days=2)
        safety_record(
            actor=self.school_admin,
            placement=p,
            data={
                "training_on": before,
                "test_passed_on": before,
                "health_check_on": before,
                "minor_registered_on": before,
                "minor_registration_no": "WCN-1",
            },
        )

    def complete(self, p):
        self.vet(p.institution, p.enterprise)
        self.ready(p)
        signed = max(
            min(self.today, p.start_date) - dt.timedelta(days=3), timezone.localdate(p.plan.created_at)
        )
        services.agreement_record(
            actor=self.school_admin,
            placement=p,
            data={
                "location": "济南",
                "content": "软件测试",
                "hours_and_rest": "8小时/天",
                "board_lodging": "提供食宿",
                "safety_protection": "岗前培训",
                "insurance_policy_no": "P-1",
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
            actor=self.school_admin,
            placement=p,
            data={
                "policy_no": f"INS-{p.pk}",
                "insurer": "人保",
                "coverage_start": p.start_date,
                "coverage_end": p.end_date,
            },
        )
        services.mentor_assign(
            actor=self.school_admin, placement=p, kind="school", name="王老师", user=self.mentor_user
        )
        services.mentor_assign(actor=self.school_admin, placement=p, kind="host", name="李工")
        return p


@pytest.fixture
def iw(world):
    return IWorld(world)
