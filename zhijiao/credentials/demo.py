"""Demo credentials: certificates for the approved graduations, published, one revoked, printable.

Called by ``manage.py demo`` after the students demo. Idempotent: a second call only issues what
is still missing. Everything goes through the services.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from zhijiao.accounts.choices import Role

from . import services
from .choices import CertificateStatus
from .models import Certificate

DEMO_PRINCIPAL = "王建国"  # data, not UI: the principal's name printed on demo certificates
DEMO_REVOKE_REASON = "演示：学籍材料不实，撤销学历"


def _province_admin():
    User = get_user_model()
    user = (
        User.objects.filter(role_assignments__role=Role.PROVINCE_ADMIN, is_active=True).order_by("id").first()
    )
    return user or User.objects.filter(is_superuser=True, is_active=True).order_by("id").first()


@transaction.atomic
def load_demo_credentials(*, actor=None) -> dict:
    from .selectors import graduations_awaiting_certificate

    actor = actor or _province_admin()
    if actor is None:
        return {"issued": 0, "published": 0, "revoked": 0}
    pending = list(graduations_awaiting_certificate(user=actor))
    issued = services.certificates_issue_bulk(
        actor=actor, graduations=pending, principal_name=DEMO_PRINCIPAL, issue_date=None
    )
    unpublished = Certificate.objects.filter(status=CertificateStatus.ISSUED, published_at__isnull=True)
    published = services.certificates_publish(
        actor=actor, certificates=list(unpublished.values_list("pk", flat=True))
    )
    revoked = 0
    if not Certificate.objects.filter(status=CertificateStatus.REVOKED).exists():
        victim = Certificate.objects.filter(status=CertificateStatus.ISSUED).order_by("-id").first()
        if victim is not None and Certificate.objects.filter(status=CertificateStatus.ISSUED).count() > 1:
            services.certificate_revoke(actor=actor, certificate=victim, reason=DEMO_REVOKE_REASON)
            revoked = 1
    reports = _holder_report()
    return {"issued": len(issued), "published": published, "revoked": revoked, "reports": reports}


def _holder_report() -> int:
    """The student account shares its certificate with an employer: one verification report."""
    from .models import VerificationReport

    User = get_user_model()
    holder = User.objects.filter(username="student_demo").first()
    if holder is None or VerificationReport.objects.filter(created_by=holder).exists():
        return 0
    cert = services.holder_certificates(holder).filter(status=CertificateStatus.ISSUED).first()
    if cert is None:
        return 0
    services.report_create(actor=holder, certificate=cert, validity_days=30)
    return 1
