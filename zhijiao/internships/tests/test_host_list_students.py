"""The published host list (教职成〔2021〕4号第七条: 对外公开) is open to the students of the school, through
the relation HostAssessment declares (restrict, not a hand-written OR): only published hosts, only their
current school's, gone when withdrawn; staff keep their tree scope."""

import pytest
from django.urls import reverse

from zhijiao.core import lifecycle
from zhijiao.core.navigation import menu_entries
from zhijiao.core.scoping import restrict
from zhijiao.core.testing_scope import may
from zhijiao.internships import selectors_vetting as sel
from zhijiao.internships.models import HostAssessment
from zhijiao.internships.services import vetting

pytestmark = pytest.mark.django_db


def _student_user(iw, school=None):
    """A student (with their account) currently at ``school`` (school A by default)."""
    return iw.student(school=school).student.user


def test_a_student_reads_the_published_hosts_of_their_school_only(iw, login):
    p = iw.placement()  # school A's approved (not yet published) assessment of the host
    a = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    student = _student_user(iw)
    other = _student_user(iw, school=iw.w.school_b)
    assert not sel.host_list_published(user=student).exists()  # approved is not published
    assert not may(student, a)
    vetting.assessment_publish(actor=iw.school_admin, assessment=a)
    a.refresh_from_db()
    assert a.listed_by_id == a.institution_id
    assert list(sel.host_list_published(user=student)) == [a]
    assert may(student, a) and not may(other, a)  # the oracle reads the same declaration
    assert not sel.host_list_published(user=other).exists()
    page = login(student).get(reverse("internships:host_list"))
    assert page.status_code == 200 and p.enterprise.name in page.content.decode()
    assert p.enterprise.name not in login(other).get(reverse("internships:host_list")).content.decode()
    assert login(student).get(a.get_absolute_url()).status_code == 200
    assert login(other).get(a.get_absolute_url()).status_code == 404
    # The student reads, never changes.
    assert not restrict(HostAssessment.objects.all(), student, "change").exists()
    # Withdrawn, the host leaves the list.
    lifecycle.fire(vetting.ASSESSMENT_KIND, a, "withdraw", actor=iw.school_admin, reason="停产整顿")
    assert not sel.host_list_published(user=student).exists()
    assert login(student).get(a.get_absolute_url()).status_code == 404


def test_drafts_stay_with_the_school(iw, login):
    from django.core.files.base import ContentFile

    from zhijiao.core.testing import blank_pdf

    data = {"enterprise": iw.w.ent_b, "assessed_on": iw.today, "assessors": "张三", "conclusion": "合格"}
    data |= {f"{key}_score": 80 for key, _l in vetting.ASSESSMENT_ITEMS}
    data["report_file"] = ContentFile(blank_pdf(), name="r.pdf")
    draft = vetting.assessment_create(actor=iw.school_admin, institution=iw.w.school_a, data=data)
    student = _student_user(iw)
    assert not sel.assessment_list(user=student).filter(pk=draft.pk).exists()
    assert login(student).get(draft.get_absolute_url()).status_code == 404
    assert login(student).get(reverse("internships:assessment_report", args=[draft.pk])).status_code == 404


def test_staff_keep_their_scope_and_the_student_has_a_menu_entry(iw):
    p = iw.placement()
    a = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    vetting.assessment_publish(actor=iw.school_admin, assessment=a)
    assert sel.host_list_published(user=iw.w["jinan"]).filter(pk=a.pk).exists()
    assert not sel.host_list_published(user=iw.w["qingdao"]).exists()
    assert not sel.host_list_published(user=iw.w["school_b"]).exists()
    student = _student_user(iw)
    urls = {entry["url"] for entry in menu_entries(student)}
    assert reverse("internships:host_list") in urls


def test_the_published_list_does_not_give_students_the_written_report(iw, login):
    """第七条 makes the host list public, not the on-site assessment's written report: the school, its city
    and the province download it; a student who reads the published host gets neither the file nor its link."""
    from django.core.files.base import ContentFile

    from zhijiao.core.testing import blank_pdf
    from zhijiao.core.testing_api import api_client

    p = iw.placement()
    a = HostAssessment.objects.get(institution=p.institution, enterprise=p.enterprise)
    a.report_file.save("report.pdf", ContentFile(blank_pdf()), save=True)
    vetting.assessment_publish(actor=iw.school_admin, assessment=a)
    student = _student_user(iw)
    url = reverse("internships:assessment_report", args=[a.pk])
    assert login(student).get(a.get_absolute_url()).status_code == 200  # the published host itself
    assert url not in login(student).get(a.get_absolute_url()).content.decode()
    assert login(student).get(url).status_code == 404
    assert login(iw.school_admin).get(url).status_code == 200
    assert url in login(iw.school_admin).get(a.get_absolute_url()).content.decode()
    assert login(iw.w["jinan"]).get(url).status_code == 200
    rows = api_client(student).get("/api/v1/host-assessments/").json()["results"]
    assert [r["report_url"] for r in rows if r["id"] == a.pk] == [None]
    rows = api_client(iw.school_admin).get("/api/v1/host-assessments/").json()["results"]
    assert [r["report_url"] for r in rows if r["id"] == a.pk] == [url]
