"""The import check's 问题清单 workbook: one row per issue, errors first, text kept as text, written atomically."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from aiddesk.exchange.validate import Issue
from aiddesk.reports.import_issues_xlsx import HEADER, write_import_issues_xlsx

ERRORS = [Issue("困难职工档案", 12, "身份证号", "460100197503020030", "身份证号校验位错误，应为1"),
          Issue("帮扶明细", 3, "金额", "=SUM(A1:A2)", "不是金额，请填写数字，例如 1000 或 1000.50")]
WARNINGS = [Issue("说明", None, "校验码", "0" * 64, "表格在导出后被修改过"),
            Issue("预算", 1, "备注\x07", "备注\x07", "“备注”不是“预算”表的列，未导入")]


def test_every_issue_is_a_row_errors_first(tmp_path):
    out = tmp_path / "问题清单.xlsx"
    assert write_import_issues_xlsx(out, ERRORS, WARNINGS, source="台账.xlsx") == 4
    book = load_workbook(out)
    ws = book.active
    assert ws.title == "问题清单" and book.properties.title == "台账.xlsx导入检查问题清单"
    assert [c.value for c in ws[1]] == list(HEADER) == ["类别", "工作表", "行", "列", "内容", "说明"]
    assert all(c.font.b for c in ws[1]) and ws.freeze_panes == "A2"
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=2)] == [
        ["错误", "困难职工档案", 12, "身份证号", "460100197503020030", "身份证号校验位错误，应为1"],
        ["错误", "帮扶明细", 3, "金额", "=SUM(A1:A2)", "不是金额，请填写数字，例如 1000 或 1000.50"],
        ["提醒", "说明", None, "校验码", "0" * 64, "表格在导出后被修改过"],
        ["提醒", "预算", 1, "备注", "备注", "“备注”不是“预算”表的列，未导入"]]
    assert ws["E3"].data_type == "s"       # a cell's text that looks like a formula stays text
    assert ws["E2"].data_type == "s"       # an ID number stays text, all 18 digits
    # Columns as wide as their widest text; the 64-character checksum wraps in 内容's 40 (layout: test_xlsx_layout.py).
    assert [ws.column_dimensions[c].width for c in "ABCDEF"] == [6, 14, 5, 10, 40, 44]
    assert ws["E4"].alignment.wrap_text and ws.row_dimensions[4].height >= 30


def test_no_issues_is_just_the_header(tmp_path):
    out = tmp_path / "空.xlsx"
    assert write_import_issues_xlsx(out, [], []) == 0
    assert load_workbook(out).active.max_row == 1


def test_a_failure_keeps_the_old_file_and_leaves_no_part(tmp_path):
    out = tmp_path / "问题清单.xlsx"
    out.write_bytes(b"old")
    with pytest.raises(ValueError):
        write_import_issues_xlsx(out, [Issue("帮扶明细", 2, "金额", object(), "x")], [])
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["问题清单.xlsx"]
