"""Award certificates (获奖证书) as PDF through the platform's PDF entry point (``core.pdf``), with
the credentials app's QR drawing: a random 16-character code printed on the certificate and a QR
of the public verification link, checked at /competitions/verify/ like a diploma at /verify/."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from zhijiao.core import pdf
from zhijiao.credentials import printing


def verify_link(code: str) -> str:
    return f"{printing.verify_base_url()}{reverse('competitions_public:verify_code', args=[code])}"


def page_context(certificate) -> dict:
    link = verify_link(certificate.verify_code)
    return {
        "number": certificate.number,
        "holders": certificate.holders,
        "school": certificate.institution_name,
        "contest": certificate.contest_name,
        "event": certificate.event_name,
        "organiser": certificate.organiser,
        "award": certificate.get_award_display(),
        "issued_on": certificate.issued_on,
        "verify_code": certificate.verify_code,
        "link": link,
        "qr": printing.data_uri(printing.qr_png(link)),
    }


def render_html(certificate) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return get_template("competitions/certificate.html").render({"c": page_context(certificate)})


def certificate_pdf(certificate) -> bytes:
    return pdf.render_pdf(render_html(certificate))
