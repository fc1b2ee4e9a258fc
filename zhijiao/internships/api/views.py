"""/api/v1/ for internships. Reads through the selectors, writes through the services.

Student-facing endpoints (check-ins, reports, 直报, pay confirmation) accept any signed-in caller:
the services decide (the caller must be the placement's student), so students need no role.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.response import Response

from zhijiao.accounts.authentication import ApiTokenAuthentication
from zhijiao.core.api.views import (
    ScopedModelViewSet,
    ScopedReadOnlyViewSet,
    ScopedViewSetMixin,
    service_action,
)
from zhijiao.core.services import OutOfScope

from .. import selectors, selectors_inspections, services
from ..checkins import checkin_ingest
from ..filtersets import (
    AlertFilterSet,
    DirectReportFilterSet,
    PlacementFilterSet,
    PlanFilterSet,
    PostFilterSet,
)
from ..models import (
    Alert,
    CheckIn,
    DirectReport,
    Inspection,
    InternshipPlan,
    PayRecord,
    Placement,
    Post,
    Report,
)
from ..rules import citation
from ..services import inspections as inspection_services
from . import serializers as s
from .checkin_fast import CheckInRateThrottle, parse_checkin_body, with_fast_checkin


class PlanViewSet(ScopedModelViewSet):
    """Internship plans (实习方案) of the caller's schools; ``submit`` files (备案) one with the authority."""

    model = InternshipPlan
    selector = staticmethod(selectors.plan_list)
    serializer_class = s.PlanSerializer
    filterset_class = PlanFilterSet
    ordering_fields = ("start_date", "title", "created_at")
    ordering = ("-start_date",)
    create_service = staticmethod(services.plan_create)
    update_service = staticmethod(services.plan_update)
    service_instance_kwarg = "plan"

    @service_action(request_serializer=s.InternshipReasonSerializer, summary=_("Submit the plan for filing"))
    def submit(self, request, instance, data):
        return services.plan_submit_filing(actor=request.user, plan=instance, note=data.get("reason", ""))


class PostViewSet(ScopedModelViewSet):
    """Enterprise posts; headcount changes that would break the 10 %/20 % caps are refused."""

    model = Post
    selector = staticmethod(selectors.post_list)
    serializer_class = s.PostSerializer
    filterset_class = PostFilterSet
    ordering_fields = ("name", "enterprise__name")
    # Grouped by host as the page is, from the (enterprise, name) unique index: by the host's name
    # every post and its host were read and sorted for each page (7,000 at full scale, 9 ms of 23).
    ordering = ("enterprise_id", "name")
    create_service = staticmethod(services.post_create)
    update_service = staticmethod(services.post_update)
    service_instance_kwarg = "post"


def _placement_create(*, actor, data):
    plan, enrolment, post = data.pop("plan"), data.pop("enrolment"), data.pop("post")
    return services.placement_create(actor=actor, plan=plan, enrolment=enrolment, post=post, data=data)


class PlacementViewSet(ScopedModelViewSet):
    """Placements; state changes ``activate`` (every rule must pass), ``suspend``, ``end``, and the documents."""

    model = Placement
    selector = staticmethod(selectors.placement_list)
    serializer_class = s.PlacementSerializer
    filterset_class = PlacementFilterSet
    ordering_fields = ("start_date", "status", "id")
    ordering = ("-start_date", "-id")
    create_service = staticmethod(_placement_create)
    update_service = staticmethod(services.placement_update)
    service_instance_kwarg = "placement"

    @service_action(summary=_("Activate the placement"))
    def activate(self, request, instance, data):
        try:
            return services.placement_activate(actor=request.user, placement=instance)
        except services.PlacementBlocked as exc:
            raise ValidationError(
                {
                    "violations": [
                        f"{v.rule_id}: {v.message} ({v.source or citation(v.rule_id)})"
                        for v in exc.violations
                    ]
                }
            ) from None

    @service_action(request_serializer=s.InternshipReasonSerializer, summary=_("Suspend the placement"))
    def suspend(self, request, instance, data):
        return services.placement_suspend(
            actor=request.user, placement=instance, reason=data.get("reason", "")
        )

    @service_action(request_serializer=s.InternshipReasonSerializer, summary=_("End the placement"))
    def end(self, request, instance, data):
        return services.placement_end(actor=request.user, placement=instance, reason=data.get("reason", ""))

    @service_action(summary=_("Run every rule now"))
    def check(self, request, instance, data):
        services.placement_check(instance)

    @service_action(request_serializer=s.AgreementInSerializer, summary=_("Record the three-party agreement"))
    def agreement(self, request, instance, data):
        services.agreement_record(actor=request.user, placement=instance, data=data)

    @service_action(request_serializer=s.InsuranceInSerializer, summary=_("Record an insurance policy"))
    def insurance(self, request, instance, data):
        services.insurance_record(actor=request.user, placement=instance, data=data)

    @service_action(request_serializer=s.MentorInSerializer, summary=_("Assign a mentor"))
    def mentor(self, request, instance, data):
        services.mentor_assign(actor=request.user, placement=instance, **data)

    @service_action(
        request_serializer=s.GradeInSerializer, summary=_("Grade the internship"), scope_action="view"
    )
    def grade(self, request, instance, data):
        services.evaluation_grade(
            actor=request.user, placement=instance, grade=data["grade"], comment=data.get("comment", "")
        )

    @service_action(
        request_serializer=s.EvaluateInSerializer, summary=_("Enterprise evaluation"), scope_action="view"
    )
    def evaluate(self, request, instance, data):
        services.evaluation_by_enterprise(
            actor=request.user, placement=instance, score=data["score"], comment=data.get("comment", "")
        )


class _OpenWrites(permissions.BasePermission):
    """Signed in; the service decides who may write (students hold no role)."""

    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated)


class CheckInTokenAuthentication(ApiTokenAuthentication):
    """Token authentication for the check-in hot path: one hand-written query, and only what recording
    a check-in needs (the user's id and that the account is active) — no full user row, no ORM. The
    token's last use is written by the check-in statement itself (checkins.py)."""

    SQL = (
        "SELECT u.id, u.is_active, t.expires_at > %s::timestamptz, u.username FROM accounts_apitoken t"
        " JOIN accounts_user u ON u.id = t.user_id WHERE t.key_hash = %s AND t.revoked_at IS NULL"
    )

    def authenticate_credentials(self, key):
        from django.contrib.auth import get_user_model
        from django.utils import timezone
        from rest_framework import exceptions

        from zhijiao.accounts.authentication import hash_key

        from ..checkins import fetch_one

        row = fetch_one(self.SQL, [timezone.now(), hash_key(key)])
        if row is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not row[2]:
            raise exceptions.AuthenticationFailed(_("The token has expired; create a new one."))
        if not row[1]:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user = get_user_model()(pk=row[0], is_active=True, username=row[3])
        user._state.adding = False
        return (user, key)


class CheckInViewSet(ScopedReadOnlyViewSet):
    """Check-ins the caller may see (own, mentored, or in the organisation's scope).

    ``POST /api/v1/checkins/`` ingests one (START/END, time with zone, latitude/longitude, a client
    idempotency key). Built for throughput: token auth, one read of the caller's active placement
    and one ``INSERT … ON CONFLICT DO NOTHING``. 201 for a new check-in, 200 for a repeated key.
    """

    hot_path = True  # resolved before the other API routes (core/api/urls.py)
    # Token POSTs are first tried by a plain Django view (checkin_fast.py); the rest come here.
    wrap_collection_view = staticmethod(with_fast_checkin)
    model = CheckIn
    selector = staticmethod(selectors.checkin_list)
    serializer_class = s.CheckInSerializer
    ordering_fields = ("occurred_at",)
    ordering = ("-occurred_at",)
    filterset_fields = ("placement", "kind")

    def get_permissions(self):
        if self.action == "create":
            return [_OpenWrites()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request_is_create():
            return [*super().get_throttles(), CheckInRateThrottle()]
        return super().get_throttles()

    def get_authenticators(self):
        if self.request_is_create():
            return [CheckInTokenAuthentication(), SessionAuthentication()]
        return super().get_authenticators()

    def request_is_create(self) -> bool:
        if getattr(self, "swagger_fake_view", False):  # schema generation: document the usual token auth
            return False
        request = getattr(self, "request", None)
        return request is not None and request.method == "POST"

    @extend_schema(request=s.CheckInInSerializer, responses={201: s.CheckInSerializer}, summary=_("Check in"))
    def create(self, request):
        # The hot path parses the few fields itself; ``checkin_ingest`` validates every value
        # (the serializer documents the body in the schema).
        result = checkin_ingest(actor=request.user, **parse_checkin_body(request.data))
        payload = result.as_payload()
        return Response(payload, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


class ReportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Daily/weekly/monthly reports: students create on their placement, mentors ``review``."""

    model = Report
    selector = staticmethod(selectors.report_list)
    serializer_class = s.ReportSerializer
    permission_classes = [_OpenWrites]
    ordering_fields = ("period_start", "submitted_at")
    ordering = ("-period_start",)
    filterset_fields = ("placement", "kind", "status")

    def perform_create(self, serializer):
        placement = selectors.student_placement(user=self.request.user)
        if placement is None:
            raise ValidationError(_("You have no placement to report on."))
        serializer.instance = services.report_submit(
            actor=self.request.user, placement=placement, data=dict(serializer.validated_data)
        )

    @service_action(request_serializer=s.ReviewSerializer, summary=_("Review a report"), scope_action="view")
    def review(self, request, instance, data):
        return services.report_review(
            actor=request.user, report=instance, accept=data["accept"], comment=data.get("comment", "")
        )


class DirectReportViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """直报: students file (optionally anonymous to the authority); schools and authorities ``respond``."""

    model = DirectReport
    selector = staticmethod(selectors.direct_report_list)
    serializer_class = s.DirectReportSerializer
    permission_classes = [_OpenWrites]
    filterset_class = DirectReportFilterSet
    ordering_fields = ("submitted_at",)
    ordering = ("-submitted_at",)

    def perform_create(self, serializer):
        serializer.instance = services.direct_report_submit(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    @service_action(request_serializer=s.RespondSerializer, summary=_("Respond to a direct report"))
    def respond(self, request, instance, data):
        return services.direct_report_respond(
            actor=request.user, report=instance, response=data["response"], close=data["close"]
        )


class PayRecordViewSet(mixins.CreateModelMixin, ScopedReadOnlyViewSet):
    """Monthly pay: the enterprise records it, the student ``confirm``s what arrived."""

    model = PayRecord
    selector = staticmethod(selectors.pay_record_list)
    serializer_class = s.PayRecordSerializer
    permission_classes = [_OpenWrites]
    ordering = ("-period",)
    filterset_fields = ("placement",)

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        placement = data.pop("placement")
        if not selectors.placement_list(user=self.request.user).filter(pk=placement.pk).exists():
            raise OutOfScope
        serializer.instance = services.pay_record(actor=self.request.user, placement=placement, data=data)

    @service_action(
        request_serializer=s.PayConfirmSerializer, summary=_("Confirm pay received"), scope_action="view"
    )
    def confirm(self, request, instance, data):
        return services.pay_confirm(
            actor=request.user,
            record=instance,
            received_amount=data["received_amount"],
            note=data.get("note", ""),
        )


class AlertViewSet(ScopedReadOnlyViewSet):
    """Compliance alerts and anomaly flags (open and resolved)."""

    model = Alert
    selector = staticmethod(selectors.alert_list)
    serializer_class = s.AlertSerializer
    filterset_class = AlertFilterSet
    # Orders an index serves (severity is a filter).
    ordering_fields = ("first_seen", "rule_id")
    ordering = ("-first_seen",)


class InspectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """专项检查: launched by an authority over its region; visible to it and to the sampled schools.

    ``POST /inspections/`` launches one; ``GET …/{id}/items/`` lists the items the caller may see;
    ``answer`` (the school, multipart for the evidence file), ``finding`` and ``close`` (the
    inspector) are the state changes.
    """

    model = Inspection
    selector = staticmethod(selectors_inspections.inspection_list)
    serializer_class = s.InspectionSerializer
    ordering = ("-created_at",)
    ordering_fields = ("created_at", "answer_due", "title")

    def get_serializer_class(self):
        if self.action == "create":
            return s.InspectionLaunchSerializer
        if self.action in ("answer", "finding", "items"):
            return s.InspectionItemSerializer
        return s.InspectionSerializer

    @extend_schema(request=s.InspectionLaunchSerializer, responses={201: s.InspectionSerializer})
    def create(self, request, *args, **kwargs):
        body = s.InspectionLaunchSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        d = body.validated_data
        inspection = inspection_services.inspection_launch(
            actor=request.user,
            region=d["region"],
            title=d["title"],
            answer_due=d["answer_due"],
            sample_size=d["sample_size"],
            rule_ids=d.get("rule_ids"),
            institutions=d.get("institutions") or [],
        )
        inspection = self.select("view").get(pk=inspection.pk)
        return Response(s.InspectionSerializer(inspection).data, status=status.HTTP_201_CREATED)

    def _item(self, instance, pk, action: str = "change"):
        item = (
            selectors_inspections.inspection_item_list(user=self.request.user, action=action)
            .filter(inspection=instance, pk=pk)
            .first()
        )
        if item is None:
            raise OutOfScope
        return item

    @extend_schema(
        summary=_("Items of the inspection"), responses={200: s.InspectionItemSerializer(many=True)}
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        inspection = self.get_object()
        rows = selectors_inspections.inspection_items(user=request.user, inspection=inspection)
        return Response(s.InspectionItemSerializer(rows, many=True).data)

    @service_action(
        request_serializer=s.InspectionAnswerInSerializer,
        summary=_("Answer an item (the school)"),
        scope_action="view",
    )
    def answer(self, request, instance, data):
        return inspection_services.inspection_answer(
            actor=request.user,
            item=self._item(instance, data["item"]),
            answer=data["school_answer"],
            evidence=data.get("evidence"),
        )

    @service_action(request_serializer=s.InspectionFindingInSerializer, summary=_("Record a finding"))
    def finding(self, request, instance, data):
        return inspection_services.inspection_finding(
            actor=request.user,
            item=self._item(instance, data["item"], action="view"),
            result=data["result"],
            note=data.get("note", ""),
            failed_rules=data.get("failed_rules") or [],
            rectification_due=data.get("rectification_due"),
        )

    @service_action(summary=_("Close the inspection"))
    def close(self, request, instance, data):
        return inspection_services.inspection_close(actor=request.user, inspection=instance)


class DashboardViewSet(viewsets.ViewSet):
    """The authority dashboard's aggregates (a fixed number of queries)."""

    authentication_classes = ScopedViewSetMixin.authentication_classes
    permission_classes = [_OpenWrites]

    @extend_schema(summary=_("Internship dashboard"), responses={200: dict})
    def list(self, request):
        data = selectors.dashboard(user=request.user)
        return Response(data)
