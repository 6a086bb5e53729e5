"""Reading tables out of other programs' files (.xlsx, .csv in UTF-8 or GBK, old .xls): an SMS platform's
delivery report today, an office's old Excel ledgers later. Every cell comes back as trimmed text and
row numbers are the ones Excel shows, so messages can point at a row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from ..core.errors import UserError

Sheet = Iterator[list[str]]
XLSX, CSV, OLD_EXCEL = (".xlsx", ".xlsm"), (".csv", ".txt"), (".xls", ".ods", ".et")


def readable(path: Path) -> bool:
    """Whether the file's suffix is one we can read."""
    return path.suffix.lower() in XLSX + CSV + OLD_EXCEL


def read_sheets(path: Path) -> Iterator[Sheet]:
    """The file's sheets, each an iterator of rows of cell texts; close the generator when done (Windows locks)."""
    suffix = path.suffix.lower()
    if suffix in XLSX:
        return _xlsx_sheets(path)
    if suffix in CSV:
        return _csv_sheets(path)
    return _calamine_sheets(path)


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # A phone number typed into Excel arrives as 13812345678.0.
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_sheets(path: Path) -> Iterator[Iterator[list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or mislabelled file
        raise UserError(f"无法打开“{path.name}”：文件已损坏或不是 Excel 工作簿。"
                        "请重新导出，或在 Excel/WPS 中另存为 .xlsx 或 .csv") from None
    try:
        for ws in wb.worksheets:
            yield ([cell_text(v) for v in row] for row in ws.iter_rows(values_only=True))
    finally:
        wb.close()


def _calamine_sheets(path: Path) -> Iterator[Iterator[list[str]]]:
    """Old .xls (and .ods) files, readable only with python-calamine; openpyxl reads .xlsx only."""
    try:
        from python_calamine import CalamineWorkbook
    except ImportError:
        raise UserError(f"“{path.name}”是旧版 Excel 文件（{path.suffix}），本程序无法直接读取。"
                        "请在 Excel/WPS 中打开它，另存为 .xlsx 或 .csv 后再导入") from None
    try:
        wb = CalamineWorkbook.from_path(str(path))
        # skip_empty_area=False: keep the empty rows above the table, so row numbers are those Excel shows.
        sheets = [wb.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in wb.sheet_names]
    except Exception:  # calamine's errors are its own kinds, one per file format
        raise UserError(f"无法打开“{path.name}”：文件已损坏或不是 Excel 文件。"
                        "请另存为 .xlsx 或 .csv 后再导入") from None
    for rows in sheets:
        yield ([cell_text(v) for v in row] for row in rows)


def decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text"
        return data.decode("utf-16")
    # Chinese programs write GBK as often as UTF-8; GB18030 reads GBK and every character beyond it.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UserError(f"无法识别“{name}”的文字编码。请在 Excel/WPS 中打开它，另存为 .xlsx 后再导入")


def _csv_sheets(path: Path) -> Iterator[Iterator[list[str]]]:
    try:
        text = decode(path.read_bytes(), path.name)
    except OSError as err:
        raise UserError(f"无法读取“{path.name}”：{err.strerror or err}") from None
    # The separator used most on the first lines; a title line above the table has none of them.
    top = "\n".join([line for line in text.splitlines() if line.strip()][:10])
    delimiter = max(",\t;", key=top.count)
    yield ([v.strip() for v in row] for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def find_header(sheets: Iterator[Sheet], is_known: Callable[[str], bool], *,
                search_rows: int = 10) -> tuple[list, int] | None:
    """(the sheet's numbered rows, its header row) of the first sheet with a known header among its first rows,
    else of the first sheet with a row of two or more filled cells there."""
    fallback = None
    for sheet in sheets:
        grid = list(enumerate(sheet, start=1))
        top = [(n, row) for n, row in grid[:search_rows] if any(row)]
        header_at = next((n for n, row in top if any(is_known(v) for v in row)), None)
        if header_at is not None:
            return grid, header_at
        if fallback is None:
            header_at = next((n for n, row in top if sum(1 for v in row if v) >= 2), None)
            fallback = (grid, header_at) if header_at is not None else None
    return fallback
