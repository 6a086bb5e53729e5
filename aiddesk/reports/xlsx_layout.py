"""Workbooks people read and print: column widths from their content, heights of wrapped text, print setup.

openpyxl writes only what it is told: every column 8.43 characters wide, a merged cell one line high (no office
suite grows a merged cell to its text, and they differ on when they grow a row of wrapped text), nothing
repeated on printed pages. Every openpyxl workbook the program writes for people is laid out through here, so
a 23-character 明细编号 is never cut off and page 2 of a list still says what its columns are.

Widths are in Excel's unit, the width of a digit of the default font; a Chinese (East Asian wide) character
takes two. Works on ordinary and on write-only worksheets (for those, size and set heights before the rows
are appended: :func:`content_widths` takes the values themselves).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

CAP = 50              # widest column a content gets; longer text wraps (where the sheet wraps it) or runs on
PADDING = 2           # a character's room either side, as Excel's own "fit to content" leaves
DEFAULT_WIDTH = 8.43  # Excel's column width where none is set
LINE = 15.0           # points a line of 11-point text takes (Excel's default row height)
# Wider than this (sum of column widths) and a sheet prints landscape: A4 portrait holds about 100 characters
# of 11-point text between narrow margins before fit-to-width has to shrink it.
PORTRAIT_MAX = 100
DATE_FORMAT = "yyyy-mm-dd"
FOOTER = "第 &P 页 共 &N 页"


# The East Asian wide and full-width characters (Unicode's east_asian_width W and F) of the blocks offices write
# (emoji and other pictographs, wide in Unicode, count one here):
# Hangul Jamo, CJK punctuation and symbols (、。〔〕), kana, the ideographs and their extensions, Yi, Hangul,
# compatibility ideographs and forms, full-width forms (（）：，). Matched by one regular expression, in C: a
# 问题清单 of fifty thousand rows is measured in a fraction of a second.
_WIDE = re.compile("[\u1100-\u115f\u231a\u231b\u2329\u232a\u2e80-\u303e\u3041-\u3247\u3250-\u33ff"
                   "\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\ua960-\ua97c\uac00-\ud7a3\uf900-\ufaff"
                   "\ufe10-\ufe19\ufe30-\ufe6f\uff01-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")
_CAPITALS = re.compile("[A-Z]")


def text_width(text: str) -> float:
    """Columns ``text`` takes on screen: East Asian wide and full-width characters count two, capital letters a
    little over one (a code like HN0100-PC2026-001 is wider than its digits), others one."""
    if text.isascii():
        return len(text) + 0.2 * len(_CAPITALS.findall(text))
    return len(text) + len(_WIDE.findall(text)) + 0.2 * len(_CAPITALS.findall(text))


def shown(value, number_format: str = "General") -> str:
    """How a cell's value reads on screen, near enough to size its column: 1,000.10 for an amount, 2026-10-22."""
    if type(value) is str:  # the common case first
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if value.time() != time() else "%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float, Decimal)):
        fmt = number_format or "General"
        places = len(fmt.split(".", 1)[1].split(";")[0].rstrip("%")) if "." in fmt else 0
        if "%" in fmt:
            return f"{Decimal(value) * 100:.{places}f}%"
        if "," in fmt:
            return f"{Decimal(value):,.{places}f}"
        return f"{Decimal(value):.{places}f}" if places else str(value)
    return str(value)


# A figure as shown: digits with separators, a decimal point, a sign or a percent sign.
_FIGURE = re.compile(r"[-+]?[\d,]+(\.\d+)?%?")


def _widest_line(text: str) -> float:
    wide = max((text_width(line) for line in text.split("\n")), default=0)
    # A figure that does not fit shows as ####: room for a bold total, and for digits wider than the default's.
    return wide * 1.1 if _FIGURE.fullmatch(text) else wide


def _clamp(width: float, column: int, cap: float, caps: Mapping[int, float], minimum: Mapping[int, float]) -> float:
    return max(min(width, caps.get(column, cap)), minimum.get(column, 0))


def content_widths(rows: Iterable[Sequence], *, formats: Mapping[int, str] | None = None, cap: float = CAP,
                   caps: Mapping[int, float] | None = None,
                   minimum: Mapping[int, float] | None = None) -> dict[int, float]:
    """Each column's width (1-based → characters) for ``rows`` of values, header rows included: the widest text
    plus padding, no more than ``cap`` (or the column's own in ``caps``), no less than its ``minimum``.

    ``formats`` gives a column's number format, so an amount is measured as it shows (1,000.10).
    """
    formats, caps, minimum = formats or {}, caps or {}, minimum or {}
    texts: dict[int, set[str]] = {}
    for row in rows:
        for c, value in enumerate(row, start=1):
            if value is not None:
                value = getattr(value, "value", value)  # a WriteOnlyCell
                texts.setdefault(c, set()).add(shown(value, formats.get(c, "General")))
    widest: dict[int, float] = {}
    for c, column in texts.items():
        best = 0.0
        # Longest first: once a text could not be wider than the widest so far (2.2 a character at most, a
        # figure's 10 % included), no shorter one can — a column of 50 000 values measures a handful.
        for text in sorted(column, key=len, reverse=True):
            if len(text) * 2.2 <= best:
                break
            best = max(best, _widest_line(text))
        widest[c] = best
    columns = set(widest) | set(minimum)
    return {c: _clamp(math.ceil(widest.get(c, 0)) + PADDING, c, cap, caps, minimum) for c in sorted(columns)}


def set_widths(ws, widths: Mapping[int, float]) -> None:
    """Set column widths (1-based column → characters)."""
    for column, width in widths.items():
        ws.column_dimensions[get_column_letter(column)].width = round(width, 2)


def _across_columns(ws: Worksheet) -> set[tuple[int, int]]:
    """(row, column) of every cell of the ranges merged across columns, their first cells included."""
    return {(r, c) for rng in ws.merged_cells.ranges if rng.min_col != rng.max_col
            for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1)}


def fit_columns(ws: Worksheet, *, rows: Iterable[int] | None = None, cap: float = CAP,
                caps: Mapping[int, float] | None = None,
                minimum: Mapping[int, float] | None = None) -> dict[int, float]:
    """Size the columns of ``ws`` from the cells of ``rows`` (all rows if None) and set them; returns the widths.

    A text merged across columns, a title or a note, spans its merged width and does not size one column; pass
    ``rows`` to leave out titles and notes that are meant to run on over empty cells.
    """
    merged = _across_columns(ws)
    values: list[list] = []
    for r in (range(1, ws.max_row + 1) if rows is None else rows):
        line = []
        for c in range(1, ws.max_column + 1):
            cell = ws.cell(r, c)
            if (r, c) in merged or cell.value is None:
                line.append(None)
                continue
            # Measured as it shows: an amount with its separators, whatever the column's other formats.
            line.append(shown(cell.value, cell.number_format))
        values.append(line)
    widths = content_widths(values, cap=cap, caps=caps, minimum=minimum)
    set_widths(ws, widths)
    return widths


def column_width(ws, column: int) -> float:
    """The width of a column as set, or Excel's default."""
    dim = ws.column_dimensions.get(get_column_letter(column))
    return dim.width if dim is not None and dim.width else DEFAULT_WIDTH


def lines_needed(text: str, width: float) -> int:
    """Lines ``text`` wraps into in a column (or merged columns) ``width`` characters wide; each "\\n" starts one."""
    room = max(width - 1, 1)  # the cell's own margins

    def lines(line: str) -> int:
        if len(line) * 2 <= room:  # two columns a character at most: fits, nothing to measure
            return 1
        wide = text_width(line)
        # What fits stays one line; what wraps breaks at a word or a whole character, so a line holds a little less.
        return 1 if wide <= room else math.ceil(wide / (room * 0.95))

    return sum(lines(line) for line in str(text).split("\n"))


def height_for(lines: int, font_size: float = 11) -> float:
    """Points for ``lines`` lines of text at ``font_size``, with a little room above and below."""
    return round(lines * LINE * font_size / 11 + 3, 1)


def fit_heights(ws: Worksheet, *, rows: Iterable[int] | None = None) -> None:
    """Give each row that holds wrapped text the height its lines take; a merged cell's text measured over its
    merged width and shared out over its rows. Never makes a row lower than it was set."""
    wanted: dict[int, float] = {}
    spans = {(rng.min_row, rng.min_col): rng for rng in ws.merged_cells.ranges}
    covered = {(r, c) for rng in ws.merged_cells.ranges for r in range(rng.min_row, rng.max_row + 1)
               for c in range(rng.min_col, rng.max_col + 1) if (r, c) != (rng.min_row, rng.min_col)}
    chosen = None if rows is None else set(rows)
    for row in ws.iter_rows():
        for cell in row:
            r, c = cell.row, cell.column
            if cell.value is None or (r, c) in covered or (chosen is not None and r not in chosen):
                continue
            if not (cell.alignment is not None and cell.alignment.wrap_text):
                continue
            rng = spans.get((r, c))
            last_row, last_col = (rng.max_row, rng.max_col) if rng else (r, c)
            width = sum(column_width(ws, col) for col in range(c, last_col + 1))
            size = (cell.font.sz if cell.font is not None and cell.font.sz else 11)
            need = height_for(lines_needed(shown(cell.value, cell.number_format), width), float(size))
            share = need / (last_row - r + 1)
            for rr in range(r, last_row + 1):
                wanted[rr] = max(wanted.get(rr, 0), share)
    for r, need in wanted.items():
        dim = ws.row_dimensions[r]
        if need > (dim.height or LINE) + 0.5:
            dim.height = need


def print_setup(ws, *, title_rows: tuple[int, int] | None = None, freeze: bool = True,
                landscape: bool | None = None, widths: Mapping[int, float] | None = None,
                footer: bool = True) -> None:
    """Set a sheet up for paper: A4, as wide as the page (fit to width, as many pages long as it takes), narrow
    margins, centred; ``title_rows`` (first, last) repeated at the top of every page and, with ``freeze``,
    kept in view on screen. ``landscape`` None decides from the columns' widths (``widths`` or as set)."""
    if landscape is None:
        if widths is None:
            last = max((column_index_from_string(k) for k in ws.column_dimensions), default=1)
            widths = {c: column_width(ws, c) for c in range(1, last + 1)}
        landscape = sum(widths.values()) > PORTRAIT_MAX
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE if landscape else Worksheet.ORIENTATION_PORTRAIT
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages long as the rows need
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    if title_rows is not None:
        first, last = title_rows
        ws.print_title_rows = f"{first}:{last}"
        if freeze:
            ws.freeze_panes = f"A{last + 1}"
    if footer:
        ws.oddFooter.center.text = FOOTER
