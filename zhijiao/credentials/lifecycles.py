"""The credentials app's audit events (``core.events``); certificates have no lifecycle declared yet."""

from django.utils.translation import gettext_lazy as _

EVENTS = {
    "certificate.issued": _("Certificate issued"),
    "certificate.voided": _("Certificate voided"),
    "certificate.reissued": _("Certificate reissued"),
    "certificate.replaced": _("Certificate replaced by a reissue"),
    "certificate.published": _("Certificate published"),
    "certificate.revoked": _("Certificate revoked"),
}

LIFECYCLES = []
