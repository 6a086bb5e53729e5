"""The workbook's zip container: parts assembled from pieces deflated apart read back whole, with zip64 where due."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
import zlib

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from aiddesk.exchange import xlsx_stream as xs
from aiddesk.exchange import xlsx_zip as xz


@given(st.binary(max_size=300), st.binary(max_size=3000))
def test_the_crc_of_joined_data_is_joined_from_the_crcs_of_its_pieces(first, second):
    assert xz.crc32_combine(zlib.crc32(first), zlib.crc32(second), len(second)) == zlib.crc32(first + second)


def test_a_part_assembled_from_a_head_deflated_after_its_body_reads_back_in_order(tmp_path):
    path = tmp_path / "t.zip"
    rows = [f"<row r='{i}'>第{i}行</row>".encode() for i in range(20_000)]
    out = xz.ZipWriter(str(path))
    out.add("first.xml", b"<first/>")
    body = xz.DeflatedBody(str(tmp_path))
    for row in rows:
        body.write(row)
    body.finish()
    out.add_assembled("sheet.xml", "<head 头/>".encode(), body, b"<tail/>")
    body.close()
    out.close()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every part's CRC checks
        assert z.namelist() == ["first.xml", "sheet.xml"]
        assert z.read("sheet.xml") == "<head 头/>".encode() + b"".join(rows) + b"<tail/>"
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}  # Excel's stamp, not this PC's time


def test_the_rows_are_deflated_once(tmp_path):
    """The assembled part's compressed bytes are the body's own, between the head's and the tail's."""
    body = xz.DeflatedBody(None)
    body.write(b"<row/>" * 10_000)
    body.finish()
    out = xz.ZipWriter(str(tmp_path / "t.zip"))
    out.add_assembled("a.xml", b"<a>", body, b"</a>")
    out.close()
    with zipfile.ZipFile(tmp_path / "t.zip") as z:
        info = z.getinfo("a.xml")
    head, tail = xz.deflate(b"<a>", last=False), xz.deflate(b"</a>", last=True)
    assert info.compress_size == len(head) + body.deflated + len(tail)


def test_sizes_and_offsets_past_the_limit_go_into_zip64_records_that_every_reader_follows(tmp_path, monkeypatch):
    """A real zip64 file needs 4 GiB; with the limit lowered, a small workbook takes the same records."""
    monkeypatch.setattr(xz, "_LIMIT", 1000)
    path = tmp_path / "t.xlsx"
    with xs.StreamingWorkbook(str(path), ["数据"]) as book:
        sheet = book.sheet("数据", [xs.TEXT, xs.FEN])
        sheet.header(["名称", "金额"])
        for i in range(500):
            sheet.row([f"第{i}户", i * 100])
        book.close_sheet()
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size > 1000  # over the (lowered) limit
    assert zipfile.ZipFile(path).read("xl/worksheets/sheet1.xml").startswith(b"<?xml")
    assert load_workbook(path)["数据"]["A501"].value == "第499户"
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("数据").to_python()
    assert len(rows) == 501 and rows[-1] == ["第499户", 499.0]
    if shutil.which("unzip"):  # Info-ZIP too, where it is installed: a reader that shares no code with ours
        result = subprocess.run(["unzip", "-tq", str(path)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
