"""A streaming .xlsx writer for the exchange workbook: each row goes straight into the zip as XML text.

Why not openpyxl, which writes our other workbooks: even in write-only mode it builds a cell object,
checks and styles it for every value — 18 µs a cell, about a minute for the issue's 3.4 million cells
against a 10 s target for the whole export. xlsxwriter's constant-memory mode takes five times our time
(benchmarks/bench_xlsx_libraries.py measures all of them on the same rows). The exchange format needs
only a small, fixed part of SpreadsheetML — strings, numbers, dates, four cell styles, column widths and
a frozen header row — so this writes that part directly.

It writes that part as Excel does (tests/exchange/test_xlsx_conformance.py compares the package with a
workbook Excel saved): [Content_Types].xml first in the zip, a theme, ``workbookPr`` and ``calcPr``, the
font as Chinese Excel writes it (宋体 with charset 134, GB2312), in every sheet a ``<dimension>`` (openpyxl's
read-only mode sees no size without it) and the shared strings' ``count`` as the number of string cells.
A sheet's size and its column widths — from the content, East Asian characters counting double, capped —
come before its rows in the XML but are known only after the last: the rows are deflated as they come
and the sheet is assembled when it ends (:mod:`.xlsx_zip`).

Strings go to a shared string table, as Excel writes them: the sheets stay small and python-calamine
reads them a quarter faster than inline strings (measured on the issue's workbook: 4.5 s against 6.0 s);
the table (one entry per distinct text, some 300 000 for the issue's size) is the only thing that grows
while rows stream out. A column's type says how its values are written:

- ``TEXT``: a string cell; ``TEXT_KEPT``: the same with the text format ``@`` (ID and card numbers:
  Excel must never turn them into numbers on editing);
- ``FEN``: integer 分 written as a number of 元 with format ``0.00`` (exact: built from the digits);
- ``DATE``: an ISO date text written as an Excel date serial with format ``yyyy-mm-dd`` — except a day
  before 1900-03-01, written as its text (see ``_FIRST_SERIAL_DAY``);
- ``INT``: a whole number.

A text longer than an Excel cell holds (32 767 characters) raises :class:`CellTooLong`.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import threading
from collections.abc import Callable, Sequence
from datetime import date, datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from ..paths import resource
from . import xlsx_zip

TEXT, TEXT_KEPT, FEN, DATE, INT = "text", "text_kept", "fen", "date", "int"

# Cell style indexes into styles.xml's cellXfs (below).
_HEADER, _KEPT, _MONEY, _DAY = 1, 2, 3, 4
_STYLE = {TEXT: "", TEXT_KEPT: f' s="{_KEPT}"', FEN: f' s="{_MONEY}"', DATE: f' s="{_DAY}"', INT: ""}
_EPOCH = date(1899, 12, 30).toordinal()  # Excel's day 0 in the 1900 date system
# Excel counts 1900 as a leap year (its serial 60 is a 1900-02-29 that never was), so a day's serial is its
# count from 1899-12-30 only from 1900-03-01 on; LibreOffice has no such day, and there a serial below 61
# is another date than in Excel. A day before 1900-03-01 is written as its ISO text instead: every program
# shows and reads back the same "1900-01-01" (in our records such a day is a placeholder, e.g. for an
# unknown birth date, which the import then reads as the same date).
_FIRST_SERIAL_DAY = "1900-03-01"
MAX_CELL_CHARS = 32767  # the most an Excel cell holds, in UTF-16 units (a rare character beyond the BMP: 2)
WIDTH_CAP = 50  # the widest a column is made, in characters of the body font; longer texts are cut off
_WIDTH_PAD = 2  # a column's width beyond its widest text: cell margins, and the bold header
# Characters XML 1.0 cannot hold at all: dropped (looked for once per distinct text, as its cell is built).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROWS_PER_CHUNK = 1000
_CACHED_CELLS = 50_000  # built cells kept per column (the texts stay in the string table)


class CellTooLong(ValueError):
    """A text of ``length`` characters, longer than an Excel cell holds. The sheet being written says where:
    ``sheet``, ``row`` (Excel's row number), ``index`` (0-based) and ``column`` (its letter), and ``key`` (the
    row's first value, e.g. its 档案编号)."""

    def __init__(self, length: int):
        super().__init__(f"a text of {length} characters")
        self.length = length
        self.sheet, self.row, self.index, self.column, self.key = "", 0, 0, "", ""


def _clean(text: str) -> str:
    return _ILLEGAL.sub("", text)


# OOXML reads "_xHHHH_" in a string as the character HHHH; a literal one is written with its "_" escaped.
_OOXML_ESCAPE = re.compile("_(x[0-9A-Fa-f]{4}_)")


def _xml_text(text: str) -> str:
    """``text`` as the content of a shared string: XML-escaped, a literal "_xHHHH_" kept literal."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(r"_x005F_\1", text)
    return escape(text)


def display_width(text: str) -> int:
    """How many columns ``text`` takes in the workbook's font, 宋体: (characters + UTF-8 bytes) / 2.

    That is one column for an ASCII character (one byte) and two for a Chinese one or any other of three bytes
    (full-width punctuation, “”, 《》), as 宋体 draws them; a character of two bytes (·, Greek, Cyrillic) counts
    one and a half, a rare one beyond the BMP (four bytes, such as 𠮷) two and a half — half a column to
    spare. Unlike Unicode's East Asian width it needs no lookup per character: a text is measured in C.
    """
    return (len(text) + len(text.encode("utf-8"))) // 2


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_NS_R = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument"


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Compressor:
    """Feeds a sheet's rows to its deflated body from a second thread: zlib lets go of the GIL, so compressing
    one chunk overlaps building the next (about a fifth of the export's time on a two-core PC)."""

    def __init__(self, body: xlsx_zip.DeflatedBody):
        self._body = body
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=4)  # bounded: memory stays flat
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="xlsx-compress", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            if self._error is None:
                try:
                    self._body.write(chunk)
                except BaseException as err:  # e.g. disk full: raised in the writing thread on its next call
                    self._error = err

    def write(self, data: bytes) -> None:
        if self._error is not None:
            raise self._error
        self._chunks.put(data)

    def close(self) -> None:
        """Wait for every chunk to be written; raise what went wrong in the thread, if anything did."""
        self._chunks.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error


# A cell (the text Excel shows, the cell's XML after its reference) is built once per distinct value of its
# column while it stays cached (amounts every time), and its text measured for the column's width then: the hot
# loop of an export (millions of cells) is one dict lookup per cell.
Cell = tuple[str, str]


class SheetStream:
    """One worksheet being written: ``header()`` once, then ``row()`` per data row."""

    def __init__(self, book: StreamingWorkbook, index: int, name: str, types: Sequence[str],
                 widths: Sequence[float], fit_width: bool):
        self._book = book
        self._fit_width = fit_width
        self._index = index
        self._name = name
        self._body = xlsx_zip.DeflatedBody(book._folder)
        self._out = _Compressor(self._body)
        self._letters = [column_letter(i) for i in range(len(types))]
        self._widest = [0] * len(types)  # each column's widest text so far (display width), header included
        self._cells: dict[tuple[int, str], dict[object, Cell]] = {}  # by column and type
        self._columns = self._layout(types)
        self._least = list(widths)
        self._parts: list[str] = []
        self._row = 0
        self._references = 0  # string cells written: sharedStrings' count

    def header(self, titles: Sequence[str]) -> None:
        """The bold, centred first row."""
        self._row += 1
        titles = [_clean(t) for t in titles]
        cells = "".join(f'<c r="{self._letters[i]}1" t="s" s="{_HEADER}"><v>{self._book._string(t)}</v></c>'
                        for i, t in enumerate(titles))
        self._parts.append(f'<row r="1">{cells}</row>')
        for i, title in enumerate(titles):
            self._widest[i] = max(self._widest[i], display_width(title))

    def _layout(self, types: Sequence[str]) -> list[tuple[str, dict[object, Cell] | None, Callable[[object], Cell]]]:
        """Per column: its letter, its cells built so far (None: not kept), and how to build a new one."""
        return [(self._letters[i], None if kind is FEN else self._cells.setdefault((i, kind), {}),
                 self._measured(i, kind)) for i, kind in enumerate(types)]

    def _measured(self, index: int, kind: str) -> Callable[[object], Cell]:
        """The workbook's way to build a cell of ``kind``, keeping column ``index``'s widest text: measured as
        its cell is built, once per distinct value (while cached), not once per cell."""
        build, widest = self._book._builders[kind], self._widest
        if kind in (FEN, INT, DATE):  # digits and dashes: one column a character
            def measured(value: object) -> Cell:
                cell = build(value)
                if len(cell[0]) > widest[index]:
                    widest[index] = len(cell[0])
                return cell
        else:
            def measured(value: object) -> Cell:
                cell = build(value)
                # n characters take at most 2n columns: most texts (names, a column's short ones) need no measuring
                if 2 * len(cell[0]) > widest[index]:
                    widest[index] = max(widest[index], display_width(cell[0]))
                return cell
        return measured

    def row(self, values: Sequence[object], types: Sequence[str] | None = None) -> list[str]:
        """Write one row (``None`` or "" leaves a cell empty); return each cell's text as Excel shows it.

        Text columns take str (or int); FEN and INT columns int; DATE columns ISO text. ``types`` overrides
        the sheet's column types for this row (说明 has a number, a code and a text in its one value column).
        """
        self._row += 1
        n = str(self._row)
        parts = self._parts
        parts.append(f'<row r="{n}">')
        texts: list[str] = []
        try:
            for value, (letter, seen, build) in zip(values, self._columns if types is None else self._layout(types)):
                if value is None or value == "":
                    texts.append("")
                    continue
                if seen is None:  # an amount: built every time (amounts of 分 repeat too little to keep)
                    cell = build(value)
                else:
                    cell = seen.get(value)
                    if cell is None:
                        if len(seen) >= _CACHED_CELLS:  # a cache, not a store: memory stays flat on any size
                            seen.clear()
                        cell = seen[value] = build(value)
                texts.append(cell[0])
                parts.append(f'<c r="{letter}{n}"{cell[1]}')
        except CellTooLong as err:  # ``texts`` has one entry per column before the one that failed
            err.index, err.column = len(texts), self._letters[len(texts)]
            err.sheet, err.row, err.key = self._name, self._row, "" if values[0] is None else str(values[0])
            raise
        parts.append("</row>")
        if self._row % _ROWS_PER_CHUNK == 0:
            self._flush()
        return texts

    def _flush(self) -> None:
        if self._parts:
            chunk = "".join(self._parts)
            self._parts.clear()
            # ' t="s"' is in a sheet's XML once per string cell and nowhere else (the texts are in the table).
            self._references += chunk.count(' t="s"')
            self._out.write(chunk.encode("utf-8"))

    def close(self) -> None:
        """Finish the rows and put the sheet, head first, into the workbook."""
        try:
            self._flush()
            self._out.close()
            self._body.finish()
            self._book._zip.add_assembled(f"xl/worksheets/sheet{self._index}.xml", self._head(), self._body,
                                          _SHEET_TAIL_FIT if self._fit_width else _SHEET_TAIL)
            self._book._references += self._references
        finally:
            self._body.close()
            self._cells.clear()

    def abandon(self) -> None:
        """Stop without writing the sheet (the workbook is failing anyway)."""
        with contextlib.suppress(Exception):  # already failing: the first error is the one to report
            self._out.close()
        self._body.close()

    def _head(self) -> bytes:
        """The sheet's XML before its rows: print fit, size, view (the header row frozen) and column widths."""
        last = f"{column_letter(len(self._letters) - 1)}{self._row}" if self._letters and self._row else "A1"
        least = self._least + [0] * (len(self._widest) - len(self._least))
        widths = [max(low, min(WIDTH_CAP, w + _WIDTH_PAD)) for low, w in zip(least, self._widest)]
        cols = "".join(f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        selected = ' tabSelected="1"' if self._index == 1 else ""  # the first sheet is the one shown on opening
        fit = '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if self._fit_width else ""
        return (f'{_XML}<worksheet {_NS} {_NS_R}>{fit}<dimension ref="{"A1" if last == "A1" else "A1:" + last}"/>'
                f'<sheetViews><sheetView workbookViewId="0"{selected}>'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                f'<sheetFormatPr defaultRowHeight="13.5"/>{"<cols>" + cols + "</cols>" if cols else ""}'
                '<sheetData>').encode("utf-8")


# After the rows: Excel's default page margins and A4 paper (paperSize 9), as Chinese Excel saves every sheet;
# a sheet fit to the page's width prints as many pages tall as it needs (fitToHeight 0) but one page wide.
_MARGINS = '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
_SHEET_TAIL = f'{_MARGINS}<pageSetup paperSize="9" orientation="portrait"/></worksheet>'.encode("utf-8")
_SHEET_TAIL_FIT = f'{_MARGINS}<pageSetup paperSize="9" fitToHeight="0"/></worksheet>'.encode("utf-8")


class StreamingWorkbook:
    """An .xlsx written sheet by sheet, in any order; ``names`` fixes the order Excel shows them in.

    Use as a context manager: leaving it by an exception closes the file without the workbook parts,
    and the caller (``write_atomically``) removes it.
    """

    def __init__(self, path: str, names: Sequence[str], *, creator: str = "", created: datetime | None = None):
        self._names = list(names)
        self._creator = creator
        self._created = created  # local time, from the caller's clock; None: the workbook says no time
        self._folder = os.path.dirname(os.path.abspath(path))
        self._open: SheetStream | None = None
        self._strings: dict[str, int] = {}  # the shared string table: text → its index, in order of first use
        self._references = 0
        self._builders: dict[str, Callable[[object], Cell]] = {kind: self._builder(kind) for kind in _STYLE}
        self._zip = xlsx_zip.ZipWriter(path)
        try:  # the parts that depend only on the sheets' names go first, [Content_Types].xml at the head
            self._zip.add("[Content_Types].xml", self._content_types().encode("utf-8"))
            self._zip.add("_rels/.rels", _PACKAGE_RELS.encode("utf-8"))
            self._zip.add("xl/theme/theme1.xml", resource("xlsx", "theme1.xml").read_bytes())
            self._zip.add("xl/styles.xml", _STYLES.encode("utf-8"))
        except BaseException:
            self._zip.close()
            raise

    def sheet(self, name: str, types: Sequence[str], widths: Sequence[float] = (), *,
              fit_width: bool = False) -> SheetStream:
        """Start writing sheet ``name`` (one sheet at a time; close it before the next). ``widths``: the least
        width of each column; its header and content make it wider, up to ``WIDTH_CAP``. ``fit_width``: printed
        one page wide."""
        if self._open is not None:
            raise RuntimeError("close the previous sheet first")
        self._open = SheetStream(self, self._names.index(name) + 1, name, types, widths, fit_width)
        return self._open

    def close_sheet(self) -> None:
        if self._open is not None:
            sheet, self._open = self._open, None
            sheet.close()

    def __enter__(self) -> StreamingWorkbook:
        return self

    def __exit__(self, kind, err, tb) -> None:
        try:
            if kind is None:
                self.close_sheet()
                self._finish()
            elif self._open is not None:
                self._open.abandon()  # the file is thrown away anyway
                self._open = None
        finally:
            self._zip.close()

    def _string(self, text: str) -> int:
        at = self._strings.get(text)
        if at is None:
            at = self._strings[text] = len(self._strings)
        return at

    def _builder(self, kind: str) -> Callable[[object], Cell]:
        """How a cell of type ``kind`` is built for a value the workbook has not had (or no longer keeps)."""
        style = _STYLE[kind]
        if kind is FEN:
            def build(value: object) -> Cell:
                fen = int(value)
                whole, cents = divmod(abs(fen), 100)
                text = f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"
                return text, f"{style}><v>{text}</v></c>"
        elif kind is INT:
            def build(value: object) -> Cell:
                text = str(int(value))
                return text, f"><v>{text}</v></c>"
        elif kind is DATE:
            def build(value: object) -> Cell:
                text = (value if type(value) is str else str(value))[:10]
                if text < _FIRST_SERIAL_DAY:
                    return text, f' t="s"{_STYLE[TEXT_KEPT]}><v>{self._string(text)}</v></c>'
                return text, f"{style}><v>{date.fromisoformat(text).toordinal() - _EPOCH}</v></c>"
        else:
            def build(value: object) -> Cell:
                text = value if type(value) is str else str(value)
                if _ILLEGAL.search(text):
                    text = _clean(text)
                if len(text) * 2 > MAX_CELL_CHARS and len(text.encode("utf-16-le")) // 2 > MAX_CELL_CHARS:
                    raise CellTooLong(len(text))
                return text, f' t="s"{style}><v>{self._string(text)}</v></c>'
        return build

    def _content_types(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{_TYPE}.'
                         'spreadsheetml.worksheet+xml"/>' for i in range(1, len(self._names) + 1))
        return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.spreadsheetml.sheet.main+xml"/>'
                f'{sheets}<Override PartName="/xl/theme/theme1.xml" ContentType="{_TYPE}.theme+xml"/>'
                f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.spreadsheetml.styles+xml"/>'
                f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPE}.spreadsheetml.sharedStrings+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/'
                'vnd.openxmlformats-package.core-properties+xml"/>'
                f'<Override PartName="/docProps/app.xml" ContentType="{_TYPE}.extended-properties+xml"/></Types>')

    def _finish(self) -> None:
        count = len(self._names)
        sheets = "".join(f"<sheet name={quoteattr(name)} sheetId=\"{i}\" r:id=\"rId{i}\"/>"
                         for i, name in enumerate(self._names, 1))
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, count + 1))
        # workbookPr and calcPr as Excel writes them: the 1900 date system (no date1904), the theme's version,
        # and the calculation engine of Excel 2019/365 (there are no formulas to calculate).
        self._zip.add("xl/workbook.xml", (
            f'{_XML}<workbook {_NS} {_NS_R}><workbookPr defaultThemeVersion="124226"/>'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            f'<sheets>{sheets}</sheets><calcPr calcId="191029"/></workbook>').encode("utf-8"))
        self._zip.add("xl/_rels/workbook.xml.rels", (
            f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/theme" Target="theme/theme1.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 3}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            '</Relationships>').encode("utf-8"))
        self._write_strings()
        stamp = "" if self._created is None else self._created.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        times = "" if not stamp else (f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
                                      f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>')
        self._zip.add("docProps/core.xml", (
            f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
            'terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/'
            f'XMLSchema-instance"><dc:creator>{escape(self._creator)}</dc:creator>{times}</cp:coreProperties>'
        ).encode("utf-8"))
        titles = "".join(f"<vt:lpstr>{escape(name)}</vt:lpstr>" for name in self._names)
        self._zip.add("docProps/app.xml", (
            f'{_XML}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"'
            ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
            f'<Application>{escape(self._creator)}</Application><DocSecurity>0</DocSecurity><ScaleCrop>false'
            '</ScaleCrop><HeadingPairs><vt:vector size="2" baseType="variant"><vt:variant><vt:lpstr>工作表</vt:lpstr>'
            f'</vt:variant><vt:variant><vt:i4>{count}</vt:i4></vt:variant></vt:vector></HeadingPairs>'
            f'<TitlesOfParts><vt:vector size="{count}" baseType="lpstr">{titles}</vt:vector></TitlesOfParts>'
            '<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc><HyperlinksChanged>false'
            '</HyperlinksChanged></Properties>').encode("utf-8"))

    def _write_strings(self) -> None:
        # The table streams out like a sheet (some 16 MB of XML at the size); its head, with the two
        # counts, is put before it. A text that begins or ends with a space keeps it (xml:space, as Excel marks
        # such a text and only such a text), so the text read back is the text written.
        body = xlsx_zip.DeflatedBody(self._folder)
        try:
            chunk: list[str] = []
            for text in self._strings:
                kept = ' xml:space="preserve"' if text[:1].isspace() or text[-1:].isspace() else ""
                chunk.append(f"<si><t{kept}>{_xml_text(text)}</t></si>")
                if len(chunk) == 5000:
                    body.write("".join(chunk).encode("utf-8"))
                    chunk.clear()
            body.write("".join(chunk).encode("utf-8"))
            body.finish()
            head = f'{_XML}<sst {_NS} count="{self._references}" uniqueCount="{len(self._strings)}">'
            self._zip.add_assembled("xl/sharedStrings.xml", head.encode("utf-8"), body, b"</sst>")
        finally:
            body.close()


_PACKAGE_RELS = (
    f'{_XML}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
    'metadata/core-properties" Target="docProps/core.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/></Relationships>')

# 0 default, 1 header (bold, centred), 2 text "@" (builtin 49), 3 money "0.00" (builtin 2), 4 date yyyy-mm-dd.
# The font as Chinese Excel writes its default one: 宋体 11 with charset 134 (GB2312) and the theme's text
# colour. Not its scheme="minor", which tells an Excel of another language to show its own body font instead.
_FONT = '<sz val="11"/><color theme="1"/><name val="宋体"/><charset val="134"/>'
_STYLES = (
    f'{_XML}<styleSheet {_NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center" vertical="center"/></xf>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="常规" xfId="0" builtinId="0"/></cellStyles>'
    '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2"'
    ' defaultPivotStyle="PivotStyleLight16"/></styleSheet>')
