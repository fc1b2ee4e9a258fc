"""Reads for host vetting, the blacklist and incident 直报, always through ``restrict``."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from zhijiao.core.scoping import restrict

from .models import BlacklistEntry, HostAssessment, Incident, IncidentFollowUp, PlacementSafety
from .models.vetting import AssessmentStatus


def assessment_list(*, user, action: str = "view") -> QuerySet[HostAssessment]:
    return restrict(HostAssessment.objects.select_related("institution", "enterprise"), user, action)


def assessment_reports(*, user) -> QuerySet[HostAssessment]:
    """The assessments whose written report the user may download: the school's own, its city's and the
    province's (the organisation subtree alone). 教职成〔2021〕4号第七条 makes the host *list* public, not the
    on-site assessment's report, so a student who reads the published list does not get the report."""
    return restrict(
        HostAssessment.objects.select_related("institution", "enterprise"), user, "view", tree_only=True
    )


def assessment_list_with_report_access(*, user, action: str = "view") -> QuerySet[HostAssessment]:
    """``assessment_list`` with ``report_allowed``: whether the user may download each one's report."""
    allowed = assessment_reports(user=user).filter(pk=OuterRef("pk"))
    return assessment_list(user=user, action=action).annotate(report_allowed=Exists(allowed))


def host_list_published(*, user) -> QuerySet[HostAssessment]:
    """The published host lists the user may read: a school its own, an authority its region's, a
    student their current school's (``HostAssessment.scope_relations``, through the publication)."""
    return assessment_list(user=user).filter(status=AssessmentStatus.PUBLISHED)


def blacklist(*, user, action: str = "view") -> QuerySet[BlacklistEntry]:
    return restrict(BlacklistEntry.objects.select_related("enterprise"), user, action)


def placement_safety(placement) -> PlacementSafety | None:
    return PlacementSafety.objects.filter(placement=placement).first()


def incident_list(*, user, action: str = "view") -> QuerySet[Incident]:
    return restrict(Incident.objects.select_related("institution"), user, action)


def incident_list_with_followups(*, user, action: str = "view") -> QuerySet[Incident]:
    """Incidents with their follow-up reports (one more query per page, not per incident)."""
    followups = IncidentFollowUp.objects.select_related("author").order_by("written_at", "id")
    return incident_list(user=user, action=action).prefetch_related(Prefetch("followups", queryset=followups))
