"""Editing a draft host assessment (only while a draft, only by the school that made it) and the written
report served through the assessment's scope (never from /media/)."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from zhijiao.core.models import AuditEntry
from zhijiao.core.services import OutOfScope
from zhijiao.core.testing import blank_pdf
from zhijiao.internships.models import HostAssessment
from zhijiao.internships.services import vetting

pytestmark = pytest.mark.django_db


@pytest.fixture
def settings_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return settings


def _draft(iw, institution=None, actor=None):
    data = {"enterprise": iw.w.ent_b, "assessed_on": iw.today, "assessors": "张三"}
    data |= {f"{key}_score": 80 for key, _l in vetting.ASSESSMENT_ITEMS}
    data |= {"conclusion": "合格", "report_file": ContentFile(blank_pdf(), name="report.pdf")}
    return vetting.assessment_create(
        actor=actor or iw.school_admin, institution=institution or iw.w.school_a, data=data
    )


def _form(**over):
    data = {"assessed_on": "", "assessors": "李四", "conclusion": "整改后合格"}
    data |= {f"{key}_score": 70 for key, _l in vetting.ASSESSMENT_ITEMS}
    return data | over


def test_the_school_edits_its_draft_and_keeps_the_report(iw, login, settings_media):
    a = _draft(iw)
    client = login(iw.school_admin)
    url = reverse("internships:assessment_edit", args=[a.pk])
    assert url in client.get(a.get_absolute_url()).content.decode()
    page = client.get(url)
    assert page.status_code == 200
    ok = client.post(url, _form(assessed_on=iw.today.isoformat()))
    assert ok.status_code == 302
    a.refresh_from_db()
    assert (a.assessors, a.integrity_score, a.conclusion) == ("李四", 70, "整改后合格")
    assert a.report_file.name.endswith(".pdf")  # no new file: the stored report stays
    assert AuditEntry.objects.filter(object_id=str(a.pk), event="host.assessment_changed").count() == 1


def test_bad_input_changes_nothing(iw, login, settings_media):
    a = _draft(iw)
    client = login(iw.school_admin)
    url = reverse("internships:assessment_edit", args=[a.pk])
    for bad in (
        _form(assessed_on=iw.today.isoformat(), integrity_score=150),
        _form(assessed_on="2999-01-01"),
        _form(assessed_on=iw.today.isoformat(), report_file=SimpleUploadedFile("r.pdf", b"not a pdf")),
    ):
        response = client.post(url, bad)
        assert response.status_code == 400
        assert (
            '<ul class="errorlist' in response.content.decode()
            or "invalid-feedback" in response.content.decode()
        )
    a.refresh_from_db()
    assert (a.assessors, a.integrity_score) == ("张三", 80)


def test_only_a_draft_and_only_its_school(iw, login, settings_media):
    a = _draft(iw)
    url = reverse("internships:assessment_edit", args=[a.pk])
    # The city above reads it but may not change the school's record; another school cannot see it.
    for user in (iw.w["jinan"], iw.w["school_b"], iw.w["qingdao"], iw.province):
        assert login(user).get(url).status_code == 404
        assert login(user).post(url, _form(assessed_on=iw.today.isoformat())).status_code == 404
    with pytest.raises(OutOfScope):
        vetting.assessment_update(actor=iw.w["jinan"], assessment=a, data={"assessors": "市局"})
    vetting.assessment_approve(actor=iw.school_admin, assessment=a, decision="2026年第3次党委会")
    assert login(iw.school_admin).get(url).status_code == 404
    a.refresh_from_db()
    with pytest.raises(ValidationError):
        vetting.assessment_update(actor=iw.school_admin, assessment=a, data={"assessors": "改"})
    assert HostAssessment.objects.get(pk=a.pk).assessors == "张三"


def test_a_new_report_replaces_the_old_one(iw, login, settings_media):
    a = _draft(iw)
    old = a.report_file.name
    response = login(iw.school_admin).post(
        reverse("internships:assessment_edit", args=[a.pk]),
        _form(
            assessed_on=iw.today.isoformat(),
            report_file=SimpleUploadedFile("新报告.pdf", blank_pdf(), "application/pdf"),
        ),
    )
    assert response.status_code == 302
    a.refresh_from_db()
    assert a.report_file.name != old


def test_the_report_downloads_in_scope_only(iw, login, settings_media):
    a = _draft(iw)
    url = reverse("internships:assessment_report", args=[a.pk])
    page = login(iw.school_admin).get(a.get_absolute_url()).content.decode()
    assert url in page
    for user in (iw.school_admin, iw.w["jinan"], iw.province):
        response = login(user).get(url)
        assert response.status_code == 200
        assert "filename*=UTF-8''" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    for user in (iw.w["school_b"], iw.w["qingdao"]):
        assert login(user).get(url).status_code == 404
    assert AuditEntry.objects.filter(object_id=str(a.pk), action="view_sensitive").count() == 3
    assert (
        login(iw.school_admin).get(reverse("internships:assessment_report", args=[987654])).status_code == 404
    )
