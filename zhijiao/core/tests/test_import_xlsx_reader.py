"""The byte-level XLSX reader gives exactly what the general (ElementTree / openpyxl) reader gives."""

import datetime
import io
import zipfile

import pytest

from zhijiao.core.importing import reading, xlsxfast
from zhijiao.core.importing.reading import Formula, read_table
from zhijiao.core.importing.testing import xlsx_file
from zhijiao.core.tabular import write_xlsx

SST = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"


def _general(monkeypatch, data: bytes, name: str = "f.xlsx"):
    """read_table with the fast paths switched off."""

    def refuse(*args, **kwargs):
        raise xlsxfast.NotFast

    with monkeypatch.context() as m:
        m.setattr(xlsxfast, "iter_sheet_rows", refuse)
        m.setattr(xlsxfast, "read_shared_strings", refuse)
        return read_table(io.BytesIO(data), name)


def _fast_used(monkeypatch, data: bytes) -> bool:
    used = []
    original = xlsxfast.iter_sheet_rows

    def spy(*args, **kwargs):
        for item in original(*args, **kwargs):
            used.append(True)
            yield item

    with monkeypatch.context() as m:
        m.setattr(xlsxfast, "iter_sheet_rows", spy)
        table = read_table(io.BytesIO(data), "f.xlsx")
    return bool(used) and table is not None


def _same(monkeypatch, data: bytes):
    fast = read_table(io.BytesIO(data), "f.xlsx")
    slow = _general(monkeypatch, data)
    norm = lambda t: (  # noqa: E731
        [repr(h) for h in t.headers],
        [(n, [repr(v) for v in vals]) for n, vals in t.rows],
        t.merged,
    )
    assert norm(fast) == norm(slow)
    return fast


def _excel_like(sheet_data: str, shared: str | None = None, *, tail: str = "") -> bytes:
    """An openpyxl workbook whose sheet (and shared strings) are replaced by Excel-shaped XML."""
    base = xlsx_file([["x"]], merged=[])
    src = zipfile.ZipFile(base)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
                    f"<sheetData>{sheet_data}</sheetData>{tail}</worksheet>"
                ).encode()
            elif item.filename == "[Content_Types].xml" and shared is not None:
                data = data.replace(
                    b"</Types>",
                    f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST}"/></Types>'.encode(),
                )
            z.writestr(item, data)
        if shared is not None:
            z.writestr(
                "xl/sharedStrings.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="9" '
                f'uniqueCount="9">{shared}</sst>',
            )
    return out.getvalue()


def test_openpyxl_written_workbook_fast_and_equal(monkeypatch):
    buf = io.BytesIO()
    rows = [
        ["张三&<x>", 2020, datetime.date(2020, 1, 2), " x ", 1.5, True, None, "a\nb", "370102200801010011"],
        [None, None, None],
        ["欧阳䶮", -3, datetime.datetime(2021, 3, 4, 5, 6, 7), "", 1e20, False, "'=1", "x", "X"],
    ]
    write_xlsx(buf, headers=["a", "b", "c", "d", "e", "f", "g", "h", "i"], rows=rows)
    data = buf.getvalue()
    table = _same(monkeypatch, data)
    assert _fast_used(monkeypatch, data)
    assert table.rows[0][1][0] == "张三&<x>" and table.rows[0][1][2] == datetime.datetime(2020, 1, 2)
    assert [n for n, _v in table.rows] == [2, 4]  # the blank row 3 is skipped, numbers kept


def test_excel_shape_with_shared_strings_and_phonetics(monkeypatch):
    shared = (
        '<si><t>姓名</t><phoneticPr fontId="1" type="noConversion"/></si>'
        '<si><t xml:space="preserve"> 王 五 </t></si>'
        "<si><t>A&amp;B &#x4E2D;&#20013;</t></si>"
        "<si><t/></si>"
        "<si><t>x005F_y</t></si>"
        "<si><t>a\r\nb</t></si>"
    )
    sheet = (
        '<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" s="1" t="s"><v>0</v></c>'
        '<c r="B1" t="s"><v>4</v></c><c r="C1" t="s"><v>5</v></c></row>'
        '<row r="2" spans="1:3"><c r="A2" t="s"><v>1</v></c><c r="C2" s="0"><v>42</v></c></row>'
        '<row r="3"/>'
        '<row r="5"><c r="A5" t="s"><v>2</v></c><c r="B5" t="s"><v>3</v></c><c r="C5" t="str"><v>v</v></c>'
        '<c r="D5" t="b"><v>0</v></c><c r="E5" t="e"><v>#N/A</v></c><c r="F5"/></row>'
    )
    data = _excel_like(sheet, shared, tail='<mergeCells count="1"><mergeCell ref="A5:B5"/></mergeCells>')
    table = _same(monkeypatch, data)
    assert _fast_used(monkeypatch, data)
    assert table.headers == ["姓名", "y", "a\nb"]
    assert table.rows[0] == (2, [" 王 五 ", None, 42])
    assert table.rows[1][1][:5] == ["A&B 中中", "", "v", False, "#N/A"]
    assert table.merged == [(5, 0, "A5:B5")]


@pytest.mark.parametrize(
    "sheet,shared",
    [
        # a formula
        (
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2"><f>1+1</f><v>2</v></c></row>',
            None,
        ),
        # rich text in a shared string
        (
            '<row r="1"><c r="A1" t="s"><v>0</v></c></row><row r="2"><c r="A2" t="s"><v>1</v></c></row>',
            "rich",
        ),
        # whitespace between elements
        (
            '<row r="1">\n  <c r="A1" t="inlineStr"><is><t>h</t></is></c>\n</row>\n<row r="2"><c r="A2"><v>1</v></c></row>',
            None,
        ),
        # an attribute order the fast grammar does not know
        (
            '<row r="1"><c t="inlineStr" r="A1"><is><t>h</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>',
            None,
        ),
    ],
)
def test_unusual_shapes_fall_back_to_the_general_reader(monkeypatch, sheet, shared):
    strings = None
    if shared == "rich":
        strings = "<si><t>head</t></si><si><r><rPr><b/></rPr><t>bo</t></r><r><t>ld</t></r></si>"
    elif sheet.count('t="s"'):
        strings = "<si><t>head</t></si>"
    data = _excel_like(sheet, strings)
    table = _same(monkeypatch, data)
    if shared == "rich":
        with pytest.raises(xlsxfast.NotFast):
            xlsxfast.read_shared_strings(zipfile.ZipFile(io.BytesIO(data)).read("xl/sharedStrings.xml"))
    else:
        assert not _fast_used(monkeypatch, data)
    assert table.headers[0] in ("head", "h")
    if "<f>" in sheet:
        assert isinstance(table.rows[0][1][0], Formula)
    if shared == "rich":
        assert table.rows[0][1][0] == "bold"


def test_dates_by_style_and_merged_cells(monkeypatch):
    data = xlsx_file(
        [["a", "b"], [datetime.date(2024, 9, 1), 3], [None, "x"]],
        merged=["A3:A4"],
    ).getvalue()
    table = _same(monkeypatch, data)
    assert table.rows[0][1][0] == datetime.datetime(2024, 9, 1)
    assert table.merged == [(3, 0, "A3:A4")]


def test_broken_sheet_is_still_reported(monkeypatch):
    data = _excel_like('<row r="1"><c r="A1" t="inlineStr"><is><t>h</t></is></c></row><row r="2"><c r="A2"')
    with pytest.raises(reading.ImportFileError):
        read_table(io.BytesIO(data), "f.xlsx")


def test_control_characters_are_not_xml_and_the_file_is_refused():
    sheet = '<row r="1"><c r="A1" t="inlineStr"><is><t>h\x01</t></is></c></row><row r="2"><c r="A2"><v>1</v></c></row>'
    with pytest.raises(reading.ImportFileError):
        read_table(io.BytesIO(_excel_like(sheet)), "f.xlsx")
