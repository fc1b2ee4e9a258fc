from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from zhijiao.core.api.serializers import (
    MaskedModelSerializer,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)
from zhijiao.core.scoping import restrict
from zhijiao.enterprises.models import Enterprise
from zhijiao.internships.services import POST_FIELDS
from zhijiao.majors.models import InstitutionMajor, MajorCategory
from zhijiao.majors.selectors import major_category_list
from zhijiao.orgs.models import Institution, Region

from .. import selectors
from ..choices import CheckInKind
from ..models import (
    GRADE_CHOICES,
    Alert,
    CheckIn,
    DirectReport,
    Inspection,
    InspectionItem,
    InternshipPlan,
    PayRecord,
    Placement,
    Post,
    Report,
)
from ..services import AGREEMENT_FIELDS


def _institutions(user):
    return selectors.plan_institution_choices(user=user)


def _offerings(user):
    return selectors.plan_offering_choices(user=user)


def _enterprises(user):
    return selectors.post_enterprise_choices(user=user)


def _major_categories(user):
    return major_category_list(user=user)


class PlanSerializer(ServiceModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(model=Institution, scope=_institutions)
    offering = ScopedPrimaryKeyRelatedField(model=InstitutionMajor, scope=_offerings)
    kind_label = choice_label("kind")
    filing_status_label = choice_label("filing_status")

    class Meta:
        model = InternshipPlan
        fields = [
            "id",
            "institution",
            "offering",
            "title",
            "kind",
            "kind_label",
            "legacy_type",
            "cohort_year",
            "start_date",
            "end_date",
            "training_plan_reference",
            "description",
            "filing_status",
            "filing_status_label",
            "filing_reference",
            "filed_at",
            "filing_comment",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "filing_status",
            "filing_reference",
            "filed_at",
            "filing_comment",
            "created_at",
            "updated_at",
        ]
        validators = []


class PostSerializer(ServiceModelSerializer):
    enterprise = ScopedPrimaryKeyRelatedField(model=Enterprise, scope=_enterprises)
    major_category = ScopedPrimaryKeyRelatedField(model=MajorCategory, scope=_major_categories)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Post
        fields = ["id", "enterprise_name", *POST_FIELDS]
        read_only_fields = ["registered_by", "staff_declared_on"]
        validators = []


def _plans_for_change(user):
    return restrict(InternshipPlan.objects.all(), user, "change")


_Enrolment = Placement._meta.get_field("enrolment").related_model


def _enrolments_for_change(user):
    return restrict(_Enrolment.objects.all(), user, "change")


def _open_posts(user):
    return selectors.placement_post_choices(user=user)


class PlacementSerializer(ServiceModelSerializer):
    # The caller's scope is read when a body is validated, not when a list is read.
    plan = ScopedPrimaryKeyRelatedField(model=InternshipPlan, scope=_plans_for_change)
    enrolment = ScopedPrimaryKeyRelatedField(model=_Enrolment, scope=_enrolments_for_change)
    post = ScopedPrimaryKeyRelatedField(model=Post, scope=_open_posts)
    student_name = serializers.CharField(source="enrolment.student.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status_label = choice_label("status")

    class Meta:
        model = Placement
        fields = [
            "id",
            "plan",
            "enrolment",
            "student_name",
            "post",
            "institution",
            "enterprise",
            "enterprise_name",
            "start_date",
            "end_date",
            "status",
            "status_label",
            "arranged_via",
            "self_application_on",
            "self_approved_on",
            "work_kind",
            "monthly_pay",
            "pay_cycle_days",
            "pay_method",
            "paid_directly",
            "special_arrangement_ref",
            "special_arrangement_authority",
            "special_arrangement_date",
            "activated_at",
            "status_reason",
            "violations",
            "checked_at",
        ]
        read_only_fields = [
            "institution",
            "enterprise",
            "status",
            "activated_at",
            "status_reason",
            "violations",
            "checked_at",
        ]
        validators = []

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None and not isinstance(self.instance, list):
            for name in ("plan", "enrolment", "post"):
                fields[name].read_only = True
        return fields

    def to_representation(self, instance):
        # Violations cite the official document and article of the rule's version in force on the
        # placement's days — also those stored before citations were official (no research trail).
        from ..rules import citation

        data = super().to_representation(instance)
        data["violations"] = [
            {**v, "source": citation(v.get("rule_id", ""), instance.start_date, instance.end_date)}
            for v in data.get("violations") or []
        ]
        return data


class CheckInInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=CheckInKind.choices)
    occurred_at = serializers.DateTimeField()
    latitude = serializers.CharField(max_length=20)
    longitude = serializers.CharField(max_length=20)
    accuracy_m = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    address = serializers.CharField(required=False, allow_blank=True, max_length=200)
    client_key = serializers.CharField(max_length=64)
    placement = serializers.IntegerField(required=False)


class CheckInSerializer(MaskedModelSerializer):
    class Meta:
        model = CheckIn
        fields = [
            "id",
            "placement",
            "kind",
            "occurred_at",
            "received_at",
            "latitude",
            "longitude",
            "accuracy_m",
            "address",
            "client_key",
            "distance_m",
            "confirmed_at",
        ]
        read_only_fields = fields


class ReportSerializer(ModelSerializer):
    class Meta:
        model = Report
        fields = [
            "id",
            "placement",
            "kind",
            "period_start",
            "period_end",
            "title",
            "content",
            "submitted_at",
            "status",
            "reviewed_at",
            "review_comment",
        ]
        read_only_fields = ["placement", "submitted_at", "status", "reviewed_at", "review_comment"]


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    comment = serializers.CharField(required=False, allow_blank=True)


class DirectReportSerializer(ModelSerializer):
    reporter = serializers.SerializerMethodField()
    placement = serializers.SerializerMethodField()

    class Meta:
        model = DirectReport
        fields = [
            "id",
            "placement",
            "institution",
            "enterprise",
            "reporter",
            "anonymous_to_authority",
            "category",
            "occurred_on",
            "content",
            "status",
            "submitted_at",
            "school_response",
            "school_responded_at",
            "authority_response",
            "authority_responded_at",
        ]
        read_only_fields = [
            "placement",
            "institution",
            "enterprise",
            "reporter",
            "status",
            "submitted_at",
            "school_response",
            "school_responded_at",
            "authority_response",
            "authority_responded_at",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def _visible(self, obj) -> bool:
        from ..selectors import reporter_visible

        request = self.context.get("request")
        return bool(request) and reporter_visible(user=request.user, report=obj)

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_placement(self, obj) -> int | None:
        """Hidden with the reporter: the placement would name the student of an anonymous report."""
        return obj.placement_id if self._visible(obj) else None

    def get_reporter(self, obj) -> str | None:
        from ..selectors import reporter_visible

        request = self.context.get("request")
        if request and reporter_visible(user=request.user, report=obj) and obj.reporter_id:
            return obj.reporter.get_username()
        return None


class RespondSerializer(serializers.Serializer):
    response = serializers.CharField()
    close = serializers.BooleanField(default=False)


class PayRecordSerializer(ModelSerializer):
    # A placement the caller may not see is "does not exist", like an absent one; the month's
    # uniqueness is checked by the service only after that (DRF's unique-together validator ran
    # first and answered "already recorded" about other organisations' placements).
    placement = ScopedPrimaryKeyRelatedField(
        model=Placement, scope=lambda user: selectors.placement_list(user=user)
    )

    class Meta:
        model = PayRecord
        validators = []
        fields = [
            "id",
            "placement",
            "period",
            "amount",
            "paid_on",
            "method",
            "paid_to_student",
            "premium_deducted",
            "confirmed_at",
            "received_amount",
            "student_note",
        ]
        read_only_fields = ["confirmed_at", "received_amount", "student_note"]


class PayConfirmSerializer(serializers.Serializer):
    received_amount = serializers.DecimalField(max_digits=9, decimal_places=2, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class AlertSerializer(ModelSerializer):
    class Meta:
        model = Alert
        fields = [
            "id",
            "placement",
            "institution",
            "enterprise",
            "rule_id",
            "severity",
            "message",
            "first_seen",
            "last_seen",
            "resolved_at",
            "escalation_level",
            "escalated_at",
        ]
        read_only_fields = fields


class AgreementInSerializer(serializers.Serializer):
    def get_fields(self):
        from ..models import Agreement

        out = {}
        for name in AGREEMENT_FIELDS:
            if name in ("guardian_consent_file", "attachment"):
                out[name] = serializers.FileField(required=False)
                continue
            field = Agreement._meta.get_field(name)
            if name == "fee_items":
                out[name] = serializers.JSONField(required=False)
            elif field.get_internal_type() == "DateField":
                out[name] = serializers.DateField(required=False, allow_null=True)
            elif field.get_internal_type() == "DecimalField":
                out[name] = serializers.DecimalField(
                    max_digits=9, decimal_places=2, required=False, allow_null=True
                )
            else:
                out[name] = serializers.CharField(required=False, allow_blank=True)
        return out


class InsuranceInSerializer(serializers.Serializer):
    policy_no = serializers.CharField(max_length=100)
    insurer = serializers.CharField(max_length=100)
    coverage_start = serializers.DateField()
    coverage_end = serializers.DateField()
    premium_payer = serializers.ChoiceField(choices=["school", "enterprise", "student"], default="school")


class MentorInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["school", "host"])
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)


class GradeInSerializer(serializers.Serializer):
    grade = serializers.ChoiceField(choices=GRADE_CHOICES)
    comment = serializers.CharField(required=False, allow_blank=True)


class InternshipReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True)


class EvaluateInSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=0, max_value=100)
    comment = serializers.CharField(required=False, allow_blank=True)


class InspectionItemSerializer(ModelSerializer):
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    result_label = choice_label("result")
    has_evidence = serializers.SerializerMethodField()

    class Meta:
        model = InspectionItem
        fields = [
            "id",
            "inspection",
            "institution",
            "institution_name",
            "placement",
            "school_answer",
            "has_evidence",
            "answered_at",
            "result",
            "result_label",
            "finding_note",
            "failed_rules",
            "rectification_due",
            "rectified_at",
        ]
        read_only_fields = fields

    def get_has_evidence(self, obj) -> bool:
        return bool(obj.evidence)


class InspectionSerializer(ModelSerializer):
    status_label = choice_label("status")
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Inspection
        fields = [
            "id",
            "region",
            "region_name",
            "title",
            "checklist",
            "status",
            "status_label",
            "answer_due",
            "closed_at",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["checklist"] = instance.checklist_shown  # official citations, never the research trail
        return data


def _inspection_regions(user):
    from ..forms_inspections import launch_regions

    return launch_regions(user)


def _inspection_institutions(user):
    from ..forms_inspections import launch_institutions

    return launch_institutions(user)


class InspectionLaunchSerializer(serializers.Serializer):
    """Launch: the scope (a region the caller manages), the checklist, the sample and the deadline."""

    title = serializers.CharField(max_length=200)
    region = ScopedPrimaryKeyRelatedField(model=Region, scope=_inspection_regions)
    answer_due = serializers.DateField()
    sample_size = serializers.IntegerField(default=20)
    rule_ids = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    institutions = ScopedPrimaryKeyRelatedField(
        model=Institution, scope=_inspection_institutions, many=True, required=False
    )


class InspectionAnswerInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    school_answer = serializers.CharField()
    evidence = serializers.FileField(required=False, allow_null=True)


class InspectionFindingInSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    result = serializers.ChoiceField(choices=["compliant", "non_compliant"])
    failed_rules = serializers.ListField(child=serializers.CharField(max_length=30), required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    rectification_due = serializers.DateField(required=False, allow_null=True)
