"""Demo of the batch work on placements (called by ``demo._load``): leave requests (one approved,
one waiting), a post change, an early termination and reviewed weekly reports. Every invented text
is marked 示例; each step goes through the services and is skipped if a rule refuses it."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from . import services
from .choices import PlacementStatus, ReportKind, ReviewStatus
from .models import Report


def _school_admin(school):
    from zhijiao.accounts.models import RoleAssignment

    ra = RoleAssignment.objects.filter(role="school_admin", institution=school).select_related("user").first()
    return ra.user if ra else None


def load_demo_batch(*, actor, school, active, today) -> dict:
    done = {"leave": 0, "post_changes": 0, "terminations": 0, "reviews": 0}
    if actor is None or not active:
        return done
    own = [p for p in active if school is None or p.institution_id == school.pk]
    with_user = [p for p in own if p.enrolment.student.user_id][:2]
    for n, p in enumerate(with_user):
        try:
            leave = services.leave_request_submit(
                actor=p.enrolment.student.user,
                placement=p,
                kind="sick" if n == 0 else "personal",
                start_date=today + dt.timedelta(days=3 + n),
                end_date=today + dt.timedelta(days=4 + n),
                reason="示例：发烧就医" if n == 0 else "示例：回家办理身份证",
            )
            if n == 0:
                services.leave_request_decide(actor=actor, leave=leave, approve=True, note="示例：注意休息")
            done["leave"] += 1
        except ValidationError:
            continue
    without_user = [p for p in own if not p.enrolment.student.user_id and p.status == PlacementStatus.ACTIVE]
    if without_user:
        p = without_user[0]
        try:
            post = services.post_create(
                actor=actor,
                data={
                    "enterprise": p.post.enterprise,
                    "name": f"{p.post.name[:80]}（示例调岗）",
                    "major_category": p.post.major_category,
                    "wage_standard": p.post.wage_standard,
                    "lowest_grade_wage": p.post.lowest_grade_wage,
                    "on_duty_staff": p.post.on_duty_staff,
                    "headcount": p.post.headcount,
                    "workplace": p.post.workplace,
                    "latitude": p.post.latitude,
                    "longitude": p.post.longitude,
                },
            )
            services.placement_change_post(
                actor=actor,
                placement=p,
                to_post=post,
                effective_on=today,
                reason="示例：企业生产线调整，调至同专业大类的新岗位",
            )
            done["post_changes"] += 1
        except ValidationError:
            pass
    if len(without_user) > 1:
        p = without_user[1]
        try:
            services.placement_terminate(
                actor=actor,
                placement=p,
                reason="student_request",
                explanation="示例：学生升学备考，本人及监护人申请提前结束实习，学校同意",
                ended_on=today,
                decided_by_party="student",
            )
            active.remove(p)
            done["terminations"] += 1
        except ValidationError:
            pass
    reviewer = _school_admin(school) if school is not None else None
    if reviewer is not None:
        weekly = Report.objects.filter(
            placement__in=own, kind=ReportKind.WEEK, status=ReviewStatus.SUBMITTED
        ).order_by("id")[:3]
        for n, report in enumerate(weekly):
            accept = n < 2
            services.report_review(
                actor=reviewer,
                report=report,
                accept=accept,
                comment="" if accept else "示例：请补充本周的具体工作内容",
            )
            done["reviews"] += 1
    return done
