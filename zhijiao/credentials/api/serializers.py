from rest_framework import serializers

from zhijiao.core.api.serializers import (
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    ServiceModelSerializer,
    choice_label,
)

from ..models import Certificate, VerificationReport
from ..services import holder_certificates


class CertificateSerializer(ServiceModelSerializer):
    kind_label = choice_label("kind")
    status_label = choice_label("status")
    graduation = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Certificate
        fields = [
            "id",
            "graduation",
            "institution",
            "kind",
            "kind_label",
            "number",
            "number_rule",
            "verify_code",
            "issue_date",
            "principal_name",
            "status",
            "status_label",
            "status_reason",
            "status_changed_at",
            "is_current",
            "replaces",
            "published_at",
            "print_count",
            "last_printed_at",
            "holder_name",
            "institution_name",
            "major_code",
            "major_name",
            "level",
            "class_name",
            "entry_date",
            "graduation_date",
            "qr_link",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CertificateIssueSerializer(serializers.Serializer):
    graduation = serializers.IntegerField()
    principal_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    issue_date = serializers.DateField(required=False)


class CertificateReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CertificateIdsSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=20000)


class VerificationReportSerializer(ModelSerializer):
    # A holder reports on their own published certificates only (services.report_create checks again).
    certificate = ScopedPrimaryKeyRelatedField(model=Certificate, scope=holder_certificates)
    state = serializers.CharField(read_only=True)
    certificate_number = serializers.CharField(source="certificate.number", read_only=True)

    class Meta:
        model = VerificationReport
        fields = [
            "id",
            "certificate",
            "certificate_number",
            "code",
            "validity_days",
            "created_at",
            "expires_at",
            "closed_at",
            "state",
        ]
        read_only_fields = ["code", "created_at", "expires_at", "closed_at", "state", "certificate_number"]
        extra_kwargs = {"certificate": {"queryset": Certificate.objects.all()}}

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["state"] = instance.state()
        return data

    def create(self, validated_data):  # pragma: no cover - the viewset calls the service
        raise NotImplementedError
