"""The leadership briefing as a PDF, through the platform's PDF entry point (``core.pdf``: the
Chinese fonts, page numbers, a watermark with the reader and the time in Beijing)."""

from __future__ import annotations

import datetime

from zhijiao.core import pdf


def render_pdf(html: str, base_url: str, *, user=None) -> bytes:
    """PDF bytes of an HTML document; relative URLs in it resolve against ``base_url``."""
    return pdf.render_pdf(html, base_url=base_url, footer=True, watermark=user)


def pdf_filename(day: datetime.date) -> str:
    """The briefing's file name, dated by the board day (data, kept in Chinese like the plan)."""
    return f"工作要点督办简报-{day:%Y-%m-%d}.pdf"
