"""The 绩效自评表 workbook: merged group cells, weights and scores as numbers, frozen header, landscape print."""

from __future__ import annotations

import openpyxl
import pytest
from test_evaluation_pdf import UNIT, scored, small_template

from aiddesk.core.errors import UserError
from aiddesk.reports.evaluation_xlsx import write_evaluation_xlsx


def test_the_workbook_has_the_table_with_merged_group_cells_and_numbers(tmp_path):
    t = small_template()
    result = scored(t, not_applicable={t.rows[3].key})
    out = tmp_path / "自评表.xlsx"
    write_evaluation_xlsx(result, t, out, unit_name=UNIT)
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == "2015年度绩效自评表" and UNIT in ws["A2"].value
    assert [c.value for c in ws[4]] == ["一级指标", "分值", "二级指标", "分值", "三级指标", "分值", "评分标准",
                                       "自评得分", "计分依据"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    # 基础工作 (rows 5–7) with its weight; 档案管理 (rows 5–6) with its weight; single rows are not merged.
    assert {"A5:A7", "B5:B7", "C5:C6", "D5:D6"} <= merged
    assert not any(r.startswith(("A8:", "C7:")) for r in merged)
    assert (ws["A5"].value, ws["B5"].value, ws["C5"].value, ws["D5"].value) == ("基础工作", 15, "档案管理", 8)
    assert (ws["C7"].value, ws["D7"].value) == ("资金到位", 7)
    assert ws["E6"].value == "是否建立完善的困难职工电子档案※"
    scores = [ws.cell(r, 8).value for r in range(5, 11)]
    assert scores[:3] == [4, 3.5, 7] and scores[3] == "不适用" and scores[5] == 18
    assert all(isinstance(ws.cell(r, 6).value, (int, float)) for r in range(5, 11))
    assert "自动计分" in ws["I7"].value and "447.0716万元" in ws["I7"].value
    # 合计 and 评价等级 rows under the table.
    assert ws["A11"].value == "合计" and "A11:E11" in merged
    assert ws["F11"].value == 100 and ws["H11"].value == pytest.approx(97.06)
    assert "适用分值85分" in ws["I11"].value
    assert ws["A12"].value.startswith("评价等级") and ws["H12"].value == "优"
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$4:$4"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # A4


def test_an_open_workbook_is_refused_and_no_part_file_is_left(tmp_path, monkeypatch):
    import os

    t = small_template()
    out = tmp_path / "自评表.xlsx"
    out.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "locked")

    monkeypatch.setattr(os, "replace", locked)
    with pytest.raises(UserError, match="Excel"):
        write_evaluation_xlsx(scored(t), t, out, unit_name=UNIT)
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["自评表.xlsx"]
