"""Reads of the batch work: per-teacher review counts (always scoped by the user's placements)."""

from __future__ import annotations

from django.db.models import Count, Q

from zhijiao.core.scoping import restrict

from .choices import MentorKind, ReportKind, ReviewStatus
from .models import EarlyTermination, LeaveRequest, MentorAssignment, Placement, PostChange, Report


def post_change_list(*, user, action: str = "view"):
    """岗位变更 records the user may read (those of the placements in their scope, or their own)."""
    rows = PostChange.objects.select_related("placement", "from_post", "to_post", "decided_by")
    return restrict(rows, user, action)


def leave_request_list(*, user, action: str = "view"):
    return restrict(LeaveRequest.objects.select_related("placement", "decided_by"), user, action)


def termination_list(*, user, action: str = "view"):
    return restrict(EarlyTermination.objects.select_related("placement", "recorded_by"), user, action)


def mentor_review_counts(*, user) -> list[dict]:
    """One row per school mentor (a user) of the placements ``user`` may see: their current
    placements, weekly reports on them pending review, weekly reports they reviewed (accepted or
    returned) and every report they reviewed. Two grouped queries, whatever the number of teachers."""
    placements = restrict(Placement.objects.all(), user, "view").values("pk")
    weekly = Q(placement__reports__kind=ReportKind.WEEK)
    mentors = (
        MentorAssignment.objects.filter(
            kind=MentorKind.SCHOOL, is_current=True, user__isnull=False, placement__in=placements
        )
        .values("user_id", "user__display_name", "user__username")
        .annotate(
            placements=Count("placement", distinct=True),
            weekly_pending=Count(
                "placement__reports",
                filter=weekly & Q(placement__reports__status=ReviewStatus.SUBMITTED),
                distinct=True,
            ),
        )
    )
    rows: dict[int, dict] = {
        m["user_id"]: {
            "name": m["user__display_name"] or m["user__username"],
            "placements": m["placements"],
            "weekly_pending": m["weekly_pending"],
            "weekly_reviewed": 0,
            "weekly_returned": 0,
            "reviews": 0,
        }
        for m in mentors
    }
    reviews = (
        Report.objects.filter(placement__in=placements, reviewed_by__isnull=False)
        .values("reviewed_by_id", "reviewed_by__display_name", "reviewed_by__username")
        .annotate(
            reviews=Count("pk"),
            weekly_reviewed=Count("pk", filter=Q(kind=ReportKind.WEEK, status=ReviewStatus.REVIEWED)),
            weekly_returned=Count("pk", filter=Q(kind=ReportKind.WEEK, status=ReviewStatus.RETURNED)),
        )
    )
    for r in reviews:
        row = rows.setdefault(
            r["reviewed_by_id"],
            {
                "name": r["reviewed_by__display_name"] or r["reviewed_by__username"],
                "placements": 0,
                "weekly_pending": 0,
            },
        )
        row.update(
            reviews=r["reviews"], weekly_reviewed=r["weekly_reviewed"], weekly_returned=r["weekly_returned"]
        )
    return sorted(rows.values(), key=lambda row: (-row["weekly_pending"], row["name"]))
