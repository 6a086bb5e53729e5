"""A streaming .xlsx writer for the exchange workbook: each row goes straight into the zip as XML text.

Why not openpyxl, which writes our other workbooks: even in write-only mode it builds a cell object,
checks and styles it for every value — 18 µs a cell, about a minute for the issue's 3.4 million cells
against a 10 s target for the whole export. xlsxwriter's constant-memory mode takes half that, still
far too slow (benchmarks/bench_xlsx_libraries.py measures all of them on the same rows). The exchange
format needs only a small, fixed part of SpreadsheetML — strings, numbers, dates, four cell styles,
column widths and a frozen header row — so this writes that part directly, at about 1.2 µs a cell.

Strings go to a shared string table, as Excel writes them: the sheets stay small and python-calamine
reads them a quarter faster than inline strings (measured on the issue's workbook: 4.5 s against 6.0 s);
the table (one entry per distinct text, some 300 000 for the issue's size) is the only thing that grows
while rows stream out. A column's type says how its values are written:

- ``TEXT``: a string cell; ``TEXT_KEPT``: the same with the text format ``@`` (ID and card numbers:
  Excel must never turn them into numbers on editing);
- ``FEN``: integer 分 written as a number of 元 with format ``0.00`` (exact: built from the digits);
- ``DATE``: an ISO date text written as an Excel date serial with format ``yyyy-mm-dd``;
- ``INT``: a whole number.
"""

from __future__ import annotations

import contextlib
import queue
import re
import threading
import zipfile
from collections.abc import Sequence
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape, quoteattr

TEXT, TEXT_KEPT, FEN, DATE, INT = "text", "text_kept", "fen", "date", "int"

# Cell style indexes into styles.xml's cellXfs (below).
_HEADER, _KEPT, _MONEY, _DAY = 1, 2, 3, 4
_STYLE = {TEXT: "", TEXT_KEPT: f' s="{_KEPT}"', FEN: f' s="{_MONEY}"', DATE: f' s="{_DAY}"', INT: ""}
_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 (with its 1900 leap-year quirk, right from March 1900)
# Characters XML 1.0 cannot hold at all: dropped (looked for once per distinct text, as it enters the table).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROWS_PER_CHUNK = 1000


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text)


# OOXML reads "_xHHHH_" in a string as the character HHHH; a literal one is written with its "_" escaped.
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _xml_text(text: str) -> str:
    """``text`` as the content of a shared string: XML-escaped, a literal "_xHHHH_" kept literal."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return escape(text)


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Compressor:
    """Feeds a zip entry from a second thread: zlib lets go of the GIL, so compressing one chunk overlaps
    building the next (about a fifth of the export's time on a two-core PC)."""

    def __init__(self, entry):
        self._entry = entry
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # bounded: memory stays flat
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-compress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self._entry.write(chunk)
                except BaseException as err:  # e.g. disk full: raised in the writing thread on its next call
                    self._error = err

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._chunks.put(data)

    def close(self) -> None:
        self._chunks.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        self._entry.close()

    def abandon(self) -> None:
        self._chunks.put(None)
        self._thread.join()
        with contextlib.suppress(Exception):  # already failing: the first error is the one to report
            self._entry.close()


class SheetStream:
    """One worksheet being written: ``header()`` once, then ``row()`` per data row."""

    def __init__(self, book: StreamingWorkbook, index: int, types: Sequence[str], widths: Sequence[float],
                 large: bool):
        self._out = _Compressor(book._zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=large))
        self._types = list(types)
        self._letters = [column_letter(i) for i in range(len(self._types))]
        self._book = book
        self._columns = self._layout(self._types)
        self._strings = book._strings
        self._parts: list[str] = []
        self._row = 0
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                       for i, w in enumerate(widths, 1))
        selected = ' tabSelected="1"' if index == 1 else ""  # the first sheet is the one shown on opening
        self._write(f'{_XML}<worksheet {_NS} {_NS_R}><sheetViews><sheetView workbookViewId="0"{selected}>'
                    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                    f'<sheetFormatPr defaultRowHeight="15"/>{"<cols>" + cols + "</cols>" if cols else ""}'
                    '<sheetData>')

    def _write(self, text: str) -> None:
        self._out.write(text.encode("utf-8"))

    def header(self, titles: Sequence[str]) -> None:
        """The bold, centred first row."""
        self._row += 1
        cells = "".join(f'<c r="{self._letters[i]}1" t="s" s="{_HEADER}"><v>{self._string(_clean(t))}</v></c>'
                        for i, t in enumerate(titles))
        self._parts.append(f'<row r="1">{cells}</row>')

    def _string(self, text: str) -> int:
        at = self._strings.get(text)
        if at is None:
            at = self._strings[text] = len(self._strings)
        return at

    def _layout(self, types: Sequence[str]) -> list[tuple[str, str, str, dict]]:
        """Per column: its type, letter, style and the book's cells already written in that style."""
        return [(t, letter, _STYLE[t], self._book._cells[t]) for t, letter in zip(types, self._letters)]

    def row(self, values: Sequence[object], types: Sequence[str] | None = None) -> list[str]:
        """Write one row (``None`` or "" leaves a cell empty); return each cell's text as Excel shows it.

        ``types`` overrides the sheet's column types for this row (说明 has a number, a code and a text
        in its one value column).
        """
        self._row += 1
        n = str(self._row)
        parts = self._parts
        parts.append(f'<row r="{n}">')
        texts: list[str] = []
        # The hot loop of an export (millions of cells): a text or date seen before is one dict lookup for
        # both its text and the rest of its cell's XML; only the cell reference is new each time.
        for value, (kind, letter, style, seen) in zip(values, self._columns if types is None else self._layout(types)):
            if value is None or value == "":
                texts.append("")
                continue
            if kind is FEN:
                fen = int(value)
                whole, cents = divmod(abs(fen), 100)
                text = f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"
                parts.append(f'<c r="{letter}{n}"{style}><v>{text}</v></c>')
            elif kind is INT:
                text = str(int(value))
                parts.append(f'<c r="{letter}{n}"><v>{text}</v></c>')
            else:  # TEXT, TEXT_KEPT, DATE
                text = value if type(value) is str else str(value)
                cell = seen.get(text)
                if cell is None:
                    cell = seen[text] = self._new_cell(kind, style, text)
                text = cell[0]
                parts.append(f'<c r="{letter}{n}"{cell[1]}')
            texts.append(text)
        parts.append("</row>")
        if self._row % _ROWS_PER_CHUNK == 0:
            self._flush()
        return texts

    def _new_cell(self, kind: str, style: str, text: str) -> tuple[str, str]:
        """A text's first cell in a style: (the text Excel shows, the cell's XML after its reference)."""
        if kind is DATE:
            text = text[:10]
            return text, f'{style}><v>{date.fromisoformat(text).toordinal() - _EPOCH}</v></c>'
        if _ILLEGAL.search(text):
            text = _clean(text)
        return text, f' t="s"{style}><v>{self._string(text)}</v></c>'

    def _flush(self) -> None:
        if self._parts:
            self._write("".join(self._parts))
            self._parts.clear()

    def close(self) -> None:
        self._flush()
        self._write("</sheetData></worksheet>")
        self._out.close()


class StreamingWorkbook:
    """An .xlsx written sheet by sheet, in any order; ``names`` fixes the order Excel shows them in.

    Use as a context manager: leaving it by an exception closes the file without the workbook parts,
    and the caller (``write_atomically``) removes it.
    """

    def __init__(self, path: str, names: Sequence[str], *, creator: str = "", created: datetime | None = None):
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self._names = list(names)
        self._creator = creator
        self._created = created  # local time, from the caller's clock; None: the workbook says no time
        self._open: SheetStream | None = None
        self._strings: dict[str, int] = {}  # the shared string table: text → its index, in order of first use
        self._cells: dict[str, dict[str, tuple[str, str]]] = {TEXT: {}, TEXT_KEPT: {}, DATE: {}, FEN: {}, INT: {}}

    def sheet(self, name: str, types: Sequence[str], widths: Sequence[float] = (), *,
              expected_rows: int = 0) -> SheetStream:
        """Start writing sheet ``name`` (one sheet at a time; close it before the next)."""
        if self._open is not None:
            raise RuntimeError("close the previous sheet first")
        # A sheet's XML passes 2 GiB only beyond a few million rows; zip64 headers are then needed up front.
        self._open = SheetStream(self, self._names.index(name) + 1, types, widths, expected_rows > 2_000_000)
        return self._open

    def close_sheet(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, kind, err, tb) -> None:
        if kind is None:
            self.close_sheet()
            self._finish()
        elif self._open is not None:
            self._open._out.abandon()  # the zip cannot close over an open entry; the file is thrown away anyway
        self._zip.close()

    def _finish(self) -> None:
        count = len(self._names)
        sheets = "".join(f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
                         for i, name in enumerate(self._names, 1))
        rels = "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                       f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, count + 1))
        overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                            f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                            for i in range(1, count + 1))
        stamp = "" if self._created is None else self._created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        times = "" if not stamp else (f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
                                      f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>')
        parts = {
            "[Content_Types].xml": (
                f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/'
                'vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
                '<Override PartName="/docProps/app.xml" ContentType="application/'
                f'vnd.openxmlformats-officedocument.extended-properties+xml"/>{overrides}</Types>'),
            "_rels/.rels": (
                f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/officeDocument" Target="xl/workbook.xml"/>'
                '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
                'metadata/core-properties" Target="docProps/core.xml"/>'
                '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/extended-properties" Target="docProps/app.xml"/></Relationships>'),
            "docProps/core.xml": (
                f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
                'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'<dc:creator>{escape(self._creator)}</dc:creator>'
                f'{times}</cp:coreProperties>'),
            "docProps/app.xml": (
                f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
                f'<Application>{escape(self._creator)}</Application></Properties>'),
            "xl/workbook.xml": (
                f'{_XML}<workbook {_NS} {_NS_R}><bookViews><workbookView activeTab="0"/></bookViews>'
                f'<sheets>{sheets}</sheets></workbook>'),
            "xl/_rels/workbook.xml.rels": (
                f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
                f'<Relationship Id="rId{count + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/styles" Target="styles.xml"/>'
                f'<Relationship Id="rId{count + 2}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>'),
            "xl/styles.xml": _STYLES,
        }
        for name, text in parts.items():
            self._zip.writestr(name, text.encode("utf-8"))
        self._write_strings()

    def _write_strings(self) -> None:
        # Leading and trailing spaces are kept (xml:space), so the text read back is the text written.
        with self._zip.open("xl/sharedStrings.xml", "w", force_zip64=len(self._strings) > 1_000_000) as out:
            out.write(f'{_XML}<sst {_NS} count="{len(self._strings)}" uniqueCount="{len(self._strings)}">'
                      .encode("utf-8"))
            chunk: list[str] = []
            for text in self._strings:
                chunk.append(f'<si><t xml:space="preserve">{_xml_text(text)}</t></si>')
                if len(chunk) == 5000:
                    out.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            out.write(("".join(chunk) + "</sst>").encode("utf-8"))


# 0 default, 1 header (bold, centred), 2 text "@" (builtin 49), 3 money "0.00" (builtin 2), 4 date yyyy-mm-dd.
_STYLES = (
    f'{_XML}<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="宋体"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="宋体"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles></styleSheet>')

