"""Scope-matrix rows for 项目库: a call (the province's), an application of school A (recommended
by 济南) and of school B (drafted), experts of 济南 and 青岛, and a review of A's application by
the matrix's expert."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.core.scoping import user_scope
from zhijiao.core.testing import blank_pdf
from zhijiao.core.testing_scope import object_url, scope_fixture, scope_rule, single_owner
from zhijiao.programmes import definitions, services
from zhijiao.programmes.models import (
    Application,
    Award,
    Call,
    Expert,
    FollowUpReport,
    FollowUpReview,
    FollowUpRound,
    Objection,
    ProgrammeType,
    Review,
)
from zhijiao.programmes.tests.conftest import TYPE


@scope_fixture()
def programmes(sw) -> None:
    admin = sw["province_admin"]
    ptype = definitions.type_load(actor=admin, text=TYPE)
    today = timezone.localdate()
    call = services.call_create(
        actor=admin,
        programme_type=ptype,
        code="scope-call",
        name="范围测试通知",
        year=2021,
        total_quota=5,
        city_quotas={sw.jinan: 2, sw.qingdao: 2},
        opens_on=today - datetime.timedelta(days=1),
        apply_deadline=today + datetime.timedelta(days=5),
        recommend_deadline=today + datetime.timedelta(days=9),
        reviewers_per_application=1,
    )
    a = services.application_create(
        actor=sw["school_a"], call=call, institution=sw.school_a, title="甲申报", field="46"
    )
    a = services.application_save(
        actor=sw["school_a"], application=a, title="甲申报", field="46", values={"teachers": "10"}
    )
    services.attachment_add(
        actor=sw["school_a"],
        application=a,
        kind="plan",
        upload=SimpleUploadedFile("plan.pdf", blank_pdf(), content_type="application/pdf"),
    )
    a = services.application_submit(actor=sw["school_a"], application=a)
    services.city_recommend(actor=sw["jinan"], call=call, ranking=[a])
    services.screen(actor=admin, application=a, passed=True)
    services.application_create(
        actor=sw["school_b"], call=call, institution=sw.school_b, title="乙申报", field="51"
    )
    services.expert_create(
        actor=admin,
        name="济南专家",
        title="professor",
        employer_name="x",
        city=sw.jinan,
        specialties=["46"],
        user=sw["expert"],
    )
    services.expert_create(
        actor=admin,
        name="青岛专家",
        title="professor",
        employer_name="y",
        city=sw.qingdao,
        specialties=["51"],
    )
    services.reviewers_assign(actor=admin, call=call)
    # A call under public notice with an objection (lodged without an account).
    public = services.call_create(
        actor=admin,
        programme_type=ptype,
        code="scope-public",
        name="范围测试公示",
        year=2021,
        total_quota=5,
        city_quotas={sw.jinan: 2},
        opens_on=today - datetime.timedelta(days=30),
        apply_deadline=today - datetime.timedelta(days=20),
        recommend_deadline=today - datetime.timedelta(days=15),
    )
    Call.objects.filter(pk=public.pk).update(
        stage="publicised", publicity_start=today, publicity_end=today + datetime.timedelta(days=6)
    )
    services.objection_lodge(call=public, content="异议内容", contact="0531-12345678")


single_owner(Call, "every call is organised by the province")
single_owner(Review, "reviews are filed under the province that organises the call")
single_owner(Objection, "objections are filed under the province that organises the call")
object_url("programmes:call_detail", Call)
object_url("programmes:apply", Call)
object_url("programmes:recommend", Call)
object_url("programmes:ranking", Call)
object_url("programmes:manage", Call)
object_url("programmes:call_settings", Call)
object_url("programmes:decision", Call)
object_url("programmes:application_detail", Application)
object_url("programmes:review_form", Review)
object_url("programmes:objections", Call)


# --- awards and follow-up rounds ----------------------------------------------------------------------


@scope_fixture(after=("programmes.programmes",))
def programmes_followup(sw) -> None:
    """An approved call (rows written directly: the whole review round is the services' tests'
    business) with awards at school A and school B, a 中期检查 round through the service (a report
    per award) and school A's report under review by the matrix's expert."""
    from zhijiao.orgs.choices import RegionLevel
    from zhijiao.orgs.models import Region
    from zhijiao.programmes import services_followup
    from zhijiao.programmes.choices import ApplicationStatus, CallStage, ReportStatus

    today = timezone.localdate()
    call = Call.objects.create(
        programme_type=ProgrammeType.objects.get(code="test_type"),
        region=Region.objects.get(level=RegionLevel.PROVINCE, parent__isnull=True),
        code="scope-followup",
        name="范围测试立项通知",
        year=2020,
        total_quota=2,
        opens_on=today - datetime.timedelta(days=90),
        apply_deadline=today - datetime.timedelta(days=80),
        recommend_deadline=today - datetime.timedelta(days=70),
        stage=CallStage.APPROVED,
    )
    for school in (sw.school_a, sw.school_b):
        app = Application.objects.create(
            call=call,
            institution=school,
            title=f"{school.name}立项",
            field="46",
            status=ApplicationStatus.APPROVED,
        )
        Award.objects.create(
            application=app,
            programme_code="test_type",
            name="测试项目",
            year=2020,
            applicant_kind="institution",
            institution=school,
            awarded_on=today - datetime.timedelta(days=60),
        )
    rnd = services_followup.round_create(
        actor=sw["province_admin"],
        call=call,
        kind="midterm",
        name="范围测试中期检查",
        due_date=today + datetime.timedelta(days=10),
        expert_review=True,
        rubric=[{"code": "progress", "name": "进度", "max": 100}],
    )
    report = FollowUpReport.objects.get(round=rnd, institution=sw.school_a)
    FollowUpReport.objects.filter(pk=report.pk).update(status=ReportStatus.UNDER_REVIEW)
    expert = Expert.objects.get(user=sw["expert"])
    FollowUpReview.objects.create(report=report, expert=expert, user=sw["expert"])


def _province_only(row, user, action) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user_scope(user).is_province


single_owner(FollowUpReview, "follow-up reviews are filed under the province that organises the call")
single_owner(ProgrammeType, "programme types are the province's reference data")
scope_rule(ProgrammeType, _province_only)
object_url("programmes:followup_rounds", Call)
object_url("programmes:followup_round", FollowUpRound)
object_url("programmes:followup_round_manage", FollowUpRound)
object_url("programmes:followup_report", FollowUpReport)
object_url("programmes:followup_review", FollowUpReview)
object_url("programmes:type_detail", ProgrammeType)
object_url("programmes:type_export", ProgrammeType)
object_url("programmes:type_edit", ProgrammeType)
object_url("programmes:type_editor", ProgrammeType)
