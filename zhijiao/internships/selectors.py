"""Reads for internships; every one starts from ``core.scoping.restrict``.

Besides the organisation scope, a student sees their own placement (``Student.user``), and a
mentor the placements they are assigned to (``MentorAssignment.user``).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, DurationField, Exists, ExpressionWrapper, F, OuterRef, Q, QuerySet
from django.utils import timezone

from zhijiao.core.scoping import restrict, user_scope

from .choices import DirectReportStatus, InternshipKind, PlacementStatus, ReviewStatus
from .models import (
    Alert,
    CheckIn,
    DirectReport,
    Evaluation,
    HolidayCalendar,
    Inspection,
    InspectionItem,
    InternshipPlan,
    MentorAssignment,
    PayRecord,
    Placement,
    Post,
    Report,
)


def plan_list(*, user, action: str = "view") -> QuerySet[InternshipPlan]:
    return restrict(
        InternshipPlan.objects.select_related("institution", "offering__major"), user, action
    ).annotate(placement_count=Count("placements"))


def post_list(*, user, action: str = "view") -> QuerySet[Post]:
    return restrict(Post.objects.select_related("enterprise", "major_category"), user, action)


def _mentored(user) -> Exists:
    return Exists(MentorAssignment.objects.filter(placement=OuterRef("pk"), user_id=user.pk, is_current=True))


def placement_list(*, user, action: str = "view") -> QuerySet[Placement]:
    base = Placement.objects.select_related("plan", "post", "enterprise", "institution", "enrolment__student")
    scoped = restrict(base, user, action)
    if action != "view" or not getattr(user, "is_authenticated", False):
        return scoped
    own = base.filter(Q(enrolment__student__user_id=user.pk) | _mentored(user))
    return scoped | own


def placement_get(*, user, pk, action: str = "view") -> Placement:
    return placement_list(user=user, action=action).get(pk=pk)


def student_placement(*, user) -> Placement | None:
    """The signed-in student's current placement (active first, then the latest)."""
    if not getattr(user, "is_authenticated", False):
        return None
    qs = Placement.objects.select_related(
        "plan", "post", "enterprise", "institution", "enrolment__student"
    ).filter(enrolment__student__user_id=user.pk)
    return qs.filter(status=PlacementStatus.ACTIVE).first() or qs.order_by("-start_date").first()


def _child_list(model, user, action: str, related=("placement",)) -> QuerySet:
    base = model.objects.select_related(*related)
    scoped = restrict(base, user, action)
    if action != "view" or not getattr(user, "is_authenticated", False):
        return scoped
    mentored = Exists(
        MentorAssignment.objects.filter(placement=OuterRef("placement"), user_id=user.pk, is_current=True)
    )
    return scoped | base.filter(Q(placement__enrolment__student__user_id=user.pk) | mentored)


def checkin_list(*, user, action: str = "view") -> QuerySet[CheckIn]:
    return _child_list(CheckIn, user, action)


def report_list(*, user, action: str = "view") -> QuerySet[Report]:
    return _child_list(Report, user, action, related=("placement__enrolment__student",))


def pay_record_list(*, user, action: str = "view") -> QuerySet[PayRecord]:
    return _child_list(PayRecord, user, action)


def evaluation_list(*, user, action: str = "view") -> QuerySet[Evaluation]:
    return _child_list(Evaluation, user, action)


def alert_list(*, user, action: str = "view") -> QuerySet[Alert]:
    return restrict(
        Alert.objects.select_related("placement__enrolment__student", "institution", "enterprise"),
        user,
        action,
    )


def direct_report_list(*, user, action: str = "view") -> QuerySet[DirectReport]:
    base = DirectReport.objects.select_related("institution", "enterprise", "reporter")
    scoped = restrict(base, user, action)
    if action != "view" or not getattr(user, "is_authenticated", False):
        return scoped
    return scoped | base.filter(reporter_id=user.pk)


def reporter_visible(*, user, report: DirectReport) -> bool:
    """Anonymous-to-the-authority reports hide the reporter from region (authority) users, not from the school."""
    if report.reporter_id == getattr(user, "pk", None):
        return True
    if not report.anonymous_to_authority:
        return True
    return report.institution_id in user_scope(user).institution_ids


def inspection_list(*, user, action: str = "view") -> QuerySet[Inspection]:
    """Inspections over the user's region, and those sampling the user's school."""
    base = Inspection.objects.select_related("region")
    scoped = restrict(base, user, action)
    schools = user_scope(user).institution_ids
    if action != "view" or not schools:
        return scoped
    sampled = Exists(InspectionItem.objects.filter(inspection=OuterRef("pk"), institution_id__in=schools))
    return scoped | base.filter(sampled)


def inspection_item_list(*, user, action: str = "view") -> QuerySet[InspectionItem]:
    return restrict(
        InspectionItem.objects.select_related("inspection", "institution", "placement__enrolment__student"),
        user,
        action,
    )


def holiday_list(*, user) -> QuerySet[HolidayCalendar]:
    return HolidayCalendar.objects.all()


# --- the registry reads this --------------------------------------------------------------------------
def internship_grade_for(enrolment) -> str:
    """The school's grade of the enrolment's latest graded post internship ("" if none).

    For the registry's graduation check (INT-ASSESS): "fail" (不合格) means no graduation.
    """
    row = (
        Evaluation.objects.filter(placement__enrolment=enrolment, placement__plan__kind=InternshipKind.POST)
        .exclude(school_grade="")
        .order_by("-placement__end_date", "-graded_at")
        .values_list("school_grade", flat=True)
        .first()
    )
    return row or ""


def internship_blocks_graduation(enrolment) -> bool:
    return internship_grade_for(enrolment) == "fail"


# --- mentor worklist ----------------------------------------------------------------------------------
def mentor_worklist(*, user) -> dict:
    """What a mentor (or school user) should look at: placements out of contact, reports to review, open alerts."""
    placements = placement_list(user=user).filter(status=PlacementStatus.ACTIVE)
    ids = placements.values("pk")
    alerts = Alert.objects.filter(placement_id__in=ids, resolved_at__isnull=True).select_related(
        "placement__enrolment__student"
    )
    return {
        "missing": list(alerts.filter(rule_id="INT-MISSING").order_by("first_seen")[:100]),
        "alerts": list(alerts.exclude(rule_id="INT-MISSING").order_by("-severity", "first_seen")[:100]),
        "reports": list(
            Report.objects.filter(placement_id__in=ids, status=ReviewStatus.SUBMITTED)
            .select_related("placement__enrolment__student")
            .order_by("submitted_at")[:100]
        ),
        "placement_count": placements.count(),
    }


# --- authority dashboard ------------------------------------------------------------------------------
def _city_code(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    return parts[1] if len(parts) > 1 else (parts[0] if parts else "")


def dashboard(*, user, today: dt.date | None = None) -> dict:
    """Aggregates for the authority dashboard. A fixed number of queries whatever the number of placements."""
    from zhijiao.orgs.models import Region

    today = today or timezone.localdate()
    placements = restrict(Placement.objects.all(), user, "view")
    active = placements.filter(status=PlacementStatus.ACTIVE)
    open_alerts = restrict(Alert.objects.filter(resolved_at__isnull=True), user, "view")

    by_region_path = list(active.values("institution__region__path").annotate(n=Count("id")).order_by())
    city_counts: dict[str, int] = {}
    for row in by_region_path:
        code = _city_code(row["institution__region__path"])
        city_counts[code] = city_counts.get(code, 0) + row["n"]
    city_names = dict(Region.objects.filter(code__in=list(city_counts)).values_list("code", "name"))
    by_city = sorted(
        ({"code": c, "name": city_names.get(c, c), "n": n} for c, n in city_counts.items()),
        key=lambda r: -r["n"],
    )

    by_school = list(
        active.values("institution_id", "institution__name").annotate(n=Count("id")).order_by("-n")[:15]
    )
    by_category = list(
        active.values("post__major_category__name").annotate(n=Count("id")).order_by("-n")[:20]
    )
    by_enterprise = list(
        active.values("enterprise_id", "enterprise__name").annotate(n=Count("id")).order_by("-n")[:15]
    )
    blocking_placements = (
        open_alerts.filter(severity="block", placement__status=PlacementStatus.ACTIVE)
        .values("placement_id")
        .distinct()
        .count()
    )
    total_active = active.count()
    alerts_by_rule = list(open_alerts.values("rule_id").annotate(n=Count("id")).order_by("-n"))
    alerts_by_level = {
        r["escalation_level"]: r["n"]
        for r in open_alerts.values("escalation_level").annotate(n=Count("id")).order_by()
    }
    worst_enterprises = list(
        open_alerts.exclude(severity="info")
        .values("enterprise_id", "enterprise__name")
        .annotate(n=Count("id"))
        .order_by("-n")[:10]
    )
    reports = restrict(DirectReport.objects.all(), user, "view")
    answer_time = ExpressionWrapper(
        F("school_responded_at") - F("submitted_at"), output_field=DurationField()
    )
    direct = reports.aggregate(
        total=Count("id"),
        open=Count("id", filter=Q(status=DirectReportStatus.OPEN)),
        answered=Count(
            "id", filter=Q(school_responded_at__isnull=False) | Q(authority_responded_at__isnull=False)
        ),
        avg_answer=Avg(answer_time, filter=Q(school_responded_at__isnull=False)),
    )
    avg = direct.pop("avg_answer")
    direct["avg_answer_hours"] = round(avg.total_seconds() / 3600, 1) if avg else None
    return {
        "today": today,
        "total_active": total_active,
        "compliant": total_active - blocking_placements,
        "compliance_rate": round(100 * (total_active - blocking_placements) / total_active, 1)
        if total_active
        else None,
        "by_city": by_city,
        "by_school": by_school,
        "by_category": by_category,
        "by_enterprise": by_enterprise,
        "alerts_by_rule": alerts_by_rule,
        "alerts_by_level": alerts_by_level,
        "open_alerts": sum(r["n"] for r in alerts_by_rule),
        "worst_enterprises": worst_enterprises,
        "direct": direct,
    }


def dashboard_cached(*, user) -> dict:
    """``dashboard`` cached per scope for ``INTERNSHIP_DASHBOARD_CACHE_SECONDS`` (default 300; 0 disables).

    Users with the same grants share the entry; the sweep runs daily, so minutes of staleness are fine.
    """
    import hashlib

    from django.conf import settings
    from django.core.cache import cache

    seconds = getattr(settings, "INTERNSHIP_DASHBOARD_CACHE_SECONDS", 300)
    if not seconds:
        return dashboard(user=user)
    scope = user_scope(user)
    grants = sorted(
        (g.role, g.region_path or "", g.institution_id or 0, g.enterprise_id or 0) for g in scope.grants
    )
    key = (
        "internships:dashboard:"
        + hashlib.sha256(repr((scope.is_superuser, grants)).encode()).hexdigest()[:32]
    )
    data = cache.get(key)
    if data is None:
        data = dashboard(user=user)
        cache.set(key, data, seconds)
    return data
