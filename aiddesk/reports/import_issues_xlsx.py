"""The 问题清单 of an import check as an Excel workbook, so the office can fix its sheet row by row."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Protocol

from ..atomic import write_atomically

SHEET = "问题清单"
HEADER = ("类别", "工作表", "行", "列", "内容", "说明")
ERROR, WARNING = "错误", "提醒"
# 说明 is prose, read best wide; 内容 is a cell's value (a 明细编号, an ID) and wraps past 40 (a checksum).
_CAPS = {5: 40, 6: 70}
_WRAPPED = (5, 6)


class IssueLike(Protocol):
    """What the import check reports per problem (aiddesk.exchange.validate.Issue)."""

    sheet: str
    row: int | None
    column: str
    value: str
    message: str


def issue_rows(errors: Iterable[IssueLike], warnings: Iterable[IssueLike]) -> list[tuple]:
    """One row per issue, errors first, in the order the check found them."""
    return [(kind, i.sheet, i.row, i.column, i.value, i.message)
            for kind, issues in ((ERROR, errors), (WARNING, warnings)) for i in issues]


def write_import_issues_xlsx(path: str | os.PathLike, errors: Sequence[IssueLike], warnings: Sequence[IssueLike],
                             *, source: str = "") -> int:
    """Write the issues to ``path`` (.xlsx), atomically; returns the number of issue rows.

    ``source`` (the checked file's name) goes into the workbook's properties.
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Font

    from .xlsx_layout import content_widths, height_for, lines_needed, print_setup, set_widths, shown

    rows = issue_rows(errors, warnings)

    def build(tmp: str) -> None:
        # Write-only and mostly unstyled data cells: a big ledger can have tens of thousands of issues.
        wb = Workbook(write_only=True)
        wb.properties.title = f"{source}导入检查问题清单" if source else "导入检查问题清单"
        wb.properties.creator = "AidDesk"
        ws = wb.create_sheet(SHEET)
        # A write-only sheet takes its widths before its rows: measured from the rows themselves.
        widths = content_widths([HEADER, *rows], caps=_CAPS)
        set_widths(ws, widths)
        print_setup(ws, title_rows=(1, 1), widths=widths)
        ws.auto_filter.ref = f"A1:F{len(rows) + 1}"
        wrap = Alignment(wrap_text=True, vertical="top")

        def text(value, wrapped: bool):
            if not isinstance(value, str):
                return value
            # Cells come from someone else's file: control characters would make openpyxl refuse the whole
            # workbook, and a text starting with "=" must stay text, not become a formula.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("=") or wrapped:
                cell = WriteOnlyCell(ws, value)
                if value.startswith("="):
                    cell.data_type = "s"
                if wrapped:  # only the cells that need it are styled
                    cell.alignment = wrap
                return cell
            return value

        header = []
        for h in HEADER:
            cell = WriteOnlyCell(ws, h)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        measured: dict[tuple[int, str], int] = {}  # the same message comes back row after row

        def lines_of(column: int, value) -> int:
            key = (column, shown(value))
            if key not in measured:
                measured[key] = lines_needed(key[1], widths[column])
            return measured[key]

        for number, row in enumerate(rows, start=2):
            lines = {c: lines_of(c, row[c - 1]) for c in _WRAPPED}
            if max(lines.values()) > 1:  # a long text wraps, and its row is as high as its lines
                ws.row_dimensions[number].height = height_for(max(lines.values()))
            ws.append([text(v, lines.get(c, 1) > 1) for c, v in enumerate(row, start=1)])
        wb.save(tmp)

    write_atomically(path, build, opened_in="Excel 或 WPS")
    return len(rows)
