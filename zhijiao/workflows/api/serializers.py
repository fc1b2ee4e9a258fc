from rest_framework import serializers

from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.workflows.models import ApprovalEvent, ApprovalRequest, ApprovalStep


class ApprovalStepSerializer(ModelSerializer):
    level_label = choice_label("level")
    status_label = choice_label("status")
    node = serializers.CharField(read_only=True)
    decided_by = serializers.CharField(source="decided_by.username", read_only=True, default=None)

    class Meta:
        model = ApprovalStep
        fields = [
            "order",
            "level",
            "level_label",
            "node",
            "institution",
            "region",
            "status",
            "status_label",
            "decided_by",
            "decided_at",
            "comment",
        ]
        read_only_fields = fields


class ApprovalEventSerializer(ModelSerializer):
    kind_label = choice_label("kind")

    class Meta:
        model = ApprovalEvent
        fields = ["kind", "kind_label", "actor_name", "node_label", "comment", "at"]
        read_only_fields = fields


class ApprovalRequestSerializer(ModelSerializer):
    status_label = choice_label("status")
    object_type = serializers.CharField(source="content_type.model", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True, default=None)
    steps = ApprovalStepSerializer(many=True, read_only=True)
    events = ApprovalEventSerializer(many=True, read_only=True)

    class Meta:
        model = ApprovalRequest
        fields = [
            "id",
            "kind",
            "title",
            "object_type",
            "object_id",
            "institution",
            "institution_name",
            "status",
            "status_label",
            "current_step",
            "note",
            "submitted_at",
            "finished_at",
            "steps",
            "events",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")


class ReasonSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=1000)
