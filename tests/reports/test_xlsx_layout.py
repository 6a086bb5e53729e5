"""The workbooks people read and print: columns as wide as their content, wrapped and merged text as high as its
lines, the header on every printed page, as wide as the paper — each workbook opened as written, and rendered."""

from __future__ import annotations

import re
import sys
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from pypdf import PdfReader

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.exchange.validate import Issue
from aiddesk.reports.call_sheet import CallSheet, CallSheetRow
from aiddesk.reports.call_sheet_xlsx import write_call_sheet_xlsx
from aiddesk.reports.import_issues_xlsx import write_import_issues_xlsx
from aiddesk.reports.xlsx_layout import (CAP, DATE_FORMAT, content_widths, fit_heights, height_for,
                                         lines_needed, print_setup, text_width)
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import BANK_HEADERS, PaymentService
from aiddesk.services.sms import LIST_HEADERS, NO_MOBILE_HEADERS, NO_MOBILE_SHEET, SmsService
from aiddesk.services.spot_checks import results
from workflow_steps import approve_batch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))
from render_workbooks import soffice, to_pdf  # noqa: E402  (the same conversion tools/render-workbooks uses)

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
RECORD_NO = "460001-PC2026-001-000{:03d}"  # a 明细编号 of 23 characters
# The units of a centre's draw: the merged 各单位抽取 line runs over several printed lines.
UNITS = [f"海南省{name}工会" for name in ("财贸", "旅游", "农垦集团有限公司", "交通运输厅", "教科文卫体", "机械冶金建材",
                                          "能源化学地质", "海口市美兰区总", "三亚市吉阳区总", "儋州市那大镇总",
                                          "琼海市嘉积镇总", "万宁市万城镇总", "航空控股股份有限公司")]


# ---- the helper itself ------------------------------------------------------------------------------

def test_chinese_characters_count_double_and_capitals_a_little_more():
    assert text_width("460100197503020031") == 18
    assert text_width("省财贸工会") == 10 and text_width("（）：") == 6
    assert text_width("HN") == pytest.approx(2.4)
    # As Unicode's east_asian_width has it, over every block offices write in (measured by a regex, for speed).
    blocks = [(0x20, 0x7f), (0xa0, 0x2fff), (0x2e80, 0xa4cf), (0xac00, 0xd7a3), (0xf900, 0xfaff), (0xfe10, 0xfe6f),
              (0xff00, 0xffef), (0x20000, 0x20fff)]
    for start, end in blocks:
        for code in range(start, end + 1):
            ch = chr(code)
            if unicodedata.category(ch) in ("Cn", "Co", "Cs", "So", "Sm"):  # unassigned, private; pictographs
                continue
            wide = 2 if unicodedata.east_asian_width(ch) in "WF" else 1.2 if "A" <= ch <= "Z" else 1
            assert text_width(ch) == pytest.approx(wide), hex(code)


def test_a_column_is_as_wide_as_its_longest_value_within_the_cap_and_never_narrower_than_its_header():
    widths = content_widths([("明细编号", "单位", "金额", "备注"),
                             (RECORD_NO.format(1), "海南省农垦集团有限公司工会", Decimal("1234567.89"), "长" * 40),
                             (None, "省总", Decimal("5"), "")], formats={3: "#,##0.00"}, minimum={4: 30})
    assert widths[1] >= 23 + 1 and widths[2] >= text_width("海南省农垦集团有限公司工会") + 1
    assert widths[3] >= len("1,234,567.89") + 1   # measured as shown, separators and all
    assert widths[4] == CAP                        # 80 wide: capped; a wrapped cell takes more lines instead
    assert content_widths([("序号",), (1,)])[1] >= text_width("序号")
    assert content_widths([("备注",)], minimum={1: 30})[1] == 30


def test_a_merged_wrapped_text_gets_the_height_of_its_lines_over_its_merged_width():
    wb = Workbook()
    ws = wb.active
    text = "各单位抽取：" + "、".join(f"{u} 2/20" for u in UNITS)
    ws["A1"] = text
    ws["A1"].alignment = Alignment(wrap_text=True)
    ws.merge_cells("A1:D1")
    ws["A2"] = "一行"
    for letter in "ABCD":
        ws.column_dimensions[letter].width = 20
    fit_heights(ws)
    lines = lines_needed(text, 80)
    assert lines >= 4 and ws.row_dimensions[1].height == height_for(lines)
    assert ws.row_dimensions[2].height is None     # a row without wrapped text keeps Excel's own height
    assert lines_needed("一二三四五", 12) == 1 and lines_needed("一二三四五\n六", 12) == 2


def test_print_setup_repeats_the_header_fits_the_width_and_turns_wide_sheets_landscape():
    wb = Workbook()
    narrow, wide = wb.active, wb.create_sheet()
    for ws, width in ((narrow, 15), (wide, 30)):
        ws.append(["甲", "乙", "丙", "丁", "戊"])
        for letter in "ABCDE":
            ws.column_dimensions[letter].width = width
        print_setup(ws, title_rows=(1, 1))
        assert ws.print_title_rows == "$1:$1" and ws.freeze_panes == "A2"
        assert int(ws.page_setup.paperSize) == 9 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        assert ws.oddFooter.center.text == "第 &P 页 共 &N 页"
    assert narrow.page_setup.orientation == "portrait" and wide.page_setup.orientation == "landscape"


def printed_for_people(ws, header_row: int = 1) -> None:
    """What every sheet meant for paper has: its header repeated on each page and frozen, A4 fit to width."""
    assert ws.print_title_rows == f"${header_row}:${header_row}", ws.title
    assert ws.freeze_panes == f"A{header_row + 1}", ws.title
    assert int(ws.page_setup.paperSize) == 9 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0), ws.title


def covers(ws, column: int, texts) -> None:
    """The column is wider than the longest of ``texts``: nothing of them is cut off."""
    longest = max(text_width(str(t)) for t in texts if t is not None)
    width = ws.column_dimensions[get_column_letter(column)].width
    assert width > longest, (ws.title, column, width, longest)


# ---- each workbook the program writes ---------------------------------------------------------------

def archive_no(i: int) -> str:
    return f"海南省财贸工会困字〔2026〕第{i:04d}号"


@pytest.fixture
def paid_batch(db, actor, make_household, receive):
    """A paid 送温暖 batch of 60 card-paid households; every fifth has no mobile number, so no SMS."""
    receive(db, 2026, "省总工会经费")
    archive = ArchiveService(db, actor)
    for i in range(1, 61):
        archive.save(make_household(i, name=f"欧阳{'明' * (1 + i % 3)}", archive_no=archive_no(i),
                                    phone="" if i % 5 == 0 else f"1391234{i:04d}"))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000", fund_sources=["省总工会经费"],
        standard=Decimal("1000.00"), plan_text="方案", plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
        plan_approved_on=date(2026, 11, 20), notice_phone="0898-66120000"))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=CLERK, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    return batch_id


def bank_file(db, batch_id: int, out: Path) -> Path:
    assert PaymentService(db, CLERK).bank_file(batch_id, out) == 60
    return out


def test_the_bank_file_shows_whole_numbers_and_prints_its_header_on_every_page(db, paid_batch, tmp_path):
    ws = load_workbook(bank_file(db, paid_batch, tmp_path / "代发明细.xlsx")).active
    rows = list(ws.iter_rows(values_only=True))
    # The bank's system reads the cells: headers, order and text cells exactly as before.
    assert rows[0] == BANK_HEADERS and rows[1][0] == 1 and len(rows) == 62
    assert all(ws.cell(r, c).data_type == "s" for r in range(2, 62) for c in (3, 4))
    for column in range(1, 6):
        covers(ws, column, [r[column - 1] for r in rows[:61]])
    printed_for_people(ws)


def test_the_sms_list_wraps_its_messages_and_shows_whole_archive_numbers(db, paid_batch, tmp_path):
    out = tmp_path / "短信名单.xlsx"
    result = SmsService(db, CLERK).export(paid_batch, out)
    assert (result.rows, result.no_mobile) == (48, 12)
    book = load_workbook(out)
    messages, no_mobile = book.worksheets[0], book[NO_MOBILE_SHEET]
    assert [c.value for c in messages[1]] == list(LIST_HEADERS)
    assert [c.value for c in no_mobile[1]] == list(NO_MOBILE_HEADERS)
    for column in (1, 2, 3, 5, 6):
        covers(messages, column, [c.value for c in messages[get_column_letter(column)]])
    text = messages["D2"].value
    assert messages["D2"].alignment.wrap_text and messages.column_dimensions["D"].width <= CAP
    assert messages.row_dimensions[2].height >= height_for(lines_needed(text, messages.column_dimensions["D"].width))
    covers(no_mobile, 3, [archive_no(i) for i in range(5, 61, 5)] + ["档案编号"])
    assert no_mobile["C2"].value == archive_no(5)
    for ws in (messages, no_mobile):
        printed_for_people(ws)


def call_sheet(rows: int = 3) -> CallSheet:
    strata = "、".join(f"{u} 2/20" for u in UNITS)
    people = [CallSheetRow(UNITS[i % len(UNITS)], f"职工{i:03d}", f"139{i:08d}", Decimal("800.00"),
                           date(2026, 10, 22), "会员服务卡") for i in range(1, rows + 1)]
    return CallSheet(office_name="海南省职工服务中心", batch_code="460000-PC2026-007", batch_name="2026年国庆生活救助",
                     round_no=1, seed="A1B2C3D4", drawn_on=date(2026, 10, 25), drawn_by="jingban",
                     method="按比例 10%", population=260, strata=strata, results=tuple(results()),
                     rows=tuple(people), printed_on=date(2026, 10, 25))


def test_the_call_sheet_gives_the_merged_unit_line_its_height_and_dates_as_dates(tmp_path):
    out = tmp_path / "抽查.xlsx"
    write_call_sheet_xlsx(out, call_sheet(20))
    ws = load_workbook(out).active
    strata_row = next(r for r in range(2, 8) if str(ws.cell(r, 1).value).startswith("各单位抽取"))
    merged_width = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(1, 12))
    lines = lines_needed(ws.cell(strata_row, 1).value, merged_width)
    assert lines >= 2 and ws.row_dimensions[strata_row].height >= height_for(lines)
    top = next(r for r in range(1, 20) if ws.cell(r, 1).value == "序号")
    paid = ws.cell(top + 1, 6)
    assert paid.is_date and paid.value == datetime(2026, 10, 22) and paid.number_format == DATE_FORMAT
    covers(ws, 2, UNITS)                             # 单位: the longest name whole
    assert ws.column_dimensions["I"].width >= 30     # 备注 keeps room to write in
    printed_for_people(ws, top)


def test_the_fund_report_sizes_each_table_from_its_texts_and_prints_its_header(db, actor, make_household, tmp_path):
    from seed_2015 import build_seed_2015

    from aiddesk.reports import fund_report_sections as fs
    from aiddesk.services.fund_report import fund_report
    from aiddesk.services.fund_report_output import export_fund_report

    people = [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
              for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]
    build_seed_2015(db, actor, people)
    out = tmp_path / "资金报告.xlsx"
    export_fund_report(db, 2015, out)
    book = load_workbook(out)
    report = fund_report(db, 2015)
    for section, ws in zip(fs.sections(report), book.worksheets[1:]):
        grids = [g for g in section.grids if g.rows]
        if not grids:
            continue
        header_row = next(r for r in range(1, 10) if ws.cell(r, 1).value == fs.cell_text(grids[0].header[0][0]))
        assert ws.print_title_rows == f"${header_row}:${header_row + len(grids[0].header) - 1}"
        assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
        for grid in grids:
            for c in range(len(grid.header[-1])):
                texts = [fs.cell_text(row[c]) for row in grid.rows if c < len(row)]
                covers(ws, c + 1, texts)
    subunits = book.worksheets[5]
    covers(subunits, 2, [u.name for u in report.subunits])
    overview = book["概述"]
    assert overview.print_title_rows is None and overview.sheet_properties.pageSetUpPr.fitToPage
    width = sum(overview.column_dimensions[get_column_letter(c)].width for c in range(1, 11))
    for r in range(5, 10):
        text = overview.cell(r, 1).value
        if text:
            assert overview.row_dimensions[r].height >= height_for(lines_needed(text, width)), r


def test_the_evaluation_table_rows_are_as_high_as_their_wrapped_texts(tmp_path):
    from test_evaluation_pdf import UNIT, scored, small_template

    from aiddesk.reports.evaluation_xlsx import write_evaluation_xlsx

    t = small_template()
    out = tmp_path / "自评表.xlsx"
    write_evaluation_xlsx(scored(t), t, out, unit_name=UNIT)
    ws = load_workbook(out).active
    printed_for_people(ws, 4)
    assert ws.page_setup.orientation == "landscape"
    for r in range(5, 11):
        for c in (5, 7, 9):
            text, width = ws.cell(r, c).value, ws.column_dimensions[get_column_letter(c)].width
            if text:
                assert (ws.row_dimensions[r].height or 15) >= height_for(lines_needed(str(text), width)) - 0.5


def issues(n: int) -> list[Issue]:
    return [Issue("帮扶明细", i + 1, "明细编号", RECORD_NO.format(i), f"明细编号{RECORD_NO.format(i)}与第{i}行重复")
            for i in range(1, n + 1)]


def test_the_import_issue_list_shows_whole_record_numbers_and_prints_its_header(tmp_path):
    out = tmp_path / "问题清单.xlsx"
    warning = Issue("说明", None, "校验码", "0" * 64, "表格在导出后被修改过，请向报送单位核实后再导入" * 2)
    write_import_issues_xlsx(out, issues(80), [warning])
    ws = load_workbook(out).active
    covers(ws, 5, [RECORD_NO.format(80)])
    covers(ws, 6, [i.message for i in issues(80)])
    last = ws.max_row
    assert ws.cell(last, 5).alignment.wrap_text and ws.cell(last, 6).alignment.wrap_text
    assert ws.row_dimensions[last].height >= height_for(2)
    printed_for_people(ws)
    assert ws.page_setup.orientation == "landscape"


# ---- rendered as a printer lays them out ------------------------------------------------------------

def pdf_pages(pdf: Path) -> list[str]:
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(pdf).pages]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice（soffice）未安装：渲染检查需要 Debian 的 libreoffice-calc；"
                                             "其余版式测试不需要它")
def test_rendered_by_libreoffice_every_page_has_the_header_and_nothing_is_cut(db, paid_batch, tmp_path):
    folder = tmp_path / "xlsx"
    folder.mkdir()
    bank = bank_file(db, paid_batch, folder / "代发明细.xlsx")
    sms = folder / "短信名单.xlsx"
    SmsService(db, CLERK).export(paid_batch, sms)
    issue_list = folder / "问题清单.xlsx"
    write_import_issues_xlsx(issue_list, issues(80), [])
    calls = folder / "电话抽查记录表.xlsx"
    write_call_sheet_xlsx(calls, call_sheet(60))
    bank_pdf, sms_pdf, issues_pdf, calls_pdf = to_pdf([bank, sms, issue_list, calls], tmp_path / "pdf")

    pages = pdf_pages(bank_pdf)
    assert len(pages) >= 2 and all("".join(BANK_HEADERS) in p for p in pages)
    ids = [r[2] for r in load_workbook(bank).active.iter_rows(min_row=2, max_row=61, values_only=True)]
    assert all(i in "".join(pages) for i in ids)     # every ID number whole, none cut at its column's edge

    pages = pdf_pages(issues_pdf)
    assert len(pages) >= 2 and all("类别工作表行列内容说明" in p for p in pages)
    assert all(RECORD_NO.format(i) in "".join(pages) for i in range(1, 81))
    assert RECORD_NO.format(80) in pages[-1]

    pages = pdf_pages(sms_pdf)
    assert len(pages) >= 3 and "".join(LIST_HEADERS) in pages[1]
    assert "".join(NO_MOBILE_HEADERS) in pages[-1] and archive_no(60) in pages[-1]

    pages = pdf_pages(calls_pdf)
    assert len(pages) >= 2 and all("序号单位姓名手机号码" in p for p in pages)
    # The merged 各单位抽取 line is whole (a row too low would clip it), and the note under it shows.
    assert f"{UNITS[-1]}2/20" in pages[0] and "按所属单位分层随机抽取" in pages[0]
    assert "2026-10-22" in pages[0] and "职工060" in pages[-1]
