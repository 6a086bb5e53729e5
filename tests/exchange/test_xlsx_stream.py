"""The streaming xlsx writer: what it writes is read back the same by openpyxl and by python-calamine."""

from __future__ import annotations

import zipfile
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from aiddesk.exchange import xlsx_stream as xs

TYPES = [xs.TEXT, xs.TEXT_KEPT, xs.FEN, xs.DATE, xs.INT]
HEADERS = ["名称", "身份证号", "金额", "日期", "人次"]


def write(path, rows, *, names=("说明", "数据")):
    with xs.StreamingWorkbook(str(path), list(names), creator="AidDesk 测试") as book:
        sheet = book.sheet("数据", TYPES, [20, 22, 13, 13, 8])
        sheet.header(HEADERS)
        texts = [sheet.row(r) for r in rows]
        book.close_sheet()
        first = book.sheet("说明", [xs.TEXT, xs.TEXT], [14, 70])
        first.header(["项", "值"])
        first.row(["格式版本", 1], [xs.TEXT, xs.INT])
        first.row(["单位代码", "460000"], [xs.TEXT, xs.TEXT_KEPT])
        book.close_sheet()
    return texts


ROWS = [
    ("张三", "460100198001010073", 100050, "2015-12-15", 3),
    ("A&B <公司> \"甲\"", "6222021234567890123", -1, "1900-03-01", 0),
    ("  前后空格  ", "", 0, None, None),
    ("控制\x01字符\x0b", None, 123456789012, "2025-01-31T08:00:00", 7),
    ("换行\n第二行", "0012", 5, "2015-02-28", -4),
]


def test_openpyxl_reads_back_values_types_styles_and_sheet_order(tmp_path):
    path = tmp_path / "t.xlsx"
    texts = write(path, ROWS)
    wb = load_workbook(path)
    assert wb.sheetnames == ["说明", "数据"]
    ws = wb["数据"]
    assert [c.value for c in ws[1]] == HEADERS and all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2" and wb["说明"].freeze_panes == "A2"
    assert ws.column_dimensions["B"].width == 22
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert got[0] == ["张三", "460100198001010073", 1000.5, datetime(2015, 12, 15), 3]
    assert got[1] == ["A&B <公司> \"甲\"", "6222021234567890123", -0.01, datetime(1900, 3, 1), 0]
    assert got[2][:3] == ["  前后空格  ", None, 0]
    assert got[3][0] == "控制字符" and got[3][2] == 1234567890.12  # characters XML cannot hold are dropped
    assert got[4][0] == "换行\n第二行" and got[4][1] == "0012" and got[4][4] == -4
    assert ws["B2"].number_format == "@" and ws["C2"].number_format == "0.00" and ws["D2"].number_format == "yyyy-mm-dd"
    assert ws["B2"].data_type == "s"  # an ID number is a text cell
    manifest = [[c.value for c in row] for row in wb["说明"].iter_rows(min_row=2)]
    assert manifest == [["格式版本", 1], ["单位代码", "460000"]] and wb["说明"]["B3"].number_format == "@"
    # The texts given back are the cells as Excel shows them (the 校验码 is computed from them).
    assert texts[0] == ["张三", "460100198001010073", "1000.50", "2015-12-15", "3"]
    assert texts[1][2:4] == ["-0.01", "1900-03-01"] and texts[2] == ["  前后空格  ", "", "0.00", "", ""]
    assert texts[3][0] == "控制字符"


def test_calamine_reads_back_the_same(tmp_path):
    path = tmp_path / "t.xlsx"
    write(path, ROWS)
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == ["说明", "数据"]
    rows = book.get_sheet_by_name("数据").to_python(skip_empty_area=False)
    assert rows[0] == HEADERS
    assert rows[1][:4] == ["张三", "460100198001010073", 1000.5, date(2015, 12, 15)]
    assert rows[2][0] == "A&B <公司> \"甲\"" and rows[3][0] == "  前后空格  " and rows[5][1] == "0012"


def test_a_failure_midway_leaves_a_closed_file_without_the_workbook_parts(tmp_path):
    path = tmp_path / "t.xlsx"
    with pytest.raises(RuntimeError, match="磁盘"):
        with xs.StreamingWorkbook(str(path), ["数据"]) as book:
            sheet = book.sheet("数据", TYPES)
            sheet.row(ROWS[0])
            raise RuntimeError("磁盘已满")
    with zipfile.ZipFile(path) as z:  # closed properly (the caller deletes it), but no workbook in it
        assert "xl/workbook.xml" not in z.namelist()


def test_one_sheet_at_a_time(tmp_path):
    with xs.StreamingWorkbook(str(tmp_path / "t.xlsx"), ["a", "b"]) as book:
        book.sheet("a", [xs.TEXT])
        with pytest.raises(RuntimeError):
            book.sheet("b", [xs.TEXT])


@pytest.mark.parametrize(("index", "letters"), [(0, "A"), (25, "Z"), (26, "AA"), (51, "AZ"), (702, "AAA")])
def test_column_letters(index, letters):
    assert xs.column_letter(index) == letters
