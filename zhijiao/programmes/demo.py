"""The demo's programmes: the types in ``data/`` and the 2021 plan's calls (``loader``; quotas by
city and dates are demo values, marked 示例), demo experts (示例) — the demo's expert account is
the first of them — and applications to the 教学创新团队 call in the first phases: drafts,
submitted, recommended by their city, passed and failed formal screening. Titles say 示例."""

from __future__ import annotations

import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from zhijiao.accounts.models import RoleAssignment
from zhijiao.core.actors import system_actor
from zhijiao.orgs.choices import RegionLevel
from zhijiao.orgs.models import Institution, Region

from . import loader, services
from .choices import ExpertTitle, MajorField
from .models import Application, Call, Expert

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
        services.expert_create(
            actor=actor,
            name=f"示例专家{i + 1:02d}",
            title=ExpertTitle.values[i % len(ExpertTitle.values)],
            employer=employer,
            employer_name=employer.name if employer else "示例企业",
            city=cities[i % len(cities)],
            specialties=[fields[i % len(fields)], fields[(i * 7 + 3) % len(fields)]],
            user=account if i == 0 else None,
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


@transaction.atomic
def load_demo_programmes(*, actor=None):
    actor = actor or system_actor("demo")
    loader.load_types(actor=actor)
    calls = loader.load_calls(actor=actor)
    _experts(actor)
    call = next((c for c in calls if c.code == DEMO_CALL), None)
    if call is not None:
        _applications(actor, call)
    return calls
