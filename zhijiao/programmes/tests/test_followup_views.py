"""Pages and API of awards, follow-up rounds and programme types, per role."""

import datetime

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from zhijiao.core.testing_api import api_client, result_ids
from zhijiao.programmes import definitions
from zhijiao.programmes import services_followup as fu
from zhijiao.programmes.choices import Outcome, ReportStatus
from zhijiao.programmes.models import Award, FollowUpReport, FollowUpRound, ProgrammeType
from zhijiao.programmes.tests.test_followup import FORM

pytestmark = pytest.mark.django_db


def _round(world, call, **kw):
    return fu.round_create(
        actor=world["province_admin"],
        call=call,
        kind="midterm",
        name="中期检查",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        form=FORM,
        **kw,
    )


def test_awards_page_and_institution_panel_by_scope(world, approved, login):
    client = login(world["school_b"])
    page = client.get("/programmes/awards/").content.decode()
    assert "测试项目" in page and world.school_b.name in page
    panel = client.get(f"/institutions/{world.school_b.pk}/").content.decode()
    assert 'id="programme-awards"' in panel and "测试项目" in panel
    client = login(world["school_a"])
    assert "测试项目" not in client.get("/programmes/awards/").content.decode()


def test_province_opens_a_round_and_the_school_reports(world, approved, login):
    call = approved["call"]
    client = login(world["school_b"])
    assert client.post(f"/programmes/calls/{call.pk}/followup/", {"kind": "midterm"}).status_code == 404
    client = login(world["province_admin"])
    due = (timezone.localdate() + datetime.timedelta(days=5)).isoformat()
    bad = client.post(
        f"/programmes/calls/{call.pk}/followup/",
        {
            "kind": "midterm",
            "name": "中期",
            "due_date": "2000-01-01",
            "reviewers_per_report": 2,
            "rectify_days": 30,
        },
    )
    assert bad.status_code == 200 and not FollowUpRound.objects.exists()
    assert "The deadline lies in the future." in bad.content.decode()
    response = client.post(
        f"/programmes/calls/{call.pk}/followup/",
        {"kind": "midterm", "name": "中期", "due_date": due, "reviewers_per_report": 2, "rectify_days": 30},
    )
    rnd = FollowUpRound.objects.get()
    assert response.url == f"/programmes/followup/{rnd.pk}/"
    report = FollowUpReport.objects.get()
    # The other school, and a city not the school's, do not see the report.
    assert login(world["school_a"]).get(f"/programmes/followup/reports/{report.pk}/").status_code == 404
    assert login(world["jinan"]).get(f"/programmes/followup/reports/{report.pk}/").status_code == 404
    assert login(world["qingdao"]).get(f"/programmes/followup/reports/{report.pk}/").status_code == 200
    client = login(world["school_b"])
    assert client.get(f"/programmes/followup/{rnd.pk}/").status_code == 200
    response = client.post(f"/programmes/followup/reports/{report.pk}/", {"action": "submit"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED  # no form on this round: submitting confirms
    client = login(world["province_admin"])
    page = client.get(f"/programmes/followup/reports/{report.pk}/").content.decode()
    assert 'name="outcome"' in page
    client.post(f"/programmes/followup/reports/{report.pk}/", {"action": "conclude", "outcome": "bogus"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED
    client.post(
        f"/programmes/followup/reports/{report.pk}/", {"action": "conclude", "outcome": Outcome.EXCELLENT}
    )
    report.refresh_from_db()
    assert (report.status, report.outcome) == (ReportStatus.CONCLUDED, Outcome.EXCELLENT)


def test_report_form_values_are_checked_on_the_page(world, approved, login):
    rnd = _round(world, approved["call"])
    report = FollowUpReport.objects.get(round=rnd)
    client = login(world["school_b"])
    page = client.post(f"/programmes/followup/reports/{report.pk}/", {"action": "save", "v__progress": "abc"})
    assert page.status_code == 200 and "is-invalid" in page.content.decode()
    report.refresh_from_db()
    assert report.values == {}
    client.post(f"/programmes/followup/reports/{report.pk}/", {"action": "submit", "v__progress": "90"})
    report.refresh_from_db()
    assert report.status == ReportStatus.SUBMITTED


def test_programme_types_export_import_and_edit_make_new_versions(world, ptype, call, login):
    assert login(world["school_a"]).get("/programmes/types/").status_code == 404
    assert login(world["jinan"]).get(f"/programmes/types/{ptype.pk}/export/").status_code == 404
    client = login(world["province_admin"])
    assert "测试项目" in client.get("/programmes/types/").content.decode()
    assert client.get(f"/programmes/types/{ptype.pk}/").status_code == 200
    text = client.get(f"/programmes/types/{ptype.pk}/export/").content.decode()
    assert yaml.safe_load(text)["rubric"] == ptype.definition["rubric"]
    upload = SimpleUploadedFile("t.yaml", text.encode(), content_type="application/x-yaml")
    response = client.post("/programmes/types/import/", {"file": upload})
    v2 = ProgrammeType.objects.get(code=ptype.code, version=2)
    assert response.url == f"/programmes/types/{v2.pk}/"
    # The round trip gives the same definition (the form reused, not duplicated).
    assert {k: v for k, v in v2.definition.items() if k != "version"} == {
        k: v for k, v in ptype.definition.items() if k != "version"
    }
    assert v2.form_version_id == ptype.form_version_id
    edited = text.replace("name: 测试项目", "name: 测试项目（修订）")
    client.post(f"/programmes/types/{v2.pk}/edit/", {"text": edited})
    v3 = definitions.current(ptype.code)
    assert (v3.version, v3.name) == (3, "测试项目（修订）")
    call.refresh_from_db()
    assert call.programme_type_id == ptype.pk  # the call keeps the version it copied
    ptype.refresh_from_db()
    assert ptype.name == "测试项目"
    bad = client.post(f"/programmes/types/{v3.pk}/edit/", {"text": text.replace("max: 60", "max: 10")})
    assert bad.status_code == 200 and definitions.current(ptype.code).version == 3
    with pytest.raises(definitions.TypeDefinitionError):  # a published version never changes
        definitions.type_load(actor=world["province_admin"], text=text)
    wrong = SimpleUploadedFile("t.yaml", b"\xff\xfe", content_type="application/x-yaml")
    assert client.post("/programmes/types/import/", {"file": wrong}).status_code == 302


def test_api_lists_are_scoped(world, approved):
    rnd = _round(world, approved["call"])
    award = Award.objects.get()
    report = FollowUpReport.objects.get(round=rnd)
    assert result_ids(api_client(world["school_b"]).get("/api/v1/programme-awards/")) == {award.pk}
    assert result_ids(api_client(world["school_a"]).get("/api/v1/programme-awards/")) == set()
    assert result_ids(api_client(world["qingdao"]).get("/api/v1/programme-followup-reports/")) == {report.pk}
    assert result_ids(api_client(world["jinan"]).get("/api/v1/programme-followup-reports/")) == set()
    assert result_ids(api_client(world["province_admin"]).get("/api/v1/programme-followup-rounds/")) == {
        rnd.pk
    }
    apps = result_ids(api_client(world["school_a"]).get("/api/v1/programme-applications/"))
    assert apps == {approved["a"].pk}
    body = api_client(world["school_b"]).get(f"/api/v1/programme-awards/{award.pk}/").json()
    assert body["status_label"] == "Under construction" and body["awardee"] == world.school_b.name
    assert api_client(world["school_a"]).get(f"/api/v1/programme-awards/{award.pk}/").status_code == 404
    assert api_client().get("/api/v1/programme-calls/").status_code in (401, 403)
    schema = api_client(world["province_admin"]).get("/api/schema/").content.decode()
    assert "/api/v1/programme-followup-reports/" in schema


def test_the_structured_editor_saves_names_attachments_and_rubric_as_a_new_version(world, ptype, login):
    assert login(world["qingdao"]).get(f"/programmes/types/{ptype.pk}/editor/").status_code == 404
    client = login(world["province_admin"])
    page = client.get(f"/programmes/types/{ptype.pk}/editor/").content.decode()
    assert 'name="phase-0-school"' in page and 'value="填报"' in page
    post = {
        "name": "测试项目",
        "att-count": "3",
        "att-0-code": "plan",
        "att-0-name": "建设方案",
        "att-0-required": "on",
        "att-0-kinds": "pdf",
        "att-1-code": "budget",
        "att-1-name": "经费预算表",
        "att-1-kinds": "xlsx, pdf",
        "rub-count": "3",
        "rub-0-code": "basis",
        "rub-0-name": "基础",
        "rub-0-max": "30",
        "rub-1-code": "plan",
        "rub-1-name": "方案",
        "rub-1-max": "60",
        "form_version": str(ptype.form_version_id),
    }
    for i, phase in enumerate(ptype.definition["phases"]):
        post[f"phase-{i}-actor"] = phase["actor"]
        for role, name in phase["names"].items():
            post[f"phase-{i}-{role}"] = name
    post["phase-0-city"] = "学校申报（市级查看）"
    bad = client.post(f"/programmes/types/{ptype.pk}/editor/", post)  # 30 + 60 is not 100
    assert bad.status_code == 200 and "100" in bad.content.decode()
    assert definitions.current(ptype.code).version == 1
    post["rub-0-max"] = "40"
    response = client.post(f"/programmes/types/{ptype.pk}/editor/", post)
    v2 = definitions.current(ptype.code)
    assert response.url == f"/programmes/types/{v2.pk}/" and v2.version == 2
    assert v2.definition["phases"][0]["names"]["city"] == "学校申报（市级查看）"
    assert [a["code"] for a in v2.definition["attachments"]] == ["plan", "budget"]
    assert v2.definition["attachments"][1] == {
        "code": "budget",
        "name": "经费预算表",
        "required": False,
        "kinds": ["xlsx", "pdf"],
    }
    assert [r["max"] for r in v2.definition["rubric"]] == [40, 60]
    assert v2.form_version_id == ptype.form_version_id
    ptype.refresh_from_db()
    assert ptype.definition["phases"][0]["names"].get("city") is None  # version 1 unchanged


def test_an_offered_majors_page_shows_its_awards(world, approved, login):
    from zhijiao.majors.models import InstitutionMajor

    offering = InstitutionMajor.objects.create(institution=world.school_b, major=world.major, start_year=2016)
    plain = InstitutionMajor.objects.create(institution=world.school_b, major=world.major, start_year=2020)
    Award.objects.filter(application=approved["b"]).update(offering=offering)
    client = login(world["school_b"])
    page = client.get(f"/majors/offered/{offering.pk}/").content.decode()
    assert 'id="programme-awards"' in page and "测试项目" in page
    assert 'id="programme-awards"' not in client.get(f"/majors/offered/{plain.pk}/").content.decode()


BLIND_FORM = {
    **FORM,
    "code": "prog_followup_blind",
    "sections": [
        {
            "code": "main",
            "name": "进展",
            "elements": [
                *FORM["sections"][0]["elements"],
                {"code": "summary", "name": "进展概述", "type": "text", "required": True},
            ],
        }
    ],
}


def test_follow_up_reviewers_of_a_blind_call_see_the_applicant_masked(world, approved, login):
    """Like the first review: the reviewer sees neither the school nor who holds the award, and the
    school's names are masked in the report's text (the same helper, ``services.blind_mask``)."""
    from zhijiao.programmes import services
    from zhijiao.programmes.models import Call, FollowUpReview

    call = approved["call"]
    assert call.blind_review
    rnd = fu.round_create(
        actor=world["province_admin"],
        call=call,
        kind="acceptance",
        name="验收",
        due_date=timezone.localdate() + datetime.timedelta(days=10),
        form=BLIND_FORM,
        expert_review=True,
        reviewers_per_report=1,
        rubric=[{"code": "p", "name": "成效", "max": 100}],
    )
    report = FollowUpReport.objects.get(round=rnd)
    school = world.school_b.name
    report = fu.report_save(
        actor=world["school_b"],
        report=report,
        values={"progress": "80", "summary": f"{school}按期完成建设任务"},
    )
    fu.report_submit(actor=world["school_b"], report=report)
    fu.reviewers_assign(actor=world["province_admin"], round=rnd)
    review = FollowUpReview.objects.select_related("user").get(report=report)
    client = login(review.user)
    for url in (
        f"/programmes/followup/reviews/{review.pk}/",
        "/programmes/followup/reviews/",
        f"/programmes/followup/{rnd.pk}/",
        f"/programmes/followup/reports/{report.pk}/",
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        text = page.content.decode()
        assert school not in text, url
    page = client.get(f"/programmes/followup/reviews/{review.pk}/").content.decode()
    assert f"{services.BLIND_MASK}按期完成建设任务" in page
    # The province and the school see the names; without blind review so does the reviewer.
    assert (
        school
        in login(world["province_admin"]).get(f"/programmes/followup/reports/{report.pk}/").content.decode()
    )
    assert (
        school in login(world["school_b"]).get(f"/programmes/followup/reports/{report.pk}/").content.decode()
    )
    Call.objects.filter(pk=call.pk).update(blind_review=False)
    page = login(review.user).get(f"/programmes/followup/reviews/{review.pk}/").content.decode()
    assert f"{school}按期完成建设任务" in page
