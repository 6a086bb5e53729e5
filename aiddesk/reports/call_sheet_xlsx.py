"""The 电话抽查记录表 as an Excel workbook: the same sheet as the PDF, with a pick list for 核实结果."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ..atomic import write_atomically
from ..core.errors import UserError
from .xlsx_layout import DATE_FORMAT, fit_columns, fit_heights, print_setup

if TYPE_CHECKING:  # the PDF module pulls in reportlab, which a workbook does not need
    from .call_sheet import CallSheet

SHEET = "电话抽查"
HEADER = ("序号", "单位", "姓名", "手机号码", "金额（元）", "发放日期", "发放方式", "核实结果", "备注", "抽查人", "日期")
# The columns filled in by hand keep room to write in; the others are as wide as what they hold.
_HAND_WIDTHS = {8: 12, 9: 30, 10: 10, 11: 12}
RESULT_COLUMN = 8
YUAN_FORMAT = "#,##0.00"

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="EFEFEF")
_NOTE_FONT = Font(size=9, color="444444")


def write_call_sheet_xlsx(path: str | os.PathLike, sheet: CallSheet) -> int:
    """Write ``sheet`` as an .xlsx at ``path``; return the number of lines. Phone numbers are text cells."""
    if not sheet.rows:
        raise UserError("这次抽查没有抽到任何人，无需导出")
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    wb.properties.title = sheet.title
    wb.properties.creator = "AidDesk"
    last = get_column_letter(len(HEADER))

    ws["A1"] = sheet.title
    ws["A1"].font = Font(bold=True, size=15)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 26
    facts = [
        f"批次编号：{sheet.batch_code}　批次名称：{sheet.batch_name}　发放单位：{sheet.office_name}",
        f"第 {sheet.round_no} 轮抽取，{sheet.method}，抽取 {len(sheet.rows)} 人（共 {sheet.population} 人）；"
        f"随机种子：{sheet.seed}；抽取日期：{sheet.drawn_on.isoformat()}；抽取人：{sheet.drawn_by}",
        f"各单位抽取：{sheet.strata}",
        sheet.reproduce(),
        sheet.how_to(),
    ]
    for row, text in enumerate(facts, start=2):
        cell = ws.cell(row, 1, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(HEADER))
        if row >= 5:
            cell.font = _NOTE_FONT

    top = len(facts) + 3
    for col, text in enumerate(HEADER, start=1):
        cell = ws.cell(top, col, text)
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.border = _BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for i, r in enumerate(sheet.rows, start=1):
        row = top + i
        values = (i, r.unit_name, r.name, r.phone, r.amount, r.paid_on, r.payment_method, None, None, None, None)
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row, col, value)
            cell.border = _BORDER
            cell.alignment = Alignment(vertical="center", horizontal="right" if col == 5 else
                                       "left" if col in (2, 9) else "center")
        phone = ws.cell(row, 4)
        phone.data_type, phone.number_format = "s", "@"   # a number would lose a landline's leading 0
        ws.cell(row, 5).number_format = YUAN_FORMAT
        ws.cell(row, 6).number_format = DATE_FORMAT   # a date Excel sorts and filters, not text
    end = top + len(sheet.rows)

    # 核实结果 is chosen from the code list, so a filled-in sheet reads back without guessing.
    pick = DataValidation(type="list", formula1='"' + ",".join(sheet.results) + '"', allow_blank=True,
                          showErrorMessage=True, errorTitle="核实结果", error="请从下拉列表中选择核实结果")
    ws.add_data_validation(pick)
    pick.add(f"{get_column_letter(RESULT_COLUMN)}{top + 1}:{get_column_letter(RESULT_COLUMN)}{end}")

    ws.cell(end + 2, 1, "抽查人（签字）：")
    ws.cell(end + 2, 5, "复核人（签字）：")
    ws.cell(end + 2, 9, "日期：")
    fit_columns(ws, rows=range(top, end + 1), minimum=_HAND_WIDTHS)
    # The facts are merged over the whole width: neither Excel nor WPS grows a merged row to its text, and a
    # long 各单位抽取 would otherwise cover the row under it.
    fit_heights(ws, rows=range(2, 2 + len(facts)))
    print_setup(ws, title_rows=(top, top))
    # Excel or WPS holding the old file is the usual reason a replace fails on Windows.
    write_atomically(path, wb.save, opened_in=" Excel ")
    return len(sheet.rows)
