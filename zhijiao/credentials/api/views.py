"""/api/v1/certificates/ and /api/v1/verification-reports/."""

from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from zhijiao.core import jobs as core_jobs
from zhijiao.core.api.views import WRITE, ScopedReadOnlyViewSet, ScopedViewSetMixin, service_action
from zhijiao.core.downloads import download_response
from zhijiao.core.services import OutOfScope

from .. import printing, selectors, services
from ..filtersets import CertificateFilterSet
from ..jobs import PRINT_JOB
from ..models import Certificate, VerificationReport
from .serializers import (
    CertificateIdsSerializer,
    CertificateIssueSerializer,
    CertificateReasonSerializer,
    CertificateSerializer,
    VerificationReportSerializer,
)


@contextmanager
def _authority_only():
    """The school sees and changes its certificates but 学历发布/撤销 are the authority's: 403, not 404."""
    try:
        yield
    except OutOfScope:
        raise exceptions.PermissionDenied(
            _("Only the approving authority may publish or revoke credentials.")
        )


class CertificateViewSet(ScopedReadOnlyViewSet):
    """Certificates in the caller's subtree. Schools issue, print, void and reissue; the authority
    publishes (学历发布) and revokes (撤销)."""

    model = Certificate
    selector = staticmethod(selectors.certificate_list)
    serializer_class = CertificateSerializer
    filterset_class = CertificateFilterSet
    # Orders an index serves at 2 M certificates (credentials migration 0002); status is a filter.
    ordering_fields = ("number", "holder_name", "graduation_date", "published_at")
    ordering = ("institution_id", "class_name", "number")

    def get_scope_action(self) -> str:
        if self.action in ("issue", "publish_batch", "print_batch"):
            return WRITE
        return super().get_scope_action()

    @extend_schema(
        request=CertificateIssueSerializer,
        responses={201: CertificateSerializer},
        summary=_("Issue a certificate"),
    )
    @action(detail=False, methods=["post"])
    def issue(self, request):
        body = CertificateIssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        cert = services.certificate_issue(actor=request.user, **body.validated_data)
        return Response(self.get_serializer(self.refetch(cert)).data, status=status.HTTP_201_CREATED)

    def refetch(self, instance):
        return self.select("view").filter(pk=instance.pk).first() or instance

    @service_action(request_serializer=CertificateReasonSerializer, summary=_("Void (作废)"))
    def void(self, request, instance, data):
        return services.certificate_void(actor=request.user, certificate=instance, reason=data["reason"])

    @service_action(request_serializer=CertificateReasonSerializer, summary=_("Reissue (补发)"))
    def reissue(self, request, instance, data):
        return services.certificate_reissue(actor=request.user, certificate=instance, reason=data["reason"])

    @service_action(summary=_("Publish (学历发布)"))
    def publish(self, request, instance, data):
        with _authority_only():
            services.certificates_publish(actor=request.user, certificates=[instance])

    @service_action(request_serializer=CertificateReasonSerializer, summary=_("Revoke (撤销)"))
    def revoke(self, request, instance, data):
        with _authority_only():
            return services.certificate_revoke(
                actor=request.user, certificate=instance, reason=data["reason"]
            )

    @extend_schema(
        request=None,
        responses={(200, "application/pdf"): OpenApiResponse(description="PDF")},
        summary=_("Print one certificate as PDF"),
    )
    @action(detail=True, methods=["post"], url_path="print")
    def print_pdf(self, request, pk=None):
        try:
            cert = selectors.certificate_print_list(user=request.user).get(pk=pk)
        except (Certificate.DoesNotExist, ValueError, TypeError):
            self.get_object()  # 404 when unseen, 403 when seen but not changeable
            raise NotFound(_("The certificate is not available for printing."))
        services.printable([cert])
        content = printing.certificates_pdf([cert])
        services.certificates_record_print(actor=request.user, certificates=[cert])
        return download_response(content, f"certificate-{cert.number}.pdf", content_type="application/pdf")

    @extend_schema(
        request=CertificateIdsSerializer,
        summary=_("Publish many certificates"),
        operation_id="v1_certificates_publish_many",
    )
    @action(detail=False, methods=["post"], url_path="publish")
    def publish_batch(self, request):
        body = CertificateIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        n = services.certificates_publish(actor=request.user, certificates=body.validated_data["ids"])
        return Response({"published": n})

    @extend_schema(
        request=CertificateIdsSerializer,
        summary=_("Print many certificates as one PDF (background job)"),
        operation_id="v1_certificates_print_many",
    )
    @action(detail=False, methods=["post"], url_path="print")
    def print_batch(self, request):
        body = CertificateIdsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        ids = body.validated_data["ids"]
        certs = list(selectors.certificate_print_list(user=request.user).filter(pk__in=ids))
        if len(certs) != len(set(ids)):
            from django.http import Http404

            raise Http404
        services.printable(certs)
        job = core_jobs.enqueue(
            PRINT_JOB, params={"ids": ids, "language": request.LANGUAGE_CODE}, created_by=request.user
        )
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)


class HolderPermission(permissions.IsAuthenticated):
    pass


class VerificationReportViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """The signed-in holder's own verification reports: create (validity within limits), close early."""

    model = VerificationReport
    selector = staticmethod(selectors.report_list)
    selector_takes_action = False
    serializer_class = VerificationReportSerializer
    permission_classes = [HolderPermission]
    ordering = ("-created_at",)

    def get_queryset(self):
        return selectors.report_list(user=self.request.user)

    def perform_create(self, serializer):
        report = services.report_create(
            actor=self.request.user,
            certificate=serializer.validated_data["certificate"],
            validity_days=serializer.validated_data["validity_days"],
        )
        serializer.instance = report

    @extend_schema(request=None, summary=_("Close a report early"))
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        report = self.get_object()
        report = services.report_close(actor=request.user, report=report)
        return Response(self.get_serializer(report).data)


__all__ = ["CertificateViewSet", "ValidationError", "VerificationReportViewSet"]
