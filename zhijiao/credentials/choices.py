from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CertificateKind(models.TextChoices):
    """The document issued for each graduation outcome (students.md §6)."""

    GRADUATION = "graduation", _("Graduation certificate")
    COMPLETION = "completion", _("Certificate of completion")
    INCOMPLETE = "incomplete", _("Certificate of study")
    # 学历证明书: issued for a lost or damaged certificate, which is never issued a second time.
    PROOF = "proof", _("Certificate of academic record")


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", _("Issued")
    VOIDED = "voided", _("Voided")
    REISSUED = "reissued", _("Lost or damaged; replaced by a certificate of academic record")
    REVOKED = "revoked", _("Revoked")


class NumberRule(models.TextChoices):
    NATIONAL = "national", _("National 18-digit rule")
    PROVINCIAL = "provincial", _("Provincial secondary vocational rule")


class ReportStatus(models.TextChoices):
    """What a verifier sees for a holder's report (credentials.md §1.5)."""

    ACTIVE = "active", pgettext_lazy("validity", "Active")
    EXPIRED = "expired", _("Expired")
    CLOSED = "closed", _("Closed")
    INVALID = "invalid", _("Invalid")


class LookupKind(models.TextChoices):
    NUMBER_NAME = "number_name", _("Certificate number and name")
    CODE = "code", pgettext_lazy("lookup kind", "Verification code")
    SHORT_URL = "short_url", _("Scanned short link")
    SIGNED_QR = "signed_qr", _("Signed QR code")


class LookupResult(models.TextChoices):
    VALID = "valid", _("Valid")
    REVOKED = "revoked", _("Revoked")
    NOT_VALID = "not_valid", _("No longer valid")
    NOT_FOUND = "not_found", _("Not found")
    BAD_INPUT = "bad_input", _("Malformed input")
    EXPIRED = "expired", _("Report expired")
    CLOSED = "closed", _("Report closed")
    CHALLENGE_FAILED = "challenge_failed", _("Challenge failed")
    RATE_LIMITED = "rate_limited", _("Rate limited")
    SIGNATURE_VALID = "signature_valid", _("Signature valid")
    SIGNATURE_INVALID = "signature_invalid", _("Signature invalid")


KIND_FOR_OUTCOME = {
    "graduated": CertificateKind.GRADUATION,
    "completed": CertificateKind.COMPLETION,
    "incomplete": CertificateKind.INCOMPLETE,
}
