"""Certificates, their signing keys, holders' verification reports and the public lookup log.

A certificate is a snapshot: the holder's name, the school, the major and the dates are copied
from the registry when it is issued, signed (the ``VC1:`` QR) and never change afterwards; a
correction is a void or a reissue. Domain notes: ``shared/domain/credentials.md`` and
``students.md`` §6–7.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from zhijiao.core.models import ScopedModel
from zhijiao.core.search import NameSearch
from zhijiao.majors.choices import MajorLevel
from zhijiao.students.choices import Gender

from .choices import (
    CertificateKind,
    CertificateStatus,
    LookupKind,
    LookupResult,
    NumberRule,
    ReportStatus,
)


class Certificate(ScopedModel):
    """The certificate issued for an approved graduation decision (one current per decision)."""

    graduation = models.ForeignKey(
        "students.Graduation",
        verbose_name=_("graduation decision"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    institution = models.ForeignKey(
        "orgs.Institution",
        verbose_name=_("institution"),
        on_delete=models.PROTECT,
        related_name="certificates",
        db_index=False,  # credentials_cert_inst_class (institution, class, number) serves look-ups by school
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind.choices)
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    number_rule = models.CharField(_("numbering rule"), max_length=20, choices=NumberRule.choices)
    verify_code = models.CharField(
        _("verification code"),
        max_length=16,
        unique=True,
        help_text=_("16 random upper-case letters and digits printed in the short verification link."),
    )
    issue_date = models.DateField(_("issue date"))
    principal_name = models.CharField(_("principal's name"), max_length=50)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CertificateStatus.choices,
        default=CertificateStatus.ISSUED,
        db_index=True,
    )
    is_current = models.BooleanField(_("current"), default=True)
    replaces = models.ForeignKey(
        "self",
        verbose_name=_("replaces"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
    )
    # 学历证明书 (kind "proof"): the certificate it stands for (the first one, through any chain).
    original_kind = models.CharField(
        _("kind of the original certificate"), max_length=20, choices=CertificateKind.choices, blank=True
    )
    original_number = models.CharField(_("number of the original certificate"), max_length=32, blank=True)
    status_reason = models.CharField(_("reason"), max_length=500, blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("status changed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    print_count = models.PositiveIntegerField(_("times printed"), default=0)
    last_printed_at = models.DateTimeField(_("last printed at"), null=True, blank=True)

    # The snapshot printed on the certificate and signed into its QR code.
    holder_name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    holder_gender = models.CharField(_("gender"), max_length=10, blank=True, choices=Gender.choices)
    holder_birth_date = models.DateField(_("birth date"), null=True, blank=True)
    institution_code = models.CharField(_("institution code"), max_length=10, blank=True)
    institution_name = models.CharField(_("school"), max_length=100)
    major_code = models.CharField(_("major code"), max_length=10, blank=True)
    major_name = models.CharField(_("major"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=MajorLevel.choices)
    study_years = models.PositiveSmallIntegerField(_("length of study (years)"), null=True, blank=True)
    entry_date = models.DateField(_("entry date"), null=True, blank=True)
    graduation_date = models.DateField(_("graduation date"))
    class_name = models.CharField(_("class"), max_length=50, blank=True)

    # The signed QR payload (``VC1:`` + Base45(COSE_Sign1)) and the key that signed it.
    signed_qr = models.TextField(_("signed QR payload"), blank=True)
    signing_key = models.ForeignKey(
        "credentials.SigningKey",
        verbose_name=_("signing key"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    # Both QR images are drawn once at issue (their content never changes) so printing is cheap.
    qr_signed_png = models.BinaryField(_("signed QR image"), blank=True, default=b"", editable=False)
    qr_link_png = models.BinaryField(_("link QR image"), blank=True, default=b"", editable=False)
    qr_link = models.CharField(_("verification link"), max_length=300, blank=True)

    scope_region_path = "institution__region__path"
    scope_institution = "institution_id"
    scope_change_nodes = frozenset({"region", "institution"})
    person_name_fields = ("holder_name", "principal_name")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["institution_id", "class_name", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["graduation"],
                condition=Q(is_current=True),
                name="credentials_one_current_certificate",
                violation_error_message=_("This graduation decision already has a current certificate."),
            ),
        ]
        # Every sortable column of the certificate list has a (column, id) b-tree for the province's
        # ordered scan and keyset pages; numbers are searched by prefix, holders by the generated
        # search_terms column (core.search).
        indexes = [
            models.Index(fields=["institution", "class_name", "number"], name="credentials_cert_inst_class"),
            models.Index(fields=["holder_name", "id"], name="credentials_cert_holder"),
            models.Index(fields=["institution_name", "id"], name="credentials_cert_school"),
            models.Index(fields=["class_name", "id"], name="credentials_cert_class"),
            models.Index(fields=["major_name", "id"], name="credentials_cert_major"),
            models.Index(fields=["graduation_date", "id"], name="credentials_cert_grad_date"),
            models.Index(fields=["published_at", "id"], name="credentials_cert_published"),
            models.Index(
                fields=["number"], name="credentials_cert_no_prefix", opclasses=["varchar_pattern_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("credentials:certificate_detail", args=[self.pk])

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.ISSUED and self.published_at is not None


# ``holder_name__namesearch``: the holder's name from the generated search_terms column (core.search).
Certificate._meta.get_field("holder_name").register_lookup(NameSearch)


class AuthorityCertificate(Certificate):
    """The same rows seen by the approving authority: only region (city/province) grants may change them.

    学历发布 and 撤销 are the authority's acts, not the school's (``restrict`` reads
    ``scope_change_nodes`` from this proxy).
    """

    scope_change_nodes = frozenset({"region"})

    class Meta:
        proxy = True
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")


class NumberCounter(models.Model):
    """The last serial used under one number prefix; locked with SELECT … FOR UPDATE."""

    key = models.CharField(_("prefix"), max_length=40, unique=True)
    last_serial = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("certificate number counter")
        verbose_name_plural = _("certificate number counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.last_serial}"


class SigningKey(models.Model):
    """An Ed25519 public key; the private half is a 0600 file under ``CREDENTIALS_KEY_DIR`` only."""

    kid = models.CharField(
        _("key id"),
        max_length=16,
        unique=True,
        help_text=_("8 bytes of the SHA-256 of the public key, in hex."),
    )
    algorithm = models.CharField(_("algorithm"), max_length=20, default="Ed25519")
    public_key = models.CharField(_("public key"), max_length=64, help_text=_("Raw 32-byte key, hex."))
    is_active = models.BooleanField(_("signs new certificates"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=Q(is_active=True),
                name="credentials_one_active_signing_key",
                violation_error_message=_("Only one signing key may be active."),
            )
        ]

    def __str__(self) -> str:
        return self.kid


class VerificationReport(models.Model):
    """A holder-created, time-limited online report (like CHSI's 在线验证报告)."""

    certificate = models.ForeignKey(
        Certificate, verbose_name=_("certificate"), on_delete=models.PROTECT, related_name="reports"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    code = models.CharField(_("verification code"), max_length=16, unique=True)
    validity_days = models.PositiveSmallIntegerField(_("valid for (days)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("valid until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("verification report")
        verbose_name_plural = _("verification reports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.code

    def save(self, *args, **kwargs):
        if self.expires_at is None and self.validity_days:
            self.expires_at = (self.created_at or timezone.now()) + timedelta(days=self.validity_days)
        super().save(*args, **kwargs)

    def state(self, now=None) -> str:
        now = now or timezone.now()
        if not self.certificate.is_valid:
            return ReportStatus.INVALID
        if self.closed_at is not None:
            return ReportStatus.CLOSED
        if self.expires_at <= now:
            return ReportStatus.EXPIRED
        return ReportStatus.ACTIVE

    def get_state_display(self) -> str:
        return ReportStatus(self.state()).label


class LookupLog(models.Model):
    """One row per public lookup (who asked is kept only as a keyed hash of the IP address)."""

    timestamp = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    client_hash = models.CharField(_("client"), max_length=24)
    kind = models.CharField(_("kind"), max_length=20, choices=LookupKind.choices)
    result = models.CharField(_("result"), max_length=20, choices=LookupResult.choices)
    certificate = models.ForeignKey(
        Certificate,
        verbose_name=_("certificate"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    query = models.CharField(_("query"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("lookup log entry")
        verbose_name_plural = _("lookup log")
        ordering = ["-timestamp", "-id"]

    def __str__(self) -> str:
        from zhijiao.core.display import when

        return f"{when(self.timestamp)} {self.get_kind_display()} {self.get_result_display()}"
