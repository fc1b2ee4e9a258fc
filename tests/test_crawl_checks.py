"""The crawl's own checks (zhijiao.core.testing_crawl), on small pages: each finds what it should."""

from zhijiao.core.testing_crawl import PageParser, chart_labels, english_words, raw_values


def test_english_words_leave_names_and_codes():
    assert english_words("保存 Save") == ["Save"]
    assert english_words("证书编号 VC1:ABC 下载 PDF 文件 report.xlsx 账号 city_jinan") == []
    assert english_words("作者 school", proper_names={"school"}) == []
    assert english_words("层次 secondary") == ["secondary"]


def test_raw_values():
    assert raw_values("2026-12-05T07:58:08.100137+00:00") == ["2026-12-05T07:58:08.100137+00:00"]
    assert raw_values("是否 True False") == ["True", "False"]
    assert raw_values("2026-12-05 15:58 TrueType") == []


def test_page_parser_reads_texts_links_forms_and_chart_data():
    parser = PageParser()
    parser.feed(
        '<title>首页</title><a href="/x/?sort=name">排序</a><span translate="no">English</span>'
        '<input type="submit" value="Go"><form method="get" action="/l/"><input name="q" value="a">'
        '<select name="s"><option value="">全部</option><option value="1" selected>一</option></select></form>'
        '<script type="application/json" id="c">{"categories": ["ANOM-FAR", "签到"], "url": "/a/"}</script>'
    )
    assert "/x/?sort=name" in parser.links
    assert "English" not in " ".join(parser.texts) and "Go" in parser.texts
    assert parser.forms[0].fields == [("q", "a"), ("s", "1")]
    assert chart_labels(parser.json_blocks) == ["ANOM-FAR", "签到"]
