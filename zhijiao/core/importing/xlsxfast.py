"""A byte-level reader for the common shape of XLSX sheet and shared-string XML.

Large imports spent most of their reading time building an Element per cell (ElementTree) or an
object per shared string (openpyxl). Excel, WPS, LibreOffice and openpyxl all write the same
compact shape — ``<row r="2" …><c r="A2" s="1" t="s"><v>5</v></c>…</row>`` — which two C-level
regular expression passes read: ``fullmatch`` proves a stretch of XML has exactly that grammar,
then ``findall`` pulls the values out. Anything else (formulas, rich inline text, namespace
prefixes, CDATA, unusual attributes, whitespace between tags …) raises ``NotFast`` and the caller
reads the whole part again with the general parser, so results never depend on which path ran.
"""

from __future__ import annotations

import datetime
import re
from html import unescape
from typing import Any

CHUNK = 8 << 20


class NotFast(Exception):
    """The XML is outside the compact grammar; use the general parser."""


# Text content: characters other than markup, or one of the five XML entities / a character reference.
# C0 control characters are not XML: such a file goes to the general parser, which rejects it.
_TEXT = rb"(?:[^<&\x00-\x08\x0b\x0c\x0e-\x1f]|&(?:amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)*+"
_T_OPEN = rb'<t(?: xml:space="preserve")?>'
_CELL_GRAMMAR = (
    rb'<c r="[A-Z]{1,3}[0-9]+"(?: s="[0-9]+")?(?: t="[a-zA-Z]+")?'
    rb"(?: ?/>|>(?:<v>[^<&\x00-\x1f]*+</v>|<v ?/>|<is>"
    + _T_OPEN
    + _TEXT
    + rb"</t></is>|<is><t ?/></is>)?</c>)"
)
_ROW_GRAMMAR = rb'<row r="[0-9]+"[^>/]*+(?:/>|>(?:' + _CELL_GRAMMAR + rb")*+</row>)"
_BODY = re.compile((rb"(?:" + _ROW_GRAMMAR + rb")*+").decode())
_TOKENS = re.compile(
    (
        rb'<row r="([0-9]+)"[^>/]*+(/?)>'
        rb'|<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?'
        rb"(?: ?/>|>(?:<v>([^<&\x00-\x1f]*+)</v>|<v ?/>|<is>"
        + _T_OPEN
        + rb"("
        + _TEXT
        + rb")</t></is>|<is><t ?/></is>)?</c>)"
    ).decode()
)
_MERGE = re.compile(rb'<mergeCell ref="([A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?)"\s*/>')
_ANY_MERGE = re.compile(rb"mergeCell\b")  # not "mergeCells"

_SI_GRAMMAR = re.compile(
    r"(?:<si>(?:"
    + _T_OPEN.decode()
    + _TEXT.decode()
    + r"</t>|<t ?/>)(?:<phoneticPr [^<>]*/>)?</si>|<si ?/>)*+"
)
_SI_TOKENS = re.compile(
    r"<si>(?:"
    + _T_OPEN.decode()
    + r"("
    + _TEXT.decode()
    + r")</t>|<t ?/>)(?:<phoneticPr [^<>]*/>)?</si>|<si ?/>"
)
_SST_OPEN = re.compile(r'^(?:<\?xml[^>]*\?>)?\s*<sst(?: [a-zA-Z:]+="[^"<>]*")*>')


def _xml_text(text: str) -> str:
    if "\r" in text:  # XML end-of-line handling, as a parser does
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unescape(text) if "&" in text else text


def read_shared_strings(data: bytes) -> list[str]:
    """The shared-string table, as openpyxl's ``read_string_table`` returns it (plain text per item)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise NotFast from None
    head = _SST_OPEN.match(text)
    end = text.rfind("</sst>")
    if head is None or end < head.end() or text[end + 6 :].strip():
        raise NotFast
    body = text[head.end() : end]
    if "\r" in body:
        body = body.replace("\r\n", "\n").replace("\r", "\n")
    if _SI_GRAMMAR.fullmatch(body) is None:
        raise NotFast
    strings = _SI_TOKENS.findall(body)
    if "&" in body:
        strings = [unescape(s) if "&" in s else s for s in strings]
    if "x005F_" in body:  # what openpyxl strips (its escape of a literal "_x")
        strings = [s.replace("x005F_", "") for s in strings]
    return strings


def iter_sheet_rows(src, shared: list, date_styles: set[int], epoch, merged: list[str]):
    """Yield (row number, values) like ``reading._iter_sheet``; raise NotFast outside the grammar.

    ``src`` is the open sheet part. Nothing is yielded before the first stretch is checked, and the
    caller discards what it got if NotFast comes later (the general parser then starts over).
    """
    from openpyxl.utils.cell import column_index_from_string
    from openpyxl.utils.datetime import from_excel

    buf = b""
    while True:  # find <sheetData>
        chunk = src.read(CHUNK)
        buf += chunk
        start = buf.find(b"<sheetData")
        if start >= 0 and buf.find(b">", start) >= 0:
            break
        if not chunk:
            raise NotFast
    close = buf.find(b">", start)
    if buf[start : close + 1] == b"<sheetData/>":
        tail = buf[close + 1 :] + src.read()
        _merges(tail, merged)
        return
    if buf[start : close + 1] != b"<sheetData>":
        raise NotFast
    buf = buf[close + 1 :]

    date_keys = {str(i) for i in date_styles}
    columns: dict[str, int] = {}
    numbers: dict[str, Any] = {}
    dates: dict[str, Any] = {}
    findall = _TOKENS.findall
    fullmatch = _BODY.fullmatch
    finished = False
    last = 0
    while not finished:
        end = buf.find(b"</sheetData>")
        if end >= 0:
            raw, rest = buf[:end], buf[end + len(b"</sheetData>") :]
            finished = True
        else:
            chunk = src.read(CHUNK)
            if not chunk:
                raise NotFast  # truncated sheet: let the general parser report it
            buf += chunk
            cut = buf.rfind(b"</row>")
            if cut < 0:
                continue
            cut += 6
            raw, buf = buf[:cut], buf[cut:]
        try:
            segment = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise NotFast from None
        del raw
        if fullmatch(segment) is None:
            raise NotFast
        values: list = []
        started = False
        for rnum, selfclose, letters, style, t, v, inline in findall(segment):
            if rnum:
                if started:
                    yield last, values
                last = int(rnum)
                values = []
                started = not selfclose
                if selfclose:
                    yield last, values
                continue
            if t == "s":
                value = shared[int(v)] if v else None
                if value is not None and not isinstance(value, str):
                    value = str(value)
            elif t == "inlineStr":
                value = inline if "&" not in inline and "\r" not in inline else _xml_text(inline)
            elif t == "n" or t == "":
                if not v:
                    value = None
                elif style and style in date_keys:
                    key = style + ":" + v
                    value = dates.get(key)
                    if value is None:
                        value = dates[key] = from_excel(_number(v), epoch)
                else:
                    value = numbers.get(v)
                    if value is None:
                        value = numbers[v] = _number(v)
            elif not v:
                value = None
            elif t == "b":
                value = v == "1"
            elif t == "d":
                value = datetime.datetime.fromisoformat(v)
            else:  # "str" (formula result), "e" (error value)
                value = _xml_text(v)
            col = columns.get(letters)
            if col is None:
                col = columns[letters] = column_index_from_string(letters) - 1
            n = len(values)
            if col == n:
                values.append(value)
            elif col > n:
                values.extend([None] * (col - n))
                values.append(value)
            elif value is not None:
                values[col] = value
        if started:
            yield last, values
        if finished:
            _merges(rest + src.read(), merged)


def _number(text: bytes) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _merges(tail: bytes, merged: list[str]) -> None:
    found = _MERGE.findall(tail)
    if len(found) != len(_ANY_MERGE.findall(tail)):
        raise NotFast
    merged.extend(r.decode() for r in found)
