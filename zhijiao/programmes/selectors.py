"""Reads of 项目库, always through ``restrict``."""

from __future__ import annotations

from django.db.models import QuerySet

from zhijiao.core.scoping import restrict

from .choices import CallStage
from .models import Application, Call, Expert, Review


def call_list(*, user, action: str = "view") -> QuerySet[Call]:
    return restrict(Call.objects.all(), user, action).select_related("programme_type")


def application_list(*, user, action: str = "view") -> QuerySet[Application]:
    return restrict(Application.objects.all(), user, action).select_related("institution", "call")


def expert_list(*, user, action: str = "view") -> QuerySet[Expert]:
    return restrict(Expert.objects.all(), user, action).select_related("city")


def review_list(*, user, action: str = "view") -> QuerySet[Review]:
    return restrict(Review.objects.all(), user, action).select_related("application", "expert")


def my_reviews(*, user) -> QuerySet[Review]:
    """The reviews assigned to the user (narrowed from what they may see)."""
    return review_list(user=user).filter(user=user).select_related("application__call")


# --- the pool as other apps read it (competitions' judges) -----------------------------------------


def judging_pool(*, user) -> QuerySet[Expert]:
    """The active experts the user may see, with their former employers (for 回避)."""
    return (
        expert_list(user=user)
        .filter(active=True)
        .select_related("employer")
        .prefetch_related("former_employers")
        .order_by("pk")
    )


def expert_recent_institutions(expert: Expert, *, on) -> set[int]:
    """The institutions the expert works at, or left less than the rule's years before ``on``
    (PROG-AVOID-FORMER-EMPLOYER): a judge withdraws from their entries."""
    from zhijiao.core import rules

    years = int(rules.param("PROGRAMMES_AVOID_FORMER_EMPLOYER_YEARS"))
    day = 28 if (on.month == 2 and on.day == 29) else on.day
    since = on.replace(year=on.year - years, day=day)
    ids = {f.institution_id for f in expert.former_employers.all() if f.end >= since}
    if expert.employer_id:
        ids.add(expert.employer_id)
    return ids


def objection_list(*, user, action: str = "view"):
    from .models import Objection

    return restrict(Objection.objects.all(), user, action).select_related("call")


# --- awards and follow-up rounds ------------------------------------------------------------------------


def award_list(*, user, action: str = "view"):
    from .models import Award

    return restrict(Award.objects.all(), user, action).select_related(
        "institution", "offering__major", "student", "enterprise", "application__call"
    )


def followup_round_list(*, user, action: str = "view"):
    from .models import FollowUpRound

    return restrict(FollowUpRound.objects.all(), user, action).select_related("call")


def followup_report_list(*, user, action: str = "view"):
    from .models import FollowUpReport

    return restrict(FollowUpReport.objects.all(), user, action).select_related(
        "round__call",
        "award__institution",
        "award__offering__major",
        "award__student",
        "award__enterprise",
        "institution",
    )


def followup_review_list(*, user, action: str = "view"):
    from .models import FollowUpReview

    return restrict(FollowUpReview.objects.all(), user, action).select_related("report__round", "expert")


def my_followup_reviews(*, user):
    return (
        followup_review_list(user=user)
        .filter(user=user)
        .select_related(
            "report__award__institution",
            "report__award__offering__major",
            "report__award__student",
            "report__award__enterprise",
        )
    )


def public_calls():
    """Calls whose decision list is public (公示 under way, or 立项 after it), newest notice first —
    the public index of notices that anyone may read without signing in."""
    return (
        Call.objects.filter(
            stage__in=[CallStage.PUBLICISED, CallStage.APPROVED], publicity_start__isnull=False
        )
        .only("code", "name", "stage", "publicity_start", "publicity_end")
        .order_by("-publicity_start", "-pk")
    )
