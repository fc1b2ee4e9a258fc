from .views import CertificateViewSet, VerificationReportViewSet


def register(router) -> None:
    router.register("certificates", CertificateViewSet, basename="certificate")
    router.register("verification-reports", VerificationReportViewSet, basename="verification-report")
