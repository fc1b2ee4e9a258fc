"""``/api/v1/jobs/``: the caller's own background jobs (imports and other long work)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.api.views import ScopedReadOnlyViewSet
from zhijiao.core.filters import FilterSet
from zhijiao.core.models import Job, JobStatus


def job_list(*, user) -> QuerySet[Job]:
    """A user sees the jobs they started, nobody else's."""
    if not getattr(user, "is_authenticated", False):
        return Job.objects.none()
    return Job.objects.filter(created_by=user)


class JobFilterSet(FilterSet):
    kind = django_filters.CharFilter(label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=JobStatus.choices, label=_("Status"))

    class Meta:
        model = Job
        fields = ["kind", "status"]


class JobSerializer(ModelSerializer):
    status_label = choice_label("status")
    percent = serializers.IntegerField(read_only=True)
    interrupted = serializers.BooleanField(read_only=True)

    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "status",
            "status_label",
            "stage",
            "progress_done",
            "progress_total",
            "percent",
            "interrupted",
            "result",
            "error",
            "attempts",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class JobViewSet(ScopedReadOnlyViewSet):
    """Background jobs started by the caller, newest first, with progress."""

    model = Job
    selector = staticmethod(job_list)
    selector_takes_action = False
    serializer_class = JobSerializer
    filterset_class = JobFilterSet
    ordering_fields = ("created_at", "id", "status")
    ordering = ("-created_at", "-id")
