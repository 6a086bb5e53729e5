"""Which library writes and reads the exchange workbook: the measurements behind the choice.

Usage::

    .venv/bin/python benchmarks/bench_xlsx_libraries.py [--households N]

The export writes with our own streaming writer (aiddesk/exchange/xlsx_stream.py) and the import reads
with python-calamine. This compares them with the alternatives, each variant in a fresh process (time
and that process's peak RSS), on the office that benchmarks/bench_exchange.py builds (cached in
benchmarks/.cache/; built here when absent, the way its ``main()`` does):

- ``bench_writers()``: the 帮扶明细 rows (5 per household, 20 columns) and the 困难职工档案 rows (the
  export's 37 columns), streamed from the database and written with the export's cell types — ID,
  card and phone numbers as text with format ``@``, 分 as a number of 元 with ``0.00``, dates as dates
  (``yyyy-mm-dd``), a bold header, column widths, the header row frozen — by openpyxl write-only mode,
  openpyxl normal mode (it keeps every cell: memory grows with the sheet), xlsxwriter
  ``constant_memory`` (if installed; it is not a dependency) and ``StreamingWorkbook``. A first line
  gives the cost of only reading the rows, which every writer pays.
- ``bench_readers()``: every sheet of the exported workbook benchmarks/.cache/exchange-<households>.xlsx
  (left by ``bench_exchange.bench_export``) read as Python values, by python-calamine and by openpyxl
  read-only mode; each counts the cells that hold a value, and both counts must agree.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_exchange import CACHE, ROOT, build, database_path, in_child, peak_mb, workbook_path

from aiddesk.db import open_database
from aiddesk.exchange import format as fmt
from aiddesk.exchange import xlsx_stream as xs
from aiddesk.exchange.export import _joined, _types, _yes_no


def _width(column: fmt.Column) -> int:
    """A column's width for the libraries that are told one (ours sizes columns from their content)."""
    return xs.display_width(column.header) + 2


# The rows as the export selects them (export._Selection), over the whole office: every archive, every line.
HOUSEHOLDS_SQL = (
    "SELECT archive_no, name, id_number, hardship_category, archive_status, created_date, gender, ethnicity,"
    " political_status, health, disability, work_status, is_migrant_worker, phone, employer, employer_type,"
    " unit_code, hukou_type, marital_status, housing_type, address, hukou_area_code, monthly_income_fen,"
    " other_annual_income_fen, annual_income_fen, household_size, per_capita_income_fen, dibao_line_fen,"
    " main_cause, secondary_causes, bank_name, bank_card, exit_date, exit_reason, created_by, reviewed_by,"
    " note FROM households ORDER BY archive_no")
AID_RECORDS_SQL = (
    "SELECT r.record_no, b.code, h.archive_no, r.recipient_name, r.recipient_id_number, r.aid_category,"
    " r.fund_source, r.amount_fen, r.payment_method, r.paid_on, r.bank_card, r.sms_status, r.phone_check,"
    " r.student_name, r.student_id_number, r.school, r.education_level, r.enrollment_year, r.student_kind,"
    " r.note FROM aid_records r JOIN batches b ON b.id = r.batch_id JOIN households h ON h.id = r.household_id"
    " ORDER BY b.code, r.id")
SHEETS = ((fmt.AID_RECORDS, AID_RECORDS_SQL), (fmt.HOUSEHOLDS, HOUSEHOLDS_SQL))
WRITERS = ("rows only", "openpyxl write-only", "openpyxl normal", "xlsxwriter constant_memory",
           "StreamingWorkbook")
READERS = ("python-calamine", "openpyxl read-only")
XLSXWRITER_MISSING = "xlsxwriter 未安装：pip install xlsxwriter 后可比较"
DATE_FORMAT = "yyyy-mm-dd"


def _rows(db, sheet: fmt.Sheet, sql: str):
    """The sheet's rows as plain lists, 是否农民工 and 次要致困原因 as the export writes them."""
    cursor = db.conn.cursor()
    cursor.row_factory = None
    if sheet is not fmt.HOUSEHOLDS:
        yield from cursor.execute(sql)
        return
    migrant, secondary = sheet.headers.index("是否农民工"), sheet.headers.index("次要致困原因")
    for r in cursor.execute(sql):
        r = list(r)
        r[migrant] = _yes_no(r[migrant])
        r[secondary] = _joined(r[secondary])
        yield r


class _Dates:
    """ISO date text → date, each distinct day parsed once (xlsx_stream keeps the same cache)."""

    def __init__(self):
        self._days: dict[str, date] = {}

    def __call__(self, text) -> date:
        text = str(text)[:10]
        day = self._days.get(text)
        if day is None:
            day = self._days[text] = date.fromisoformat(text)
        return day


def _rows_only(db, out: Path) -> int:
    cells = 0
    for sheet, sql in SHEETS:
        for values in _rows(db, sheet, sql):
            cells += len(values)
    out.write_bytes(b"")
    return cells


def _openpyxl_write_only(db, out: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    wb = Workbook(write_only=True)
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    formats = {xs.TEXT_KEPT: "@", xs.FEN: "0.00", xs.DATE: DATE_FORMAT}
    day = _Dates()
    cells = 0
    for sheet, sql in SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        for letter, column in zip(map(xs.column_letter, range(len(sheet.columns))), sheet.columns):
            ws.column_dimensions[letter].width = _width(column)
        header = []
        for title in sheet.headers:
            cell = WriteOnlyCell(ws, value=title)
            cell.font, cell.alignment = bold, centred
            header.append(cell)
        ws.append(header)
        typed = [(i, kind, formats[kind]) for i, kind in enumerate(_types(sheet)) if kind in formats]
        for values in _rows(db, sheet, sql):
            values = list(values)
            for i, kind, number_format in typed:
                value = values[i]
                if value is None or value == "":
                    continue
                if kind is xs.FEN:
                    value = value / 100
                elif kind is xs.DATE:
                    value = day(value)
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = number_format
                values[i] = cell
            ws.append(values)
            cells += len(values)
    wb.save(out)
    return cells


def _openpyxl_normal(db, out: Path) -> int:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    bold, centred = Font(bold=True), Alignment(horizontal="center", vertical="center")
    formats = {xs.TEXT_KEPT: "@", xs.FEN: "0.00", xs.DATE: DATE_FORMAT}
    day = _Dates()
    cells = 0
    for sheet, sql in SHEETS:
        ws = wb.create_sheet(sheet.name)
        ws.freeze_panes = "A2"
        for letter, column in zip(map(xs.column_letter, range(len(sheet.columns))), sheet.columns):
            ws.column_dimensions[letter].width = _width(column)
        ws.append(sheet.headers)
        for cell in ws[1]:
            cell.font, cell.alignment = bold, centred
        typed = [(i, kind, formats[kind]) for i, kind in enumerate(_types(sheet)) if kind in formats]
        for n, values in enumerate(_rows(db, sheet, sql), start=2):
            values = list(values)
            for i, kind, _format in typed:
                value = values[i]
                if value is None or value == "":
                    continue
                if kind is xs.FEN:
                    values[i] = value / 100
                elif kind is xs.DATE:
                    values[i] = day(value)
            ws.append(values)
            for i, _kind, number_format in typed:
                if values[i] is not None and values[i] != "":
                    ws.cell(n, i + 1).number_format = number_format
            cells += len(values)
    wb.save(out)
    return cells


def _xlsxwriter(db, out: Path) -> int:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True})
    header = wb.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    formats = {xs.TEXT_KEPT: wb.add_format({"num_format": "@"}), xs.FEN: wb.add_format({"num_format": "0.00"}),
               xs.DATE: wb.add_format({"num_format": DATE_FORMAT})}
    day = _Dates()
    cells = 0
    for sheet, sql in SHEETS:
        ws = wb.add_worksheet(sheet.name)
        ws.freeze_panes(1, 0)
        for i, column in enumerate(sheet.columns):
            ws.set_column(i, i, _width(column))
        ws.write_row(0, 0, sheet.headers, header)  # constant_memory: rows must be written in order
        columns = list(enumerate(_types(sheet)))
        for r, values in enumerate(_rows(db, sheet, sql), start=1):
            for i, kind in columns:
                value = values[i]
                if value is None or value == "":
                    continue
                if kind is xs.TEXT:
                    ws.write_string(r, i, value if type(value) is str else str(value))
                elif kind is xs.TEXT_KEPT:
                    ws.write_string(r, i, value if type(value) is str else str(value), formats[kind])
                elif kind is xs.FEN:
                    ws.write_number(r, i, value / 100, formats[kind])
                elif kind is xs.DATE:
                    ws.write_datetime(r, i, day(value), formats[kind])
                else:
                    ws.write_number(r, i, int(value))
            cells += len(values)
    wb.close()
    return cells


def _streaming(db, out: Path) -> int:
    cells = 0
    with xs.StreamingWorkbook(str(out), [sheet.name for sheet, _sql in SHEETS], creator="bench") as book:
        for sheet, sql in SHEETS:
            ws = book.sheet(sheet.name, _types(sheet), [_width(c) for c in sheet.columns])
            ws.header(sheet.headers)
            for values in _rows(db, sheet, sql):
                ws.row(values)
                cells += len(values)
            book.close_sheet()
    return cells


def _writer_child(name: str, db_path: str, queue) -> None:
    try:
        write = {"rows only": _rows_only, "openpyxl write-only": _openpyxl_write_only,
                 "openpyxl normal": _openpyxl_normal, "xlsxwriter constant_memory": _xlsxwriter,
                 "StreamingWorkbook": _streaming}[name]
        out = CACHE / f"writer-{name.replace(' ', '-')}.xlsx"
        db = open_database(db_path)
        start = time.perf_counter()
        cells = write(db, out)
        seconds = time.perf_counter() - start
        db.close()
        size = out.stat().st_size
        out.unlink()
        queue.put((seconds, peak_mb(), cells, size, None))
    except BaseException as err:  # reported, not left to hang the parent on queue.get()
        queue.put((0.0, peak_mb(), 0, 0, f"{type(err).__name__}: {err}"))


def _reader_child(name: str, path: str, queue) -> None:
    try:
        start = time.perf_counter()
        cells = 0
        if name == "python-calamine":
            from python_calamine import CalamineWorkbook

            wb = CalamineWorkbook.from_path(path)
            for sheet in wb.sheet_names:
                for row in wb.get_sheet_by_name(sheet).iter_rows():
                    cells += sum(1 for v in row if v is not None and v != "")
        else:
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    cells += sum(1 for v in row if v is not None and v != "")
            wb.close()
        queue.put((time.perf_counter() - start, peak_mb(), cells, None))
    except BaseException as err:
        queue.put((0.0, peak_mb(), 0, f"{type(err).__name__}: {err}"))


def bench_writers(households: int) -> None:
    """The two big sheets' rows written by each library, each in its own process."""
    print(f"写入：帮扶明细 + 困难职工档案（{households:,} 户），每种写法单独一个进程")
    print(f"  {'writer':<27} {'cells':>10} {'s':>7} {'µs/cell':>8} {'peak MB':>8} {'file MB':>8}")
    try:
        import xlsxwriter  # noqa: F401
        missing = False
    except ImportError:
        missing = True
    for name in WRITERS:
        if name.startswith("xlsxwriter") and missing:
            print(f"  {XLSXWRITER_MISSING}")
            continue
        seconds, peak, cells, size, error = in_child(_writer_child, name, str(database_path(households)))
        if error:
            print(f"  {name:<27} 失败：{error}")
            continue
        file_mb = "-" if name == "rows only" else f"{size / 1e6:.1f}"
        print(f"  {name:<27} {cells:>10,} {seconds:>7.1f} {seconds / cells * 1e6:>8.2f} {peak:>8.0f} {file_mb:>8}")


def bench_readers(households: int) -> None:
    """Every sheet of the exported workbook read as Python values, by each library in its own process."""
    path = workbook_path(households)
    if not path.exists():
        print(f"读取：{path.relative_to(ROOT)} 不存在（由 bench_exchange.py 的 bench_export 生成），跳过")
        return
    print(f"读取：{path.relative_to(ROOT)}（{path.stat().st_size / 1e6:.1f} MB）的全部工作表，每种读法单独一个进程")
    print(f"  {'reader':<27} {'cells':>10} {'s':>7} {'µs/cell':>8} {'peak MB':>8}")
    counts = set()
    for name in READERS:
        seconds, peak, cells, error = in_child(_reader_child, name, str(path))
        if error:
            print(f"  {name:<27} 失败：{error}")
            continue
        counts.add(cells)
        print(f"  {name:<27} {cells:>10,} {seconds:>7.1f} {seconds / cells * 1e6:>8.2f} {peak:>8.0f}")
    if len(counts) > 1:
        print("  注意：两种读法数到的非空单元格数不同")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--households", type=int, default=20_000)
    args = p.parse_args()
    path = database_path(args.households)
    if not path.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(path, args.households, args.households * 7 // 2, args.households * 5)
        print(f"built {path.name} in {time.perf_counter() - start:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
    bench_writers(args.households)
    bench_readers(args.households)
    return 0


if __name__ == "__main__":
    sys.exit(main())
