"""The cross-unit duplicates as Excel workbooks: the whole list, or one workbook per unit to send each its cases."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from ..atomic import write_atomically
from .duplicates import AIDED_TWICE, Duplicate

HEADERS = ("身份证号", "类型", "单位代码", "单位名称", "档案编号", "姓名", "关系", "档案状态", "明细编号", "批次编号",
           "救助类别", "资金来源", "金额", "发放日期", "建档日期", "处理结论", "处理人", "处理时间")
_TEXT_COLUMNS = (1, 3)       # 身份证号, 单位代码: text, never numbers (an 18-digit number loses its last digits)
_AMOUNT_COLUMN = 13
_MAX_WIDTH = 40              # the widest a column grows for a long 单位名称 or 结论 (the rest shows in the cell)
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')   # what Windows refuses in a file name


def table_rows(items: list[Duplicate]) -> list[tuple]:
    """One row per entry, in HEADERS' order; amounts as Decimal (None where not an aid line); each row of a case
    carries its conclusion, so that a filter in Excel keeps a case's rows together."""
    rows = []
    for d in items:
        c = d.conclusion
        concluded = (d.conclusion_text(), c.by, c.at.replace("T", " ")) if c else ("", "", "")
        for e in d.entries:
            rows.append((d.id_number, d.kind, e.unit, e.unit_name, e.archive_no, e.name, e.relation, e.archive_status,
                         e.record_no, e.batch_code, e.category if d.kind == AIDED_TWICE else "", e.fund_source,
                         e.amount, e.paid_on, e.created_on, *concluded))
    return rows


def write_duplicates_xlsx(items: list[Duplicate], out: str | Path, *, year: int) -> int:
    """Write the duplicates as a workbook (one row per entry, ID numbers as text); returns the rows written."""
    rows = table_rows(items)
    _write(rows, out, title=f"{year}年跨单位重复")
    return len(rows)


def unit_workbook_name(unit: str, unit_name: str, year: int) -> str:
    """<单位代码>_<单位名称>_跨单位重复_<年度>.xlsx, with what a file name may not hold replaced by _."""
    def part(text: str) -> str:
        return _UNSAFE.sub("_", unicodedata.normalize("NFC", text)).strip(" .")[:60] or "_"

    return f"{part(unit)}_{part(unit_name)}_跨单位重复_{year}.xlsx"


def write_unit_workbooks(items: list[Duplicate], folder: str | Path, *, year: int) -> list[tuple[str, Path, int]]:
    """One workbook per unit in ``folder``, holding the cases that unit is a side of — every side shown, so it
    sees whom it shares each person with. Returns (单位代码, file, cases) per unit, in code order; a unit without
    cases gets no file."""
    folder = Path(folder)
    names: dict[str, str] = {}
    for d in items:
        names.update(d.unit_names)
    written = []
    taken: set[str] = set()
    for unit in sorted(names):
        cases = [d for d in items if unit in d.units]
        name = unit_workbook_name(unit, names[unit], year)
        if name.casefold() in taken:  # two codes alike but for characters a file name cannot hold
            name = name.replace("_跨单位重复_", f"_{len(taken) + 1}_跨单位重复_")
        taken.add(name.casefold())
        path = folder / name
        _write(table_rows(cases), path, title=f"{year}年跨单位重复")
        written.append((unit, path, len(cases)))
    return written


def _write(rows: list[tuple], out: str | Path, *, title: str) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from ..reports.xlsx_layout import fit_columns, print_setup

    def build(tmp: str) -> None:
        wb = Workbook()
        ws = wb.active
        ws.title = title
        ws.append(list(HEADERS))
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(list(row))
            for column in _TEXT_COLUMNS:
                ws.cell(ws.max_row, column).number_format = "@"
            amount = ws.cell(ws.max_row, _AMOUNT_COLUMN)
            if amount.value is not None:
                amount.number_format = "0.00"
        ws.auto_filter.ref = ws.dimensions
        # Columns as wide as their content, so 明细编号 and unit names are not cut off; on paper the header on
        # every page, the columns fitted to the page's width.
        fit_columns(ws, cap=_MAX_WIDTH)
        print_setup(ws, title_rows=(1, 1))
        wb.save(tmp)

    write_atomically(out, build, opened_in="Excel")
