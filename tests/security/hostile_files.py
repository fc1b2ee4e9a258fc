"""A corpus of hostile and malformed files, generated (never stored in git): decompression bombs,
huge cells, far-away columns, too many parts and rows, wrong types, bad encodings, PDF and image
bombs. Each generator returns ``(filename, bytes)``; the corpus maps a name to a generator."""

from __future__ import annotations

import functools
import io
import struct
import zipfile
import zlib

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_TAIL = "</sheetData></worksheet>"
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'


def _xlsx(sheet_chunks, *, extra_parts=(), shared_strings=None) -> bytes:
    """A minimal workbook whose sheet XML is streamed from ``sheet_chunks`` (bytes pieces), so a
    part of hundreds of megabytes is written without holding it in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            for chunk in sheet_chunks:
                out.write(chunk)
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                for chunk in shared_strings:
                    out.write(chunk)
        for name, data in extra_parts:
            z.writestr(name, data)
    return buf.getvalue()


def huge_inline_cell(megabytes: int = 300) -> tuple[str, bytes]:
    """The issue's file: a few hundred KB holding one inline cell of ``megabytes`` MB."""

    def chunks():
        yield (SHEET_HEAD + HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>').encode()
        block = b"A" * (1 << 20)
        for _ in range(megabytes):
            yield block
        yield ("</t></is></c></row>" + SHEET_TAIL).encode()

    return "huge-cell.xlsx", _xlsx(chunks())


def huge_shared_string(megabytes: int = 64) -> tuple[str, bytes]:
    def sheet():
        yield (
            SHEET_HEAD + HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>' + SHEET_TAIL
        ).encode()

    def strings():
        yield b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>'
        block = "字".encode() * (1 << 18)
        for _ in range(megabytes * 4 // 3):
            yield block
        yield b"</t></si></sst>"

    return "huge-shared-string.xlsx", _xlsx(sheet(), shared_strings=strings())


def far_column(rows: int = 3000) -> tuple[str, bytes]:
    """The issue's 31 KB file: every row has a cell in column XFD (16,384 columns of padding)."""

    def chunks():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        for r in range(2, rows + 2):
            yield f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c><c r="XFD{r}"><v>1</v></c></row>'.encode()
        yield SHEET_TAIL.encode()

    return "far-column.xlsx", _xlsx(chunks())


def far_column_attribute_last() -> tuple[str, bytes]:
    """The same, with the reference after the style attribute (outside the fast reader's grammar)."""
    body = (SHEET_HEAD + HEADER_ROW + '<row r="2"><c s="0" r="ZZZ2"><v>1</v></c></row>' + SHEET_TAIL).encode()
    return "far-column-2.xlsx", _xlsx([body])


def too_many_rows(rows: int) -> tuple[str, bytes]:
    def chunks():
        yield (SHEET_HEAD + HEADER_ROW).encode()
        for r in range(2, rows + 2):
            yield f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>'.encode()
        yield SHEET_TAIL.encode()

    return "many-rows.xlsx", _xlsx(chunks())


def many_parts(parts: int = 1200) -> tuple[str, bytes]:
    body = (SHEET_HEAD + HEADER_ROW + SHEET_TAIL).encode()
    return "many-parts.xlsx", _xlsx(
        [body], extra_parts=[(f"xl/media/x{i}.xml", b"<x/>") for i in range(parts)]
    )


def zip_bomb_part(megabytes: int = 400) -> tuple[str, bytes]:
    """An extra part that unpacks to ``megabytes`` MB of zeros (compressed to a few hundred KB)."""
    buf = io.BytesIO()
    body = (SHEET_HEAD + HEADER_ROW + SHEET_TAIL).encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", body)
        with z.open("xl/media/bomb.bin", "w", force_zip64=True) as out:
            block = b"\0" * (1 << 20)
            for _ in range(megabytes):
                out.write(block)
    return "zip-bomb.xlsx", buf.getvalue()


def lying_zip() -> tuple[str, bytes]:
    """A part whose headers declare 10 bytes but whose data unpacks to 50 MB."""
    buf = io.BytesIO()
    body = (SHEET_HEAD + HEADER_ROW + SHEET_TAIL).encode()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", body)
        z.writestr("xl/media/bomb.bin", b"\0" * (50 << 20))
    data = bytearray(buf.getvalue())
    name = b"xl/media/bomb.bin"
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        offset = z.getinfo("xl/media/bomb.bin").header_offset
    data[offset + 22 : offset + 26] = struct.pack("<I", 10)  # local header: uncompressed size
    at = data.find(b"PK\x01\x02")
    while at >= 0:  # the central directory entry of the same part
        if data[at + 46 : at + 46 + len(name)] == name:
            data[at + 24 : at + 28] = struct.pack("<I", 10)
        at = data.find(b"PK\x01\x02", at + 4)
    return "lying-zip.xlsx", bytes(data)


def damaged_zip() -> tuple[str, bytes]:
    return "damaged.xlsx", b"PK\x03\x04" + b"\x17" * 4000


def truncated_xlsx() -> tuple[str, bytes]:
    _name, data = far_column(10)
    return "truncated.xlsx", data[: len(data) // 2]


def malformed_sheet_xml() -> tuple[str, bytes]:
    body = (SHEET_HEAD + HEADER_ROW + '<row r="2"><c r="A2"><v>1</c></row>').encode()
    return "malformed.xlsx", _xlsx([body])


def pdf_renamed_xlsx() -> tuple[str, bytes]:
    return "report.xlsx", small_pdf()[1]


def png_renamed_csv() -> tuple[str, bytes]:
    return "table.csv", small_png()[1]


def old_xls() -> tuple[str, bytes]:
    return "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000


def empty_xlsx() -> tuple[str, bytes]:
    return "empty.xlsx", b""


# --- CSV ---------------------------------------------------------------------------------------------
def csv_long_line(megabytes: int = 3) -> tuple[str, bytes]:
    return "long-line.csv", "名称\n".encode() + b"x" * (megabytes << 20) + b"\n"


def csv_nul_bytes() -> tuple[str, bytes]:
    return "nul.csv", "名称,代码\n".encode() + b"a\x00b,1\n" * 10


def csv_utf16() -> tuple[str, bytes]:
    return "utf16.csv", "名称,代码\n甲,1\n".encode("utf-16")


def csv_bad_bytes() -> tuple[str, bytes]:
    return "latin.csv", b"name,code\n\xff\xfe\xfa\x80\x81,1\n" * 5


def csv_too_many_rows(rows: int) -> tuple[str, bytes]:
    return "many.csv", b"name\n" + b"x\n" * rows


def csv_unclosed_quote() -> tuple[str, bytes]:
    return "quote.csv", b'name,code\n"abc,1\n' + b"y" * 200_000 + b"\n"


# --- PDF and images ------------------------------------------------------------------------------------
def small_pdf(pages: int = 1, size: tuple[float, float] = (595, 842)) -> tuple[str, bytes]:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size[0], height=size[1])
    buf = io.BytesIO()
    writer.write(buf)
    return "doc.pdf", buf.getvalue()


def pdf_many_pages() -> tuple[str, bytes]:
    return "many-pages.pdf", small_pdf(pages=600)[1]


def pdf_huge_page() -> tuple[str, bytes]:
    return "huge-page.pdf", small_pdf(size=(200000, 200000))[1]


def pdf_damaged() -> tuple[str, bytes]:
    return "damaged.pdf", b"%PDF-1.7\n" + b"garbage " * 500


def pdf_encrypted() -> tuple[str, bytes]:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.encrypt("secret")
    buf = io.BytesIO()
    writer.write(buf)
    return "locked.pdf", buf.getvalue()


def _png(width: int, height: int, idat: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def small_png() -> tuple[str, bytes]:
    raw = b"".join(b"\0" + b"\x80" * 4 for _ in range(4))
    return "photo.png", _png(4, 4, zlib.compress(raw))


def png_pixel_bomb() -> tuple[str, bytes]:
    """A header claiming 100,000 × 100,000 pixels (10 gigapixels) with almost no data."""
    return "bomb.png", _png(100_000, 100_000, zlib.compress(b"\0" * 1000))


def jpeg_truncated() -> tuple[str, bytes]:
    return "cut.jpg", b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + b"\x00" * 20


def image_renamed_pdf() -> tuple[str, bytes]:
    return "scan.pdf", small_png()[1]


def exe_renamed_pdf() -> tuple[str, bytes]:
    return "invoice.pdf", b"MZ\x90\x00" + b"\x00" * 500


#: Files every importer must refuse, with a message, in well under a second.
TABLE_CORPUS = {
    "huge_inline_cell": functools.partial(huge_inline_cell, 300),
    "huge_shared_string": functools.partial(huge_shared_string, 8),
    "far_column": far_column,
    "far_column_attribute_last": far_column_attribute_last,
    "many_parts": many_parts,
    "zip_bomb_part": zip_bomb_part,
    "lying_zip": lying_zip,
    "damaged_zip": damaged_zip,
    "truncated_xlsx": truncated_xlsx,
    "malformed_sheet_xml": malformed_sheet_xml,
    "pdf_renamed_xlsx": pdf_renamed_xlsx,
    "png_renamed_csv": png_renamed_csv,
    "old_xls": old_xls,
    "empty_xlsx": empty_xlsx,
    "csv_long_line": csv_long_line,
    "csv_nul_bytes": csv_nul_bytes,
    "csv_utf16": csv_utf16,
    "csv_bad_bytes": csv_bad_bytes,
    "csv_unclosed_quote": csv_unclosed_quote,
}

#: Files every attachment upload must refuse.
ATTACHMENT_CORPUS = {
    "pdf_many_pages": pdf_many_pages,
    "pdf_huge_page": pdf_huge_page,
    "pdf_damaged": pdf_damaged,
    "pdf_encrypted": pdf_encrypted,
    "png_pixel_bomb": png_pixel_bomb,
    "jpeg_truncated": jpeg_truncated,
    "image_renamed_pdf": image_renamed_pdf,
    "exe_renamed_pdf": exe_renamed_pdf,
}


@functools.lru_cache(maxsize=64)
def make(name: str) -> tuple[str, bytes]:
    """One corpus file by name (generated once per test session)."""
    generator = TABLE_CORPUS.get(name) or ATTACHMENT_CORPUS[name]
    return generator()
