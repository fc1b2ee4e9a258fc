"""Demo students for ``manage.py demo``: a few thousand students in a subset of the demo schools,
registered batches, some mid-transfer, some suspended, some graduated (approved Graduation rows
for the credentials demo), a rare-character name and two student accounts.

Deterministic (``random.Random``); runs once (a second call returns the existing counts).
"""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction

from zhijiao.core.actors import system_actor
from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.validators import resident_id_check_char
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.models import Institution
from zhijiao.workflows import services as wf

from . import services
from .choices import ChangeKind, Grade, SuspensionReason
from .models import Enrolment, Student

SEED = 20240901
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
GIVEN = "子涵浩宇欣怡梓轩思远雨桐佳琪俊杰明轩诗涵一诺嘉怡宇航文博晨曦雅静志强海洋春燕建华丽娜晓东"
RARE_NAMES = ["欧阳䶮", "王𪚥"]
STUDENT_ACCOUNTS = [("student_demo", "演示·学生"), ("student_rare", "演示·学生（生僻字）")]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def _resident_id(rng: random.Random, division: str, birth: datetime.date, male: bool, taken: set) -> str:
    while True:
        order = rng.randrange(0, 499) * 2 + (1 if male else 2)  # 001–998: three digits
        body = f"{division}{birth:%Y%m%d}{order:03d}"
        number = body + resident_id_check_char(body)
        if number not in taken:
            taken.add(number)
            return number


def _approver():
    from zhijiao.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(role="province_admin").select_related("user").order_by("id").first()
    return ra.user if ra else None


def load_demo_students(*, actor=None, per_school: int = 150, schools: int = 12) -> dict:
    """Load the demo registry once; returns counts and the student accounts (username, name, password hint)."""
    if Student.objects.exists():
        return {"students": Student.objects.count(), "created": False, "accounts": _accounts()}
    with transaction.atomic():
        return _load(
            actor=actor or _approver() or system_actor("demo"), per_school=per_school, schools=schools
        )


def _accounts() -> list[dict]:
    return [
        {"username": s.user.username, "student": s.name, "school": s.current_institution.name}
        for s in Student.objects.filter(user__isnull=False).select_related("user", "current_institution")
    ]


def _load(*, actor, per_school: int, schools: int) -> dict:
    rng = random.Random(SEED)
    offered = set(InstitutionMajor.objects.values_list("institution_id", flat=True))
    candidates = [
        i
        for i in Institution.objects.select_related("region")
        .filter(kind__in=("secondary", "technical"))
        .order_by("code")
        if i.pk in offered
    ]
    # Schools in several cities, so transfers cross a city boundary.
    by_city: dict[str, list[Institution]] = {}
    for inst in candidates:
        by_city.setdefault(inst.region.path.split("/")[1], []).append(inst)
    chosen: list[Institution] = []
    while len(chosen) < schools and any(by_city.values()):
        for city in sorted(by_city):
            if by_city[city] and len(chosen) < schools:
                chosen.append(by_city[city].pop(0))
    if not chosen:
        return {"students": 0, "created": False, "accounts": []}
    offerings: dict[int, list[InstitutionMajor]] = {}
    for o in (
        InstitutionMajor.objects.filter(institution__in=chosen).select_related("major").order_by("start_year")
    ):
        offerings.setdefault(o.institution_id, []).append(o)

    taken = set(Student.objects.values_list("id_number", flat=True))
    years = (2022, 2023, 2024)
    rows = []
    rare_left = list(RARE_NAMES)
    for inst in chosen:
        division = inst.region.code if inst.region.code.isdigit() else "370102"
        for i in range(per_school):
            year = years[i % len(years)]
            options = [o for o in offerings[inst.pk] if o.start_year <= year] or offerings[inst.pk]
            offering = rng.choice(options)
            birth = datetime.date(year - 15, rng.randint(1, 12), rng.randint(1, 28))
            male = rng.random() < 0.55
            name = rare_left.pop(0) if rare_left and i == 0 else _name(rng)
            rows.append(
                {
                    "institution": inst,
                    "name": name,
                    "gender": "male" if male else "female",
                    "id_type": "resident_id",
                    "id_number": _resident_id(rng, division, birth, male, taken),
                    "birth_date": birth,
                    "offering": offering,
                    "class_name": f"{year}级{offering.major.name[:4]}{i % 3 + 1}班",
                    "entry_date": datetime.date(year, 9, 1),
                    "study_years": 3,
                    "pathway": "ordinary",
                    "guardian_name": _name(rng),
                    "guardian_phone": f"13{rng.randrange(10**9):09d}",
                }
            )
    services.student_bulk_create(actor=actor, rows=rows, message="Demo data")

    # 电子注册: one batch per school and year, approved at both levels (the 2024 batch of the first
    # school stays in review at the city, for the approval journey).
    pending_batch = None
    for inst in chosen:
        for year in years:
            batch = services.batch_create(actor=actor, institution=inst, year=year, term="autumn")
            batch = services.batch_submit(actor=actor, batch=batch, today=datetime.date(year, 10, 1))
            if inst == chosen[0] and year == years[-1]:
                pending_batch = batch
                continue
            approval = batch.approval
            while approval.status == "in_review":
                approval = wf.request_approve(actor=system_actor("demo"), request=approval)

    registered = list(
        Enrolment.objects.filter(status="registered", is_current=True, institution__in=chosen)
        .select_related("student", "institution__region")
        .order_by("id")
    )
    rng.shuffle(registered)
    counts = {"suspended": 0, "transfers in review": 0, "graduated": 0}
    # Suspended (approved): most for illness (12 months), two for military service (as long as the
    # 24-month service, 教职成〔2010〕7号 第十七条); some transfers waiting at the receiving school.
    for n, e in enumerate(registered[:20]):
        army = n < 2
        change = services.status_change_request(
            actor=actor,
            student=e.student,
            kind=ChangeKind.SUSPEND,
            reason="应征入伍，依法服兵役" if army else "因病休学",
            suspension_reason=SuspensionReason.ARMY if army else SuspensionReason.ILLNESS,
            effective_date=datetime.date(2025, 9, 1) if army else datetime.date(2024, 3, 1),
            months=24 if army else 12,
        )
        approval = change.approval
        while approval.status == "in_review":
            approval = wf.request_approve(actor=system_actor("demo"), request=approval)
        counts["suspended"] += 1
    for e in registered[20:30]:
        targets = [i for i in chosen if i.pk != e.institution_id and offerings.get(i.pk)]
        target = rng.choice(targets)
        services.status_change_request(
            actor=actor,
            student=e.student,
            kind=ChangeKind.TRANSFER,
            reason="随父母工作调动转学",
            effective_date=datetime.date(2025, 3, 1),
            target_institution=target,
            target_offering=offerings[target.pk][-1],
            target_class_name="转入班",
        )
        counts["transfers in review"] += 1
    # The 2022 cohort graduates in 2025 (approved), with one 结业 and one ineligible student.
    for inst in chosen:
        cohort = [
            e
            for e in Enrolment.objects.filter(
                institution=inst, cohort_year=2022, status="registered", is_current=True
            ).order_by("id")
        ]
        if not cohort:
            continue
        entries = []
        for n, e in enumerate(cohort):
            entries.append(
                {
                    "enrolment": e,
                    "outcome": "completed" if n == 1 else "graduated",
                    "credits_complete": n != 2,
                    "internship_grade": rng.choice([Grade.PASS, Grade.GOOD, Grade.EXCELLENT]),
                    "conduct_grade": rng.choice([Grade.PASS, Grade.GOOD, Grade.EXCELLENT]),
                }
            )
        glist = services.graduation_list_create(
            actor=actor,
            institution=inst,
            year=2025,
            graduation_date=datetime.date(2025, 7, 1),
            entries=entries,
        )
        glist = services.graduation_list_submit(actor=actor, graduation_list=glist)
        approval = glist.approval
        while approval.status == "in_review":
            approval = wf.request_approve(actor=system_actor("demo"), request=approval)
        counts["graduated"] += glist.graduations.filter(status="approved", outcome="graduated").count()

    # Student accounts: a graduate of the demo school now studying at the demo college (her
    # published 中职 certificate and her 高职 internship), and the rare-character one.
    User = get_user_model()
    rare = Student.objects.filter(name=RARE_NAMES[0]).first()
    demo_school = _account_institution("school")
    college = _account_institution("college")
    ordinary = _demo_graduate(demo_school) or (
        Student.objects.filter(enrolments__cohort_year=2023, enrolments__status="registered")
        .order_by("id")
        .first()
    )
    if college is not None:
        counts["college students"] = _college_students(rng, actor=actor, college=college, taken=taken)
        if ordinary is not None and ordinary.current_institution_id != college.pk:
            _continue_at_college(actor=actor, student=ordinary, college=college)
    from zhijiao.core.demo import demo_password

    for (username, display), student in zip(STUDENT_ACCOUNTS, [ordinary, rare], strict=True):
        if student is None or User.objects.filter(username=username).exists():
            continue
        user = User.objects.create_user(username=username, password=demo_password(), display_name=display)
        audit_record(actor=actor, action=AuditAction.CREATE, instance=user, after=snapshot(user))
        services.student_link_account(actor=actor, student=student, user=user)
    return {
        "students": len(rows),
        "schools": len(chosen),
        "created": True,
        "batch in review": pending_batch.pk if pending_batch else None,
        **counts,
        "accounts": _accounts(),
    }


# --- the demo college: its own 高职 students, one of them a graduate of the demo school ----------------


def _account_institution(username: str):
    from zhijiao.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(user__username=username, institution__isnull=False).first()
    return ra.institution if ra else None


def college_entry_year(today: datetime.date | None = None) -> int:
    """The intake of the college's demo students: the latest autumn at least twelve months ago, so
    they may do a post internship today (INT-GRADE1: not in the first year)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    return today.year - 1 if today.month >= 9 else today.year - 2


def _demo_graduate(school):
    """A graduate (毕业, approved) of the demo school: the student account's holder."""
    if school is None:
        return None
    return (
        Student.objects.filter(
            enrolments__institution=school,
            enrolments__graduations__status="approved",
            enrolments__graduations__outcome="graduated",
            user__isnull=True,
        )
        .exclude(name__in=RARE_NAMES)  # the rare-name student has an account of her own
        .order_by("id")
        .first()
    )


def _college_offering(college):
    return (
        InstitutionMajor.objects.filter(institution=college, status="filed", major__level="higher")
        .select_related("major")
        .order_by("major__code", "start_year")
        .first()
    )


def _college_students(rng: random.Random, *, actor, college, taken: set, n: int = 8) -> int:
    """A class of 高职 students at the demo college, registered (batch approved) in the intake year."""
    offering = _college_offering(college)
    if offering is None:
        return 0
    year = college_entry_year()
    division = college.region.code if college.region.code.isdigit() else "370102"
    rows = []
    for _i in range(n):
        birth = datetime.date(year - 18, rng.randint(1, 12), rng.randint(1, 28))
        male = rng.random() < 0.5
        rows.append(
            {
                "institution": college,
                "name": _name(rng),
                "gender": "male" if male else "female",
                "id_type": "resident_id",
                "id_number": _resident_id(rng, division, birth, male, taken),
                "birth_date": birth,
                "offering": offering,
                "class_name": f"{year}级{offering.major.name[:4]}1班",
                "entry_date": datetime.date(year, 9, 1),
                "study_years": 3,
                "pathway": "ordinary",
                "guardian_name": _name(rng),
                "guardian_phone": f"13{rng.randrange(10**9):09d}",
            }
        )
    services.student_bulk_create(actor=actor, rows=rows, message="Demo data")
    batch = services.batch_create(actor=actor, institution=college, year=year, term="autumn")
    batch = services.batch_submit(actor=actor, batch=batch, today=datetime.date(year, 10, 1))
    approval = batch.approval
    while approval.status == "in_review":
        approval = wf.request_approve(actor=system_actor("demo"), request=approval)
    return n


def _continue_at_college(*, actor, student, college) -> None:
    """升学: the graduate goes on to the college (3+2 / 春季高考). The registry has no service for a
    graduate's next enrolment yet, so the seed writes it — audited, like every demo write."""
    from zhijiao.core.services import model_create, model_update

    offering = _college_offering(college)
    if offering is None:
        return
    year = college_entry_year()
    for finished in Enrolment.objects.filter(student=student, is_current=True):
        model_update(actor=actor, message="Demo data", instance=finished, data={"is_current": False})
    model_create(
        actor=actor,
        message="Demo data",
        instance=Enrolment(
            student=student,
            institution=college,
            offering=offering,
            class_name=f"{year}级{offering.major.name[:4]}1班",
            cohort_year=year,
            entry_date=datetime.date(year, 9, 1),
            study_years=3,
            pathway="3+2_sec_higher",
            stage="higher",
            status="registered",
            registered_at=timezone_now(),
        ),
    )
    model_update(
        actor=actor,
        message="Demo data",
        instance=student,
        data={"current_institution": college},
    )


def timezone_now():
    from django.utils import timezone

    return timezone.now()
