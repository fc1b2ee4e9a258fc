"""Read serializers of the records of host vetting, incident 直报 and the batch work (API, read only)."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhijiao.core.api.serializers import MaskedModelSerializer, choice_label

from ..models import (
    BlacklistEntry,
    EarlyTermination,
    HostAssessment,
    Incident,
    IncidentFollowUp,
    LeaveRequest,
    PostChange,
)
from ..models.vetting import ASSESSMENT_ITEMS

_SCORES = [f"{key}_score" for key, _label in ASSESSMENT_ITEMS]


class HostAssessmentSerializer(MaskedModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status_label = choice_label("status")
    report_url = serializers.SerializerMethodField()

    class Meta:
        model = HostAssessment
        fields = [
            "id",
            "institution",
            "institution_name",
            "enterprise",
            "enterprise_name",
            "assessed_on",
            "assessors",
            *_SCORES,
            "conclusion",
            "status",
            "status_label",
            "decision_reference",
            "approved_at",
            "published_at",
            "report_url",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_report_url(self, obj) -> str | None:
        """The written report, downloaded through the assessment's scope (never a /media/ address); none
        for a student reading the published list (``selectors_vetting.assessment_reports``)."""
        if not obj.report_file or not getattr(obj, "report_allowed", False):
            return None
        return reverse("internships:assessment_report", args=[obj.pk])


class BlacklistEntrySerializer(MaskedModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)

    class Meta:
        model = BlacklistEntry
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "credit_code",
            "reason",
            "document_number",
            "listed_on",
            "lifted_on",
            "lift_reason",
        ]
        read_only_fields = fields


class IncidentFollowUpSerializer(MaskedModelSerializer):
    author_name = serializers.SerializerMethodField()

    class Meta:
        model = IncidentFollowUp
        fields = ["id", "written_at", "content", "final", "author_name"]
        read_only_fields = fields

    def get_author_name(self, obj) -> str:
        return obj.author.display_name or obj.author.username


class IncidentSerializer(MaskedModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    kind_label = choice_label("kind")
    status_label = choice_label("status")
    late = serializers.BooleanField(read_only=True)
    followups = IncidentFollowUpSerializer(many=True, read_only=True)

    class Meta:
        model = Incident
        fields = [
            "id",
            "institution",
            "institution_name",
            "placement",
            "kind",
            "kind_label",
            "occurred_at",
            "learned_at",
            "place",
            "summary",
            "people_affected",
            "measures",
            "status",
            "status_label",
            "report_due_at",
            "reported_at",
            "late",
            "followup_due_at",
            "escalated_at",
            "escalations",
            "closed_at",
            "followups",
        ]
        read_only_fields = fields


class LeaveRequestSerializer(MaskedModelSerializer):
    kind_label = choice_label("kind")
    status_label = choice_label("status")

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "placement",
            "kind",
            "kind_label",
            "start_date",
            "end_date",
            "reason",
            "status",
            "status_label",
            "requested_at",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class PostChangeSerializer(MaskedModelSerializer):
    from_post_name = serializers.CharField(source="from_post.name", read_only=True)
    to_post_name = serializers.CharField(source="to_post.name", read_only=True)

    class Meta:
        model = PostChange
        fields = [
            "id",
            "placement",
            "from_post",
            "from_post_name",
            "to_post",
            "to_post_name",
            "effective_on",
            "reason",
            "created_at",
        ]
        read_only_fields = fields


class EarlyTerminationSerializer(MaskedModelSerializer):
    reason_label = choice_label("reason")
    decided_by_party_label = choice_label("decided_by_party")

    class Meta:
        model = EarlyTermination
        fields = [
            "id",
            "placement",
            "reason",
            "reason_label",
            "explanation",
            "ended_on",
            "decided_by_party",
            "decided_by_party_label",
            "recorded_at",
        ]
        read_only_fields = fields
