"""The read API of 技能大赛 (``/api/v1/competition-…``): events, contests, entries and published
results — scoped by the selectors (a school its own entries, a city its schools', the province all,
a judge the sent entries of the contests it judges, without the school when judged blind),
paginated, in the OpenAPI schema. Writes stay on the pages (services)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.api.views import ScopedReadOnlyViewSet

from . import selectors
from .models import Contest, Entry, Event


class EventSerializer(ModelSerializer):
    level_label = choice_label("level")
    stage_label = choice_label("stage")

    class Meta:
        model = Event
        fields = [
            "id",
            "code",
            "name",
            "year",
            "level",
            "level_label",
            "organiser",
            "starts_on",
            "ends_on",
            "entry_deadline",
            "city_deadline",
            "stage",
            "stage_label",
            "first_ratio",
            "second_ratio",
            "third_ratio",
            "avoid_same_city",
            "published_at",
            "is_demo",
        ]
        read_only_fields = fields


class RubricItemSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    max = serializers.CharField()


class ContestSerializer(ModelSerializer):
    kind_label = choice_label("kind")
    major_class_name = serializers.CharField(source="major_class.name", read_only=True, default=None)
    rubric = RubricItemSerializer(many=True, read_only=True)

    class Meta:
        model = Contest
        fields = [
            "id",
            "event",
            "name",
            "kind",
            "kind_label",
            "major_class",
            "major_class_name",
            "require_major",
            "team_size",
            "quota_per_school",
            "quota_per_city",
            "judges_needed",
            "rubric",
            "blind",
            "is_demo",
        ]
        read_only_fields = fields


class _EntryBase(ModelSerializer):
    """The school and the members, unless the caller reaches the entry only as a judge of a blind
    contest (then both are null)."""

    institution_name = serializers.SerializerMethodField()
    members = serializers.SerializerMethodField()
    status_label = choice_label("status")

    def _hidden(self, entry) -> bool:
        return entry.contest.blind and not getattr(entry, "in_tree", True)

    def to_representation(self, entry):
        data = super().to_representation(entry)
        if self._hidden(entry):
            data["institution"] = None
        return data

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_institution_name(self, entry):
        return None if self._hidden(entry) else entry.institution.name

    @extend_schema_field(serializers.ListField(child=serializers.CharField(), allow_null=True))
    def get_members(self, entry):
        return None if self._hidden(entry) else [m.name for m in entry.members.all()]


class EntrySerializer(_EntryBase):
    class Meta:
        model = Entry
        fields = [
            "id",
            "contest",
            "number",
            "institution",
            "institution_name",
            "team_name",
            "members",
            "status",
            "status_label",
            "city_note",
        ]
        read_only_fields = fields


class ResultSerializer(_EntryBase):
    event = serializers.IntegerField(source="contest.event_id", read_only=True)
    contest_name = serializers.CharField(source="contest.name", read_only=True)
    award_label = choice_label("award")
    certificate_number = serializers.SerializerMethodField()

    class Meta:
        model = Entry
        fields = [
            "id",
            "event",
            "contest",
            "contest_name",
            "number",
            "institution",
            "institution_name",
            "team_name",
            "members",
            "score",
            "rank",
            "award",
            "award_label",
            "certificate_number",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_certificate_number(self, entry):
        certificate = getattr(entry, "certificate", None)
        return certificate.number if certificate else None


class EventViewSet(ScopedReadOnlyViewSet):
    """Competition events (技能大赛), their dates, prize ratios and stage."""

    model = Event
    selector = staticmethod(selectors.event_list)
    serializer_class = EventSerializer
    filterset_fields = ("year", "stage", "code")
    ordering_fields = ("year", "code", "starts_on")
    ordering = ("-year", "code")


class ContestViewSet(ScopedReadOnlyViewSet):
    """The contests (赛项) of the events, with their quotas and rubric."""

    model = Contest
    selector = staticmethod(selectors.contest_list)
    serializer_class = ContestSerializer
    filterset_fields = ("event", "kind")
    ordering_fields = ("event", "kind", "name")
    ordering = ("event", "kind", "name", "pk")


class EntryViewSet(ScopedReadOnlyViewSet):
    """Entries: a school its own, a city its schools', the province all, a judge the entries its
    city has sent to a contest it judges (number only when the contest is judged blind)."""

    model = Entry
    serializer_class = EntrySerializer
    filterset_fields = ("contest", "status")
    ordering_fields = ("contest", "number", "status")
    ordering = ("contest", "number", "pk")

    @staticmethod
    def selector(*, user, action="view"):
        return selectors.entry_list_marked(user=user, action=action).prefetch_related("members")


class ResultViewSet(ScopedReadOnlyViewSet):
    """The ranks, average scores and prizes of published events, with the certificate numbers."""

    model = Entry
    serializer_class = ResultSerializer
    filterset_fields = ("contest", "award")
    ordering_fields = ("contest", "rank")
    ordering = ("contest", "rank", "number", "pk")

    @staticmethod
    def selector(*, user, action="view"):
        return (
            selectors.result_list(user=user, action=action)
            .select_related("certificate")
            .prefetch_related("members")
        )


def register(router) -> None:
    router.register("competition-events", EventViewSet, basename="competition-event")
    router.register("competition-contests", ContestViewSet, basename="competition-contest")
    router.register("competition-entries", EntryViewSet, basename="competition-entry")
    router.register("competition-results", ResultViewSet, basename="competition-result")
