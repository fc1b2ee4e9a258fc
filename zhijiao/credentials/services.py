"""Writes for certificates, keys and reports. Only these functions change the credentials tables.

Each is keyword-only with an explicit ``actor``, runs in one transaction, validates, audits and
checks scope (STYLE.md §2). Schools (institution grants) issue, print, void and reissue; the
approving authority (city or province grants) publishes (学历发布) and revokes (撤销).
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhijiao.core.audit import AuditAction, audit_record, snapshot
from zhijiao.core.scoping import restrict
from zhijiao.core.services import OutOfScope, ensure_in_scope
from zhijiao.core.validators import normalize_text, validate_plain_text

from . import numbering, printing, signing
from .choices import KIND_FOR_OUTCOME, CertificateKind, CertificateStatus
from .models import AuthorityCertificate, Certificate, VerificationReport

#: 16 upper-case alphanumerics without the look-alikes 0/O and 1/I: 32^16 = 2^80 codes.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 16


def new_verify_code() -> str:
    """A random 16-character code (credentials.md §1.2, §1.5): enough entropy to resist enumeration."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _reason(reason: str) -> str:
    reason = normalize_text(reason or "")
    if not reason:
        raise ValidationError({"reason": _("Give a reason.")})
    validate_plain_text(reason)
    return reason[:500]


def _graduation_for_issue(*, actor, graduation):
    from zhijiao.students.models import Graduation

    try:
        graduation = (
            restrict(Graduation.objects.select_for_update(of=("self",)), actor, "change")
            .select_related(
                "enrolment__student",
                "enrolment__institution__region",
                "enrolment__offering__major",
            )
            .get(pk=getattr(graduation, "pk", graduation))
        )
    except (Graduation.DoesNotExist, ValueError, TypeError):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    if graduation.status != Graduation.Status.APPROVED:
        raise ValidationError(
            _("The graduation of %(name)s is not approved yet, so no certificate can be issued or printed.")
            % {"name": graduation.enrolment.student.name}
        )
    return graduation


def default_principal(institution) -> str:
    last = (
        Certificate.objects.filter(institution=institution)
        .exclude(principal_name="")
        .order_by("-created_at", "-id")
        .values_list("principal_name", flat=True)
        .first()
    )
    return last or ""


def _build(
    *, graduation, issue_date: datetime.date, principal_name: str, replaces=None, kind: str = ""
) -> Certificate:
    enrolment = graduation.enrolment
    student = enrolment.student
    institution = enrolment.institution
    major = enrolment.offering.major
    level = major.level
    number, rule = numbering.assign_number(
        institution=institution, level=level, year=graduation.graduation_date.year
    )
    cert = Certificate(
        graduation=graduation,
        institution=institution,
        kind=kind or KIND_FOR_OUTCOME[graduation.outcome],
        number=number,
        number_rule=rule,
        verify_code=new_verify_code(),
        issue_date=issue_date,
        principal_name=principal_name,
        replaces=replaces,
        holder_name=student.name,
        holder_gender=student.gender,
        holder_birth_date=student.birth_date,
        institution_code=institution.code or "",
        institution_name=institution.name,
        major_code=major.code,
        major_name=major.name,
        level=level,
        study_years=enrolment.study_years,
        entry_date=enrolment.entry_date,
        graduation_date=graduation.graduation_date,
        class_name=enrolment.class_name,
    )
    if cert.kind == CertificateKind.PROOF and replaces is not None:
        cert.original_kind = replaces.original_kind or replaces.kind
        cert.original_number = replaces.original_number or replaces.number
    cert.signed_qr, key = signing.sign_claims(signing.certificate_claims(cert))
    cert.signing_key = key
    cert.qr_link = printing.short_link(cert.number, cert.verify_code)
    cert.qr_signed_png = printing.qr_png(cert.signed_qr, alphanumeric=True)
    cert.qr_link_png = printing.qr_png(cert.qr_link)
    return cert


_SNAPSHOT_SKIP = {"qr_signed_png", "qr_link_png"}


def _snapshot(cert: Certificate) -> dict:
    """The audit view of a certificate: the QR images are derived data and stay out of the log."""
    return {k: v for k, v in snapshot(cert).items() if k not in _SNAPSHOT_SKIP}


@transaction.atomic
def _create(*, actor, cert: Certificate, message: str, event: str = "certificate.issued") -> Certificate:
    cert.full_clean()
    cert.save(force_insert=True)
    ensure_in_scope(cert, actor, "change")
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=cert,
        after=_snapshot(cert),
        message=message,
        event=event,
    )
    return cert


def _principal(principal_name: str | None, institution) -> str:
    name = normalize_text(principal_name or "") or default_principal(institution)
    if not name:
        raise ValidationError({"principal_name": _("Enter the principal's name printed on the certificate.")})
    validate_plain_text(name)
    return name


@transaction.atomic
def certificate_issue(
    *, actor, graduation, principal_name: str | None = None, issue_date: datetime.date | None = None
) -> Certificate:
    """Number, sign and record the certificate of an approved graduation decision.

    Only approved decisions get certificates; a decision has at most one current certificate. For
    the 结业 → 毕业 swap (students.md §6) the earlier 结业证书 is voided when the 毕业证书 is issued.
    """
    graduation = _graduation_for_issue(actor=actor, graduation=graduation)
    if Certificate.objects.filter(graduation=graduation, is_current=True).exists():
        raise ValidationError(_("This graduation decision already has a current certificate."))
    institution = graduation.enrolment.institution
    cert = _build(
        graduation=graduation,
        issue_date=issue_date or timezone.localdate(),
        principal_name=_principal(principal_name, institution),
    )
    _create(actor=actor, cert=cert, message=_("certificate issued"))
    if graduation.replaces_id:
        for old in Certificate.objects.select_for_update().filter(
            graduation_id=graduation.replaces_id, is_current=True
        ):
            _set_status(
                actor=actor,
                cert=old,
                status=CertificateStatus.VOIDED,
                reason=_("Exchanged for graduation certificate %(number)s") % {"number": cert.number},
            )
    return cert


def certificates_issue_bulk(
    *,
    actor,
    graduations: Iterable,
    principal_name: str | None = None,
    issue_date: datetime.date | None = None,
) -> list[Certificate]:
    """Issue for many approved decisions; each in its own transaction, skipping those already issued."""
    issued = []
    for graduation in graduations:
        if Certificate.objects.filter(graduation=graduation, is_current=True).exists():
            continue
        issued.append(
            certificate_issue(
                actor=actor, graduation=graduation, principal_name=principal_name, issue_date=issue_date
            )
        )
    return issued


STATUS_EVENTS = {
    CertificateStatus.VOIDED: "certificate.voided",
    CertificateStatus.REVOKED: "certificate.revoked",
    CertificateStatus.REISSUED: "certificate.replaced",
}


def _set_status(
    *, actor, cert: Certificate, status: str, reason: str, current: bool | None = None
) -> Certificate:
    before = snapshot(cert)
    cert.status = status
    cert.status_reason = reason
    cert.status_changed_at = timezone.now()
    cert.status_changed_by = actor if getattr(actor, "is_authenticated", False) else None
    if current is not None:
        cert.is_current = current
    elif status in (CertificateStatus.VOIDED, CertificateStatus.REISSUED):
        cert.is_current = False
    cert.save(
        update_fields=[
            "status",
            "status_reason",
            "status_changed_at",
            "status_changed_by",
            "is_current",
            "updated_at",
        ]
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=cert,
        before=before,
        after=snapshot(cert),
        message=reason,
        event=STATUS_EVENTS.get(status, ""),
    )
    return cert


def _lock(model, certificate, actor, action: str = "change") -> Certificate:
    try:
        return (
            restrict(model.objects.select_for_update(of=("self",)), actor, action)
            .select_related("institution__region")
            .get(pk=getattr(certificate, "pk", certificate))
        )
    except (model.DoesNotExist, ValueError, TypeError):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))


@transaction.atomic
def certificate_void(*, actor, certificate, reason: str) -> Certificate:
    """作废: a misprinted or spoiled certificate stops being valid; the decision may be issued again."""
    reason = _reason(reason)
    cert = _lock(Certificate, certificate, actor)
    if cert.status != CertificateStatus.ISSUED:
        raise ValidationError(
            _("Only an issued certificate can be voided; this one is %(status)s.")
            % {"status": cert.get_status_display()}
        )
    return _set_status(actor=actor, cert=cert, status=CertificateStatus.VOIDED, reason=reason)


@transaction.atomic
def certificate_reissue(
    *,
    actor,
    certificate,
    reason: str,
    principal_name: str | None = None,
    issue_date: datetime.date | None = None,
) -> Certificate:
    """A lost or damaged certificate is not issued a second time: the school issues a 学历证明书
    (kind "proof") of equal force, numbered, signed and verifiable like a certificate, naming the
    original certificate; the original stops being current.

    Source: 《中等职业学校学生学籍管理办法》（教职成〔2010〕7号） (学历证书遗失不予补发，出具学历证明书);
    issue 13 item 4.
    """
    reason = _reason(reason)
    old = _lock(Certificate, certificate, actor)
    if old.status != CertificateStatus.ISSUED or not old.is_current:
        raise ValidationError(
            _("Only a current issued certificate can be reissued; this one is %(status)s.")
            % {"status": old.get_status_display()}
        )
    graduation = _graduation_for_issue(actor=actor, graduation=old.graduation_id)
    _set_status(actor=actor, cert=old, status=CertificateStatus.REISSUED, reason=reason)
    new = _build(
        graduation=graduation,
        issue_date=issue_date or timezone.localdate(),
        principal_name=_principal(principal_name or old.principal_name, old.institution),
        replaces=old,
        kind=CertificateKind.PROOF,
    )
    # A reissue keeps the publication: the authority published the credential, not the paper.
    new.published_at = old.published_at
    new.published_by = old.published_by
    _create(
        actor=actor,
        cert=new,
        message=_("certificate of academic record issued: %(reason)s") % {"reason": reason},
        event="certificate.reissued",
    )
    return new


@transaction.atomic
def certificates_publish(*, actor, certificates: Iterable) -> int:
    """学历发布: the authority publishes issued certificates; the public lookup finds them from now on."""
    ids = [getattr(c, "pk", c) for c in certificates]
    rows = list(
        restrict(AuthorityCertificate.objects.select_for_update(of=("self",)), actor, "change")
        .select_related("institution__region")
        .filter(pk__in=ids)
    )
    if len(rows) != len(set(ids)):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    now = timezone.now()
    count = 0
    for cert in rows:
        if cert.status != CertificateStatus.ISSUED:
            raise ValidationError(
                _("Certificate %(number)s is %(status)s and cannot be published.")
                % {"number": cert.number, "status": cert.get_status_display()}
            )
        if cert.published_at is not None:
            continue
        before = snapshot(cert)
        cert.published_at = now
        cert.published_by = actor
        cert.save(update_fields=["published_at", "published_by", "updated_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=cert,
            before=before,
            after=snapshot(cert),
            message=_("published"),
            event="certificate.published",
        )
        count += 1
    return count


@transaction.atomic
def certificate_revoke(*, actor, certificate, reason: str) -> Certificate:
    """撤销: the authority withdraws a credential (fraud, a decision annulled); lookups show it at once."""
    reason = _reason(reason)
    cert = _lock(AuthorityCertificate, certificate, actor)
    if cert.status == CertificateStatus.REVOKED:
        raise ValidationError(_("This certificate is already revoked."))
    if cert.status != CertificateStatus.ISSUED:
        raise ValidationError(
            _("Only an issued certificate can be revoked; this one is %(status)s.")
            % {"status": cert.get_status_display()}
        )
    return _set_status(actor=actor, cert=cert, status=CertificateStatus.REVOKED, reason=reason, current=True)


def printable(certs: Iterable[Certificate]) -> list[Certificate]:
    """The certificates, refused as a whole with a clear message if any may not be printed."""
    from zhijiao.students.models import Graduation

    certs = list(certs)
    for cert in certs:
        if cert.status != CertificateStatus.ISSUED:
            raise ValidationError(
                _("Certificate %(number)s is %(status)s and cannot be printed.")
                % {"number": cert.number, "status": cert.get_status_display()}
            )
        if cert.graduation.status != Graduation.Status.APPROVED:
            raise ValidationError(
                _("The graduation of %(name)s is not approved, so the certificate cannot be printed.")
                % {"name": cert.holder_name}
            )
    return certs


@transaction.atomic
def certificates_record_print(*, actor, certificates: Iterable[Certificate], message: str = "") -> int:
    """Count a print of each certificate and audit it (who printed what, when)."""
    certs = list(certificates)
    if not certs:
        return 0
    ids = [c.pk for c in certs]
    allowed = set(
        restrict(Certificate.objects.filter(pk__in=ids), actor, "change").values_list("pk", flat=True)
    )
    if allowed != set(ids):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    from django.db.models import F

    now = timezone.now()
    Certificate.objects.filter(pk__in=ids).update(print_count=F("print_count") + 1, last_printed_at=now)
    from zhijiao.core.audit import audit_bulk

    audit_bulk(
        actor=actor,
        action=AuditAction.EXPORT,
        items=[(c, None, None) for c in certs],
        message=message or _("printed"),
    )
    return len(certs)


# --- holder's verification reports ----------------------------------------------------------------
def report_limits() -> tuple[int, int]:
    """The validity a holder may choose, in days (CHSI: 30–180 recently; a year in 2013 — credentials.md §1.1)."""
    return (
        getattr(settings, "CREDENTIALS_REPORT_MIN_DAYS", 7),
        getattr(settings, "CREDENTIALS_REPORT_MAX_DAYS", 180),
    )


def holder_certificates(user):
    """The published certificates of the signed-in student (the holder), current ones only."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Certificate.objects.none()
    return Certificate.objects.filter(
        graduation__enrolment__student__user=user, is_current=True, published_at__isnull=False
    )


@transaction.atomic
def report_create(*, actor, certificate, validity_days: int) -> VerificationReport:
    """Only the holder creates a report on their own published certificate, for a period they choose."""
    low, high = report_limits()
    try:
        cert = holder_certificates(actor).get(pk=getattr(certificate, "pk", certificate))
    except (Certificate.DoesNotExist, ValueError, TypeError):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    if cert.status != CertificateStatus.ISSUED:
        raise ValidationError(
            _("This certificate is %(status)s; no report can be made for it.")
            % {"status": cert.get_status_display()}
        )
    try:
        days = int(validity_days)
    except (TypeError, ValueError):
        days = 0
    if not low <= days <= high:
        raise ValidationError(
            {"validity_days": _("Choose between %(low)s and %(high)s days.") % {"low": low, "high": high}}
        )
    now = timezone.now()
    report = VerificationReport(
        certificate=cert,
        created_by=actor,
        code=new_verify_code(),
        validity_days=days,
        created_at=now,
        expires_at=now + datetime.timedelta(days=days),
    )
    report.full_clean()
    report.save()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        instance=report,
        after=snapshot(report),
        scope_path=cert.institution.region.path,
    )
    return report


@transaction.atomic
def report_close(*, actor, report) -> VerificationReport:
    """The holder closes a report early; verifiers then see “closed”."""
    try:
        report = VerificationReport.objects.select_for_update().get(
            pk=getattr(report, "pk", report), created_by=actor
        )
    except (VerificationReport.DoesNotExist, ValueError, TypeError):
        raise OutOfScope(_("The record does not exist or is outside your organisation."))
    if report.closed_at is None:
        before = snapshot(report)
        report.closed_at = timezone.now()
        report.save(update_fields=["closed_at"])
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=report,
            before=before,
            after=snapshot(report),
            scope_path=report.certificate.institution.region.path,
        )
    return report


@transaction.atomic
def signing_key_rotate(*, actor):
    """A new key signs new certificates; the old one is retired but stays in the key list."""
    from zhijiao.core.scoping import user_scope

    if not user_scope(actor).is_province or not user_scope(actor).allows("manage_users"):
        raise OutOfScope(_("Only a province administrator may rotate the signing key."))
    key = signing.rotate_key()
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        object_type="credentials.signingkey",
        object_id=str(key.pk),
        object_repr=key.kid,
        scope_path="",
        message=_("signing key rotated"),
    )
    return key


__all__ = [
    "certificate_issue",
    "certificate_reissue",
    "certificate_revoke",
    "certificate_void",
    "certificates_issue_bulk",
    "certificates_publish",
    "certificates_record_print",
    "ensure_in_scope",
    "new_verify_code",
    "report_close",
    "report_create",
    "signing_key_rotate",
]
