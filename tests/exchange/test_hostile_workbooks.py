"""Hostile and mislabelled files: what reading one may cost is bounded (resources/rules/workbook_limits.json)
and checked before a byte is read; the format is told by the content, not the name.

The files are made here, each a few KB on disk: the cost is in what they claim or unpack to. The costly ones
are imported by the command line in a child process under an address-space limit, where the code before
these checks ran out of memory (a MemoryError traceback, or a Rust abort) or took most of a minute.
"""

from __future__ import annotations

import io
import json
import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
import xlwt
from openpyxl import Workbook as OpenpyxlWorkbook
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook
from test_import_validation import book

from aiddesk.core.errors import UserError
from aiddesk.exchange import sheet_reader
from aiddesk.exchange.sheet_reader import (
    FormulaWithoutValue,
    TooLarge,
    Unreadable,
    _ExactSheet,
    _expat,
    _PartScan,
    read_limits,
    read_workbook,
)
from aiddesk.exchange.table_files import read_sheets, readable

resource = pytest.importorskip("resource")  # RLIMIT_AS: Linux and macOS

ROOT = Path(__file__).resolve().parents[2]
MEMORY_MB = 768     # a small workbook imports in under 200 MB of address space; the hostile ones took GBs
SECONDS = 20        # the refusals take about half a second


def import_limited(db_path: Path, path: Path) -> tuple[subprocess.CompletedProcess, float]:
    """``aiddesk --db X import FILE --json --dry-run`` in a child process limited to MEMORY_MB of address space."""
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_MB << 20}, {MEMORY_MB << 20}))
        from aiddesk.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, "--db", str(db_path), "import", str(path), "--json",
                           "--dry-run"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONFAULTHANDLER": ""})
    return done, time.perf_counter() - start


def refused(db, path: Path, *words: str) -> str:
    """The child's refusal: exit 2, valid JSON, a Chinese message with ``words``, no traceback, in time."""
    db.close()
    done, seconds = import_limited(db.path, path)
    assert "MemoryError" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.returncode == 2, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    out = json.loads(done.stdout)
    assert out["imported"] == {} and len(out["errors"]) == 1
    message = out["errors"][0]["message"]
    for word in words:
        assert word in message, message
    assert seconds < SECONDS, f"took {seconds:.1f} s"
    return message


def rewrite(src: Path, dst: Path, change: dict[str, bytes | None], *, level: int = 6) -> Path:
    """A copy of the zip with parts replaced (None removes one), deflated at ``level``."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as b:
        for info in a.infolist():
            data = change.get(info.filename, a.read(info))
            if data is not None:
                b.writestr(info.filename, data)
        for name, data in change.items():
            if name not in a.namelist() and data is not None:
                b.writestr(name, data)
    return dst


def part_of(path: Path, sheet: str) -> str:
    """The zip part holding a sheet (openpyxl numbers them in order)."""
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    return f"xl/worksheets/sheet{names.index(sheet) + 1}.xml"


def exchange_book(tmp_path: Path, name: str = "交换表.xlsx", far: tuple[int, int] | None = None) -> Path:
    """A valid exchange workbook, optionally with one more cell far away on 困难职工档案 (row, column)."""
    path = book(tmp_path / name)
    if far is not None:
        wb = load_workbook(path)
        wb["困难职工档案"].cell(row=far[0], column=far[1], value="x")
        wb.save(path)
    return path


def small_limits(monkeypatch, **changes) -> None:
    lim = replace(read_limits(), **changes)
    monkeypatch.setattr(sheet_reader, "read_limits", lambda: lim)
    monkeypatch.setattr("aiddesk.exchange.table_files.read_limits", lambda: lim)


def sheet_xml(rows: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f'<sheetData>{rows}</sheetData></worksheet>').encode()


def plain_book(tmp_path: Path, name: str = "台账.xlsx") -> Path:
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.title = "台账"
    ws.append(["姓名", "金额"])
    ws.append(["张三", 100])
    path = tmp_path / name
    wb.save(path)
    return path


# ---- issue 19: rows, columns and cells ----------------------------------------------------------------------

def test_a_cell_on_excels_last_row_is_refused_quickly_in_little_memory(db, tmp_path):
    """Before: 37 s and 4.4 GB for an 8 KB file (a MemoryError traceback under a memory limit)."""
    path = exchange_book(tmp_path, far=(1_048_576, 1))
    assert path.stat().st_size < 20_000
    refused(db, path, "第3张工作表“困难职工档案”超过500000行", "第1048576行", "可能已损坏或不是正常的表格")


def test_a_cell_in_excels_last_column_and_row_is_refused_not_crashed(db, tmp_path):
    """Before: calamine asked for 512 GB at once and aborted the process (no JSON, no message)."""
    path = exchange_book(tmp_path, far=(1_048_576, 16_384))
    refused(db, path, "困难职工档案", "超过500000行")


def test_a_cell_far_to_the_right_is_refused(tmp_path):
    path = exchange_book(tmp_path, far=(2, 16_384))
    with pytest.raises(TooLarge, match="第3张工作表“困难职工档案”超过500列（有内容的最后一列是第16384列，即XFD列）"):
        read_workbook(path)


def test_a_sheet_of_too_many_cells_is_refused(db, tmp_path):
    path = exchange_book(tmp_path, far=(40_000, 400))  # 40 000 rows × 400 columns: 16 million cells
    refused(db, path, "困难职工档案", "40000行×400列", "超过10000000个单元格")


def test_rows_counted_without_their_numbers_are_counted_all_the_same(monkeypatch, tmp_path):
    """Rows and cells without "r" take their place from the row before: 1 500 empty rows, then a cell."""
    small_limits(monkeypatch, max_rows=1000)
    src = plain_book(tmp_path)
    xml = sheet_xml("<row><c><v>1</v></c></row>" + "<row></row>" * 1500 + "<row><c><v>2</v></c></row>")
    path = rewrite(src, tmp_path / "r-less.xlsx", {"xl/worksheets/sheet1.xml": xml})
    with pytest.raises(TooLarge, match="第1张工作表“台账”超过1000行（有内容的最后一行是第1502行）"):
        read_workbook(path)


def test_a_second_r_attribute_does_not_hide_a_far_cell(db, tmp_path):
    """calamine takes the last "r" of a cell: a first, harmless one must not be all that is looked at."""
    src = plain_book(tmp_path)
    xml = sheet_xml('<row r="1"><c r="A1" r="XFD1048576"><v>1</v></c></row>')
    path = rewrite(src, tmp_path / "twice.xlsx", {"xl/worksheets/sheet1.xml": xml})
    refused(db, path, "无法打开", "已损坏")


def test_every_entry_of_a_name_twice_in_the_zip_is_checked(monkeypatch, tmp_path):
    """calamine reads the last of two entries with one name: a harmless first one must not be all that is looked at."""
    small_limits(monkeypatch, max_rows=1000)
    src = plain_book(tmp_path)
    far = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row><row r="5000"><c r="A5000"><v>1</v></c></row>')
    path = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as b, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile: "Duplicate name"
        for info in a.infolist():
            b.writestr(info.filename, a.read(info))
            if info.filename == "xl/worksheets/sheet1.xml":
                b.writestr(info.filename, far)
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).height == 5000
    with pytest.raises(TooLarge, match="超过1000行（有内容的最后一行是第5000行）"):
        read_workbook(path)


def test_cells_out_of_order_and_in_odd_forms_are_all_seen(tmp_path):
    """The quick look gives a bound at least as large as calamine's range, whatever the form of the cells; the
    exact parse (for what the quick look cannot vouch for) gives calamine's range itself."""
    cases = [
        '<row r="5"><c r="C5"><v>1</v></c></row><row r="2"><c r="B2"><v>1</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c><c r="B900"><v>2</v></c></row><row r="2"><c r="E2"><v>1</v></c></row>',
        '<row r="1"><c r="A1" s="1"><v>1</v></c><c s="1" r="K3"><v>2</v></c></row>',
        '<row r="1"><c r="A1"><v>1</v></c><c\tr="Z44"><v>2</v></c></row>',
        '<row><c><v>1</v></c><c><v>2</v></c></row><row></row><row><c t="inlineStr"><is><t>x</t></is></c></row>',
        '<x:row r="3"><x:c r="D3"><x:v>1</x:v></x:c></x:row>',
        '<row r="1"><c r="A1"><v>1</v></c></row><row r="9"><c r="H9" s="2"/></row>',
        '<row r="4"><c r="B4"><f>1+1</f></c><c r="C4"><v>3</v></c></row>',
    ]
    for k, rows in enumerate(cases):
        xml = sheet_xml(rows)
        if "x:" in rows:
            xml = xml.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/'
                                              b'2006/main" ')
        path = rewrite(plain_book(tmp_path, f"b{k}.xlsx"), tmp_path / f"case{k}.xlsx",
                       {"xl/worksheets/sheet1.xml": xml})
        end = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).end
        rows_, cols_ = (end[0] + 1, end[1] + 1) if end else (0, 0)
        quick = _PartScan()
        quick.feed(xml)
        quick.close()
        exact = _ExactSheet()
        p = _expat(exact.start, exact.end, exact.text)
        try:
            p.Parse(xml, True)
        except Exception:  # noqa: BLE001 - _Stop at </sheetData>
            pass
        assert (exact.rows, exact.columns) == (rows_, cols_), (k, rows)
        if quick.exact:
            assert quick.rows >= rows_ and quick.columns >= cols_, (k, rows)
    # and read through the whole way, the same rows as calamine gives
    with read_workbook(tmp_path / "case1.xlsx") as wb:
        rows = wb.sheets[0][2]()
    assert len(rows) == 900 and rows[899][1] == 2.0


def test_formatting_down_to_the_last_row_is_not_content(tmp_path):
    """Only the used range counts: cells that are formatted but empty (as Excel writes a formatted column) are
    not read, however far down they go."""
    src = plain_book(tmp_path)
    rows = '<row r="1"><c r="A1"><v>1</v></c><c r="B1"><v>2</v></c></row>' + "".join(
        f'<row r="{r}"><c r="A{r}" s="1"/><c r="XFD{r}" s="1"/></row>' for r in (2, 500_000, 1_048_576))
    path = rewrite(src, tmp_path / "formatted.xlsx", {"xl/worksheets/sheet1.xml": sheet_xml(rows)})
    with read_workbook(path) as wb:
        assert wb.sheets[0][2]() == [[1.0, 2.0]]


def test_a_big_honest_workbook_passes(tmp_path):
    """No false alarm near the issue's size: 2 000 rows × 30 columns, plus a column added further down."""
    wb = OpenpyxlWorkbook()
    ws = wb.active
    for r in range(1, 2001):
        ws.append([f"{r}-{c}" for c in range(30)] + (["多一列"] if r > 1500 else []))
    path = tmp_path / "big.xlsx"
    wb.save(path)
    checked = sheet_reader.check_file(path)
    assert checked.kind == "xlsx" and checked.formulas == {}
    with read_workbook(path) as book_:
        rows = book_.sheets[0][2]()
    assert len(rows) == 2000 and rows[1999][30] == "多一列"


# ---- issue 19: unpacked bytes -------------------------------------------------------------------------------

def shared_strings_bomb(src: Path, dst: Path, count: int, *, announce: int | None = None) -> Path:
    """src with its shared-strings part swollen to ``count`` one-letter texts (about 17 bytes each)."""
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as b:
        for info in a.infolist():
            if info.filename != "xl/sharedStrings.xml":
                b.writestr(info, a.read(info))
                continue
            head, _, _ = a.read(info).partition(b"</sst>")
            if announce is not None:
                head = re.sub(rb'uniqueCount="[0-9]+"', f'uniqueCount="{announce}"'.encode(), head)
                assert str(announce).encode() in head
            part = zipfile.ZipInfo(info.filename)
            part.compress_type = zipfile.ZIP_DEFLATED
            with b.open(part, "w", force_zip64=True) as w:
                w.write(head)
                chunk = b"<si><t>a</t></si>" * 100_000
                for _ in range(count // 100_000):
                    w.write(chunk)
                w.write(b"</sst>")
    return dst


@pytest.fixture
def with_shared_strings(export_sub_unit) -> Path:
    """An exchange workbook as this program exports it (its texts in the shared-strings part)."""
    path = export_sub_unit()
    assert "xl/sharedStrings.xml" in zipfile.ZipFile(path).namelist()
    return path


def test_a_shared_strings_bomb_is_refused_before_it_is_unpacked(db, tmp_path, with_shared_strings):
    """Before: a 1 MB file of 25 million texts took 1.4 GB (the issue's 400 KB one 1.7 GB)."""
    path = shared_strings_bomb(with_shared_strings, tmp_path / "bomb.xlsx", 25_000_000)
    assert path.stat().st_size < 2_000_000
    refused(db, path, "文字部分解压后超过100MB", "可能已损坏或不是正常的表格")


def test_a_part_that_unpacks_far_beyond_the_others_is_refused_by_its_ratio(tmp_path):
    src = plain_book(tmp_path)
    padded = b"<sheetData>" + b" " * 20_000_000  # 20 MB of nothing, packed into 20 KB
    xml = sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>').replace(b"<sheetData>", padded)
    path = rewrite(src, tmp_path / "ratio.xlsx", {"xl/worksheets/sheet1.xml": xml}, level=9)
    with pytest.raises(TooLarge, match="压缩比异常"):
        read_workbook(path)


def lying(src: Path, dst: Path, part: str, payload: bytes, declared: int) -> Path:
    """src with ``part`` replaced by ``payload`` while both headers claim only ``declared`` bytes (with the CRC
    of that many: Python's zipfile then reads the part as sound)."""
    out = io.BytesIO()
    rewrite(src, out, {part: payload})
    data = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo(part)
    crc = zlib.crc32(payload[:declared])
    struct.pack_into("<LLL", data, info.header_offset + 14, crc, info.compress_size, declared)
    pos = 0
    while (pos := bytes(data).find(b"PK\x01\x02", pos)) >= 0:
        n = struct.unpack_from("<H", data, pos + 28)[0]
        if bytes(data[pos + 46:pos + 46 + n]).decode() == part:
            struct.pack_into("<LLL", data, pos + 16, crc, info.compress_size, declared)
        pos += 4
    dst.write_bytes(bytes(data))
    return dst


def test_a_part_bigger_than_its_header_says_is_refused(db, tmp_path, with_shared_strings):
    """The directory says a few KB; the data unpacks to 425 MB (before: 845 MB taken before calamine noticed)."""
    src = with_shared_strings
    small = zipfile.ZipFile(src).read("xl/sharedStrings.xml")
    head, _, _ = small.partition(b"</sst>")
    payload = head + b"<si><t>a</t></si>" * 25_000_000 + b"</sst>"
    path = lying(src, tmp_path / "lying.xlsx", "xl/sharedStrings.xml", payload, len(small))
    assert len(zipfile.ZipFile(path).read("xl/sharedStrings.xml")) == len(small)  # zipfile trusts the header
    refused(db, path, "解压后比压缩包目录中记载的大小", "文件被改动过")


def test_an_announced_count_of_texts_is_checked(db, tmp_path, with_shared_strings):
    """calamine reserves room for the count the part announces before reading it (before: an abort)."""
    path = shared_strings_bomb(with_shared_strings, tmp_path / "announce.xlsx", 0,
                               announce=4_000_000_000)
    refused(db, path, "文字超过2000000条")


def test_the_unpacked_total_and_the_number_of_parts_are_limited(monkeypatch, tmp_path):
    path = plain_book(tmp_path)
    small_limits(monkeypatch, max_unpacked_mb=1)
    big = rewrite(path, tmp_path / "big.xlsx", {"xl/media/picture.bin": os.urandom(600_000) * 2})
    with pytest.raises(TooLarge, match="文件解压后超过1MB"):
        read_workbook(big)
    small_limits(monkeypatch, max_entries=5)
    with pytest.raises(TooLarge, match="部件超过5个"):
        read_workbook(path)
    small_limits(monkeypatch, max_file_mb=1)
    with pytest.raises(TooLarge, match="超过1MB"):
        read_workbook(big)


def test_a_hostile_workbook_behind_a_password_is_checked_once_opened(db, tmp_path):
    """An encrypted workbook is an OLE container holding the .xlsx: the limits apply to what it decrypts to."""
    from aiddesk.exchange.export import encrypted_bytes

    path = tmp_path / "加密.xlsx"
    path.write_bytes(encrypted_bytes(exchange_book(tmp_path, far=(1_048_576, 1)), "工会2026"))
    with pytest.raises(TooLarge, match="超过500000行"):
        read_workbook(path, password="工会2026")


# ---- other formats ------------------------------------------------------------------------------------------

def test_a_text_table_over_the_limits_is_refused(monkeypatch, tmp_path):
    small_limits(monkeypatch, max_rows=100, max_text_mb=1)
    rows = tmp_path / "台账.csv"
    rows.write_text("姓名,金额\n" + "张三,1\n" * 100, encoding="utf-8")
    with pytest.raises(TooLarge, match="超过100行"):
        read_workbook(rows)
    with pytest.raises(UserError, match="超过100行"):
        for sheet in read_sheets(rows):
            list(sheet)
    big = tmp_path / "大.csv"
    big.write_bytes(b"a,b\n" * 300_000)
    with pytest.raises(TooLarge, match="超过1MB"):
        read_workbook(big)


def ods(path: Path, table: str, name: str = "表1") -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f'<office:body><office:spreadsheet><table:table table:name="{name}">{table}</table:table>'
               '</office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" '
                   'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                   '</manifest:manifest>')
        z.writestr("content.xml", content)
    return path


def test_an_ods_that_repeats_a_cell_across_every_column_is_refused(db, tmp_path):
    """Before: 800 bytes that took 15 s and 6 GB (6 000 rows × 16 384 repeated cells)."""
    path = ods(tmp_path / "repeat.ods", '<table:table-row table:number-rows-repeated="6000"><table:table-cell '
                                         'table:number-columns-repeated="16384" office:value-type="float" '
                                         'office:value="1"/></table:table-row>')
    refused(db, path, "第1张工作表“表1”超过500列")


def test_an_ods_is_read_whatever_its_name(tmp_path):
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    path = ods(tmp_path / "回执.xlsx", "<table:table-row>" + cell.format("手机号码") + cell.format("状态")
               + "</table:table-row><table:table-row>" + cell.format("13812345678") + cell.format("成功")
               + "</table:table-row>")
    assert [list(s) for s in read_sheets(path)] == [[["手机号码", "状态"], ["13812345678", "成功"]]]


def test_an_xlsb_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "台账.xlsb"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("_rels/.rels", "<Relationships/>")
        z.writestr("xl/workbook.bin", b"\x83\x01\x00")
    with pytest.raises(Unreadable, match=r"二进制工作簿（\.xlsb）.*另存为 \.xlsx"):
        read_workbook(path)


def test_a_web_page_named_xls_says_what_it_is(tmp_path):
    path = tmp_path / "导出.xls"
    path.write_text("<html><body><table><tr><td>张三</td></tr></table></body></html>", encoding="utf-8")
    with pytest.raises(Unreadable, match="网页"):
        read_workbook(path)


# ---- issue 22: the format from the content ------------------------------------------------------------------

def xls(path: Path, cells: dict[tuple[int, int], object] | None = None) -> Path:
    """A real .xls (BIFF8, as Excel 97–2003 writes it) made with xlwt."""
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("回执")
    for (r, c), v in (cells or {(0, 0): "手机号码", (0, 1): "状态", (1, 0): "13812345678", (1, 1): "成功"}).items():
        ws.write(r, c, v)
    wb.save(str(path))
    return path


def test_a_real_xls_renamed_xlsx_is_read(tmp_path):
    path = xls(tmp_path / "回执.xls")
    renamed = tmp_path / "回执.xlsx"
    renamed.write_bytes(path.read_bytes())
    assert readable(renamed)
    assert [list(s) for s in read_sheets(renamed)] == [[["手机号码", "状态"], ["13812345678", "成功"]]]
    with read_workbook(renamed) as wb:
        assert [load() for _n, _s, load in wb.sheets] == [[["手机号码", "状态"], ["13812345678", "成功"]]]


def test_an_xlsx_named_xls_or_csv_is_read(tmp_path):
    src = plain_book(tmp_path)
    for name in ("台账.xls", "台账.csv", "台账.dat"):
        path = tmp_path / name
        path.write_bytes(src.read_bytes())
        assert readable(path)
        assert [list(s) for s in read_sheets(path)] == [[["姓名", "金额"], ["张三", "100"]]]


def test_an_xls_whose_cells_reach_the_last_row_and_column_is_refused(db, tmp_path):
    """16.7 million cells from a few KB: before, calamine and Python together went past the memory limit."""
    path = xls(tmp_path / "far.xls", {(0, 0): "姓名", (65535, 255): "x"})
    refused(db, path, "第1张工作表“回执”", "65536行×256列", "超过10000000个单元格")


def patched(src: Path, dst: Path, find: bytes, change: Callable) -> Path:
    data = bytearray(src.read_bytes())
    at = bytes(data).find(find)
    assert at >= 0
    change(data, at)
    dst.write_bytes(bytes(data))
    return dst


def test_an_xls_announcing_billions_of_cells_is_refused(db, tmp_path):
    """The Dimensions record is believed: calamine reserves room for that many cells first (before: a panic)."""
    path = patched(xls(tmp_path / "d.xls"), tmp_path / "dimensions.xls", b"\x00\x02\x0e\x00",
                   lambda data, at: struct.pack_into("<LLHH", data, at + 4, 0, 0xFFFFFFFF, 0, 0xFF))
    refused(db, path, "声称有", "个单元格")


def test_an_xls_whose_sectors_go_round_in_a_loop_is_refused(db, tmp_path):
    """A chain of sectors that comes back on itself: calamine followed it for ever (before: out of memory)."""
    src = xls(tmp_path / "l.xls")
    data = bytearray(src.read_bytes())
    dir_start = struct.unpack_from("<L", data, 48)[0]
    fat_sector = struct.unpack_from("<L", data, 76)[0]
    struct.pack_into("<L", data, (fat_sector + 1) * 512 + 4 * dir_start, dir_start)
    path = tmp_path / "loop.xls"
    path.write_bytes(bytes(data))
    refused(db, path, "无法打开", "已损坏")


# ---- formulas without their result --------------------------------------------------------------------------

def formula_book(tmp_path: Path, *, odd: bool = False) -> Path:
    """B2 a formula with no result kept (as openpyxl writes one), C2 one whose result is empty text (as Excel
    writes it), D2 one with its result; ``odd``: a cell in a form the quick look leaves to the exact parse."""
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>金额</t></is></c></row>'
            '<row r="2"><c r="A2"><v>5</v></c><c r="B2"><f>A2*2</f><v></v></c>'
            '<c r="C2" t="str"><f>IF(A2=5,"","x")</f><v></v></c><c r="D2"><f>A2+1</f><v>6</v></c>'
            '<c r="E2"><f>A2&amp;"元"</f></c></row>')
    if odd:
        rows = rows.replace('<c r="A2">', '<c  r="A2">')
    return rewrite(plain_book(tmp_path, "f.xlsx"), tmp_path / ("odd.xlsx" if odd else "formulas.xlsx"),
                   {"xl/worksheets/sheet1.xml": sheet_xml(rows)})


@pytest.mark.parametrize("odd", [False, True], ids=["quick look", "exact parse"])
def test_a_formula_without_its_result_is_told_apart_from_an_empty_cell(tmp_path, odd):
    with read_workbook(formula_book(tmp_path, odd=odd)) as wb:
        rows = wb.sheets[0][2]()
    _a, b, c, d, e = rows[1]
    assert isinstance(b, FormulaWithoutValue) and b.formula == "A2*2"
    assert isinstance(e, FormulaWithoutValue) and e.formula == 'A2&"元"'
    assert c == "" and not isinstance(c, FormulaWithoutValue)   # an empty text result is a result
    assert d == 6.0
    # to code that does not know it, it is an empty cell; to sets and dicts, a cell of its own
    assert not b.strip() and isinstance(b, str) and b != "" and len({b, "", e}) == 3
    assert "没有保存计算结果" in FormulaWithoutValue.MESSAGE
    assert [list(s) for s in read_sheets(formula_book(tmp_path, odd=odd))][0][1] == ["5", "", "", "6", ""]


def test_a_file_never_calculated_at_all_is_refused_as_a_whole(monkeypatch, tmp_path):
    small_limits(monkeypatch, max_formulas_without_value=2)
    wb = OpenpyxlWorkbook()
    ws = wb.active
    ws.append([1, "=A1*2", "=A1*3", "=A1*4"])
    wb.save(tmp_path / "uncalculated.xlsx")
    with pytest.raises(TooLarge, match="有超过2个公式单元格没有保存计算结果.*打开它并保存"):
        read_workbook(tmp_path / "uncalculated.xlsx")


# ---- the limits file ----------------------------------------------------------------------------------------

def test_the_limits_file_broken_or_missing_is_said_in_chinese(monkeypatch, tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    monkeypatch.setattr("aiddesk.core.rule_files.resource", lambda *parts: tmp_path.joinpath(*parts))
    with pytest.raises(UserError, match="找不到规则文件 resources/rules/workbook_limits.json"):
        read_limits()
    (rules / "workbook_limits.json").write_text("{", encoding="utf-8")
    with pytest.raises(UserError, match="workbook_limits.json（表格读取上限）第 1 行无法读取"):
        read_limits()
    good = json.loads((ROOT / "resources" / "rules" / "workbook_limits.json").read_text(encoding="utf-8"))
    (rules / "workbook_limits.json").write_text(json.dumps({**good, "max_rows": "很多"}), encoding="utf-8")
    with pytest.raises(UserError, match="“max_rows”应为正整数"):
        read_limits()
    # reading a workbook says so as it says a file cannot be read (the command line's --json stays JSON)
    with pytest.raises(Unreadable, match="“max_rows”应为正整数"):
        read_workbook(plain_book(tmp_path))
