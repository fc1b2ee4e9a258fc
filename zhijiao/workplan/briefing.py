"""The leadership briefing as a PDF (WeasyPrint), with the same Chinese fonts as the certificates.

Fonts: ``'Noto Serif CJK SC', 'HanaMinA', 'HanaMinB'`` (Debian's ``fonts-noto-cjk`` and
``fonts-hanazono``), named in ``templates/workplan/briefing_pdf.html``. One ``FontConfiguration``
is kept per process; WeasyPrint is imported only when a PDF is asked for.
"""

from __future__ import annotations

import datetime

_font_config = None


def font_config():
    global _font_config
    if _font_config is None:
        from weasyprint.text.fonts import FontConfiguration

        _font_config = FontConfiguration()
    return _font_config


def render_pdf(html: str, base_url: str) -> bytes:
    """PDF bytes of an HTML document; relative URLs in it resolve against ``base_url``."""
    from weasyprint import HTML

    return HTML(string=html, base_url=base_url).write_pdf(font_config=font_config())


def pdf_filename(day: datetime.date) -> str:
    """The briefing's file name, dated by the board day (data, kept in Chinese like the plan)."""
    return f"工作要点督办简报-{day:%Y-%m-%d}.pdf"
