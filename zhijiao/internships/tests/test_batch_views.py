"""Pages of the batch work: changes and leave, the forms, the student's leave page, the handbook PDF
(text read back with pdftotext) and the per-teacher counts."""

import datetime as dt
import shutil
import subprocess
import tempfile
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from zhijiao.core.lifecycle.views import transition_url
from zhijiao.internships import services
from zhijiao.internships.models import LeaveRequest, Placement, Report

pytestmark = pytest.mark.django_db


def _leave(p, days=0):
    day = dt.date.today() + dt.timedelta(days=days)
    return services.leave_request_submit(
        actor=p.enrolment.student.user, placement=p, kind="sick", start_date=day, end_date=day, reason="发烧"
    )


def test_changes_page_and_forms_for_the_school(iw, world, login):
    p = iw.placement(activate=True)
    new = services.post_create(
        actor=iw.host_user,
        data={
            "enterprise": iw.w.ent_a,
            "name": "运维助理",
            "major_category": iw.w.major.major_class.category,
            "wage_standard": Decimal(4000),
            "lowest_grade_wage": Decimal(3000),
            "on_duty_staff": 50,
        },
    )
    school = login(iw.school_admin)
    detail = school.get(p.get_absolute_url()).content.decode()
    changes_url = reverse("internships:placement_changes", args=[p.pk])
    assert changes_url in detail
    page = school.get(changes_url).content.decode()
    assert reverse("internships:post_change", args=[p.pk]) in page
    assert reverse("internships:handbook_pdf", args=[p.pk]) in page
    # Bad input: a Chinese message, nothing changed.
    bad = school.post(reverse("internships:post_change", args=[p.pk]), {"to_post": new.pk, "reason": "调岗"})
    assert bad.status_code == 400 and "此项为必填项" in bad.content.decode()
    same = school.post(
        reverse("internships:post_change", args=[p.pk]),
        {"to_post": iw.post.pk, "effective_on": iw.today.isoformat(), "reason": "调岗"},
    )
    assert same.status_code == 400 and "该实习已在这个岗位上" in same.content.decode()
    ok = school.post(
        reverse("internships:post_change", args=[p.pk]),
        {"to_post": new.pk, "effective_on": iw.today.isoformat(), "reason": "调岗"},
    )
    assert ok.status_code == 302
    p.refresh_from_db()
    assert p.post_id == new.pk
    assert "运维助理" in school.get(changes_url).content.decode()
    # Early termination through the form.
    term = school.post(
        reverse("internships:terminate", args=[p.pk]),
        {
            "reason": "health",
            "ended_on": iw.today.isoformat(),
            "decided_by_party": "school",
            "explanation": "因病",
        },
    )
    assert term.status_code == 302
    p.refresh_from_db()
    assert p.status == "ended"
    page = school.get(changes_url).content.decode()
    assert 'data-testid="termination"' in page and "身体健康原因" in page
    assert reverse("internships:terminate", args=[p.pk]) not in page


def test_other_schools_and_hosts_cannot_change(iw, world, login):
    p = iw.placement(activate=True)
    other = login(world["school_b"])
    for name in ("placement_changes", "post_change", "terminate", "handbook_pdf"):
        assert other.get(reverse(f"internships:{name}", args=[p.pk])).status_code == 404
    host = login(iw.host_user)
    assert host.get(reverse("internships:placement_changes", args=[p.pk])).status_code == 200
    assert host.get(reverse("internships:terminate", args=[p.pk])).status_code == 404
    assert host.get(reverse("internships:handbook_pdf", args=[p.pk])).status_code == 404
    response = host.post(
        reverse("internships:terminate", args=[p.pk]),
        {
            "reason": "health",
            "ended_on": iw.today.isoformat(),
            "decided_by_party": "host",
            "explanation": "x",
        },
    )
    assert response.status_code == 404
    assert Placement.objects.get(pk=p.pk).status == "active"


def test_student_asks_for_leave_and_the_mentor_decides(iw, login):
    p = iw.placement(activate=True)
    student = login(p.enrolment.student.user)
    url = reverse("internships:my_leave")
    assert student.get(url).status_code == 200
    bad = student.post(
        url, {"kind": "sick", "start_date": iw.today.isoformat(), "end_date": "", "reason": "病"}
    )
    assert bad.status_code == 400 and LeaveRequest.objects.count() == 0
    outside = student.post(
        url,
        {
            "kind": "sick",
            "start_date": iw.end.isoformat(),
            "end_date": (iw.end + dt.timedelta(days=3)).isoformat(),
            "reason": "病",
        },
    )
    assert outside.status_code == 400 and "请假日期须在实习起止日期内" in outside.content.decode()
    ok = student.post(
        url,
        {
            "kind": "sick",
            "start_date": iw.today.isoformat(),
            "end_date": iw.today.isoformat(),
            "reason": "病",
        },
    )
    assert ok.status_code == 302
    leave = LeaveRequest.objects.get()
    page = student.get(url).content.decode()
    assert transition_url(leave, "internships.leave", "withdraw") in page
    assert transition_url(leave, "internships.leave", "approve") not in page
    mentor = login(iw.mentor_user)
    changes = mentor.get(reverse("internships:placement_changes", args=[p.pk])).content.decode()
    approve = transition_url(leave, "internships.leave", "approve")
    assert approve in changes
    assert mentor.post(approve, {"reason": ""}).status_code == 302
    leave.refresh_from_db()
    assert leave.status == "approved" and leave.decided_by == iw.mentor_user
    # A refusal without a reason is refused with a Chinese message.
    second = _leave(p, days=2)
    refuse = mentor.post(transition_url(second, "internships.leave", "refuse"), {"reason": ""})
    assert refuse.status_code == 400 and "请说明不批准请假的理由" in refuse.content.decode()


def test_user_without_placement_sees_a_message(world, login):
    client = login(world["school_a"])
    assert "您暂无实习安排" in client.get(reverse("internships:my_leave")).content.decode()
    response = client.post(
        reverse("internships:my_leave"),
        {"kind": "sick", "start_date": "2026-01-01", "end_date": "2026-01-01", "reason": "x"},
    )
    assert response.status_code == 400 and LeaveRequest.objects.count() == 0


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_handbook_pdf_text(iw, login):
    p = iw.placement(activate=True)
    Report.objects.create(
        placement=p,
        kind="week",
        period_start=iw.start,
        period_end=iw.start + dt.timedelta(days=6),
        title="第一周周报",
        content="本周熟悉了软件测试流程。",
    )
    services.evaluation_by_enterprise(actor=iw.host_user, placement=p, score=92, comment="表现优秀")
    _leave(p)
    services.leave_request_decide(actor=iw.mentor_user, leave=LeaveRequest.objects.get(), approve=True)
    for user in (iw.school_admin, p.enrolment.student.user, iw.mentor_user):
        response = login(user).get(reverse("internships:handbook_pdf", args=[p.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(response.content)
        f.flush()
        text = subprocess.run(["pdftotext", "-layout", f.name, "-"], capture_output=True, text=True).stdout
    flat = "".join(text.split())
    student = p.enrolment.student
    for expected in (
        "实习手册",
        student.name,
        iw.w.school_a.name,
        iw.w.ent_a.name,
        iw.post.name,
        iw.start.isoformat(),
        "王老师",
        "李工",
        "第一周周报",
        "92",
        "表现优秀",
        "病假",
    ):
        assert expected in flat, expected
    assert student.id_number not in flat  # masked


def test_teacher_counts(iw, world, login):
    p1 = iw.placement(activate=True)
    p2 = iw.placement(activate=True)
    for n, p in enumerate((p1, p2)):
        for week in range(2):
            Report.objects.create(
                placement=p,
                kind="week",
                period_start=iw.start + dt.timedelta(days=7 * week),
                period_end=iw.start + dt.timedelta(days=7 * week + 6),
                title=f"周报{n}{week}",
                content="内容",
            )
    first = Report.objects.filter(placement=p1).order_by("period_start").first()
    services.report_review(actor=iw.mentor_user, report=first, accept=True)
    second = Report.objects.filter(placement=p2).order_by("period_start").first()
    services.report_review(actor=iw.mentor_user, report=second, accept=False, comment="请补充")
    school = login(iw.school_admin)
    url = reverse("internships:teacher_counts")
    with CaptureQueriesContext(connection) as queries:
        response = school.get(url)
    assert response.status_code == 200
    rows = response.context["rows"]
    mine = next(r for r in rows if r["name"] == str(iw.mentor_user))
    assert (mine["placements"], mine["weekly_pending"], mine["weekly_reviewed"], mine["weekly_returned"]) == (
        2,
        2,
        1,
        1,
    )
    assert mine["reviews"] == 2
    assert len(queries) < 25
    # Another school sees none of them.
    other = login(world["school_b"]).get(url)
    assert other.status_code == 200 and not other.context["rows"]
