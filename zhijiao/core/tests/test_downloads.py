"""File names of downloads: RFC 6266 with an ASCII fallback and the UTF-8 name (RFC 8187)."""

from urllib.parse import unquote

from zhijiao.core.downloads import ascii_fallback, content_disposition


def test_a_chinese_name_travels_as_utf8_with_an_ascii_fallback():
    value = content_disposition("2021年工作要点督办看板-20210615.xlsx")
    assert value.startswith("attachment; filename=\"download-2021-20210615.xlsx\"; filename*=UTF-8''")
    assert unquote(value.split("UTF-8''", 1)[1]) == "2021年工作要点督办看板-20210615.xlsx"
    assert value.isascii()


def test_an_explicit_fallback_and_inline():
    value = content_disposition("证书-1.pdf", fallback="certificate-1.pdf", inline=True)
    assert value.startswith('inline; filename="certificate-1.pdf"; ')


def test_names_cannot_break_out_of_the_header():
    value = content_disposition('../../etc/"passwd"\r\n.pdf')
    assert "\r" not in value and "\n" not in value and "/" not in value.split("filename*=")[0]
    assert value.count('"') == 2
    assert ascii_fallback("学校.xlsx") == "download.xlsx"
    assert ascii_fallback("Report 2021.pdf") == "Report-2021.pdf"
