"""The 问题清单 of an import check as an Excel workbook, so the office can fix its sheet row by row."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from typing import Protocol

from ..atomic import write_atomically

SHEET = "问题清单"
HEADER = ("类别", "工作表", "行", "列", "内容", "说明")
ERROR, WARNING = "错误", "提醒"
_WIDTHS = (8, 16, 7, 16, 26, 90)


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
    from openpyxl.styles import Font

    rows = issue_rows(errors, warnings)

    def build(tmp: str) -> None:
        # Write-only and unstyled data cells: a big ledger can have tens of thousands of issues.
        wb = Workbook(write_only=True)
        wb.properties.title = f"{source}导入检查问题清单" if source else "导入检查问题清单"
        wb.properties.creator = "AidDesk"
        ws = wb.create_sheet(SHEET)
        for i, width in enumerate(_WIDTHS):
            ws.column_dimensions[chr(ord("A") + i)].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:F{len(rows) + 1}"

        def text(value):
            if not isinstance(value, str):
                return value
            # Cells come from someone else's file: control characters would make openpyxl refuse the whole
            # workbook, and a text starting with "=" must stay text, not become a formula.
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("="):
                cell = WriteOnlyCell(ws, value)
                cell.data_type = "s"
                return cell
            return value

        header = []
        for h in HEADER:
            cell = WriteOnlyCell(ws, h)
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in rows:
            ws.append([text(v) for v in row])
        wb.save(tmp)

    write_atomically(path, build, opened_in="Excel 或 WPS")
    return len(rows)
