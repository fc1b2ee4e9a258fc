"""Demo internships: filed plans, active placements (most compliant, some blocked or flagged),
check-ins of the last week, reports, direct reports, alerts from a sweep and an open inspection.

Deterministic (``random.Random(SEED)``) and idempotent: nothing is written once a plan exists.
Writes go through the services with the demo actor (the province administrator), students' own
writes with the student's account. Two seed-only shortcuts, both because the services refuse the
past by design: check-ins of the last week are bulk-inserted (ingestion accepts at most 72 hours
of delay), and plans are dated two months back so that agreements signed before the start are not
taken for backdated ones.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from zhijiao.core.actors import system_actor
from zhijiao.enterprises.models import Enterprise

from . import services
from .checkins import haversine_m
from .demo_batch import load_demo_batch
from .models import CheckIn, InternshipPlan, Placement, Post
from .services import incidents, safety, vetting
from .sweep import run_sweep

SEED = 2022
REPORT_TEXTS = [
    "本周跟随企业导师熟悉了岗位操作规程，学习了安全生产制度，完成了基础操作训练。",
    "这周主要参与产线质量检验，记录了检验数据，发现并报告了两处异常，导师进行了讲解。",
    "本周学习了客户服务流程，独立接待了几位客户，体会到沟通技巧的重要性。",
    "本周在导师指导下完成设备日常点检与保养，掌握了常见故障的排查方法。",
]
TEMPLATE_TEXT = (
    "本周在企业导师的指导下学习了岗位操作规范和安全制度，完成了分配的各项任务，收获很大，今后继续努力。"
)


def _scan() -> bytes:
    """A blank one-page PDF standing in for a scanned form (uploads are checked as real PDFs)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def _actor():
    from zhijiao.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(role="province_admin").select_related("user").order_by("id").first()
    return ra.user if ra else None


def load_demo_internships(*, actor=None, schools: int = 4, per_school: int = 30) -> dict:
    if InternshipPlan.objects.exists():
        return {"created": False, "placements": Placement.objects.count()}
    actor = actor or _actor()
    with transaction.atomic():
        return _load(actor=actor, schools=schools, per_school=per_school)


def _account_node(username: str, field: str):
    from zhijiao.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(user__username=username).select_related(field).first()
    return getattr(ra, field, None) if ra else None


def _eligible_enrolments(schools: int, per_school: int, first=()):
    """Students to place: the demo accounts' schools first (the school, the college), then the
    schools with most students. The student account's enrolment comes first of all, so that its
    placement is a compliant one (the loop below gives some placements problems by position)."""
    from zhijiao.students.models import Enrolment

    year = timezone.localdate().year
    base = Enrolment.objects.filter(
        is_current=True, status__in=["registered", "retained"], cohort_year__lte=year - 1
    )
    ids = [inst.pk for inst in first if inst is not None]
    top = list(
        base.exclude(institution_id__in=ids)
        .values("institution_id")
        .annotate(n=Count("id"))
        .order_by("-n", "institution_id")[: max(schools - len(ids), 0)]
    )
    out = []
    for inst_id in ids + [row["institution_id"] for row in top]:
        out += list(
            base.filter(institution_id=inst_id)
            .select_related("student__user", "offering__major__major_class__category", "institution__region")
            .order_by("cohort_year", "id")[:per_school]
        )
    out.sort(key=lambda e: not (e.student.user_id and e.student.user.username == "student_demo"))
    return out


def _ensure_enrolments(actor) -> list:
    """When the registry is empty (the students demo did not run): a few enrolments written directly."""
    from zhijiao.core.testing import make_resident_id
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.students.models import Enrolment, Student

    offerings = list(InstitutionMajor.objects.select_related("institution").order_by("id")[:2])
    made = []
    for k, offering in enumerate(offerings):
        for i in range(10):
            birth = dt.date(2007, 1 + i % 12, 1 + i)
            student = Student.objects.create(
                name=f"实习生{k}{i:02d}",
                gender="female" if i % 3 == 0 else "male",
                id_number=make_resident_id(birth=birth.strftime("%Y%m%d"), order=100 + k * 20 + i),
                birth_date=birth,
                current_institution=offering.institution,
            )
            made.append(
                Enrolment.objects.create(
                    student=student,
                    institution=offering.institution,
                    offering=offering,
                    cohort_year=2024,
                    entry_date=dt.date(2024, 9, 1),
                    status="registered",
                    class_name="2024级实习班",
                )
            )
    return made


def _approve_filing(plan, actor) -> None:
    from django.apps import apps

    services.plan_submit_filing(actor=actor, plan=plan, note="")
    if apps.is_installed("zhijiao.workflows"):
        from zhijiao.workflows import services as wf
        from zhijiao.workflows.models import ApprovalRequest

        request = (
            ApprovalRequest.objects.filter(kind=services.FILING_KIND, object_id=plan.pk)
            .order_by("-id")
            .first()
        )
        while request is not None and request.status == "in_review":
            request = wf.request_approve(actor=system_actor("demo"), request=request)
    else:
        services.plan_decide_filing(actor=actor, plan=plan, approve=True)


def _load(*, actor, schools: int, per_school: int) -> dict:
    rng = random.Random(SEED)
    today = timezone.localdate()
    demo_school = _account_node("school", "institution")
    college = _account_node("college", "institution")
    demo_host = _account_node("enterprise", "enterprise")
    enrolments = _eligible_enrolments(
        schools, per_school, first=(demo_school, college)
    ) or _ensure_enrolments(actor)
    if not enrolments:
        return {"created": False, "placements": 0}
    start = today - dt.timedelta(days=24)
    end = start + dt.timedelta(days=170)

    # Host enterprises near the schools; two posts each per major category used.
    enterprises = list(Enterprise.objects.filter(headcount__gte=200).order_by("credit_code")[:12]) or list(
        Enterprise.objects.order_by("credit_code")[:12]
    )
    if demo_host is not None:
        enterprises = [e for e in enterprises if e.pk != demo_host.pk]
    if not enterprises:
        return {"created": False, "placements": 0}
    # The enterprise account hosts a few interns of the demo school (as many as its staff allows:
    # a tenth of the headcount, a fifth of a post's staff).
    host_quota = min(4, (demo_host.headcount // 10) if demo_host else 0)
    hosted = 0
    posts: dict[tuple[int, int, str], Post] = {}

    def post_for(enterprise, category, *, risky: str = "") -> Post:
        key = (enterprise.pk, category.name, risky)
        if key not in posts:
            staff = max(enterprise.headcount // 3, 20)
            data = {
                "enterprise": enterprise,
                "name": f"{category.name[:-2]}{'夜班' if risky == 'night' else ''}{'重体力' if risky == 'heavy' else ''}实习岗",
                "major_category": category,
                "wage_standard": Decimal(4000),
                "lowest_grade_wage": Decimal(2800),
                "on_duty_staff": staff,
                "headcount": staff // 5,
                "workplace": enterprise.address or enterprise.name,
                "latitude": Decimal("36.65") + Decimal(rng.randint(0, 4000)) / 100000,
                "longitude": Decimal("117.00") + Decimal(rng.randint(0, 4000)) / 100000,
            }
            if risky == "night":
                data.update(shift_start=dt.time(20), shift_end=dt.time(4))
            if risky == "heavy":
                data.update(physical_labour_level=3)
            posts[key] = services.post_create(actor=actor, data=data)
        return posts[key]

    # One filed post-internship plan per school and offering; the last one stays in review.
    plans: dict[tuple[int, int], InternshipPlan] = {}
    for e in enrolments:
        key = (e.institution_id, e.offering_id)
        if key not in plans:
            plans[key] = services.plan_create(
                actor=actor,
                data={
                    "institution": e.institution,
                    "offering": e.offering,
                    "title": f"{e.cohort_year}级{e.offering.major.name}岗位实习方案",
                    "kind": "post",
                    "cohort_year": e.cohort_year,
                    "start_date": start,
                    "end_date": end,
                },
            )
    InternshipPlan.objects.filter(pk__in=[p.pk for p in plans.values()]).update(
        created_at=timezone.now() - dt.timedelta(days=60)
    )
    plan_list = list(plans.values())
    for plan in plan_list:
        plan.refresh_from_db()
        if len(plan_list) < 3 or plan is not plan_list[-1]:  # one plan stays in review when there are several
            _approve_filing(plan, actor)
    if demo_school is not None:
        _plans_in_every_state(actor, demo_school, start)
    blocked, active = [], []
    vetted: set[tuple[int, int]] = set()
    _blacklist_one(actor, enterprises, demo_host)
    for i, e in enumerate(enrolments):
        plan = plans[(e.institution_id, e.offering_id)]
        enterprise = enterprises[i % len(enterprises)]
        if (
            demo_school is not None
            and e.institution_id == demo_school.pk
            and i % 3 == 1
            and hosted < host_quota
        ):
            enterprise, hosted = demo_host, hosted + 1
        category = e.offering.major.major_class.category
        risky = "night" if i % 37 == 5 else ("heavy" if i % 41 == 7 else "")
        post = post_for(enterprise, category, risky=risky)
        pay = Decimal(3300) if i % 29 != 4 else Decimal(2000)
        p = services.placement_create(
            actor=actor,
            plan=plan,
            enrolment=e,
            post=post,
            data={"start_date": start, "end_date": end, "monthly_pay": pay},
        )
        signed = start - dt.timedelta(days=5)
        if i % 23 != 3:  # a few without insurance: blocked
            services.insurance_record(
                actor=actor,
                placement=p,
                data={
                    "policy_no": f"PICC-2025-{p.pk:05d}",
                    "insurer": "中国人民财产保险",
                    "coverage_start": start - dt.timedelta(days=10),
                    "coverage_end": end + dt.timedelta(days=10),
                },
            )
        services.agreement_record(
            actor=actor,
            placement=p,
            data={
                "location": enterprise.address or enterprise.name,
                "content": "岗位实习",
                "hours_and_rest": "每日8小时，每周5天",
                "board_lodging": "企业提供宿舍和工作餐",
                "safety_protection": "岗前安全培训，配发劳保用品",
                "insurance_policy_no": f"PICC-2025-{p.pk:05d}",
                "accident_handling": "按实习责任保险处理，超出部分由企业承担",
                "assessment_method": "过程考核与结果考核相结合",
                "pay_amount": pay,
                "pay_cycle": "每月10日银行转账至学生本人账户",
                "breach_liability": "按协议约定承担",
                "school_signed_on": signed,
                "host_signed_on": signed,
                "student_signed_on": signed,
                "guardian_consent_on": signed,
                # The scanned consent form (知情同意书) every 岗位实习 needs; one is missing.
                **(
                    {"guardian_consent_file": ContentFile(_scan(), name=f"consent-{p.pk}.pdf")}
                    if i != 6
                    else {}
                ),
            },
        )
        services.mentor_assign(actor=actor, placement=p, kind="school", name=f"指导教师{i % 6 + 1}")
        services.mentor_assign(actor=actor, placement=p, kind="host", name=f"企业师傅{i % 9 + 1}")
        _vet(vetted, p, start)
        before = start - dt.timedelta(days=3)
        safety.safety_record(
            actor=actor,
            placement=p,
            data={
                "training_on": before,
                # One student has not passed the safety test yet: blocked (INT-TRAINING).
                "test_passed_on": before if i != 10 else None,
                "health_check_on": before,
                "minor_registered_on": before,
                "minor_registration_no": f"示例WCN-{p.pk:05d}",
            },
        )
        p, violations = services.placement_try_activate(actor=actor, placement=p)
        (blocked if violations else active).append(p)
    _school_life_cycle(actor, demo_school, active, start, end)
    _approved_exception(actor, demo_school, blocked + active)
    # Problems that appear after activation (the sweep raises them): unfiled night shifts, pay cut.
    for p in active[2:5]:
        Placement.objects.filter(pk=p.pk).update(monthly_pay=Decimal(1500))  # a seed shortcut: pay cut later
    _checkins(rng, active, today)
    _reports(active, today)
    _direct_reports(active)
    load_demo_batch(actor=actor, school=demo_school, active=active, today=today)
    _incident(demo_school, active)
    _draft_assessment(demo_school, start)
    run_sweep(now=timezone.now() - dt.timedelta(days=9), today=today - dt.timedelta(days=9), anomalies=False)
    result = run_sweep()
    if actor is not None:
        from zhijiao.orgs.models import Region

        province = Region.objects.filter(level="province").order_by("code").first()
        if province is not None:
            services.inspection_launch(
                actor=actor,
                region=province,
                title=f"{today.year}年职业学校学生实习管理专项检查",
                answer_due=today + dt.timedelta(days=21),
                sample_size=12,
            )
    return {
        "created": True,
        "plans": len(plans),
        "placements": len(enrolments),
        "active": len(active),
        "blocked": len(blocked),
        "alerts_opened": result["opened"],
    }


def _incident(school, active) -> None:
    """An incident 直报 of the demo school (示例): reported in time, with one follow-up, still open."""
    placement = next((p for p in active if school is not None and p.institution_id == school.pk), None)
    if placement is None:
        return
    from zhijiao.accounts.models import RoleAssignment

    ra = (
        RoleAssignment.objects.filter(institution=school, user__is_active=True).select_related("user").first()
    )
    if ra is None:
        return
    demo = ra.user  # the school's own account: the report is the school's
    now = timezone.now()
    incident = incidents.incident_record(
        actor=demo,
        institution=school,
        data={
            "placement": placement,
            "kind": "injury",
            # Reported within the time limit (INT-INCIDENT: 24 hours from learning of it).
            "occurred_at": now - dt.timedelta(hours=6),
            "learned_at": now - dt.timedelta(hours=5),
            "place": "实习单位装配车间（示例）",
            "summary": "示例：学生在装配作业中左手被划伤，已送医缝合，无生命危险。",
            "measures": "示例：暂停该岗位作业，企业复查防护用品，学校指导教师到场陪同。",
        },
    )
    incidents.incident_report(actor=demo, incident=incident)
    incidents.incident_follow_up(
        actor=demo, incident=incident, content="示例：学生已出院，休养一周后返岗，保险理赔已受理。"
    )


def _vet(vetted: set, p: Placement, start: dt.date) -> None:
    """The school's on-site assessment of each host it uses, approved and published (教职成〔2021〕4号第七条).

    Written by the demo's system actor, which decides any school's step (no school account exists for
    most demo schools)."""
    key = (p.institution_id, p.enterprise_id)
    if key in vetted:
        return
    vetted.add(key)
    demo = system_actor("demo")
    assessment = vetting.host_vet(
        actor=demo,
        institution=p.institution,
        enterprise=p.enterprise,
        assessed_on=start - dt.timedelta(days=40),
        report=ContentFile(_scan(), name=f"assessment-{p.institution_id}-{p.enterprise_id}.pdf"),
        decision="学校党委会研究确定（示例）",
    )
    vetting.assessment_publish(actor=demo, assessment=assessment)


def _draft_assessment(school, start: dt.date) -> None:
    """A draft on-site assessment of a host the demo school is considering (示例): the school may still
    correct it before its decision."""
    from .models import BlacklistEntry, HostAssessment

    if school is None:
        return
    assessed = HostAssessment.objects.filter(institution=school).values("enterprise_id")
    barred = BlacklistEntry.objects.filter(lifted_on__isnull=True).values("enterprise_id")
    host = Enterprise.objects.exclude(pk__in=assessed).exclude(pk__in=barred).order_by("credit_code").first()
    if host is None:
        return
    data = {
        "enterprise": host,
        "assessed_on": start - dt.timedelta(days=10),
        "assessors": "实习管理办公室（示例）",
    }
    data |= {f"{key}_score": 70 for key, _label in vetting.ASSESSMENT_ITEMS}
    data |= {
        "conclusion": "示例：宿舍条件待整改，整改后再提交学校研究。",
        "report_file": ContentFile(_scan(), name=f"assessment-{school.pk}-{host.pk}.pdf"),
    }
    vetting.assessment_create(actor=system_actor("demo"), institution=school, data=data)


def _blacklist_one(actor, enterprises, demo_host) -> None:
    """One enterprise on the province's blacklist (示例), not one of the demo's hosts."""
    used = {e.pk for e in enterprises} | ({demo_host.pk} if demo_host else set())
    barred = Enterprise.objects.exclude(pk__in=used).order_by("credit_code").first()
    if barred is None:
        return
    vetting.blacklist_add(
        actor=actor,
        enterprise=barred,
        reason="示例：克扣实习学生报酬并安排夜班，经核查属实。",
        document_number="鲁教职字〔2026〕示例1号",
        listed_on=timezone.localdate() - dt.timedelta(days=60),
    )


def _checkins(rng, active, today) -> None:
    tz = timezone.get_current_timezone()
    rows = []
    faked = {p.pk for p in active[5:8]}
    silent = {p.pk for p in active[8:10]}
    for p in active:
        if p.pk in silent:
            continue
        for back in range(1, 8):
            day = today - dt.timedelta(days=back)
            if day.weekday() >= 5 or day < p.start_date:
                continue
            if p.pk in faked:
                start = dt.datetime.combine(day, dt.time(8, 28), tzinfo=tz)
                lat, lng = Decimal("36.666666"), Decimal("117.066666")
            else:
                start = dt.datetime.combine(day, dt.time(8, 15), tzinfo=tz) + dt.timedelta(
                    seconds=rng.randint(0, 1500)
                )
                lat = p.post.latitude + Decimal(rng.randint(-300, 300)) / 1000000
                lng = p.post.longitude + Decimal(rng.randint(-300, 300)) / 1000000
            end = start + dt.timedelta(hours=8, minutes=rng.randint(30, 55) if p.pk not in faked else 45)
            distance = round(
                haversine_m(float(lat), float(lng), float(p.post.latitude), float(p.post.longitude))
            )
            for kind, when in (("START", start), ("END", end)):
                rows.append(
                    CheckIn(
                        placement=p,
                        institution_id=p.institution_id,
                        kind=kind,
                        occurred_at=when,
                        latitude=lat,
                        longitude=lng,
                        accuracy_m=rng.randint(5, 60),
                        client_key=f"demo-{p.pk}-{day:%Y%m%d}-{kind}",
                        distance_m=distance,
                    )
                )
    CheckIn.objects.bulk_create(rows, batch_size=2000)


def _reports(active, today) -> None:
    week_start = today - dt.timedelta(days=today.weekday() + 7)
    for i, p in enumerate(active[:30]):
        user = p.enrolment.student.user
        if user is None:
            continue
        text = TEMPLATE_TEXT if i in (3, 4) else REPORT_TEXTS[i % len(REPORT_TEXTS)] + f"（第{i + 1}位同学）"
        services.report_submit(
            actor=user,
            placement=p,
            data={
                "kind": "week",
                "period_start": max(week_start, p.start_date),
                "period_end": week_start + dt.timedelta(days=6),
                "title": "第2周周报",
                "content": text,
            },
        )


def _direct_reports(active) -> None:
    with_users = [p for p in active if p.enrolment.student.user_id]
    if with_users:
        services.direct_report_submit(
            actor=with_users[0].enrolment.student.user,
            placement=with_users[0],
            data={
                "category": "hours",
                "content": "最近连续两周每天加班到晚上十点。",
                "anonymous_to_authority": True,
            },
        )
    if len(with_users) > 1:
        services.direct_report_submit(
            actor=with_users[1].enrolment.student.user,
            placement=with_users[1],
            data={"category": "fees", "content": "企业要求缴纳500元服装押金。"},
        )


# --- the demo school's work in every state -----------------------------------------------------------


def _plans_in_every_state(actor, school, start) -> None:
    """Besides its filed plans: one in review at the city (the city's worklist), one returned with the
    city's reason, one draft — each a cognitive internship of another offered major."""
    from zhijiao.majors.models import InstitutionMajor
    from zhijiao.workflows import services as wf
    from zhijiao.workflows.models import ApprovalRequest

    offerings = list(
        InstitutionMajor.objects.filter(institution=school, status="filed")
        .select_related("major")
        .order_by("major__code")
    )[:3]
    if not offerings:
        return
    offerings = (offerings * 3)[:3]  # a school with one or two majors files several cognitive plans
    for offering, state in zip(offerings, ("in_review", "returned", "draft"), strict=False):
        plan = services.plan_create(
            actor=actor,
            data={
                "institution": school,
                "offering": offering,
                "title": f"{offering.major.name}专业认识实习方案",
                "kind": "cognitive",
                "cohort_year": start.year,
                "start_date": start + dt.timedelta(days=60),
                "end_date": start + dt.timedelta(days=74),
            },
        )
        if state == "draft":
            continue
        services.plan_submit_filing(actor=actor, plan=plan, note="")
        if state == "returned":
            request = (
                ApprovalRequest.objects.filter(kind=services.FILING_KIND, object_id=plan.pk)
                .order_by("-id")
                .first()
            )
            step = request.steps.order_by("order").first() if request else None
            city_user = _node_user(step)
            if request is not None and city_user is not None:
                wf.request_return(
                    actor=city_user, request=request, comment="实习单位安全保障措施写得不具体，请补充后再报。"
                )


def _approved_exception(actor, school, placements) -> None:
    """An approved exception on the demo school's page: the school asked to let a post lie outside the
    student's 专业大类 (原则上不得跨专业大类); the city, which receives the plan's 备案, approved it, and
    the rule passes citing the approval. A second request waits for the city's decision."""
    from zhijiao.accounts.models import RoleAssignment

    own = [p for p in placements if school is not None and p.institution_id == school.pk]
    if not own:
        return
    deciders = [ra.user for ra in RoleAssignment.objects.filter(role="city_admin").select_related("user")]
    decider = next((u for u in [*deciders, actor] if services.is_filing_authority(own[0].plan, u)), None)
    if decider is None:
        return
    exception = services.rule_exception_request(
        actor=actor,
        placement=own[0],
        rule_id="INT-MAJOR",
        reason="该生辅修工业机器人方向，实习岗位为产线设备调试，与人才培养方案中的岗位能力要求一致。",
    )
    services.rule_exception_decide(
        actor=decider, exception=exception, approve=True, reference="市教育局职成科〔实习〕例外第1号"
    )
    if len(own) > 1:
        services.rule_exception_request(
            actor=actor,
            placement=own[1],
            rule_id="INT-DUR",
            reason="按人才培养方案分两段岗位实习，第二段在同一企业延续两个月。",
        )


def _node_user(step):
    """A user who decides at the step's node (the city bureau's account)."""
    from zhijiao.accounts.models import RoleAssignment

    if step is None:
        return None
    ra = (
        RoleAssignment.objects.filter(region_id=step.region_id, role="city_admin")
        .select_related("user")
        .first()
        if step.region_id
        else None
    )
    return ra.user if ra else None


def _school_life_cycle(actor, school, active, start, end) -> None:
    """Placements of the demo school in every state: one suspended (the host stopped work for a
    safety check), one ended early (the student fell ill); the blocked ones stay drafts."""
    if school is None:
        return
    own = [p for p in active if p.institution_id == school.pk and not p.enrolment.student.user_id]
    if len(own) >= 2:
        services.placement_suspend(actor=actor, placement=own[-1], reason="企业停产检修，实习暂停两周")
        services.placement_end(actor=actor, placement=own[-2], reason="学生因病提前结束实习")
        active.remove(own[-1])
        active.remove(own[-2])
