"""The old-ledger builders' own checks: each book opens with our reader and holds what its builder says it holds."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from ledger_books import (
    AMOUNT_SPELLINGS,
    BAD_AMOUNT,
    BLANK,
    CHART,
    DATE_SPELLINGS,
    EMPTY,
    FILING,
    FOOTER,
    NUMERIC_ID,
    PAYMENT_STYLES,
    PAYMENTS,
    ROSTER_COLUMNS,
    ROSTER_ROWS,
    SUBTOTAL,
    TEXT,
    TITLE,
    TOTAL,
    WRONG_TOTAL,
    Book,
    benchmark_ledger,
    benchmark_roster,
    mixed_book,
    payments_ledger,
    roster_member_columns,
    roster_member_rows,
)
from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from aiddesk.core.idcard import parse_id
from aiddesk.core.relations import relation_of
from aiddesk.exchange.sheet_reader import FormulaWithoutValue, read_workbook

STYLES = sorted(PAYMENT_STYLES)


def read(book: Book) -> dict[str, list[list[object]]]:
    """Every sheet as our import's reader gives it."""
    with read_workbook(book.path) as wb:
        return {name: load() for name, _start, load in wb.sheets}


def cell(rows: list[list[object]], row: int, letter: str) -> object:
    line = rows[row - 1]
    k = column_index_from_string(letter) - 1
    return line[k] if k < len(line) else ""


def same(read_value: object, written: object) -> bool:
    """A cell read back is what was written (numbers come back as floats, Excel dates as dates)."""
    if isinstance(written, bool) or written is None:
        return read_value in ("", None) if written is None else read_value == written
    if isinstance(written, (int, float)):
        return isinstance(read_value, float) and read_value == float(written)
    if isinstance(written, date):
        return (read_value.date() if isinstance(read_value, datetime) else read_value) == written
    return read_value == written


def figure(value: object) -> Decimal:
    assert isinstance(value, float) and not isinstance(value, FormulaWithoutValue), value
    return Decimal(str(value))


_SPELLED_DATES = {
    "iso": re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "slash": re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    "dot": re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"), "chinese": re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
    "digits": re.compile(r"(\d{4})(\d{2})(\d{2})"),
}


def date_spelling(value: object) -> tuple[str, date]:
    if isinstance(value, date):
        return "excel", value
    for name, pattern in _SPELLED_DATES.items():
        m = pattern.fullmatch(value)
        if m:
            return name, date(*map(int, m.groups()))
    raise AssertionError(f"no date spelling: {value!r}")


def amount_spelling(value: object) -> tuple[str, Decimal]:
    if isinstance(value, (int, float)):
        return "number", Decimal(str(value))
    if value.startswith("¥"):
        return "yuan_sign", Decimal(value[1:].replace(",", ""))
    if value.endswith("元"):
        return "yuan_suffix", Decimal(value[:-1])
    if re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d", value):  # "1,000.00", "500.00": text with 分, grouped by three
        return "grouped", Decimal(value.replace(",", ""))
    if value.isdigit() and not value.isascii():
        return "full_width", Decimal(int(value))  # int() reads full-width digits
    raise AssertionError(f"no amount spelling: {value!r}")


# ---- payments ledgers ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module", params=STYLES)
def styled(request, tmp_path_factory) -> Book:
    """A year of monthly sheets in each office's style (written once per style: the tests only read it)."""
    return payments_ledger(tmp_path_factory.mktemp(request.param) / "台账.xlsx", style=request.param)


def test_a_payments_ledger_opens_with_the_reader_and_has_the_months_as_sheets(styled):
    sheets = read(styled)
    assert list(sheets) == [f"{m}月" for m in range(1, 13)] == [s.name for s in styled.sheets]
    assert all(s.kind == PAYMENTS and len(s.payments) == 12 for s in styled.sheets)
    assert sum(styled.payments_per_sheet().values()) == 144
    assert styled.totals() == {s.name: s.amount_sum for s in styled.sheets}


def test_each_line_the_builder_reports_is_on_its_row_as_written(styled):
    sheets = read(styled)
    for sheet in styled.sheets:
        rows = sheets[sheet.name]
        name, ident, amount, day = (sheet.column(f).letter for f in (
            "困难职工档案.姓名", "困难职工档案.身份证号", "帮扶明细.金额", "帮扶明细.发放日期"))
        for p in sheet.payments:
            assert cell(rows, p.row, name) == p.person.name
            assert same(cell(rows, p.row, ident), p.id_cell)
            assert same(cell(rows, p.row, amount), p.amount_cell)
            assert same(cell(rows, p.row, day), p.date_cell), (sheet.name, p.row)


def test_the_header_row_holds_the_headers_the_builder_reports(styled):
    sheets = read(styled)
    for sheet in styled.sheets:
        (row,) = sheet.header_rows
        assert [cell(sheets[sheet.name], row, c.letter) for c in sheet.columns] == [c.header for c in sheet.columns]
        assert row == {"city": 3, "district": 4, "enterprise": 2}[styled.style]


def test_the_rows_to_skip_are_title_filing_total_and_footer_rows_and_nothing_else(styled):
    sheets = read(styled)
    words = {TITLE: ("台账", "发放表"), FILING: ("填报单位",), SUBTOTAL: ("小计",), TOTAL: ("合计", "总计"),
             FOOTER: ("制表人", "填表说明")}
    for sheet in styled.sheets:
        rows = sheets[sheet.name]
        data = {p.row for p in sheet.payments}
        skipped = sheet.skipped_kinds()
        assert set(skipped) | data | set(sheet.header_rows) == set(range(1, len(rows) + 1))  # every row accounted for
        assert not set(skipped) & data
        for skip in sheet.skipped:
            texts = "".join(str(v) for v in rows[skip.row - 1] if isinstance(v, str))
            if skip.kind == BLANK:
                assert all(v in ("", None) for v in rows[skip.row - 1])
            else:
                assert any(w in texts for w in words[skip.kind]), (skip, texts)
                assert texts.startswith(skip.text)
        assert [s.kind for s in sheet.skipped].count(TOTAL) == 1 and skipped[sheet.total_row] == TOTAL


def test_the_total_row_states_the_sum_of_the_amounts_the_builder_reports(styled):
    sheets = read(styled)
    for sheet in styled.sheets:
        rows = sheets[sheet.name]
        letter = sheet.column("帮扶明细.金额").letter
        assert figure(cell(rows, sheet.total_row, letter)) == sheet.total == sheet.amount_sum > 0
        for row, subtotal, count in sheet.subtotals:
            assert figure(cell(rows, row, letter)) == subtotal
            assert cell(rows, row, "B") == f"{count}人次"
        if sheet.subtotals:
            assert sum(s for _r, s, _n in sheet.subtotals) == sheet.total
            assert sum(n for _r, _s, n in sheet.subtotals) == len(sheet.payments)
        if sheet.total_count is not None:
            assert cell(rows, sheet.total_row, "B") == f"{sheet.total_count}人次" and sheet.total_count == 12


def test_a_total_written_as_a_formula_is_kept_with_its_result_as_excel_keeps_it(tmp_path):
    book = payments_ledger(tmp_path / "发放表.xlsx", style="district", sheets=("1月", "2月"))
    formulas = load_workbook(book.path)
    sheets = read(book)
    for sheet in book.sheets:
        letter = sheet.column("帮扶明细.金额").letter
        ws = formulas[sheet.name]
        total = ws[f"{letter}{sheet.total_row}"].value
        assert total == "=" + "+".join(f"{letter}{r}" for r, _s, _n in sheet.subtotals)
        for row, subtotal, _n in sheet.subtotals:
            assert re.fullmatch(rf"=SUM\({letter}\d+:{letter}{row - 1}\)", ws[f"{letter}{row}"].value)
            assert figure(cell(sheets[sheet.name], row, letter)) == subtotal
        assert figure(cell(sheets[sheet.name], sheet.total_row, letter)) == sheet.total


def test_the_merged_ranges_the_builder_reports_are_in_the_file(styled):
    wb = load_workbook(styled.path)
    for sheet in styled.sheets:
        assert {str(r) for r in wb[sheet.name].merged_cells.ranges} == set(sheet.merged)
        assert f"A1:{sheet.columns[-1].letter}1" in sheet.merged  # the title over the table's width
    if styled.style == "district":  # 填报单位 and 填报日期 with their values in cells of their own
        filing = next(s.row for s in styled.sheets[0].skipped if s.kind == FILING)
        rows = read(styled)["1月"]
        assert rows[filing - 1][0] == "填报单位：" and rows[filing - 1][2] == "三亚市吉阳区总工会"
        assert date(2015, 2, 5) in [v.date() if isinstance(v, datetime) else v for v in rows[filing - 1]]


def test_every_spelling_of_dates_and_amounts_appears_and_spells_the_true_value(tmp_path):
    book = payments_ledger(tmp_path / "台账.xlsx")
    dates, amounts = set(), set()
    for p in book.payments:
        spelling, day = date_spelling(p.date_cell)
        assert day == p.paid_on
        dates.add(spelling)
        spelling, amount = amount_spelling(p.amount_cell)
        assert amount == p.amount
        amounts.add(spelling)
    assert dates == set(DATE_SPELLINGS) and amounts == set(AMOUNT_SPELLINGS)
    texts = [c for c in (p.amount_cell for p in book.payments) if isinstance(c, str)]
    assert any(re.fullmatch(r"\d,\d{3}\.00", c) for c in texts)
    assert any(re.fullmatch(r"¥\d+,\d{3}\.\d\d", c) for c in texts)


def test_id_cells_spell_valid_true_numbers_as_text_old_15_digits_and_numbers(tmp_path, clock):
    book = payments_ledger(tmp_path / "台账.xlsx")
    today = clock.today()
    kinds = set()
    for p in book.payments:
        raw = p.id_cell
        assert parse_id(str(raw).strip(), today=today).number == p.person.id_number
        kinds.add("number15" if isinstance(raw, int) else "spaced" if raw.endswith(" ") else
                  "old15" if len(raw) == 15 else "lower_x" if raw.endswith("x") else "text")
    assert kinds == {"text", "spaced", "old15", "number15", "lower_x"}
    genders = {parse_id(h.id_number, today=today).gender == h.gender for h in book.households.values()}
    assert genders == {True}
    assert len(book.households) == len({h.id_number for h in book.households.values()}) > 50


def test_people_are_paid_in_january_and_in_july_and_twice_in_one_sheet(tmp_path):
    book = payments_ledger(tmp_path / "台账.xlsx")
    january, july = ({p.person.id_number for p in book.sheet(m).payments} for m in ("1月", "7月"))
    assert january & july
    for sheet in book.sheets:
        lines: dict[str, set[str]] = {}
        for p in sheet.payments:
            lines.setdefault(p.person.id_number, set()).add(p.aid_category)
        assert any(len(c) == 2 for c in lines.values()), sheet.name  # two lines, two 救助类别


def test_names_keep_rare_and_compound_surnames(tmp_path):
    for book in (payments_ledger(tmp_path / "台账.xlsx"), roster_member_rows(tmp_path / "花名册.xlsx")):
        names = [h.name for h in book.households.values()]
        assert any(n.startswith("欧阳") for n in names) and any(n.startswith("尉") for n in names)
        assert len(set(names)) > len(names) * 0.8  # varied


def test_the_same_seed_writes_the_same_book_and_another_seed_another(tmp_path):
    first = payments_ledger(tmp_path / "a.xlsx", seed=5, sheets=("1月", "2月"))
    again = payments_ledger(tmp_path / "b.xlsx", seed=5, sheets=("1月", "2月"))
    other = payments_ledger(tmp_path / "c.xlsx", seed=6, sheets=("1月", "2月"))
    assert read(first) == read(again)
    assert read(first) != read(other)


def test_a_wrong_total_is_100_yuan_over_the_lines_and_the_fault_names_its_row(tmp_path):
    for style in STYLES:
        book = payments_ledger(tmp_path / f"{style}.xlsx", style=style, sheets=("1月", "2月"), wrong_total=True)
        first, second = book.sheets
        (fault,) = book.faults
        assert (fault.kind, fault.sheet, fault.row) == (WRONG_TOTAL, "1月", first.total_row)
        letter = first.column("帮扶明细.金额").letter
        assert fault.column == first.column("帮扶明细.金额").header
        assert figure(cell(read(book)["1月"], fault.row, letter)) == first.total == first.amount_sum + 100
        assert second.total == second.amount_sum


def test_an_18_digit_id_stored_as_a_number_reads_as_excel_shows_it(tmp_path):
    book = payments_ledger(tmp_path / "台账.xlsx", sheets=("1月",), numeric_id=True, style="district")
    (fault,) = book.faults
    line = next(p for p in book.payments if p.fault == NUMERIC_ID)
    assert (fault.kind, fault.row, fault.column) == (NUMERIC_ID, line.row, "公民身份号码")
    value = cell(read(book)["1月"], line.row, book.sheets[0].column("困难职工档案.身份证号").letter)
    # Excel's 15 significant digits, then zeros (a reader's float shows it as 4.69…e+17: its last digits are gone)
    assert line.id_cell == int(line.person.id_number[:15] + "000") and isinstance(value, float)
    assert value == float(line.id_cell) and f"{value:.14e}" == f"{line.id_cell:.14e}"
    assert not line.person.id_number.endswith("000") and not line.person.id_number.endswith("X")


def test_an_amount_of_1_00_is_where_the_fault_says_and_the_total_counts_what_was_meant(tmp_path):
    for style in ("city", "district"):
        book = payments_ledger(tmp_path / f"{style}.xlsx", style=style, sheets=("1月",), bad_amount=True)
        (fault,) = book.faults
        sheet = book.sheets[0]
        letter = sheet.column("帮扶明细.金额").letter
        assert fault.kind == BAD_AMOUNT and cell(read(book)["1月"], fault.row, letter) == "1,00"
        line = next(p for p in sheet.payments if p.row == fault.row)
        assert line.amount == 100 and line.fault == BAD_AMOUNT
        # typed by hand the 合计 counts it; as a SUM formula it leaves the text out, as Excel does
        assert sheet.total == sheet.amount_sum - (100 if style == "district" else 0)


def test_the_enterprise_style_writes_activities_as_the_aid_category_and_the_others_the_category(tmp_path):
    enterprise = payments_ledger(tmp_path / "慰问金.xlsx", style="enterprise", sheets=("1月", "7月", "10月"))
    written = {p.category for p in enterprise.payments}
    assert {"送温暖", "金秋助学"} <= written and written - {"生活救助", "医疗救助", "助学救助"}
    assert {p.aid_category for p in enterprise.payments} <= {"生活救助", "医疗救助", "助学救助"}
    rows = read(enterprise)
    letter = enterprise.sheets[0].column("帮扶明细.救助类别").letter
    assert all(cell(rows[p.sheet], p.row, letter) == p.category for p in enterprise.payments)
    city = payments_ledger(tmp_path / "台账.xlsx", sheets=("1月", "7月"))
    assert all(p.category == p.aid_category for p in city.payments)


def test_a_renamed_header_keeps_its_field_for_the_mapping_step(tmp_path):
    book = payments_ledger(tmp_path / "台账.xlsx", sheets=("1月",), rename={"救助金额（元）": "慰问金"})
    column = book.sheets[0].column("帮扶明细.金额")
    assert column.header == "慰问金"
    assert cell(read(book)["1月"], book.sheets[0].header_rows[0], column.letter) == "慰问金"


def test_a_ledger_without_fund_source_nor_method_columns_says_so_on_each_line(tmp_path):
    book = payments_ledger(tmp_path / "慰问金.xlsx", style="enterprise", sheets=("1月",))
    assert all(p.fund_source == "" and p.method == "" for p in book.payments)
    rows = read(book)["1月"]
    assert {"资金来源", "发放方式"}.isdisjoint(rows[book.sheets[0].header_rows[0] - 1])
    city = payments_ledger(tmp_path / "台账.xlsx", sheets=("1月", "2月", "3月"))
    assert "" in {p.fund_source for p in city.payments} and len({p.fund_source for p in city.payments}) > 3


# ---- rosters --------------------------------------------------------------------------------------------------

def joined_headers(rows: list[list[object]], top: int) -> list[str]:
    """A two-row header as a reader joins it: a merged group's text carried over its blank cells, then "/"."""
    group, sub, current = rows[top - 1], rows[top], ""
    out = []
    for k, below in enumerate(sub):
        if group[k]:
            current = group[k]
        out.append(f"{current}/{below}" if below else current)
    return out


@pytest.mark.parametrize("on_head_row", [True, False], ids=["first member on the head's row", "members below"])
def test_a_roster_with_member_rows_has_a_merged_two_row_header_and_members_below_their_head(tmp_path, on_head_row):
    book = roster_member_rows(tmp_path / "花名册.xlsx", first_member_on_head_row=on_head_row)
    (sheet,) = book.sheets
    rows = read(book)["花名册"]
    top, sub = sheet.header_rows
    assert (top, sub) == (3, 4)
    assert joined_headers(rows, top) == [c.header for c in sheet.columns]
    assert {"户主情况/姓名", "家庭成员情况/姓名", "家庭成员情况/与户主关系"} <= {c.header for c in sheet.columns}
    assert {"A3:A4", "B3:I3", "J3:O3"} <= set(sheet.merged)
    assert {str(r) for r in load_workbook(book.path)["花名册"].merged_cells.ranges} == set(sheet.merged)
    head = [column_index_from_string(c.letter) - 1 for c in sheet.columns if c.header.startswith("户主情况/")]
    member = sheet.column("家庭成员.姓名").letter
    relation = sheet.column("家庭成员.关系").letter
    ident = sheet.column("家庭成员.身份证号").letter
    assert len(sheet.households) == 30
    for h in sheet.households:
        assert cell(rows, h.row, "B") == h.name and cell(rows, h.row, "D") == h.id_number
        for m in h.members:
            assert (cell(rows, m.row, member), cell(rows, m.row, relation)) == (m.name, m.relation)
            assert cell(rows, m.row, ident) == (m.id_number or "")
            if m.row != h.row:  # the head's columns left blank on a member's own row
                assert all(rows[m.row - 1][k] == "" for k in head)
        on_row = [m for m in h.members if m.row == h.row]
        assert len(on_row) == (1 if on_head_row and h.members else 0)
    data = {h.row for h in sheet.households} | {m.row for h in sheet.households for m in h.members}
    assert data | set(sheet.skipped_kinds()) | {top, sub} == set(range(1, len(rows) + 1))


def test_roster_relations_are_the_words_offices_write_and_all_name_a_relation(tmp_path, clock):
    book = roster_member_rows(tmp_path / "花名册.xlsx")
    members = [m for h in book.households.values() for m in h.members]
    words = {m.relation for m in members}
    assert {"妻子", "丈夫", "儿子", "女儿", "子女", "父母", "儿媳", "孙子", "外孙女"} <= words
    for m in members:
        relation_of(m.relation, gender=m.gender)  # raises for a word that names no relation
        if m.id_number:
            info = parse_id(m.id_number, today=clock.today())
            assert (info.gender, info.birth_date) == (m.gender, m.birth)
    assert any(not m.id_number for m in members)  # some members without an ID number, as ledgers have them
    assert book.members == len(members) and 2.0 < len(members) / len(book.households) < 3.5
    for h in book.households.values():
        assert h.size == 1 + len(h.members)
        grandchildren = [m for m in h.members if m.relation in ("孙子", "外孙女")]
        assert all(g.birth.year - h.birth.year >= 36 for g in grandchildren)


def test_a_roster_with_member_columns_has_one_row_per_household_and_its_members_across(tmp_path):
    book = roster_member_columns(tmp_path / "花名册.xlsx")
    (sheet,) = book.sheets
    assert sheet.kind == ROSTER_COLUMNS
    rows = read(book)[sheet.name]
    (header,) = sheet.header_rows
    assert rows[header - 1][:13] == ["序号", "户主姓名", "性别", "身份证号码", "工作单位", "困难类别", "家庭人口", "配偶姓名",
                                     "配偶身份证号", "子女1姓名", "子女1身份证号", "子女2姓名", "子女2身份证号"]
    assert [h.row for h in sheet.households] == list(range(header + 1, header + 31))
    for h in sheet.households:
        assert cell(rows, h.row, "B") == h.name and figure(cell(rows, h.row, "G")) == h.size >= 1 + len(h.members)
        for m in h.members:
            slot = "配偶" if m.relation == "配偶" else f"子女{[x for x in h.members if x.relation == '子女'].index(m) + 1}"
            assert cell(rows, h.row, sheet.column("家庭成员.姓名", slot).letter) == m.name
            assert cell(rows, h.row, sheet.column("家庭成员.身份证号", slot).letter) == (m.id_number or "")
    assert any(h.size > 1 + len(h.members) for h in sheet.households)  # parents, a third child: no room for them
    assert {m.relation for h in sheet.households for m in h.members} == {"配偶", "子女"}


# ---- a mixed book ---------------------------------------------------------------------------------------------

def test_a_mixed_book_holds_a_roster_months_a_text_sheet_an_empty_sheet_and_a_chart(tmp_path):
    book = mixed_book(tmp_path / "台账.xlsx")
    sheets = read(book)
    assert list(sheets) == ["说明", "花名册", "1月", "7月", "统计图", "Sheet3"] == [s.name for s in book.sheets]
    assert [s.kind for s in book.sheets] == [TEXT, ROSTER_ROWS, PAYMENTS, PAYMENTS, CHART, EMPTY]
    assert [r[0] for r in sheets["说明"]] == book.sheet("说明").text and all(len(r) == 1 for r in sheets["说明"])
    assert sheets["统计图"] == [] and sheets["Sheet3"] == []
    wb = load_workbook(book.path)
    (chart_sheet,) = wb.chartsheets
    assert chart_sheet.title == "统计图" and "Sheet3" in wb.sheetnames and wb["Sheet3"].max_row == 1
    for month in ("1月", "7月"):
        sheet = book.sheet(month)
        letter = sheet.column("帮扶明细.金额").letter
        assert figure(cell(sheets[month], sheet.total_row, letter)) == sheet.total == sheet.amount_sum
    roster = {h.id_number for h in book.sheet("花名册").households}
    paid = {p.person.id_number for p in book.payments}
    assert len(paid - roster) == 2 and len(paid & roster) >= 8
    assert len(book.households) == len(roster) + 2
    january, july = ({p.person.id_number for p in book.sheet(m).payments} for m in ("1月", "7月"))
    assert january & july


def test_the_chart_sheet_draws_one_bar_per_month_from_its_total(tmp_path):
    book = mixed_book(tmp_path / "台账.xlsx")
    with zipfile.ZipFile(book.path) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    for month in ("1月", "7月"):
        sheet = book.sheet(month)
        assert f"'{month}'!${sheet.column('帮扶明细.金额').letter}${sheet.total_row}" in chart


# ---- the sizes ----------------------------------------------------------------------------------------

def test_the_benchmark_ledger_has_a_sheet_a_year_with_title_total_and_footer(tmp_path):
    book = benchmark_ledger(tmp_path / "十年台账.xlsx", sheets=3, rows_per_sheet=400, households=150)
    sheets = read(book)
    assert list(sheets) == ["2015年", "2016年", "2017年"]
    for sheet in book.sheets:
        rows = sheets[sheet.name]
        assert len(sheet.payments) == 400 and rows[0][0] == f"{sheet.name}困难职工帮扶资金发放台账"
        assert {p.paid_on.year for p in sheet.payments} == {int(sheet.name[:4])}
        assert len({p.paid_on.month for p in sheet.payments}) == 12
        letter = sheet.column("帮扶明细.金额").letter
        assert figure(cell(rows, sheet.total_row, letter)) == sheet.total == sheet.amount_sum
        assert [s.kind for s in sheet.skipped] == [TITLE, FILING, TOTAL, FOOTER, FOOTER]
    assert len(book.households) == 150


def test_the_benchmark_roster_has_its_households_with_member_rows(tmp_path):
    book = benchmark_roster(tmp_path / "花名册.xlsx", households=60)
    rows = read(book)["花名册"]
    assert len(book.households) == 60 and book.members > 120
    assert len(rows) == 4 + 60 + sum(max(len(h.members) - 1, 0) for h in book.households.values()) + 2
