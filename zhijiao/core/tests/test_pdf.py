"""The one PDF entry point (core.pdf): fonts, header/footer, the reader's watermark, SVG charts."""

import datetime
import io
import xml.etree.ElementTree as ET

import pytest
from pypdf import PdfReader

from zhijiao.core import pdf
from zhijiao.core.pdf import charts

HTML = """<!doctype html><html><head><meta charset="utf-8"><style>
body { font-family: 'Noto Serif CJK SC'; } .page { page-break-after: always; }</style></head>
<body><div class="page">督办简报 王𪚥</div><div>第二页</div></body></html>"""


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


class Reader:
    def get_full_name(self):
        return "李明"


def test_a_plain_document_gets_nothing_added():
    data = pdf.render_pdf(HTML)
    assert data.startswith(b"%PDF")
    pages = _text(data)
    assert len(pages) == 2 and "督办简报" in pages[0]
    assert "页" not in pages[0] and "北京时间" not in "".join(pages)


def test_header_footer_and_watermark_on_every_page():
    now = datetime.datetime(2026, 12, 5, 16, 30, tzinfo=datetime.UTC)  # 00:30 on the 6th in Beijing
    data = pdf.render_pdf(HTML, header="山东省教育厅职教处", footer=True, watermark=Reader(), now=now)
    pages = _text(data)
    for n, text in enumerate(pages, 1):
        assert "山东省教育厅职教处" in text
        assert f"第 {n} 页 / 共 2 页" in text
        assert "李明 · 2026-12-06 00:30 北京时间" in text


def test_watermark_text_names_the_user_and_beijing_time():
    from zhijiao.accounts.models import User

    user = User(username="zhang")
    at = datetime.datetime(2026, 3, 1, 1, 5, tzinfo=datetime.UTC)
    assert pdf.watermark_text(user, at) == "zhang · 2026-03-01 09:05 北京时间"
    assert pdf.watermark_text(None, at) == "2026-03-01 09:05 北京时间"


def test_header_text_cannot_break_out_of_the_css_string():
    css = pdf.decorations_css(header='a"; } body { display: none; } x { content: "\\')
    value = css.split("content: ", 1)[1].split("; font-family", 1)[0]
    assert value.count('"') == 2 and value.startswith('"a\\22 ;') and value.endswith('\\5c "')
    pdf.render_pdf(HTML, header='a"; } body { display: none')  # renders


def _svg(markup) -> ET.Element:
    return ET.fromstring(str(markup))


def test_bar_chart_is_plain_escaped_svg():
    svg = charts.svg_bars(
        [("<b>甲</b>", [3, 1]), ("乙", [2, 0])], series=[("x", "#000"), ("y", "#f00")], title="t&"
    )
    root = _svg(svg)
    assert root.tag.endswith("svg") and "<b>" not in str(svg)
    assert any(t.text == "4" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "script" not in str(svg).lower()


def test_line_chart_leaves_gaps_and_says_no_data(english):
    svg = charts.svg_line(
        ["1月", "2月", "3月", "4月", "5月"],
        [("完成率", [10, 20, None, 40, 50], "#0d6efd")],
        title="趋势",
        percent=True,
    )
    root = _svg(svg)
    polylines = list(root.iter("{http://www.w3.org/2000/svg}polyline"))
    assert len(polylines) == 2  # a gap at March
    assert len(polylines[0].get("points").split()) == 2
    assert "No data." in str(charts.svg_line([], [], title="t"))


@pytest.mark.parametrize("chart", ["bars", "line"])
def test_charts_print_into_a_pdf(chart):
    svg = (
        charts.svg_bars([("甲", [1])], series=[("数", "#000")], title="t")
        if chart == "bars"
        else charts.svg_line(["a", "b"], [("数", [1, 2], "#000")], title="t")
    )
    data = pdf.render_pdf(f"<html><body>{svg}</body></html>")
    assert data.startswith(b"%PDF")
