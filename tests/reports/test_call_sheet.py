"""The 电话抽查记录表 as PDF and workbook: how the sample was drawn, full phone numbers, blanks to fill, sign-off."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from aiddesk.core.errors import UserError
from aiddesk.reports.call_sheet import HEADER, CallSheet, CallSheetRow, write_call_sheet
from aiddesk.reports.call_sheet_xlsx import HEADER as XLSX_HEADER
from aiddesk.reports.call_sheet_xlsx import SHEET, write_call_sheet_xlsx
from aiddesk.reports.common import Cancelled
from aiddesk.services.spot_checks import results

ROWS = (
    CallSheetRow("省财贸工会", "张三", "13812345678", Decimal("800.00"), date(2026, 10, 22), "会员服务卡"),
    CallSheetRow("省财贸工会", "李梅", "0898-66123456", Decimal("1200.50"), date(2026, 10, 22), "银行卡"),
    CallSheetRow("省旅游工会", "王五", "", Decimal("800.00"), date(2026, 10, 23), "现金"),
)


def sheet(rows=ROWS) -> CallSheet:
    return CallSheet(office_name="海南省职工服务中心", batch_code="460000-PC2026-007", batch_name="2026年国庆生活救助",
                     round_no=2, seed="A1B2C3D4", drawn_on=date(2026, 10, 25), drawn_by="jingban",
                     method="按比例 10%", population=30, strata="省财贸工会 2/20、省旅游工会 1/10",
                     results=tuple(results()), rows=tuple(rows), printed_on=date(2026, 10, 25))


def _pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


def test_the_pdf_names_the_draw_and_lists_full_numbers(tmp_path):
    out = tmp_path / "抽查.pdf"
    assert write_call_sheet(out, sheet()) == 3
    [text] = _pages(out)
    assert "2026年国庆生活救助电话抽查记录表" in text
    assert "460000-PC2026-007" in text
    # how it was drawn, so that an inspector can draw it again
    for fact in ("第2轮", "按比例10%", "3人（共30人）", "A1B2C3D4", "2026年10月25日", "jingban",
                 "省财贸工会2/20、省旅游工会1/10", "以随机种子A1B2C3D4对同一批次重新抽取"):
        assert fact in text, fact
    assert "".join(HEADER) in text
    assert "1省财贸工会张三13812345678800.002026-10-22会员服务卡" in text
    assert "2省财贸工会李梅0898-661234561,200.502026-10-22银行卡" in text
    assert "3省旅游工会王五（无号码）800.002026-10-23现金" in text
    assert "核实结果填写：核实一致、金额不符、本人未收到、未接通、号码错误" in text
    assert "不得张贴或外传" in text
    assert "抽查人（签字）" in text and "复核人（签字）" in text
    assert "本次共抽查人，其中核实一致人" in text
    assert "第1页共1页" in text and "随机种子A1B2C3D4" in text


def test_a_long_sheet_repeats_its_header_and_keeps_the_sign_off(tmp_path):
    rows = [CallSheetRow("省财贸工会", f"职工{i:03d}", f"139{i:08d}", Decimal("800.00"), date(2026, 10, 22),
                         "会员服务卡") for i in range(1, 61)]
    out = tmp_path / "抽查.pdf"
    assert write_call_sheet(out, sheet(rows)) == 60
    pages = _pages(out)
    assert len(pages) >= 3
    assert all("".join(HEADER) in p for p in pages)
    assert all(f"职工{i:03d}139{i:08d}" in "".join(pages) for i in range(1, 61))
    assert "抽查人（签字）" in pages[-1] and "职工060" in pages[-1]
    assert f"第1页共{len(pages)}页" in pages[0]


def test_cancelling_leaves_no_file(tmp_path):
    out = tmp_path / "抽查.pdf"
    with pytest.raises(Cancelled):
        write_call_sheet(out, sheet(), progress=lambda n: False)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_an_empty_draw_is_refused(tmp_path):
    with pytest.raises(UserError, match="没有抽到任何人"):
        write_call_sheet(tmp_path / "a.pdf", sheet(()))
    with pytest.raises(UserError, match="没有抽到任何人"):
        write_call_sheet_xlsx(tmp_path / "a.xlsx", sheet(()))


def test_the_workbook_holds_the_same_sheet(tmp_path):
    out = tmp_path / "抽查.xlsx"
    assert write_call_sheet_xlsx(out, sheet()) == 3
    ws = load_workbook(out)[SHEET]
    texts = [ws.cell(r, 1).value or "" for r in range(1, 7)]
    assert texts[0] == "2026年国庆生活救助电话抽查记录表"
    assert "460000-PC2026-007" in texts[1]
    assert "随机种子：A1B2C3D4" in texts[2] and "第 2 轮" in texts[2] and "按比例 10%" in texts[2]
    assert texts[3] == "各单位抽取：省财贸工会 2/20、省旅游工会 1/10"
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    assert tuple(ws.cell(top, c).value for c in range(1, 12)) == XLSX_HEADER == HEADER
    rows = [tuple(ws.cell(top + i, c).value for c in range(1, 12)) for i in (1, 2, 3)]
    assert rows[0] == (1, "省财贸工会", "张三", "13812345678", 800, datetime(2026, 10, 22), "会员服务卡",
                       None, None, None, None)
    assert rows[1][3] == "0898-66123456" and rows[1][4] == Decimal("1200.50")
    assert rows[2][2:4] == ("王五", None)
    # phone numbers are text, amounts numbers shown in 元
    assert ws.cell(top + 1, 4).data_type == "s" and ws.cell(top + 1, 4).number_format == "@"
    assert ws.cell(top + 1, 5).number_format == "#,##0.00"
    # 核实结果 is picked from the code list
    [pick] = ws.data_validations.dataValidation
    assert pick.formula1 == '"核实一致,金额不符,本人未收到,未接通,号码错误"'
    assert str(pick.sqref) == f"H{top + 1}:H{top + 3}"
    assert ws.cell(top + 5, 1).value == "抽查人（签字）："
    assert ws.freeze_panes == f"A{top + 1}"
