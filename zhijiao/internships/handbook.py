"""实习手册 / 实习鉴定表 of one student's placement as a PDF (``core.pdf``: CJK fonts, page numbers,
the reader's watermark): student, school, host, post, dates, mentors, changes and leave, the weekly
reports' summary and the assessment."""

from __future__ import annotations

from collections import Counter

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core import pdf
from zhijiao.core.downloads import content_disposition as _disposition
from zhijiao.core.validators import mask_resident_id

from .choices import ReportKind, ReviewStatus
from .choices_batch import LeaveStatus
from .models import (
    EarlyTermination,
    Evaluation,
    LeaveRequest,
    MentorAssignment,
    Placement,
    PostChange,
    Report,
)

EXCERPT = 120


def handbook_context(p: Placement) -> dict:
    p = Placement.objects.select_related(
        "plan", "post", "enterprise", "institution", "enrolment__student", "enrolment__offering__major"
    ).get(pk=p.pk)
    reports = list(
        Report.objects.filter(placement=p).select_related("reviewed_by").order_by("period_start", "id")
    )
    weekly = [r for r in reports if r.kind == ReportKind.WEEK]
    by_status = Counter(r.status for r in weekly)
    leaves = list(
        LeaveRequest.objects.filter(placement=p, status=LeaveStatus.APPROVED).order_by("start_date")
    )
    return {
        "p": p,
        "student": p.enrolment.student,
        "id_masked": mask_resident_id(p.enrolment.student.id_number),
        "mentors": list(MentorAssignment.objects.filter(placement=p).order_by("kind", "-is_current", "id")),
        "weekly": [
            {
                "r": r,
                "excerpt": r.content[:EXCERPT] + ("…" if len(r.content) > EXCERPT else ""),
            }
            for r in weekly
        ],
        "weekly_counts": {
            "total": len(weekly),
            "reviewed": by_status.get(ReviewStatus.REVIEWED, 0),
            "returned": by_status.get(ReviewStatus.RETURNED, 0),
            "pending": by_status.get(ReviewStatus.SUBMITTED, 0),
        },
        "other_reports": len(reports) - len(weekly),
        "changes": list(PostChange.objects.filter(placement=p).select_related("from_post", "to_post")),
        "leaves": leaves,
        "leave_days": sum((leave.end_date - leave.start_date).days + 1 for leave in leaves),
        "termination": EarlyTermination.objects.filter(placement=p).first(),
        "evaluation": Evaluation.objects.filter(placement=p).first(),
        "today": timezone.localdate(),
    }


def handbook_html(p: Placement, *, request=None) -> str:
    return render_to_string("internships/handbook_pdf.html", handbook_context(p), request=request)


def handbook_pdf(p: Placement, *, request=None) -> bytes:
    user = getattr(request, "user", None)
    return pdf.render_pdf(
        handbook_html(p, request=request),
        footer=True,
        watermark=user if getattr(user, "is_authenticated", False) else None,
    )


def content_disposition(p: Placement) -> str:
    name = _("Internship handbook") + f"-{p.enrolment.student.name}-{p.pk}.pdf"
    return _disposition(name, fallback=f"internship-handbook-{p.pk}.pdf")
