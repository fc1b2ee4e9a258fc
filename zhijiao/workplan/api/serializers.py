from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from zhijiao.core.api.serializers import (
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)

from .. import rules, selectors
from ..choices import Decision
from ..models import Acknowledgement, Assignment, Milestone, ProgressReport, Target, Task, Theme


class TargetSerializer(ModelSerializer):
    actual_text = serializers.CharField(read_only=True)

    class Meta:
        model = Target
        fields = [
            "id",
            "label",
            "quantity",
            "quantity_max",
            "unit",
            "approximate",
            "actual",
            "actual_text",
            "phrase",
            "same_as",
        ]
        read_only_fields = fields


class TaskSerializer(ServiceModelSerializer):
    theme = ScopedPrimaryKeyRelatedField(
        model=Theme, scope=lambda user: selectors.theme_choices(user=user), required=False, allow_null=True
    )
    owner = ScopedPrimaryKeyRelatedField(
        model=get_user_model(),
        scope=lambda user: selectors.colleague_choices(user=user),
        required=False,
        allow_null=True,
    )
    kind_label = choice_label("kind")
    status_label = choice_label("status")
    label = serializers.CharField(read_only=True)
    plan_year = serializers.IntegerField(source="plan.year", read_only=True)
    theme_name = serializers.CharField(source="theme.name", read_only=True, default=None)
    owner_name = serializers.CharField(source="owner.__str__", read_only=True, default=None)
    days_left = serializers.SerializerMethodField()
    health = serializers.SerializerMethodField()
    targets = TargetSerializer(many=True, read_only=True)

    class Meta:
        model = Task
        fields = [
            "id",
            "plan",
            "plan_year",
            "kind",
            "kind_label",
            "number",
            "label",
            "title",
            "text",
            "emphasis",
            "theme",
            "theme_name",
            "lead_unit",
            "co_units",
            "owner",
            "owner_name",
            "example_fields",
            "status",
            "status_label",
            "progress",
            "start_date",
            "due_date",
            "completed_on",
            "plan_a",
            "plan_b",
            "chosen_alternative",
            "days_left",
            "health",
            "targets",
            "updated_at",
        ]
        read_only_fields = [
            "plan",
            "example_fields",
            "kind",
            "number",
            "title",
            "text",
            "emphasis",
            "progress",
            "completed_on",
            "updated_at",
        ]
        validators = []

    def _today(self, obj):
        return selectors.plan_today(obj.plan)

    def get_days_left(self, obj) -> int | None:
        return rules.countdown(obj.due_date, today=self._today(obj)).days_left

    def get_health(self, obj) -> str:
        return rules.task_health(
            status=obj.status,
            progress=obj.progress,
            start=obj.start_date,
            due=obj.due_date,
            today=self._today(obj),
        )


class ProgressSerializer(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class MilestoneSerializer(ServiceModelSerializer):
    task = ScopedPrimaryKeyRelatedField(
        model=Task, scope=lambda user: selectors.task_list(user=user, action="change")
    )

    class Meta:
        model = Milestone
        fields = [
            "id",
            "task",
            "title",
            "due_date",
            "alternative_a",
            "alternative_b",
            "chosen_alternative",
            "done_on",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        validators = []


class ProgressReportSerializer(ServiceModelSerializer):
    task = ScopedPrimaryKeyRelatedField(
        model=Task,
        scope=lambda user: selectors.task_list(user=user, action="change"),
        required=False,
        allow_null=True,
    )
    assignment = ScopedPrimaryKeyRelatedField(
        model=Assignment,
        scope=lambda user: selectors.assignment_list(user=user, action="change"),
        required=False,
        allow_null=True,
    )
    status_label = choice_label("status")
    author_name = serializers.CharField(source="author.__str__", read_only=True)
    links = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=10)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = [
            "id",
            "task",
            "assignment",
            "author",
            "author_name",
            "progress",
            "text",
            "links",
            "status",
            "status_label",
            "submitted_at",
            "evidence",
        ]
        read_only_fields = ["author", "status", "submitted_at"]
        validators = []

    def get_evidence(self, obj) -> list[dict]:
        from django.urls import reverse

        return [
            {
                "name": e.original_name,
                "size": e.size,
                "url": reverse("workplan:evidence_download", args=[e.pk]),
            }
            for e in obj.evidence.all()
        ]

    def validate(self, attrs):
        if bool(attrs.get("task")) == bool(attrs.get("assignment")):
            raise serializers.ValidationError(_("Report on a task or answer an assignment."))
        return attrs


class AcknowledgeSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AcknowledgementSerializer(ModelSerializer):
    decision_label = choice_label("decision")
    by_name = serializers.CharField(source="by.__str__", read_only=True)

    class Meta:
        model = Acknowledgement
        fields = ["id", "report", "decision", "decision_label", "reason", "by", "by_name", "answered_at"]
        read_only_fields = fields


class AssignmentSerializer(ModelSerializer):
    status_label = choice_label("status")
    assignee_label = serializers.CharField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "task",
            "parent",
            "title",
            "instructions",
            "assignee",
            "region",
            "institution",
            "assignee_label",
            "due_date",
            "status",
            "status_label",
            "assigned_by",
            "created_at",
        ]
        read_only_fields = fields
