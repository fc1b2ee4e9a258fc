"""Certificate PDFs: one HTML/CSS template per kind, Chinese fonts embedded.

Fonts (credentials.md §4): ``'Noto Serif CJK SC', 'HanaMinA', 'HanaMinB'`` from Debian's
``fonts-noto-cjk`` and ``fonts-hanazono``; fontconfig falls back per glyph, so names with Ext-B–F
characters (王𪚥, 赵孟𫖯) print and extract as the right text. ``libharfbuzz-subset0`` must be
installed or subsetting the CJK fonts takes seconds per document.

A batch (a whole class) is one HTML document with one page per certificate: WeasyPrint then lays
out the fonts once, 90–120 pages/s per core. The PDF comes from the platform's one entry point
(``core.pdf``: one ``FontConfiguration`` per process), which adds nothing to a certificate's layout.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Sequence

import segno
from django.conf import settings
from django.template.loader import get_template
from django.utils import translation

from zhijiao.core import pdf

from .choices import CertificateKind

#: QR module size on paper: 0.5 mm per module keeps a v13 code near 35 mm (credentials.md §2.3).
QR_MODULE_MM = 0.5


def verify_base_url() -> str:
    """The public address of /verify/ (``CREDENTIALS_VERIFY_BASE_URL``; the demo's own address)."""
    return (getattr(settings, "CREDENTIALS_VERIFY_BASE_URL", "") or "").rstrip("/")


def short_link(number: str, code: str) -> str:
    """The short verification link printed as the second QR: ``…/verify/v/<number>?c=<code>``."""
    return f"{verify_base_url()}/verify/v/{number}?c={code}"


def qr_png(data: str, *, alphanumeric: bool = False) -> bytes:
    """A 1-bit PNG (one pixel per module) of a QR code at error level M."""
    qr = segno.make(
        data,
        mode="alphanumeric" if alphanumeric else None,
        error="m",
        boost_error=False,
        micro=False,
    )
    out = io.BytesIO()
    qr.save(out, kind="png", scale=1, border=4)
    return out.getvalue()


def data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(bytes(png)).decode("ascii")


def template_for(kind: str) -> str:
    return {
        CertificateKind.GRADUATION: "credentials/print/graduation.html",
        CertificateKind.COMPLETION: "credentials/print/completion.html",
        CertificateKind.INCOMPLETE: "credentials/print/incomplete.html",
        CertificateKind.PROOF: "credentials/print/proof.html",
    }[kind]


def photo_uri(cert) -> str | None:
    """The holder's photo as a data URI when the registry has one (``Student.photo``), else None."""
    try:
        student = cert.graduation.enrolment.student
    except AttributeError:
        return None
    photo = getattr(student, "photo", None)
    if not photo:
        return None
    try:
        with photo.open("rb") as fh:
            content = fh.read()
    except (OSError, ValueError):
        return None
    mime = "image/png" if content[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")


def gender_label(value: str) -> str:
    from zhijiao.students.choices import Gender

    return str(dict(Gender.choices).get(value, value))


def current_link(cert) -> tuple[str, bytes]:
    """The verification link at today's address and its QR image; the stored image when unchanged.

    A certificate keeps the link of the address it was issued under; a demo served on another
    port (or a site that moved) prints the address it is served at now.
    """
    link = short_link(cert.number, cert.verify_code)
    if link == cert.qr_link and cert.qr_link_png:
        return link, bytes(cert.qr_link_png)
    return link, qr_png(link)


def page_context(cert, *, with_photo: bool = True) -> dict:
    """Everything one certificate page shows; pure data, so the bench can build it without a DB."""
    link, link_png = current_link(cert)
    return {
        "kind": cert.kind,
        "number": cert.number,
        "name": cert.holder_name,
        "gender": gender_label(cert.holder_gender),
        "birth_date": cert.holder_birth_date,
        "school": cert.institution_name,
        "major": cert.major_name,
        "study_years": cert.study_years,
        "entry_date": cert.entry_date,
        "graduation_date": cert.graduation_date,
        "issue_date": cert.issue_date,
        "principal": cert.principal_name,
        "verify_code": cert.verify_code,
        "link": link,
        "qr_signed": data_uri(cert.qr_signed_png),
        "qr_link": data_uri(link_png),
        "photo": photo_uri(cert) if with_photo else None,
        "reissue": cert.replaces_id is not None and cert.kind != CertificateKind.PROOF,
        "original_kind": CertificateKind(cert.original_kind).label if cert.original_kind else "",
        "original_number": cert.original_number,
    }


def render_html(pages: Sequence[dict]) -> str:
    """One HTML document, one page per certificate, each drawn by its kind's template."""
    with translation.override(settings.LANGUAGE_CODE):
        body = "".join(get_template(template_for(p["kind"])).render({"c": p}) for p in pages)
        return get_template("credentials/print/document.html").render({"body": body})


def html_to_pdf(html: str) -> bytes:
    """Through the platform's PDF entry point with nothing added: a certificate's layout is its own."""
    return pdf.render_pdf(html)


def render_pdf(pages: Sequence[dict]) -> bytes:
    return html_to_pdf(render_html(pages))


def certificates_pdf(certs: Iterable) -> bytes:
    return render_pdf([page_context(c) for c in certs])


def merge_pdfs(parts: Sequence[bytes]) -> bytes:
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(io.BytesIO(part))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
