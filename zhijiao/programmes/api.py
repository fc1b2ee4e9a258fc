"""The read API of 项目库 (``/api/v1/programme-…``): calls, applications with their status, awards,
follow-up rounds and reports — scoped by the selectors, paginated, in the OpenAPI schema."""

from __future__ import annotations

from rest_framework import serializers

from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.api.views import ScopedReadOnlyViewSet

from . import selectors
from .models import Application, Award, Call, FollowUpReport, FollowUpRound


class CallSerializer(ModelSerializer):
    programme_code = serializers.CharField(source="programme_type.code", read_only=True)
    programme_version = serializers.IntegerField(source="programme_type.version", read_only=True)
    stage_label = choice_label("stage")

    class Meta:
        model = Call
        fields = [
            "id",
            "code",
            "name",
            "year",
            "basis",
            "programme_code",
            "programme_version",
            "total_quota",
            "max_reviews_per_expert",
            "budget_total",
            "opens_on",
            "apply_deadline",
            "recommend_deadline",
            "stage",
            "stage_label",
            "publicity_start",
            "publicity_end",
        ]
        read_only_fields = fields


class ApplicationSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    status_label = choice_label("status")
    field_label = choice_label("field")
    funding_source_label = choice_label("funding_source")

    class Meta:
        model = Application
        fields = [
            "id",
            "call",
            "institution",
            "institution_name",
            "title",
            "field",
            "field_label",
            "status",
            "status_label",
            "submitted_at",
            "city_rank",
            "rank",
            "score",
            "funding",
            "funding_source",
            "funding_source_label",
        ]
        read_only_fields = fields


class AwardSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    awardee = serializers.CharField(read_only=True)
    applicant_kind_label = choice_label("applicant_kind")
    status_label = choice_label("status")
    funding_source_label = choice_label("funding_source")
    call = serializers.IntegerField(source="application.call_id", read_only=True)

    class Meta:
        model = Award
        fields = [
            "id",
            "call",
            "application",
            "programme_code",
            "name",
            "year",
            "applicant_kind",
            "applicant_kind_label",
            "institution",
            "institution_name",
            "awardee",
            "offering",
            "student",
            "enterprise",
            "funding",
            "funding_source",
            "funding_source_label",
            "awarded_on",
            "status",
            "status_label",
        ]
        read_only_fields = fields


class FollowUpRoundSerializer(ModelSerializer):
    kind_label = choice_label("kind")
    stage_label = choice_label("stage")

    class Meta:
        model = FollowUpRound
        fields = [
            "id",
            "call",
            "kind",
            "kind_label",
            "name",
            "due_date",
            "expert_review",
            "stage",
            "stage_label",
        ]
        read_only_fields = fields


class FollowUpReportSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    status_label = choice_label("status")
    outcome_label = choice_label("outcome")

    class Meta:
        model = FollowUpReport
        fields = [
            "id",
            "round",
            "award",
            "institution",
            "institution_name",
            "status",
            "status_label",
            "submitted_at",
            "score",
            "outcome",
            "outcome_label",
            "rectify_deadline",
            "concluded_at",
        ]
        read_only_fields = fields


class CallViewSet(ScopedReadOnlyViewSet):
    """Calls for applications (申报通知), with the programme type version each copied."""

    model = Call
    selector = staticmethod(selectors.call_list)
    serializer_class = CallSerializer
    filterset_fields = ("year", "stage", "code")
    ordering_fields = ("year", "code", "apply_deadline")
    ordering = ("-year", "code")


class ApplicationViewSet(ScopedReadOnlyViewSet):
    """Applications and their status: a school its own, a city its schools', the province all, an
    expert those assigned to them."""

    model = Application
    selector = staticmethod(selectors.application_list)
    serializer_class = ApplicationSerializer
    filterset_fields = ("call", "status", "institution")
    ordering_fields = ("call", "status", "rank", "city_rank", "submitted_at")
    ordering = ("call", "pk")


class AwardViewSet(ScopedReadOnlyViewSet):
    """Awards (立项), linked to what was awarded."""

    model = Award
    selector = staticmethod(selectors.award_list)
    serializer_class = AwardSerializer
    filterset_fields = ("programme_code", "year", "status", "institution", "applicant_kind")
    ordering_fields = ("year", "programme_code", "awarded_on")
    ordering = ("-year", "programme_code", "pk")


class FollowUpRoundViewSet(ScopedReadOnlyViewSet):
    """Follow-up rounds (中期检查, 验收, 期满考核) of the calls."""

    model = FollowUpRound
    selector = staticmethod(selectors.followup_round_list)
    serializer_class = FollowUpRoundSerializer
    filterset_fields = ("call", "kind", "stage")
    ordering_fields = ("due_date", "kind")
    ordering = ("call", "due_date", "pk")


class FollowUpReportViewSet(ScopedReadOnlyViewSet):
    """Follow-up reports with their status and outcome."""

    model = FollowUpReport
    selector = staticmethod(selectors.followup_report_list)
    serializer_class = FollowUpReportSerializer
    filterset_fields = ("round", "status", "outcome", "institution")
    ordering_fields = ("status", "submitted_at", "concluded_at")
    ordering = ("round", "pk")


def register(router) -> None:
    router.register("programme-calls", CallViewSet, basename="programme-call")
    router.register("programme-applications", ApplicationViewSet, basename="programme-application")
    router.register("programme-awards", AwardViewSet, basename="programme-award")
    router.register("programme-followup-rounds", FollowUpRoundViewSet, basename="programme-followup-round")
    router.register("programme-followup-reports", FollowUpReportViewSet, basename="programme-followup-report")
