"""PDF rendering: the one WeasyPrint entry point.

``render_pdf(html, …)`` turns an HTML document into PDF bytes with the platform's Chinese fonts
(``'Noto Serif CJK SC'``/``'Noto Sans CJK SC'`` from Debian's ``fonts-noto-cjk``, ``'HanaMinA'``,
``'HanaMinB'`` from ``fonts-hanazono`` for Ext-B–F characters; fontconfig falls back per glyph;
``libharfbuzz-subset0`` keeps subsetting fast), one ``FontConfiguration`` per process, and on request:

- a page header (``header``: a line of text, top centre) and footer (``footer=True``: 第 N 页 / 共 M 页);
- a watermark (``watermark=user``): the user's name and the time in Beijing, across every page, so a
  printed or forwarded copy says who made it and when.

Documents whose layout is fixed (certificates) pass nothing and get exactly their own HTML.
Charts for the documents and the pages alike are plain SVG (``core.pdf.charts``); WeasyPrint draws
inline SVG as vectors, so nothing needs JavaScript.
"""

from __future__ import annotations

import datetime
import threading
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.html import escape

FONT_FAMILY = "'Noto Sans CJK SC', 'Noto Serif CJK SC', 'HanaMinA', 'HanaMinB', sans-serif"
SERIF_FONT_FAMILY = "'Noto Serif CJK SC', 'HanaMinA', 'HanaMinB', serif"
BEIJING = ZoneInfo("Asia/Shanghai")

_font_config = None
_lock = threading.Lock()


def font_config():
    """The process's one WeasyPrint ``FontConfiguration`` (fonts are laid out once per process)."""
    global _font_config
    if _font_config is None:
        with _lock:
            if _font_config is None:
                from weasyprint.text.fonts import FontConfiguration

                _font_config = FontConfiguration()
    return _font_config


def _css_string(value: str) -> str:
    """A CSS string literal (for ``content:``) of any text: quotes, backslashes and line breaks as
    CSS hex escapes, so the text cannot end the string."""
    escaped = "".join(f"\\{ord(c):x} " if c in '"\\\n\r' else c for c in value)
    return f'"{escaped}"'


def watermark_text(user, now: datetime.datetime | None = None) -> str:
    """Who made the document and when, in Beijing time: "张三 · 2026-12-05 14:03 北京时间"."""
    now = now or timezone.now()
    if timezone.is_naive(now):
        now = timezone.make_aware(now, datetime.UTC)
    name = ""
    if user is not None:
        full = getattr(user, "get_full_name", lambda: "")() or ""
        name = full or getattr(user, "get_username", lambda: str(user))()
    return f"{name} · {now.astimezone(BEIJING):%Y-%m-%d %H:%M} 北京时间".strip(" ·")


def decorations_css(*, header: str = "", footer: bool = False) -> str:
    """The @page rules of a header line and a page-number footer."""
    rules = []
    if header:
        rules.append(
            f"@top-center {{ content: {_css_string(header)}; font-family: {FONT_FAMILY}; font-size: 8pt;"
            " color: #555; }"
        )
    if footer:
        rules.append(
            '@bottom-center { content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";'
            f" font-family: {FONT_FAMILY}; font-size: 8pt; color: #555; }}"
        )
    return f"@page {{ {' '.join(rules)} }}" if rules else ""


WATERMARK_CSS = (
    ".zj-watermark { position: fixed; top: 40%; left: 0; right: 0; text-align: center;"
    " transform: rotate(-30deg); font-size: 26pt; color: rgba(0, 0, 0, 0.08);"
    f" font-family: {FONT_FAMILY}; white-space: nowrap; z-index: -1; }}"
)


def _with_watermark(html: str, text: str) -> str:
    """The watermark as a fixed element (WeasyPrint repeats it on every page)."""
    mark = f'<div class="zj-watermark" aria-hidden="true">{escape(text)}</div>'
    at = html.lower().rfind("</body>")
    return html[:at] + mark + html[at:] if at >= 0 else html + mark


def render_pdf(
    html: str,
    *,
    base_url: str | None = None,
    header: str = "",
    footer: bool = False,
    watermark=None,
    now: datetime.datetime | None = None,
) -> bytes:
    """PDF bytes of an HTML document (relative URLs resolve against ``base_url``, the project by
    default). ``watermark`` is the user the copy is made for (None: no watermark)."""
    from weasyprint import CSS, HTML

    stylesheets = []
    extra = decorations_css(header=header, footer=footer)
    if watermark is not None:
        html = _with_watermark(html, watermark_text(watermark, now))
        extra += WATERMARK_CSS
    if extra:
        stylesheets.append(CSS(string=extra, font_config=font_config()))
    document = HTML(string=html, base_url=base_url or str(settings.BASE_DIR))
    return document.write_pdf(stylesheets=stylesheets or None, font_config=font_config())


__all__ = [
    "BEIJING",
    "FONT_FAMILY",
    "SERIF_FONT_FAMILY",
    "decorations_css",
    "font_config",
    "render_pdf",
    "watermark_text",
]
