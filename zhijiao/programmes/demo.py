"""The demo's programmes: the types in ``data/`` and the 2021 plan's calls (``loader``; quotas by
city and dates are demo values, marked 示例), demo experts (示例) — the demo's expert account is
the first of them — and applications to the 教学创新团队 call in the first phases: drafts,
submitted, recommended by their city, passed and failed formal screening; a 品牌专业 call carried
through 立项 to its follow-up rounds; and one call resting in each middle phase — under review,
on the decision list (拟立项, with funding) and under public notice (公示, one objection answered
and one open). Titles say 示例."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from zhijiao.accounts.models import RoleAssignment
from zhijiao.accounts.services import plain_user_create
from zhijiao.core.actors import system_actor
from zhijiao.core.demo import demo_password
from zhijiao.majors.models import InstitutionMajor
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from . import definitions, loader, services, services_followup
from .choices import ExpertTitle, FollowUpKind, MajorField, Outcome
from .models import Application, Call, Expert, FollowUpReport, FollowUpReview, Review

DEMO_CALL = "2021-kp4-team"
# The state each demo application is brought to, in order.
STATES = [
    "draft",
    "submitted",
    "recommended",
    "screened",
    "screen_failed",
    "submitted",
    "recommended",
    "draft",
]


def _pdf() -> SimpleUploadedFile:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buf = io.BytesIO()
    writer.write(buf)
    return SimpleUploadedFile("示例材料.pdf", buf.getvalue(), content_type="application/pdf")


def _xlsx() -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["姓名", "职称"])
    book.active.append(["示例教师", "讲师"])
    buf = io.BytesIO()
    book.save(buf)
    return SimpleUploadedFile(
        "示例成员名单.xlsx",
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _city_user(institution):
    city = services.city_of(institution)
    ra = RoleAssignment.objects.filter(region=city, role="city_admin").select_related("user").first()
    return ra.user if ra else None


def _experts(actor) -> None:
    if Expert.objects.exists():
        return
    fields = list(MajorField.values)
    cities = list(Region.objects.filter(level=RegionLevel.CITY).order_by("code"))
    if not cities:
        return
    colleges = list(Institution.objects.filter(kind__in=["higher", "bachelor"]).order_by("pk")[:30])
    account = get_user_model().objects.filter(username="expert", programme_expert__isnull=True).first()
    for i in range(min(30, len(cities) * 3)):
        employer = colleges[i % len(colleges)] if colleges else None
        # Every demo expert signs in (expert02…), so that reviews assigned to any of them are scored.
        user = account if i == 0 else _expert_account(actor, i + 1)
        services.expert_create(
            actor=actor,
            name=f"示例专家{i + 1:02d}",
            title=ExpertTitle.values[i % len(ExpertTitle.values)],
            employer=employer,
            employer_name=employer.name if employer else "示例企业",
            city=cities[i % len(cities)],
            specialties=[fields[i % len(fields)], fields[(i * 7 + 3) % len(fields)]],
            user=user,
            is_demo=True,
        )


def _applications(actor, call: Call) -> None:
    if Application.objects.filter(call=call).exists():
        return
    schools = list(Institution.objects.select_related("region").order_by("pk")[: len(STATES)])
    for i, (school, state) in enumerate(zip(schools, STATES, strict=False)):
        title = f"{school.name}示例教学创新团队"
        app = services.application_create(
            actor=actor,
            call=call,
            institution=school,
            title=title,
            field=MajorField.values[i % 19],
            applicant={"team_name": f"示例教学创新团队{i + 1}"},
        )
        app = services.application_save(
            actor=actor,
            application=app,
            title=title,
            field=app.field,
            values={
                "leader": "示例负责人",
                "members": str(6 + i),
                "enterprise_members": "2",
                "summary": "示例数据",
            },
        )
        if state == "draft":
            continue
        services.attachment_add(actor=actor, application=app, kind="plan", upload=_pdf())
        services.attachment_add(actor=actor, application=app, kind="members", upload=_xlsx())
        app = services.application_submit(actor=actor, application=app)
        if state == "submitted":
            continue
        city_user = _city_user(school)
        if city_user is None:
            continue
        try:
            services.city_recommend(actor=city_user, call=call, ranking=[app])
        except Exception:  # noqa: BLE001 - a demo city without quota keeps the application submitted
            continue
        if state == "screened":
            services.screen(actor=actor, application=app, passed=True)
        elif state == "screen_failed":
            services.screen(
                actor=actor, application=app, passed=False, reason="缺少企业兼职教师佐证材料（示例）"
            )


def _expert_account(actor, n: int):
    username = f"expert{n:02d}"
    existing = get_user_model().objects.filter(username=username).first()
    if existing is not None:
        return existing if not hasattr(existing, "programme_expert") else None
    # An account without a role: it scores only the reviews assigned to its expert.
    return plain_user_create(
        actor=actor, username=username, display_name=f"示例专家{n:02d}", password=demo_password()
    )


# --- a call carried through to 立项 and its follow-up rounds (示例) ------------------------------------

FOLLOWUP_CALL = "2019-r11-brand"
FOLLOWUP_TYPE = "r11_brand_major"


def _brand_type(actor):
    current = definitions.current(FOLLOWUP_TYPE)
    if current is not None:
        return current
    return definitions.type_load(actor=actor, text=(loader.DATA / f"{FOLLOWUP_TYPE}.yaml").read_text("utf-8"))


def _followup_demo(actor) -> None:
    """品牌专业 applications taken through review, decision, 公示 and 立项 (awards), then a 中期检查
    with expert review (reports in every state) and a 验收 round open for reports. Values 示例."""
    if Call.objects.filter(code=FOLLOWUP_CALL).exists():
        return
    offerings = []
    seen = set()
    for offering in InstitutionMajor.objects.select_related("institution__region", "major").order_by("pk"):
        if offering.institution_id not in seen and _city_user(offering.institution) is not None:
            seen.add(offering.institution_id)
            offerings.append(offering)
        if len(offerings) == 6:
            break
    if len(offerings) < 4 or not Expert.objects.filter(user__isnull=False).exists():
        return
    ptype = _brand_type(actor)
    today = services.today()
    cities = {services.city_of(o.institution) for o in offerings}
    call = services.call_create(
        actor=actor,
        programme_type=ptype,
        code=FOLLOWUP_CALL,
        name="省级品牌专业建设项目（示例）",
        year=2019,
        basis="鲁教职处函〔2021〕6号 常规工作第11条（示例批次）",
        total_quota=4,
        city_quotas={c: 6 for c in cities},
        opens_on=today - datetime.timedelta(days=7),
        apply_deadline=today + datetime.timedelta(days=7),
        recommend_deadline=today + datetime.timedelta(days=14),
        reviewers_per_application=1,
        is_demo=True,
    )
    apps = []
    for i, offering in enumerate(offerings):
        title = f"{offering.institution.name}{offering.major.name}示例品牌专业"
        app = services.application_create(
            actor=actor,
            call=call,
            institution=offering.institution,
            title=title,
            field=MajorField.values[i % 19],
            applicant={"offering": offering},
        )
        app = services.application_save(
            actor=actor,
            application=app,
            title=title,
            field=app.field,
            values={"students": str(300 + 40 * i), "summary": "示例数据"},
        )
        services.attachment_add(actor=actor, application=app, kind="plan", upload=_pdf())
        app = services.application_submit(actor=actor, application=app)
        if i == 4:
            continue  # left with its city, submitted
        if i == 5:
            services.city_decline(
                actor=_city_user(offering.institution), application=app, reason="示例：本市推荐名额已用完"
            )
            continue
        services.city_recommend(actor=_city_user(offering.institution), call=call, ranking=[app])
        services.screen(actor=actor, application=app, passed=True)
        apps.append(app)
    services.reviewers_assign(actor=actor, call=call)
    for n, review in enumerate(
        Review.objects.filter(application__call=call).select_related("user").order_by("pk")
    ):
        if review.user is None:
            return  # a pool expert without an account: the call stays under review
        services.review_submit(
            actor=review.user,
            review=review,
            scores={"foundation": str(38 - n), "plan": str(35 - n), "cooperation": "16"},
            comments={"plan": "示例评审意见"},
        )
    services.decide(actor=actor, call=call)
    call = services.publicise(actor=actor, call=call, start=today - datetime.timedelta(days=20))
    services.approve(actor=actor, call=call, funding={a.pk: (Decimal("300"), "province") for a in apps})
    _followup_rounds(actor, call)


def _followup_rounds(actor, call) -> None:
    spec = call.programme_type.definition["followups"]
    today = services.today()
    midterm = services_followup.round_create(
        actor=actor,
        call=call,
        kind=FollowUpKind.MIDTERM,
        name="2021年品牌专业建设中期检查（示例）",
        due_date=today + datetime.timedelta(days=7),
        form=spec["midterm"]["form"],
        rubric=spec["midterm"]["rubric"],
        expert_review=True,
        reviewers_per_report=1,
        is_demo=True,
    )
    reports = list(FollowUpReport.objects.filter(round=midterm).order_by("pk"))
    # The first stays a draft (reminded before its deadline); the others are filled and submitted.
    for i, report in enumerate(reports[1:], start=1):
        report = services_followup.report_save(
            actor=actor,
            report=report,
            values={"progress": str(40 + 10 * i), "funds_used": str(100 + 20 * i), "summary": "示例进展"},
        )
        services_followup.report_submit(actor=actor, report=report)
    if len(reports) < 4:
        return
    services_followup.reviewers_assign(actor=actor, round=midterm)
    for review in FollowUpReview.objects.filter(report__round=midterm).select_related("user"):
        if review.user is None:
            return
        services_followup.review_submit(
            actor=review.user, review=review, scores={"progress": "50", "funds": "35"}, comments={}
        )
    # Report 2 excellent, report 3 ordered to rectify (整改), the rest under review or pass.
    services_followup.report_conclude(
        actor=actor, report=reports[1], outcome=Outcome.EXCELLENT, note="示例：进展显著"
    )
    services_followup.report_conclude(
        actor=actor, report=reports[2], outcome=Outcome.FAIL, note="示例：资金到位率偏低，限期整改"
    )
    if len(reports) > 4:
        services_followup.report_conclude(actor=actor, report=reports[4], outcome=Outcome.PASS)
    services_followup.round_create(
        actor=actor,
        call=call,
        kind=FollowUpKind.ACCEPTANCE,
        name="品牌专业建设验收（示例）",
        due_date=today + datetime.timedelta(days=60),
        form=spec["acceptance"]["form"],
        is_demo=True,
    )


# --- calls resting in the middle phases: 评审中, 拟立项, 公示 (示例) ---------------------------------------

# (code, name, where the call stops): one call per phase, so every phase has applications resting in it.
PHASE_CALLS = [
    ("2021-r11-brand-review", "2021年省级品牌专业（群）建设项目·第一批（示例，评审中）", "reviewing"),
    ("2021-r11-brand-decided", "2021年省级品牌专业（群）建设项目·第二批（示例，拟立项）", "decided"),
    ("2021-r11-brand-notice", "2021年省级品牌专业（群）建设项目·第三批（示例，公示中）", "publicised"),
]


def _offerings(n: int, skip: int) -> list:
    """``n`` offered majors of distinct institutions whose city bureau has an account, after the
    first ``skip`` such institutions (so that each demo call has its own applicants)."""
    found, seen = [], set()
    for offering in InstitutionMajor.objects.select_related("institution__region", "major").order_by("pk"):
        if offering.institution_id in seen or _city_user(offering.institution) is None:
            continue
        seen.add(offering.institution_id)
        if len(seen) > skip:
            found.append(offering)
        if len(found) == n:
            break
    return found


def _phase_call(actor, *, code: str, name: str, stop: str, skip: int) -> None:
    """A 品牌专业-type call with four applications carried to ``stop``: ``reviewing`` (half the
    scores in), ``decided`` (on the decision list, with funding set on two), ``publicised``
    (the list under public notice today, one objection answered and one under investigation)."""
    if Call.objects.filter(code=code).exists():
        return
    offerings = _offerings(4, skip)
    if len(offerings) < 4:  # a small demo: the calls share their applicants
        offerings = _offerings(4, 0)
    if len(offerings) < 4 or not Expert.objects.filter(user__isnull=False).exists():
        return
    today = services.today()
    call = services.call_create(
        actor=actor,
        programme_type=_brand_type(actor),
        code=code,
        name=name,
        year=2021,
        basis="鲁教职处函〔2021〕6号 常规工作第11条（示例批次）",
        total_quota=4,
        city_quotas={services.city_of(o.institution): 4 for o in offerings},
        opens_on=today - datetime.timedelta(days=30),
        apply_deadline=today + datetime.timedelta(days=1),
        recommend_deadline=today + datetime.timedelta(days=2),
        reviewers_per_application=2,
        max_reviews_per_expert=4,
        budget_total=Decimal("1200"),
        is_demo=True,
    )
    apps = []
    for i, offering in enumerate(offerings):
        title = f"{offering.institution.name}{offering.major.name}示例专业建设项目"
        app = services.application_create(
            actor=actor,
            call=call,
            institution=offering.institution,
            title=title,
            field=MajorField.values[(i * 5 + skip) % 19],
            applicant={"offering": offering},
        )
        app = services.application_save(
            actor=actor,
            application=app,
            title=title,
            field=app.field,
            values={"students": str(260 + 30 * i), "summary": "示例数据"},
        )
        services.attachment_add(actor=actor, application=app, kind="plan", upload=_pdf())
        app = services.application_submit(actor=actor, application=app)
        services.city_recommend(actor=_city_user(offering.institution), call=call, ranking=[app])
        services.screen(actor=actor, application=app, passed=True)
        apps.append(app)
    services.reviewers_assign(actor=actor, call=call)
    reviews = list(Review.objects.filter(application__call=call).select_related("user").order_by("pk"))
    if any(r.user is None for r in reviews):
        return  # a pool expert without an account: the call stays under review
    # Under review: the reviews of the first two applications are in, the others wait.
    waiting = {a.pk for a in apps[2:]} if stop == "reviewing" else set()
    for n, review in enumerate(reviews):
        if review.application_id in waiting:
            continue
        services.review_submit(
            actor=review.user,
            review=review,
            scores={"foundation": str(36 - n % 7), "plan": str(33 - n % 5), "cooperation": "15"},
            comments={"plan": "示例评审意见"},
        )
    if stop == "reviewing":
        return
    services.decide(actor=actor, call=call)
    listed = list(Application.objects.filter(call=call, status="shortlisted").order_by("rank"))
    services.funding_set(
        actor=actor,
        call=call,
        funding={listed[0].pk: ("400", "province"), listed[1].pk: ("300", "city")},
    )
    if stop == "decided":
        return
    # Published yesterday: the objection window is open today.
    call = services.publicise(actor=actor, call=call, start=today - datetime.timedelta(days=1))
    answered = services.objection_lodge(
        call=call,
        application=listed[0],
        content="示例：反映该专业实训基地面积与申报材料不符。",
        contact="0531-8888XXXX（示例）",
        name="示例群众",
    )
    services.objection_answer(
        actor=actor,
        objection=answered,
        finding="示例：经市教育局现场核查，实训基地面积与申报材料一致。",
        answer="经核查，反映问题不属实，维持拟立项结论。（示例）",
    )
    services.objection_lodge(
        call=call,
        application=listed[2],
        content="示例：反映该专业近三年招生人数未达申报条件。",
        contact="示例邮箱 objection@example.com",
    )


@transaction.atomic
def load_demo_programmes(*, actor=None):
    actor = actor or system_actor("demo")
    loader.load_types(actor=actor)
    calls = loader.load_calls(actor=actor)
    _experts(actor)
    call = next((c for c in calls if c.code == DEMO_CALL), None)
    if call is not None:
        _applications(actor, call)
    _followup_demo(actor)
    for n, (code, name, stop) in enumerate(PHASE_CALLS, start=1):
        _phase_call(actor, code=code, name=name, stop=stop, skip=4 * n)
    return calls
