import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.accounts.choices import Role
from zhijiao.core.testing import InstitutionFactory, blank_pdf, make_user
from zhijiao.programmes import services
from zhijiao.programmes.choices import ApplicationStatus as S
from zhijiao.programmes.models import Application, Call, Review

pytestmark = pytest.mark.django_db


def _submitted(world, call, who, school, title):
    app = services.application_create(
        actor=world[who], call=call, institution=school, title=title, field="46"
    )
    app = services.application_save(
        actor=world[who], application=app, title=title, field="46", values={"teachers": "9"}
    )
    services.attachment_add(
        actor=world[who],
        application=app,
        kind="plan",
        upload=SimpleUploadedFile("p.pdf", blank_pdf(), content_type="application/pdf"),
    )
    return services.application_submit(actor=world[who], application=app)


def test_school_applies_and_bad_values_are_refused_with_a_reason(world, call, login):
    client = login(world["school_a"])
    page = client.get(f"/programmes/calls/{call.pk}/")
    assert page.status_code == 200 and "Start an application" in page.content.decode()
    response = client.post(
        f"/programmes/calls/{call.pk}/apply/",
        {"institution": world.school_a.pk, "title": "我的申报", "field": "46"},
    )
    app = Application.objects.get(title="我的申报")
    assert response.url == f"/programmes/applications/{app.pk}/"
    # another school's institution is not offered and not accepted
    client.post(
        f"/programmes/calls/{call.pk}/apply/",
        {"institution": world.school_b.pk, "title": "越权", "field": "46"},
    )
    assert not Application.objects.filter(title="越权").exists()
    page = client.post(
        f"/programmes/applications/{app.pk}/",
        {"action": "save", "title": "我的申报", "field": "46", "v__teachers": "abc"},
    )
    assert page.status_code == 200 and "Enter a number." in page.content.decode()
    app.refresh_from_db()
    assert app.values == {}
    page = client.post(
        f"/programmes/applications/{app.pk}/",
        {"action": "submit", "title": "我的申报", "field": "46", "v__teachers": "5"},
        follow=True,
    )
    assert "Required attachments are missing" in page.content.decode()
    app.refresh_from_db()
    assert app.status == S.DRAFT


def test_city_recommendation_page_enforces_the_quota(world, call, login):
    a1 = _submitted(world, call, "school_a", world.school_a, "一")
    a2 = _submitted(world, call, "jinan", InstitutionFactory(name="济南二中专", region=world.lixia), "二")
    client = login(world["jinan"])
    page = client.post(
        f"/programmes/calls/{call.pk}/recommend/", {f"rank_{a1.pk}": "1", f"rank_{a2.pk}": "2"}, follow=True
    )
    assert "may recommend 1 applications" in page.content.decode()
    assert Application.objects.filter(status=S.RECOMMENDED).count() == 0
    client.post(f"/programmes/calls/{call.pk}/recommend/", {f"rank_{a2.pk}": "1"})
    a2.refresh_from_db()
    assert (a2.status, a2.city_rank) == (S.RECOMMENDED, 1)
    # the province sees the city's ranking
    page = login(world["province_admin"]).get(f"/programmes/calls/{call.pk}/recommend/")
    assert "二" in page.content.decode() and page.status_code == 200
    # a school posting to the page changes nothing
    assert (
        login(world["school_a"])
        .post(f"/programmes/calls/{call.pk}/recommend/", {f"rank_{a1.pk}": "1"})
        .status_code
        == 404
    )


def test_blind_review_hides_the_applicant_from_the_expert(world, call, login, expert_user):
    a = _submitted(world, call, "school_a", world.school_a, "一")
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    services.screen(actor=world["province_admin"], application=a, passed=True)
    users = [expert_user("e1"), expert_user("e2")]
    for i, user in enumerate(users):
        services.expert_create(
            actor=world["province_admin"],
            name=f"专家{i}",
            title="professor",
            employer_name="x",
            city=world.qingdao,
            specialties=["46"],
            user=user,
        )
    services.reviewers_assign(actor=world["province_admin"], call=call)
    client = login(users[0])
    page = client.get("/programmes/reviews/")
    assert "一" in page.content.decode()
    detail = client.get(f"/programmes/applications/{a.pk}/").content.decode()
    assert world.school_a.name not in detail
    review = Review.objects.get(user=users[0])
    page = client.post(f"/programmes/reviews/{review.pk}/", {"s__basis": "99", "s__plan": "10"})
    assert page.status_code == 200 and "A score between 0 and 40" in page.content.decode()
    client.post(f"/programmes/reviews/{review.pk}/", {"s__basis": "30", "s__plan": "50"})
    review.refresh_from_db()
    assert review.total == 80
    # an expert without this assignment does not open it
    other = make_user("e3", Role.EXPERT)
    assert login(other).get(f"/programmes/reviews/{review.pk}/").status_code == 404


def test_public_page_needs_no_login_and_shows_only_a_published_list(world, call, client):
    assert client.get(f"/programmes/public/{call.code}/").status_code == 404
    Call.objects.filter(pk=call.pk).update(
        stage="publicised",
        publicity_start=timezone.localdate(),
        publicity_end=timezone.localdate() + datetime.timedelta(days=6),
    )
    page = client.get(f"/programmes/public/{call.code}/")
    assert page.status_code == 200 and "published for objections" in page.content.decode()


def test_blind_reviewers_see_the_school_masked_in_title_and_attachment_names(world, call, login, expert_user):
    school = world.school_a  # 济南第一职业中专 in 历下区, 济南市
    title = f"济南第一职业中专（{school.code}）第一职专 数控专业群"
    a = services.application_create(
        actor=world["school_a"], call=call, institution=school, title=title, field="46"
    )
    a = services.application_save(
        actor=world["school_a"], application=a, title=title, field="46", values={"teachers": "9"}
    )
    services.attachment_add(
        actor=world["school_a"],
        application=a,
        kind="plan",
        upload=SimpleUploadedFile("济南第一职业中专方案.pdf", blank_pdf(), content_type="application/pdf"),
    )
    a = services.application_submit(actor=world["school_a"], application=a)
    services.city_recommend(actor=world["jinan"], call=call, ranking=[a])
    services.screen(actor=world["province_admin"], application=a, passed=True)
    users = [expert_user("b1"), expert_user("b2")]
    for i, user in enumerate(users):
        services.expert_create(
            actor=world["province_admin"],
            name=f"盲评专家{i}",
            title="professor",
            employer_name="x",
            city=world.qingdao,
            specialties=["46"],
            user=user,
        )
    services.reviewers_assign(actor=world["province_admin"], call=call)
    client = login(users[0])
    review = Review.objects.get(user=users[0])
    for url in (
        "/programmes/reviews/",
        f"/programmes/applications/{a.pk}/",
        f"/programmes/reviews/{review.pk}/",
    ):
        page = client.get(url).content.decode()
        assert "〔申报单位〕" in page, url
        for leak in (school.name, school.code, "第一职专", "济南第一"):
            assert leak not in page, (url, leak)
        assert "数控专业群" in page
    detail = client.get(f"/programmes/applications/{a.pk}/").content.decode()
    assert "〔申报单位〕方案.pdf" in detail  # the attachment is listed, its name masked
    # The province, not blind, sees the real title and the school.
    page = login(world["province_admin"]).get(f"/programmes/applications/{a.pk}/").content.decode()
    assert school.name in page and "济南第一职业中专方案.pdf" in page
    # Without blind review the expert sees the title as written.
    Call.objects.filter(pk=call.pk).update(blind_review=False)
    assert school.name in login(users[0]).get("/programmes/reviews/").content.decode()


def test_institution_terms_and_mask():
    from types import SimpleNamespace

    city = SimpleNamespace(name="济南市", parent=SimpleNamespace(name="山东省", parent=None))
    school = SimpleNamespace(
        name="山东商业职业技术学院", code="4137012345", website="https://www.sdbi.edu.cn/", region=city
    )
    terms = services.institution_terms(school)
    assert {
        "山东商业职业技术学院",
        "商业职业技术学院",
        "山东商业",
        "山东商职",
        "4137012345",
        "www.sdbi.edu.cn",
    } <= set(terms)
    text = "山东商业职业技术学院（山东商职，4137012345，www.sdbi.edu.cn）与山东职业学院合作"
    masked = services.blind_mask(text, terms)
    assert masked == "〔申报单位〕（〔申报单位〕，〔申报单位〕，〔申报单位〕）与山东职业学院合作"
