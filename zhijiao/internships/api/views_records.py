"""/api/v1/ for the records of host vetting, incident 直报 and the batch work: read only, scoped by the
same selectors as the pages (an id outside the caller's scope is a 404), paginated like every list.
Their writes are the pages' services (lifecycle transitions, the school's forms)."""

from __future__ import annotations

from zhijiao.core.api.views import ScopedReadOnlyViewSet

from .. import selectors_batch, selectors_vetting
from ..models import (
    BlacklistEntry,
    EarlyTermination,
    HostAssessment,
    Incident,
    LeaveRequest,
    PostChange,
)
from . import serializers_records as s


class HostAssessmentViewSet(ScopedReadOnlyViewSet):
    """实地考察评估 of hosts (教职成〔2021〕4号第七条): the school's own, an authority's region's; a
    student reads the published ones of their school."""

    model = HostAssessment
    selector = staticmethod(selectors_vetting.assessment_list_with_report_access)
    serializer_class = s.HostAssessmentSerializer
    ordering_fields = ("assessed_on", "published_at")
    ordering = ("-assessed_on", "-id")


class BlacklistEntryViewSet(ScopedReadOnlyViewSet):
    """The province's blacklist of hosts, with the reason and the decision's 文号."""

    model = BlacklistEntry
    selector = staticmethod(selectors_vetting.blacklist)
    serializer_class = s.BlacklistEntrySerializer
    ordering_fields = ("listed_on",)
    ordering = ("-listed_on", "-id")


class IncidentViewSet(ScopedReadOnlyViewSet):
    """Serious incidents reported (直报) by the schools, each with its follow-up reports."""

    model = Incident
    selector = staticmethod(selectors_vetting.incident_list_with_followups)
    serializer_class = s.IncidentSerializer
    ordering_fields = ("occurred_at", "report_due_at")
    ordering = ("-occurred_at", "-id")


class LeaveRequestViewSet(ScopedReadOnlyViewSet):
    """Leave requests of placements (the student asks, the school or the school mentor decides)."""

    model = LeaveRequest
    selector = staticmethod(selectors_batch.leave_request_list)
    serializer_class = s.LeaveRequestSerializer
    ordering_fields = ("start_date", "requested_at")
    ordering = ("-start_date", "-id")


class PostChangeViewSet(ScopedReadOnlyViewSet):
    """岗位变更: placements moved to another post, with the reason."""

    model = PostChange
    selector = staticmethod(selectors_batch.post_change_list)
    serializer_class = s.PostChangeSerializer
    ordering_fields = ("effective_on",)
    ordering = ("-effective_on", "-id")


class EarlyTerminationViewSet(ScopedReadOnlyViewSet):
    """Placements ended early, with the reason, the last day and the deciding party."""

    model = EarlyTermination
    selector = staticmethod(selectors_batch.termination_list)
    serializer_class = s.EarlyTerminationSerializer
    ordering_fields = ("ended_on",)
    ordering = ("-ended_on", "-id")
