"""The annual fund report as an Excel workbook: an overview sheet, then one sheet per section, amounts as numbers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..atomic import write_atomically
from ..core.fund_report import FundReport
from . import fund_report_sections as fs
from .xlsx_layout import content_widths, fit_heights, print_setup, set_widths

YUAN_FORMAT = "#,##0.00"
# 万元 has up to six decimals and always at least two, as in 408.772945 or 24.00: never rounded.
WAN_FORMAT = "#,##0.00####"
RATE_FORMAT = "0.00%"
COUNT_FORMAT = "0"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EFEFEF")
_TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")
_SUBTOTAL_FILL = PatternFill("solid", fgColor="F6F6F6")
_BOLD = Font(bold=True)
_SECTION_FONT = Font(bold=True, size=13)
_NOTE_FONT = Font(size=9, color="444444")
_OVERVIEW_COLS = 10       # the overview's text spans this many columns …
_OVERVIEW_COL_WIDTH = 10  # … of this width (characters): 100 in all, an A4 portrait page at full size
_MIN_WIDTH = 8            # a table's narrowest column


def write_fund_report_xlsx(report: FundReport, out: Path, *, today: date) -> None:
    """Write ``report`` as an .xlsx at ``out``; the old file survives any failure, an open one is refused in Chinese."""
    wb = Workbook()
    wb.properties.title = fs.title(report)
    wb.properties.creator = "AidDesk"
    _overview(wb.active, report, today)
    for section in fs.sections(report):
        _section_sheet(wb.create_sheet(_sheet_name(section.title)), section)
    # Excel or WPS holding the old file is the usual reason a replace fails on Windows.
    write_atomically(out, wb.save, opened_in=" Excel ")


def _sheet_name(title: str) -> str:
    """``一、资金预算与到位`` → ``一 资金预算与到位`` (Excel allows 31 characters, and no brackets)."""
    name = title.replace("、", " ")
    for ch in "[]:*?/\\（）()":
        name = name.replace(ch, " " if ch in "（(" else "")
    return name.strip()[:31]


# ---- the overview sheet ---------------------------------------------------------------------------

def _overview(ws: Worksheet, report: FundReport, today: date) -> None:
    ws.title = "概述"
    last = get_column_letter(_OVERVIEW_COLS)
    for c in range(1, _OVERVIEW_COLS + 1):
        ws.column_dimensions[get_column_letter(c)].width = _OVERVIEW_COL_WIDTH
    ws["A1"] = fs.title(report)
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    ws["A2"] = (f"单位：{report.unit_name}（{report.unit_code}）　年度：{report.year}年　"
                f"编制日期：{today.year}年{today.month}月{today.day}日　金额单位：元（另列万元）")
    ws["A2"].alignment = Alignment(horizontal="center", wrap_text=True)  # a long unit name takes two lines
    ws.merge_cells(f"A2:{last}2")
    ws["A4"] = "情况概述"
    ws["A4"].font = _SECTION_FONT
    row = 5
    for text in fs.summary_paragraphs(report):
        cell = ws.cell(row, 1, "　　" + text)  # two full-width spaces: the first-line indent of Chinese prose
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=_OVERVIEW_COLS)
        row += 1
    ws.cell(row + 1, 1, "各部分明细见后面的工作表：" + "、".join(
        _sheet_name(s.title) for s in fs.sections(report))).font = _NOTE_FONT
    # Excel does not grow a merged cell to its text: each paragraph's row gets the height of its lines.
    fit_heights(ws)
    print_setup(ws)


# ---- one sheet per section ---------------------------------------------------------------------------

def _section_sheet(ws: Worksheet, section: fs.Section) -> None:
    ws.cell(1, 1, section.title).font = _SECTION_FONT
    row, texts, titles = 3, [], None
    for grid in section.grids:
        if grid.caption:
            ws.cell(row, 1, grid.caption).font = _BOLD
            row += 1
        if not grid.rows:
            ws.cell(row, 1, grid.empty)
            row += 2
            continue
        if titles is None:
            # The first table's header stays in view while its rows scroll, and heads every printed page.
            titles = (row, row + len(grid.header) - 1)
        row = _grid(ws, grid, row, texts) + 1
    for note in section.notes:
        ws.cell(row, 1, note).font = _NOTE_FONT
        row += 1
    # Columns as wide as the tables' texts (titles, captions and notes run on over empty cells).
    widths = content_widths(texts, minimum={c: _MIN_WIDTH for c in range(1, max(map(len, texts), default=0) + 1)})
    set_widths(ws, widths)
    fit_heights(ws)
    print_setup(ws, title_rows=titles, widths=widths)


def _grid(ws: Worksheet, grid: fs.Grid, top: int, texts: list[list[str | None]]) -> int:
    """Write one table from row ``top``; returns the row after it. ``texts`` gathers its rows' texts as shown
    (None for a header spanning columns: its text does not size one column)."""
    cells = grid.header + grid.rows
    kinds = ["head"] * len(grid.header) + grid.kinds
    for r, (row, kind) in enumerate(zip(cells, kinds)):
        shown: list[str | None] = []
        for c, value in enumerate(row):
            cell = ws.cell(top + r, c + 1)
            cell.border = _BORDER
            spanned = kind == "head" and c + 1 < len(row) and row[c + 1] is fs.LEFT
            shown.append(None if spanned or value is fs.UP or value is fs.LEFT else fs.cell_text(value))
            if value is fs.UP or value is fs.LEFT:
                continue
            _put(cell, value, kind, "center" if kind == "head" else fs.alignment(grid, c, value))
        texts.append(shown)
    for (r, c), (h, w) in fs.spans(cells).items():
        ws.merge_cells(start_row=top + r, start_column=c + 1, end_row=top + r + h - 1, end_column=c + w)
    return top + len(cells)


def _put(cell, value: fs.Cell, kind: str, horizontal: str) -> None:
    """A cell's value and look: amounts, 万元, rates and 人次 as numbers; headers and totals bold."""
    if isinstance(value, fs.Wan):
        cell.value, cell.number_format = (value.value / 10000).quantize(Decimal("0.000001")), WAN_FORMAT
    elif isinstance(value, fs.Rate) and value.value is not None:
        cell.value, cell.number_format = value.value, RATE_FORMAT
    elif isinstance(value, Decimal):
        cell.value, cell.number_format = value, YUAN_FORMAT
    elif fs.is_number(value) and not isinstance(value, fs.Rate):
        cell.value, cell.number_format = value, COUNT_FORMAT
    else:
        cell.value = fs.cell_text(value)
    cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=kind == "head")
    if kind == "head":
        cell.font, cell.fill = _BOLD, _HEAD_FILL
    elif kind == fs.TOTAL:
        cell.font, cell.fill = _BOLD, _TOTAL_FILL
    elif kind == fs.SUBTOTAL:
        cell.fill = _SUBTOTAL_FILL


# ---- writing ---------------------------------------------------------------------------------------
