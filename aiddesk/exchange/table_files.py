"""Reading tables out of other programs' files (.xlsx, .csv in UTF-8 or GBK, old .xls, .ods): an SMS platform's
delivery report today, an office's old Excel ledgers later. Every cell comes back as trimmed text and
row numbers are the ones Excel shows, so messages can point at a row.

The format is told by the content, not the name (an old .xls renamed .xlsx is read as .xls), and a file
costs no more than resources/rules/workbook_limits.json allows: workbooks are read through
:mod:`aiddesk.exchange.sheet_reader`, which checks them before reading, and a .csv is refused past its size,
rows, columns or cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

from ..core.errors import UserError
from .sheet_reader import FormulaWithoutValue, Limits, file_kind, read_limits, too_large

Sheet = Iterator[list[str]]
XLSX, CSV, OLD_EXCEL = (".xlsx", ".xlsm"), (".csv", ".txt"), (".xls", ".ods", ".et")


def readable(path: Path) -> bool:
    """Whether the file's suffix is one we can read, or its content is a workbook whatever its name."""
    if path.suffix.lower() in XLSX + CSV + OLD_EXCEL:
        return True
    try:
        return file_kind(path) in ("zip", "ole")
    except OSError:
        return False


def read_sheets(path: Path, *, lim: Limits | None = None) -> Iterator[Sheet]:
    """The file's sheets, each an iterator of rows of cell texts; close the generator when done (Windows locks)."""
    try:
        kind = file_kind(path)
    except OSError as err:
        raise UserError(f"无法读取“{path.name}”：{err.strerror or err}") from None
    if kind == "text" and path.suffix.lower() in CSV:
        return _csv_sheets(path, lim or read_limits())
    return _workbook_sheets(path)


def cell_text(value: object) -> str:
    if value is None or isinstance(value, FormulaWithoutValue):
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


def _workbook_sheets(path: Path) -> Iterator[Iterator[list[str]]]:
    """Any workbook python-calamine reads (.xlsx, .xls, .ods), checked against the limits first."""
    from .sheet_reader import read_workbook

    with read_workbook(path) as book:
        for _name, _start, load in book.sheets:
            rows = load()
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


def _csv_sheets(path: Path, lim: Limits) -> Iterator[Iterator[list[str]]]:
    try:
        if path.stat().st_size > lim.max_text_mb * 1024 * 1024:
            raise too_large(path.name, f"文件超过{lim.max_text_mb}MB",
                            "请把数据分成几个文件，或在 Excel/WPS 中另存为 .xlsx 后再导入")
        text = decode(path.read_bytes(), path.name)
    except OSError as err:
        raise UserError(f"无法读取“{path.name}”：{err.strerror or err}") from None
    # The separator used most on the first lines; a title line above the table has none of them.
    top = "\n".join([line for line in text.splitlines() if line.strip()][:10])
    delimiter = max(",\t;", key=top.count)
    yield _bounded(path.name, csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), lim)


def _bounded(name: str, rows: Iterator[list[str]], lim: Limits) -> Iterator[list[str]]:
    """The rows of a text table, refused at the first row past the limits (as a workbook's sheet would be)."""
    cells = 0
    for n, row in enumerate(rows, start=1):
        if n > lim.max_rows:
            raise too_large(name, f"表格超过{lim.max_rows}行", "请把数据分成几个文件后再导入")
        if len(row) > lim.max_columns:
            raise too_large(name, f"第{n}行超过{lim.max_columns}列", "请检查分隔符是否正确，或另存为 .xlsx 后再导入")
        cells += len(row)
        if cells > lim.max_cells_per_sheet:
            raise too_large(name, f"表格超过{lim.max_cells_per_sheet}个单元格", "请把数据分成几个文件后再导入")
        yield [v.strip() for v in row]


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
