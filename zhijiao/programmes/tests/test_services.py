import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import InstitutionFactory, blank_pdf
from zhijiao.programmes import definitions, services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.choices import CallStage
from zhijiao.programmes.models import Call, Expert, Review

pytestmark = pytest.mark.django_db


def _pdf():
    return SimpleUploadedFile("plan.pdf", blank_pdf(), content_type="application/pdf")


def _submitted(world, call, who="school_a", school=None, title="申报"):
    school = school or (world.school_a if who == "school_a" else world.school_b)
    app = services.application_create(
        actor=world[who], call=call, institution=school, title=title, field="46"
    )
    app = services.application_save(
        actor=world[who], application=app, title=title, field="46", values={"teachers": "50", "dual": "20"}
    )
    services.attachment_add(actor=world[who], application=app, kind="plan", upload=_pdf())
    return services.application_submit(actor=world[who], application=app)


def test_type_definition_is_checked_whole(world):
    bad = definitions.TYPE.replace("max: 60", "max: 50") if hasattr(definitions, "TYPE") else None
    from zhijiao.programmes.tests.conftest import TYPE

    with pytest.raises(ValidationError) as exc:
        definitions.type_load(actor=world["province_admin"], text=TYPE.replace("max: 60", "max: 50"))
    assert any("add up to 100" in m for m in exc.value.messages)
    with pytest.raises(ValidationError):
        definitions.type_load(actor=world["school_a"], text=TYPE)
    assert bad is None


def test_form_values_go_through_the_form_engine_and_submission_needs_attachments(world, call):
    app = services.application_create(
        actor=world["school_a"], call=call, institution=world.school_a, title="申报", field="46"
    )
    with pytest.raises(ValidationError) as exc:
        services.application_save(
            actor=world["school_a"], application=app, title="申报", field="46", values={"teachers": "abc"}
        )
    assert "teachers" in exc.value.message_dict
    app = services.application_save(
        actor=world["school_a"],
        application=app,
        title="申报",
        field="46",
        values={"teachers": "5", "dual": "9"},
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=world["school_a"], application=app)
    assert "dual <= teachers" in exc.value.messages[0] or "Required attachments" in exc.value.messages[0]
    services.application_save(
        actor=world["school_a"],
        application=app,
        title="申报",
        field="46",
        values={"teachers": "50", "dual": "9"},
    )
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=world["school_a"], application=app)
    assert "Required attachments are missing" in exc.value.messages[0]
    with pytest.raises(ValidationError):
        services.attachment_add(
            actor=world["school_a"],
            application=app,
            kind="plan",
            upload=SimpleUploadedFile("plan.pdf", b"not a pdf", content_type="application/pdf"),
        )
    services.attachment_add(actor=world["school_a"], application=app, kind="plan", upload=_pdf())
    app = services.application_submit(actor=world["school_a"], application=app)
    assert app.status == S.SUBMITTED and app.submitted_at is not None


def test_deadline_and_eligibility(world, call):
    college = InstitutionFactory(name="济南职业学院", region=world.lixia, kind="higher")
    with pytest.raises(ValidationError) as exc:
        services.application_create(
            actor=world["jinan"], call=call, institution=college, title="x", field="46"
        )
    assert "PROG" not in exc.value.messages[0] and "申报条件" in exc.value.messages[0]
    app = services.application_create(
        actor=world["school_a"], call=call, institution=world.school_a, title="申报", field="46"
    )
    Call.objects.filter(pk=call.pk).update(apply_deadline=timezone.localdate() - datetime.timedelta(days=1))
    app.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        services.application_submit(actor=world["school_a"], application=app)
    assert "deadline" in exc.value.messages[0]


def test_city_quota_and_total_are_enforced(world, call):
    a1 = _submitted(world, call, title="一")
    a2 = _submitted(
        world, call, "jinan", title="二", school=InstitutionFactory(name="济南二中专", region=world.lixia)
    )
    b1 = _submitted(world, call, "school_b", title="三")
    b2 = _submitted(
        world, call, "qingdao", title="四", school=InstitutionFactory(name="青岛二中专", region=world.shinan)
    )
    with pytest.raises(ValidationError) as exc:  # 济南's quota is 1
        services.city_recommend(actor=world["jinan"], call=call, ranking=[a1, a2])
    assert "may recommend 1" in exc.value.messages[0]
    with pytest.raises(OutOfScope):  # a city recommends only its own schools
        services.city_recommend(actor=world["jinan"], call=call, ranking=[b1])
    assert services.city_recommend(actor=world["jinan"], call=call, ranking=[a1]) == 1
    with pytest.raises(ValidationError) as exc:  # the call's total is 2: 青岛 may not add two
        services.city_recommend(actor=world["qingdao"], call=call, ranking=[b2, b1])
    assert "total of 2" in exc.value.messages[0]
    services.city_recommend(actor=world["qingdao"], call=call, ranking=[b2])
    b2.refresh_from_db()
    assert b2.status == S.RECOMMENDED and b2.city_rank == 1
    with pytest.raises(OutOfScope):
        services.city_recommend(actor=world["school_a"], call=call, ranking=[a2])


def test_conflicts(world, call):
    app = _submitted(world, call)
    e1 = services.expert_create(
        actor=world["province_admin"],
        name="甲",
        title="professor",
        employer_name="x",
        city=world.qingdao,
        specialties=["46"],
        employer=world.school_a,
    )
    e2 = services.expert_create(
        actor=world["province_admin"],
        name="乙",
        title="professor",
        employer_name="x",
        city=world.qingdao,
        specialties=["46"],
        former=[
            (world.school_a, datetime.date(2015, 1, 1), timezone.localdate() - datetime.timedelta(days=400))
        ],
    )
    e3 = services.expert_create(
        actor=world["province_admin"],
        name="丙",
        title="professor",
        employer_name="x",
        city=world.jinan,
        specialties=["46"],
        former=[(world.school_a, datetime.date(2010, 1, 1), datetime.date(2012, 1, 1))],
    )
    assert services.conflicts(call, app, e1) == ["works at the applicant institution"]
    assert services.conflicts(call, app, e2) == ["worked at the applicant institution within 3 years"]
    assert services.conflicts(call, app, e3) == []
    call.avoid_same_city = True
    assert services.conflicts(call, app, e3) == ["is from the applicant's city"]


def test_whole_round_to_public_notice_and_approval(world, call, expert_user, client):
    a = _submitted(world, call)
    b = _submitted(world, call, "school_b")
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    services.city_recommend(actor=world["qingdao"], call=call, ranking=[b])
    with pytest.raises(OutOfScope):
        services.screen(actor=world["jinan"], application=a, passed=True)
    services.screen(actor=world["province_admin"], application=a, passed=True)
    services.screen(actor=world["province_admin"], application=b, passed=True)
    experts = []
    for i, (city, employer) in enumerate(
        [(world.jinan, world.school_a), (world.qingdao, None), (world.jinan, None)]
    ):
        experts.append(
            services.expert_create(
                actor=world["province_admin"],
                name=f"专家{i}",
                title="professor",
                employer_name="x",
                city=city,
                specialties=["46"],
                employer=employer,
                user=expert_user(f"ex{i}"),
            )
        )
    report = services.reviewers_assign(actor=world["province_admin"], call=call)
    assert report["solver"]["short"] == 0
    # 回避: expert 0 works at school A and never reviews its application.
    assert not Review.objects.filter(application=a, expert=experts[0]).exists()
    assert Review.objects.filter(application=a).count() == 2
    assert client.get(f"/programmes/public/{call.code}/").status_code == 404  # nothing before the decision
    with pytest.raises(ValidationError):
        services.decide(actor=world["province_admin"], call=Call.objects.get(pk=call.pk))
    totals = {a.pk: ("30", "50"), b.pk: ("35", "45")}  # both 80: the first rubric item breaks the tie
    for review in Review.objects.select_related("user"):
        basis, plan = totals[review.application_id]
        with pytest.raises(ValidationError):
            services.review_submit(
                actor=review.user, review=review, scores={"basis": "41", "plan": "1"}, comments={}
            )
        with pytest.raises(OutOfScope):
            services.review_submit(
                actor=world["province_admin"], review=review, scores={"basis": "1", "plan": "1"}, comments={}
            )
        services.review_submit(
            actor=review.user, review=review, scores={"basis": basis, "plan": plan}, comments={"plan": "好"}
        )
    a.refresh_from_db()
    b.refresh_from_db()
    assert a.score == b.score == Decimal("80.00")
    assert [x.pk for x in services.ranking(call)] == [b.pk, a.pk]
    Call.objects.filter(pk=call.pk).update(total_quota=1)
    call.refresh_from_db()
    assert services.decide(actor=world["province_admin"], call=call) == 1
    a.refresh_from_db()
    b.refresh_from_db()
    assert (b.status, b.rank, a.status) == (S.SHORTLISTED, 1, S.NOT_SELECTED)
    with pytest.raises(ValidationError):
        services.approve(actor=world["province_admin"], call=call)
    call = services.publicise(actor=world["province_admin"], call=call)
    assert call.stage == CallStage.PUBLICISED and call.publicity_end >= call.publicity_start
    page = client.get(f"/programmes/public/{call.code}/")
    assert page.status_code == 200
    assert b.title.encode() in page.content and world.school_b.name in page.content.decode()
    assert world.school_a.name not in page.content.decode()
    with pytest.raises(ValidationError):  # inside the objection window
        services.approve(actor=world["province_admin"], call=call)
    Call.objects.filter(pk=call.pk).update(publicity_end=timezone.localdate() - datetime.timedelta(days=1))
    call.refresh_from_db()
    assert services.approve(actor=world["province_admin"], call=call) == 1
    b.refresh_from_db()
    assert b.status == S.APPROVED
    assert services.awards_of(world.school_b) == {"test_type"}
    assert Expert.objects.count() == 3
