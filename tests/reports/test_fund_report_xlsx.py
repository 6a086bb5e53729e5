"""The fund report workbook: exact amounts as numbers, 万元 and rates formatted, frozen headers, safe writing."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from seed_2015 import build_seed_2015

from aiddesk.core.errors import UserError
from aiddesk.reports import fund_report_sections as fs
from aiddesk.reports.fund_report_xlsx import RATE_FORMAT, WAN_FORMAT, YUAN_FORMAT, write_fund_report_xlsx
from aiddesk.services.archive import ArchiveService
from aiddesk.services.fund_report import fund_report
from aiddesk.services.fund_report_output import export_fund_report

SHEETS = ["概述", "一 资金预算与到位", "二 资金收入", "三 资金支出 本级", "四 资金结余", "五 下级单位资金使用情况",
          "六 总体情况 本级和下级单位", "七 计划完成情况"]


@pytest.fixture
def workbook(db, actor, make_household, tmp_path):
    people = [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]
    build_seed_2015(db, actor, people)
    out = tmp_path / "2015年资金报告.xlsx"
    export_fund_report(db, 2015, out)
    return load_workbook(out)


def exact(value) -> Decimal:
    """A number read back from the file as the Decimal it stands for (openpyxl reads floats)."""
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return Decimal(str(value))


def row_of(ws, *first: str):
    """The cells of the row whose leading texts are ``first``, as (value, number_format) pairs."""
    for row in ws.iter_rows():
        texts = [c.value for c in row[:len(first)]]
        if texts == list(first):
            return row
    raise AssertionError(f"no row starting {first} in {ws.title}")


def test_a_sheet_per_section_after_the_overview(workbook):
    assert workbook.sheetnames == SHEETS
    overview = workbook["概述"]
    assert overview["A1"].value == "海南省职工服务中心2015年帮扶资金使用情况报告"
    prose = " ".join(str(c.value) for c in overview["A"] if c.value)
    for figure in ("423.0716万元", "408.772945万元", "2059人次", "剩余14.298655万元，用于2016年", "资金到位率100.00%"):
        assert figure in prose


def test_amounts_are_exact_numbers_in_yuan_and_wan(workbook):
    total = row_of(workbook["四 资金结余"], "合计")
    assert [exact(c.value) for c in total[1:6]] == [Decimal("4230716"), Decimal("4087729.45"), Decimal("0"),
                                                    Decimal("142986.55"), Decimal("14.298655")]
    assert [c.number_format for c in total[1:6]] == [YUAN_FORMAT] * 4 + [WAN_FORMAT]
    assert total[0].font.bold

    spending = workbook["三 资金支出 本级"]
    central = row_of(spending, "中央财政", "生活救助")
    assert [exact(c.value) for c in central[2:5]] == [Decimal("582016"), Decimal("58.2016"), Decimal("631")]
    union_medical = [r for r in spending.iter_rows() if r[1].value == "医疗救助" and r[2].value
                     and exact(r[2].value) == Decimal("577013.45")]
    assert exact(union_medical[0][3].value) == Decimal("57.701345") and union_medical[0][4].value == 62
    grand = row_of(spending, None, "总计")
    assert [exact(c.value) for c in grand[2:5]] == [Decimal("4087729.45"), Decimal("408.772945"), Decimal("2059")]
    # The source spans its rows: 中央财政 is one merged cell over 生活/医疗/助学救助 and 小计.
    assert "A4:A7" in {str(r) for r in spending.merged_cells.ranges}

    budget = row_of(workbook["一 资金预算与到位"], "合计")
    assert exact(budget[1].value) == Decimal("4470716") and exact(budget[4].value) == Decimal("447.0716")
    assert exact(budget[5].value) == Decimal("1") and budget[5].number_format == RATE_FORMAT

    sub = row_of(workbook["五 下级单位资金使用情况"], 5, "省科文卫体工会")
    assert exact(sub[2].value) == Decimal("15000") and exact(sub[4].value) == Decimal("1800")
    assert exact(sub[5].value) == Decimal("0.18") and sub[6].value == 5
    assert exact(sub[7].value) == Decimal("13200") and sub[8].value == "按报送数"

    overall = row_of(workbook["六 总体情况 本级和下级单位"], "合计")
    assert [exact(c.value) for c in overall[1:8]] == [
        Decimal("4087729.45"), Decimal("2059"), Decimal("226800"), Decimal("384"), Decimal("4314529.45"),
        Decimal("431.452945"), Decimal("2443")]


def test_no_figure_is_stored_as_text_and_headers_are_bold_and_frozen(workbook):
    looks_numeric = re.compile(r"^-?[\d,]+(\.\d+)?%?$")
    for ws in workbook.worksheets[1:]:
        assert ws.freeze_panes is not None, ws.title
        header_row = int(re.sub(r"\D", "", ws.freeze_panes)) - 1
        assert all(c.font.bold for c in ws[header_row] if c.value), ws.title
        for row in ws.iter_rows():
            for cell in row:
                text = cell.value if isinstance(cell.value, str) else ""
                assert not looks_numeric.match(text), (ws.title, cell.coordinate)
        widths = [ws.column_dimensions[letter].width for letter in "ABCDE" if letter in ws.column_dimensions]
        assert widths and all(8 <= w <= 40 for w in widths), ws.title


def test_a_workbook_open_in_excel_is_refused_in_chinese_and_the_old_file_kept(db, tmp_path, monkeypatch):
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "报告.xlsx"
    out.write_bytes(b"old")

    def locked(src, dst):
        raise PermissionError(13, "in use")

    monkeypatch.setattr("aiddesk.atomic.os.replace", locked)
    with pytest.raises(UserError, match="可能正在 Excel 中打开"):
        write_fund_report_xlsx(fund_report(db, 2015), out, today=date(2016, 1, 15))
    assert out.read_bytes() == b"old" and [p.name for p in folder.iterdir()] == ["报告.xlsx"]


def test_an_empty_year_says_so_instead_of_empty_tables(db, tmp_path):
    out = tmp_path / "empty.xlsx"
    export_fund_report(db, 2031, out)
    wb = load_workbook(out)
    assert wb["一 资金预算与到位"]["A3"].value == "本年度没有预算，也没有到位资金。"
    assert wb["三 资金支出 本级"]["A3"].value == fs.sections(fund_report(db, 2031))[2].grids[0].empty
