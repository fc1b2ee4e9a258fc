"""Reads for certificates; staff reads start from the user's scope, public reads reveal the minimum."""

from __future__ import annotations

from django.db.models import QuerySet

from zhijiao.core.scoping import restrict

from .models import AuthorityCertificate, Certificate, VerificationReport

#: The columns a certificate list or detail needs (the QR images stay in the table until printing).
_LIST_DEFER = ("qr_signed_png", "qr_link_png", "signed_qr")


def certificate_list(*, user, action: str = "view") -> QuerySet[Certificate]:
    return restrict(
        Certificate.objects.select_related("institution", "institution__region").defer(*_LIST_DEFER),
        user,
        action,
    )


def certificate_get(*, user, pk, action: str = "view") -> Certificate:
    return certificate_list(user=user, action=action).get(pk=pk)


def certificate_print_list(*, user) -> QuerySet[Certificate]:
    """Certificates the user may print (change scope), with what the page needs."""
    return restrict(
        Certificate.objects.select_related("institution__region", "graduation__enrolment__student"),
        user,
        "change",
    )


def authority_certificate_list(*, user, action: str = "change") -> QuerySet[AuthorityCertificate]:
    """Certificates the user may publish or revoke (city/province grants only)."""
    return restrict(
        AuthorityCertificate.objects.select_related("institution", "institution__region").defer(*_LIST_DEFER),
        user,
        action,
    )


def graduations_awaiting_certificate(*, user) -> QuerySet:
    """Approved graduation decisions in the user's change scope that have no current certificate."""
    from zhijiao.students.models import Graduation

    return (
        restrict(Graduation.objects.all(), user, "change")
        .filter(status=Graduation.Status.APPROVED)
        .exclude(certificates__is_current=True)
        .select_related("enrolment__student", "enrolment__institution", "enrolment__offering__major")
        .order_by("enrolment__institution_id", "enrolment__class_name", "enrolment__student__name")
    )


def report_list(*, user) -> QuerySet[VerificationReport]:
    """The signed-in holder's own reports."""
    if user is None or not getattr(user, "is_authenticated", False):
        return VerificationReport.objects.none()
    return VerificationReport.objects.filter(created_by=user).select_related("certificate")


# --- public lookups (no login): one indexed query each, minimal columns --------------------------
#: What a verifier sees of a certificate (the public lookup reads exactly these, verification.py).
VERIFIER_FIELDS = (
    "id",
    "number",
    "kind",
    "status",
    "published_at",
    "holder_name",
    "institution_name",
    "major_name",
    "level",
    "entry_date",
    "graduation_date",
    "issue_date",
    "study_years",
    "verify_code",
)
#: ...and what a holder's report additionally needs to tell its state.
PUBLIC_FIELDS = (*VERIFIER_FIELDS, "status_changed_at", "replaces_id")


def public_report_by_code(code: str) -> VerificationReport | None:
    return (
        VerificationReport.objects.select_related("certificate")
        .only(
            "id",
            "code",
            "validity_days",
            "created_at",
            "expires_at",
            "closed_at",
            *(f"certificate__{f}" for f in PUBLIC_FIELDS),
        )
        .filter(code=code)
        .first()
    )


# --- home page figures (credentials/home.py) ---------------------------------------------------------
def certificate_counts(*, user) -> dict:
    """Certificates in the user's scope: ``{"total", "current", "published", "by_status"}`` (current
    certificates by status; published = current, issued and published). From the maintained tallies
    (core.counters), counted directly where there are none."""
    from django.db.models import Count, Q

    from zhijiao.core import counters

    rows = counters.tally("certificates", user, by=("k1", "k2", "k3"))
    if rows is None:
        rows = {}
        for r in (
            certificate_list(user=user)
            .order_by()
            .values("status", "is_current")
            .annotate(n=Count("id"), published=Count("id", filter=Q(published_at__isnull=False)))
        ):
            current = "true" if r["is_current"] else "false"
            if r["published"]:
                rows[(r["status"], "true", current)] = r["published"]
            if r["n"] - r["published"]:
                rows[(r["status"], "false", current)] = r["n"] - r["published"]
    by_status: dict[str, int] = {}
    for (status, _published, current), n in rows.items():
        if current == "true":
            by_status[status] = by_status.get(status, 0) + n
    return {
        "total": sum(rows.values()),
        "current": sum(by_status.values()),
        "published": sum(
            n
            for (status, published, current), n in rows.items()
            if status == "issued" and published == "true" and current == "true"
        ),
        "by_status": by_status,
    }


def chsi_certificates(*, user) -> QuerySet[Certificate]:
    """The certificates of the CHSI 学历 registration list: issued (or since replaced by a 学历证明书,
    the original staying registered) 毕业/结业/肄业 certificates the user may change, of higher vocational
    colleges or of students in the 高职 stage of a through programme."""
    from django.db.models import Q

    from zhijiao.orgs.choices import InstitutionKind

    from .choices import CertificateKind, CertificateStatus

    return (
        certificate_list(user=user, action="change")
        .filter(status__in=[CertificateStatus.ISSUED, CertificateStatus.REISSUED])
        .exclude(kind=CertificateKind.PROOF)
        .filter(
            Q(institution__kind=InstitutionKind.HIGHER_VOCATIONAL) | Q(graduation__enrolment__stage="higher")
        )
        .select_related("graduation__enrolment__student", "graduation__enrolment__offering__major")
    )
