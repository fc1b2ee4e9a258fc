"""/api/v1/ routes of 数据报送 (read only, scoped, paginated; contributed by ``ReportingConfig.api_routes``):
data sets and periods (reference data every signed-in user reads), submissions with their status,
the values of an approved submission, the cities' own returns, the analytics facts and the pivot.
An id outside the caller's scope is a 404, as on the pages."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from zhijiao.core.api.schema import EnvelopeAutoSchema
from zhijiao.core.api.serializers import ModelSerializer, choice_label
from zhijiao.core.api.views import ScopedPermission, ScopedReadOnlyViewSet, ScopedViewSetMixin

from . import analytics, selectors
from .choices import SubmissionStatus
from .models import CitySubmission, DataSet, Fact, Period, Submission

# --- serializers -------------------------------------------------------------------------------


class DataSetSerializer(ModelSerializer):
    period_type_label = choice_label("period_type")
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = DataSet
        fields = ["id", "code", "name", "period_type", "period_type_label", "reporters", "current_version"]
        read_only_fields = fields

    def get_current_version(self, obj) -> int | None:
        numbers = [v.number for v in obj.versions.all()]
        return max(numbers) if numbers else None


class PeriodSerializer(ModelSerializer):
    data_set_code = serializers.CharField(source="data_set.code", read_only=True)

    class Meta:
        model = Period
        fields = ["id", "data_set", "data_set_code", "code", "start", "end", "opens_on", "deadline"]
        read_only_fields = fields


class SubmissionSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    period_code = serializers.CharField(source="period.code", read_only=True)
    data_set = serializers.IntegerField(source="period.data_set_id", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    status_label = choice_label("status")
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Submission
        fields = [
            "id",
            "institution",
            "institution_name",
            "data_set",
            "period",
            "period_code",
            "version_number",
            "status",
            "status_label",
            "is_late",
            "revision",
            "submitted_at",
            "approved_at",
        ]
        read_only_fields = fields


class ValueSerializer(serializers.Serializer):
    element = serializers.CharField(help_text=gettext_lazy("The data element's code."))
    element_name = serializers.CharField()
    cell = serializers.CharField(allow_blank=True)
    cell_label = serializers.CharField(allow_blank=True)
    value = serializers.CharField(allow_blank=True)
    shown = serializers.CharField(
        allow_blank=True, help_text=gettext_lazy("The value as shown (a choice by name).")
    )
    number = serializers.DecimalField(max_digits=24, decimal_places=4, allow_null=True)
    unit = serializers.CharField(allow_blank=True)


class CityReturnSerializer(ModelSerializer):
    city_name = serializers.CharField(source="city.name", read_only=True)
    period_code = serializers.CharField(source="period.code", read_only=True)
    status_label = choice_label("status")
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = CitySubmission
        fields = [
            "id",
            "city",
            "city_name",
            "period",
            "period_code",
            "status",
            "status_label",
            "is_late",
            "summary",
            "submitted_at",
            "accepted_at",
        ]
        read_only_fields = fields


class FactSerializer(ModelSerializer):
    region_name = serializers.CharField(source="region.name", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)

    class Meta:
        model = Fact
        fields = [
            "id",
            "region",
            "region_name",
            "city",
            "city_name",
            "period",
            "kind",
            "ownership",
            "major_group",
            "element_code",
            "cell",
            "total",
            "count",
        ]
        read_only_fields = fields


class PivotSerializer(serializers.Serializer):
    rows = serializers.CharField()
    cols = serializers.CharField(allow_blank=True)
    row_labels = serializers.ListField(child=serializers.CharField())
    col_labels = serializers.ListField(child=serializers.CharField())
    cells = serializers.ListField(
        child=serializers.ListField(
            child=serializers.DecimalField(max_digits=28, decimal_places=4, allow_null=True)
        )
    )
    row_totals = serializers.ListField(child=serializers.DecimalField(max_digits=28, decimal_places=4))
    previous_period = serializers.CharField(allow_null=True)
    previous = serializers.ListField(
        child=serializers.DecimalField(max_digits=28, decimal_places=4, allow_null=True), allow_null=True
    )


# --- views ---------------------------------------------------------------------------------------


class DataSetViewSet(ScopedReadOnlyViewSet):
    """Data sets (reference data: every signed-in user reads the definitions)."""

    model = DataSet
    selector = staticmethod(selectors.data_set_list)
    selector_takes_action = False
    serializer_class = DataSetSerializer
    filterset_fields = ("code", "period_type")
    ordering_fields = ("code", "name")
    ordering = ("code",)


class PeriodViewSet(ScopedReadOnlyViewSet):
    """Reporting periods with their entry window and deadline."""

    model = Period
    selector = staticmethod(selectors.period_list)
    selector_takes_action = False
    serializer_class = PeriodSerializer
    filterset_fields = ("data_set", "code")
    ordering_fields = ("start", "deadline", "code")
    ordering = ("data_set", "-start")


class SubmissionViewSet(ScopedReadOnlyViewSet):
    """Schools' submissions with their status, in the caller's scope."""

    model = Submission
    selector = staticmethod(selectors.submission_list)
    serializer_class = SubmissionSerializer
    filterset_fields = ("period", "status", "institution")
    ordering_fields = ("submitted_at", "approved_at", "status")
    ordering = ("period", "institution_id")

    @extend_schema(
        responses=ValueSerializer(many=True), summary=gettext_lazy("Values of an approved submission")
    )
    @action(detail=True, methods=["get"])
    def values(self, request, pk=None):
        """Every value of the submission, once approved (approved or locked); before, a 400."""
        submission = self.get_object()
        if submission.status not in (SubmissionStatus.APPROVED, SubmissionStatus.LOCKED):
            raise exceptions.ValidationError(
                {"status": [_("The values are available once the submission is approved.")]}
            )
        return Response(ValueSerializer(selectors.submission_values(submission), many=True).data)


class CityReturnViewSet(ScopedReadOnlyViewSet):
    """The cities' own returns (summary of their schools) with their status."""

    model = CitySubmission
    selector = staticmethod(selectors.city_submission_list)
    serializer_class = CityReturnSerializer
    filterset_fields = ("period", "status", "city")
    ordering_fields = ("submitted_at", "status")
    ordering = ("period", "city__code")


class FactViewSet(ScopedReadOnlyViewSet):
    """Analytics facts (approved rollups per lowest region, kind, ownership, 专业大类, period) in the
    caller's subtree."""

    model = Fact
    selector = staticmethod(selectors.fact_list)
    serializer_class = FactSerializer
    filterset_fields = (
        "period",
        "element_code",
        "cell",
        "kind",
        "ownership",
        "major_group",
        "region",
        "city",
    )
    ordering_fields = ("period", "element_code", "total")
    ordering = ("period", "element_code", "cell", "id")


def _dimension_help() -> str:
    return ", ".join(analytics.DIMENSIONS)


class PivotViewSet(viewsets.ViewSet):
    """The pivot of the analytics facts the pages show: an element's sum in a period by one or two
    dimensions, with the previous period's row totals — over the caller's subtree (the facts'
    selector scopes it; no id to ask for)."""

    authentication_classes = ScopedViewSetMixin.authentication_classes
    permission_classes = [ScopedPermission]
    throttle_classes = ScopedViewSetMixin.throttle_classes
    schema = EnvelopeAutoSchema()

    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.INT, required=True),
            OpenApiParameter("element", OpenApiTypes.STR, required=True),
            OpenApiParameter(
                "rows", OpenApiTypes.STR, description="city, region, kind, ownership, major_group"
            ),
            OpenApiParameter(
                "cols", OpenApiTypes.STR, description="city, region, kind, ownership, major_group, period"
            ),
            OpenApiParameter("cell", OpenApiTypes.STR),
        ],
        responses=PivotSerializer,
        summary=gettext_lazy("Pivot of the analytics facts"),
    )
    def list(self, request):
        params = request.query_params
        raw = params.get("period", "")
        period = Period.objects.select_related("data_set").filter(pk=raw).first() if raw.isdigit() else None
        if period is None:
            raise exceptions.ValidationError({"period": [_("Choose an existing period.")]})
        rows, cols = params.get("rows") or "city", params.get("cols", "")
        element = params.get("element", "")
        version = period.data_set.current_version()
        if version is None or not version.elements.filter(code=element).exists():
            raise exceptions.ValidationError({"element": [_("Choose a data element of this data set.")]})
        try:
            table = analytics.pivot(
                user=request.user,
                period=period,
                element_code=element,
                rows=rows,
                cols=cols,
                cell=params.get("cell", ""),
            )
        except (ValueError, DjangoValidationError) as exc:
            raise exceptions.ValidationError(
                {"rows": [_("Choose dimensions among: %(d)s") % {"d": _dimension_help()}]}
            ) from exc
        data = {
            "rows": rows,
            "cols": cols,
            "row_labels": table.row_labels,
            "col_labels": table.col_labels,
            "cells": table.cells,
            "row_totals": table.row_totals,
            "previous_period": table.previous_period.code if table.previous_period else None,
            "previous": table.previous,
        }
        return Response(PivotSerializer(data).data)


def register(router) -> None:
    router.register("reporting-data-sets", DataSetViewSet, basename="reporting-data-set")
    router.register("reporting-periods", PeriodViewSet, basename="reporting-period")
    router.register("reporting-submissions", SubmissionViewSet, basename="reporting-submission")
    router.register("reporting-city-returns", CityReturnViewSet, basename="reporting-city-return")
    router.register("reporting-facts", FactViewSet, basename="reporting-fact")
    router.register("reporting-pivot", PivotViewSet, basename="reporting-pivot")
