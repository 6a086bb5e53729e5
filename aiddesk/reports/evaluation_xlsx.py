"""The performance self-evaluation table (绩效自评表) as an Excel workbook, laid out like the PDF.

One sheet: title, unit line, then 一级指标 | 分值 | 二级指标 | 分值 | 三级指标 | 分值 | 评分标准 | 自评得分 |
计分依据 with the 一级 and 二级 cells merged down over their rows, weights and scores as numbers,
the header frozen and repeated on printed pages, landscape A4.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from ..atomic import write_atomically
from ..core.evaluation import CENT, EvaluationResult, Template
from .evaluation_pdf import HEADER, RECONSTRUCTED_MARK, basis_text, group_weights, levels
from .xlsx_layout import fit_heights, print_setup

# Fixed, not from content: the long texts (三级指标, 评分标准, 计分依据) wrap in columns that share a landscape page.
WIDTHS = (12, 6, 16, 6, 30, 6, 40, 9, 44)   # characters
HEADER_ROW = 4
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EFEFEF")
_TOTAL_FILL = PatternFill("solid", fgColor="D9D9D9")
_GREY = Font(color="777777")
_BOLD = Font(bold=True)


def write_evaluation_xlsx(result: EvaluationResult, template: Template, out: Path, *, unit_name: str) -> None:
    """Write the scored table as an .xlsx at ``out``; the old file survives any failure, an open one is refused."""
    wb = Workbook()
    ws = wb.active
    ws.title = "绩效自评表"
    title = f"{result.year}年度绩效自评表"
    wb.properties.title = title
    wb.properties.creator = "AidDesk"
    last = get_column_letter(len(HEADER))
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 30
    ws["A2"] = f"填报单位：{unit_name}　　评价年度：{result.year}年　　评价模板：{template.name}"
    ws["A2"].alignment = Alignment(horizontal="center")
    ws.merge_cells(f"A2:{last}2")
    for c, (text, width) in enumerate(zip(HEADER, WIDTHS), start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
        cell = ws.cell(HEADER_ROW, c, text)
        cell.font, cell.fill, cell.border = _BOLD, _HEAD_FILL, _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.row_dimensions[HEADER_ROW].height = 20

    weights = group_weights(template)
    row = HEADER_ROW + 1
    runs: dict[int, int] = {}   # column (1 or 3) → the row where its current merged cell begins
    previous: tuple[str, str] | None = None
    for item in result.items:
        first, second, third = levels(item.row.path)
        if item.row.reconstructed:
            third += RECONSTRUCTED_MARK
        new_first = previous is None or previous[0] != first
        new_second = new_first or previous != (first, second)
        if new_first:
            _close(ws, runs, 1, row - 1)
            runs[1] = row
            _put(ws, row, 1, first, center=True)
            _put(ws, row, 2, _number(weights.get(first) if len(item.row.path) > 1 else item.row.weight))
        if new_second:
            _close(ws, runs, 3, row - 1)
            runs[3] = row
            _put(ws, row, 3, second, center=True)
            _put(ws, row, 4, _number(weights.get(f"{first} / {second}") if len(item.row.path) > 2 else None))
        _put(ws, row, 5, third)
        _put(ws, row, 6, _number(item.row.weight))
        _put(ws, row, 7, item.row.standard)
        _put(ws, row, 8, _number(item.score) if item.applicable else "不适用")
        _put(ws, row, 9, basis_text(item))
        for c in range(1, len(HEADER) + 1):
            ws.cell(row, c).border = _BORDER
        if not item.applicable:
            for c in range(5, len(HEADER) + 1):
                ws.cell(row, c).font = _GREY
        previous = (first, second)
        row += 1
    _close(ws, runs, 1, row - 1)
    _close(ws, runs, 3, row - 1)
    last_row = _tail(ws, row, result, template)

    # Each row as high as its wrapped texts, the merged group names included (no suite grows a merged cell).
    fit_heights(ws)
    ws.print_area = f"A1:{last}{last_row}"
    print_setup(ws, title_rows=(HEADER_ROW, HEADER_ROW), landscape=True)
    # Excel or WPS holding the old file is the usual reason a replace fails on Windows.
    write_atomically(out, wb.save, opened_in=" Excel ")


def _tail(ws, row: int, result: EvaluationResult, template: Template) -> int:
    """合计 and 评价等级 rows, then the signature line; returns the last row written."""
    weight = sum((r.weight for r in template.rows), Decimal(0))
    notes = []
    if result.applicable_weight != weight:
        notes.append(f"不适用项不计分：适用分值{_text(result.applicable_weight)}分，实得{_text(result.raw_total)}分，"
                     f"折算为100分制")
    if result.missing:
        notes.append(f"尚有{len(result.missing)}项未评分，按0分计")
    _put(ws, row, 1, "合计", center=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=5)
    _put(ws, row, 6, _number(weight))
    _put(ws, row, 8, _number(result.total))
    _put(ws, row, 9, "；".join(notes))
    _put(ws, row + 1, 1, "评价等级（优：90–100分；良：80–89分；中：60–79分；差：60分以下）", center=True)
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=7)
    _put(ws, row + 1, 8, result.grade, center=True)
    for r in (row, row + 1):
        ws.row_dimensions[r].height = 22
        for c in range(1, len(HEADER) + 1):
            cell = ws.cell(r, c)
            cell.border, cell.fill = _BORDER, _TOTAL_FILL
            if c in (1, 8):
                cell.font = _BOLD
    last = row + 1
    if any(i.row.reconstructed for i in result.items):
        last += 1
        ws.cell(last, 1, f"注：标有“{RECONSTRUCTED_MARK}”的行在原表中不清，按表格结构补齐。").font = Font(size=9)
    last += 2
    ws.cell(last, 1, "单位负责人：")
    ws.cell(last, 3, "评价人：")
    ws.cell(last, 5, "填报单位（盖章）：")
    ws.cell(last, 7, "日期：　　　　年　　月　　日")
    return last


def _close(ws, runs: dict[int, int], column: int, end: int) -> None:
    """Merge the current group's name and weight cells (``column`` and the next) from their first row to ``end``."""
    start = runs.get(column)
    if start is not None and end > start:
        for c in (column, column + 1):
            ws.merge_cells(start_row=start, start_column=c, end_row=end, end_column=c)


def _put(ws, row: int, column: int, value, *, center: bool = False) -> None:
    cell = ws.cell(row, column, value)
    numeric = isinstance(value, (int, Decimal))  # shown as Excel's General format: 4, 2.5, 2.67
    cell.alignment = Alignment(horizontal="center" if center or numeric else "left", vertical="center",
                               wrap_text=True)


def _number(value: Decimal | None) -> Decimal | int | None:
    """A weight or score as a number: whole numbers as int (shown 4, not 4.00), others to 2 places."""
    if value is None:
        return None
    value = value.quantize(CENT, rounding=ROUND_HALF_UP)
    return int(value) if value == value.to_integral_value() else value


def _text(value: Decimal) -> str:
    number = _number(value)
    return f"{number}"
