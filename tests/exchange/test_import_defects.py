"""The import defects an adversarial pass found (issue 16): each reproduced here on a real workbook and database."""

from __future__ import annotations

import copy
from datetime import date

import pytest
from openpyxl import load_workbook
from test_import_apply import dump
from test_import_validation import HEAD, book, sheets

from aiddesk.exchange import format as fmt
from aiddesk.services.exchange_import import ExchangeImportService


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def issues(report) -> list[tuple]:
    return [(e.sheet, e.row, e.column, e.value) for e in report.errors]


def messages(report) -> str:
    return "\n".join(e.message for e in report.errors)


# ---- 1. the year in 说明 must agree with the rows ---------------------------------------------------------------

def another_year(data: dict, year: int) -> dict:
    """The base book's rows moved to ``year`` (new codes, every date and 年度 in that year)."""
    data = copy.deepcopy(data)
    shift = year - 2015

    def moved(value):
        if isinstance(value, date):
            return value.replace(year=value.year + shift)
        if value == 2015:
            return year
        if isinstance(value, str) and value.startswith(("P2015", "M2015", "460001-2015", "2015")):
            return value.replace("2015", str(year))
        return value

    for name in ("资金收支", "预算", "计划", "帮扶批次", "帮扶明细", "核查记录"):
        header, *rows = data[name]
        data[name] = [header] + [[moved(v) for v in row] for row in rows]
    return data


def test_a_manifest_year_the_rows_do_not_have_is_an_error_and_wipes_nothing(db, service, tmp_path):
    first = service.import_file(book(tmp_path / "2015.xlsx"))
    assert first.written
    before = dump(db)
    # 说明 says 2015, every row is 2016: written, it replaced the unit's 2015 batches, lines and ledger.
    report = service.import_file(book(tmp_path / "wrong.xlsx", another_year(sheets(), 2016), year=2015))
    assert not report.written
    assert dump(db) == before
    got = issues(report)
    assert ("资金收支", 2, "日期", "2016-01-10") in got
    assert ("预算", 2, "年度", "2016") in got and ("计划", 2, "年度", "2016") in got
    assert ("帮扶批次", 2, "年度", "2016") in got and ("帮扶批次", 3, "年度", "2016") in got
    assert all("2015" in e.message for e in report.errors if e.column in ("年度", "日期"))


def test_a_batch_of_another_year_paid_in_the_books_year_is_taken(service, tmp_path):
    """The export's own rule: a December batch paid in January belongs to the book of the January."""
    data = sheets()
    data["帮扶批次"][1][3] = 2014           # P2015-01 is a 2014 batch whose lines were paid in February 2015
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == []


def test_a_line_paid_far_from_its_batch_and_the_book_is_an_error(service, tmp_path):
    data = sheets()
    data["帮扶明细"][1][9] = date(2019, 2, 1)
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert issues(report) == [("帮扶明细", 2, "发放日期", "2019-02-01")]


@pytest.mark.parametrize("year", [0, -1, 99999, "二〇一五"])
def test_an_impossible_year_in_the_manifest_is_an_error(service, tmp_path, year):
    report = service.check(book(tmp_path / "b.xlsx", year=year))
    assert ("说明", 6, "年度", str(year)) in issues(report)
    assert not report.ok


def test_a_year_column_outside_the_forms_range_is_an_error(service, tmp_path):
    data = sheets()
    data["帮扶明细"][3][14] = 99999         # 入学年份
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert issues(report) == [("帮扶明细", 4, "入学年份", "99999")]
    assert "2000" in report.errors[0].message and "2100" in report.errors[0].message


def replacing_book(tmp_path):
    """A newer export of 460001's 2015 that drops one line, one batch (with its line), one entry, one plan."""
    data = sheets()
    del data["帮扶明细"][3]                   # M2015-0003 (of P2015-02)
    del data["帮扶明细"][2]                   # M2015-0002
    del data["帮扶批次"][2]                   # P2015-02
    data["资金收支"][1][0] = "460001-2015-002"  # 460001-2015-001 replaced by another number
    data["计划"] = [["年度", "救助类别", "计划人次", "计划金额"], [2015, "医疗救助", 1, 100]]
    data["家庭成员"].pop()                    # 李小明 leaves CM2015001's member list
    del data["核查记录"]
    return book(tmp_path / "newer.xlsx", data, exported_at="2016-02-01T09:00:00")


def test_the_check_of_a_replacement_says_exactly_what_goes(db, service, tmp_path):
    service.import_file(book(tmp_path / "a.xlsx"))
    report = service.check(replacing_book(tmp_path))
    assert report.errors == []
    removal = report.checked.removal
    assert removal.keys == {"家庭成员": ["CM2015001·李小明"], "资金收支": ["460001-2015-001"],
                            "计划": ["2015·生活救助"], "帮扶批次": ["P2015-02"],
                            "帮扶明细": ["M2015-0002", "M2015-0003"]}
    assert removal.with_them == {}
    assert report.as_json()["removed"] == {
        "家庭成员": {"count": 1, "keys": ["CM2015001·李小明"]},
        "资金收支": {"count": 1, "keys": ["460001-2015-001"]}, "计划": {"count": 1, "keys": ["2015·生活救助"]},
        "帮扶批次": {"count": 1, "keys": ["P2015-02"]}, "帮扶明细": {"count": 2, "keys": ["M2015-0002", "M2015-0003"]}}
    # What the check said would go is what the import takes away, and nothing else.
    before = {t: {tuple(r) for r in rows} for t, rows in dump(db).items()}
    assert service.apply(report)
    after = {t: {tuple(r) for r in rows} for t, rows in dump(db).items()}
    assert {r[1] for r in before["aid_records"] - after["aid_records"]} == {"M2015-0002", "M2015-0003"}
    assert {r[1] for r in before["batches"] - after["batches"]} == {"P2015-02"}
    assert {r[1] for r in before["fund_entries"] - after["fund_entries"]} == {"460001-2015-001"}


def test_the_things_a_removed_line_takes_with_it_are_counted(db, service, tmp_path):
    service.import_file(book(tmp_path / "a.xlsx"))
    line = db.conn.execute("SELECT id FROM aid_records WHERE record_no = 'M2015-0002'").fetchone()[0]
    with db.transaction() as conn:
        conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, note, called_by, recorded_at)"
                     " VALUES (?, '2015-03-01', '核实一致', '', '陈干事', '2015-03-01T10:00:00')", (line,))
    removal = service.check(replacing_book(tmp_path)).checked.removal
    assert removal.with_them == {"电话抽查记录": 1}


def test_a_first_import_or_an_own_book_removes_nothing(service, tmp_path):
    report = service.check(book(tmp_path / "a.xlsx"))
    assert report.checked.removal.keys == {} and "removed" not in report.as_json()


# ---- 4. sheet names that differ only by spaces ------------------------------------------------------------------

def test_two_sheets_whose_names_differ_only_by_spaces_are_an_error(db, service, tmp_path):
    path = book(tmp_path / "b.xlsx")
    wb = load_workbook(path)
    twin = wb.copy_worksheet(wb["困难职工档案"])
    twin.title = "困难职工档案 "
    twin["B2"] = "王芳芳"
    wb.save(path)
    report = service.import_file(path)
    assert not report.written and db.conn.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 0
    sheet_errors = [e for e in report.errors if e.sheet == "困难职工档案" and e.row is None]
    assert len(sheet_errors) == 1
    assert "第3张" in sheet_errors[0].message and "第11张" in sheet_errors[0].message


def test_a_sheet_name_with_full_width_or_inner_spaces_is_read_as_the_format_sheet(service, tmp_path):
    path = book(tmp_path / "b.xlsx")
    wb = load_workbook(path)
    wb["家庭成员"].title = "家庭　成员"          # an ideographic space inside
    wb.save(path)
    report = service.check(path)
    assert report.errors == [] and report.checked.counts()["家庭成员"] == 2


# ---- 8. what the import would refuse, the check finds (sheet, row, column) --------------------------------------

def test_an_archive_number_of_another_units_archive_is_found_by_the_check(db, service, tmp_path, actor,
                                                                         make_household):
    from aiddesk.services.archive import ArchiveService

    ArchiveService(db, actor).save(make_household(7, archive_no="CM2015002", unit_code="460002"))
    report = service.check(book(tmp_path / "b.xlsx"))
    assert ("困难职工档案", 3, "档案编号", "CM2015002") in issues(report)
    assert "460002" in messages(report)


def test_a_batch_code_of_another_unit_is_found_by_the_check(db, service, tmp_path):
    service.import_file(book(tmp_path / "a.xlsx"))
    with db.transaction() as conn:   # the codes are now 460002's batches (its lines renumbered apart)
        conn.execute("UPDATE batches SET unit_code = '460002'")
        conn.execute("UPDATE aid_records SET record_no = 'T-' || record_no")
    report = service.check(book(tmp_path / "b.xlsx"))
    assert issues(report) == [("帮扶批次", 2, "批次编号", "P2015-01"), ("帮扶批次", 3, "批次编号", "P2015-02")]
    assert "460002" in report.errors[0].message


def test_a_ledger_number_already_used_is_found_by_the_check(db, service, tmp_path, receive):
    receive(db, 2015)
    own_no = db.conn.execute("SELECT entry_no FROM fund_entries").fetchone()[0]
    data = sheets()
    data["资金收支"][1][0] = own_no
    report = service.import_file(book(tmp_path / "a.xlsx", data), dry_run=True)
    assert issues(report) == [("资金收支", 2, "流水号", own_no)]
    assert "保存后的分录不能修改" in report.errors[0].message


def test_a_line_number_of_another_units_line_is_found_by_the_check(db, service, tmp_path):
    service.import_file(book(tmp_path / "a.xlsx"))
    with db.transaction() as conn:
        conn.execute("UPDATE batches SET unit_code = '460002', code = 'T-' || code")
    report = service.check(book(tmp_path / "b.xlsx"))
    assert ("帮扶明细", 2, "明细编号", "M2015-0001") in issues(report)


# ---- 9. a unit's book writes only into that unit and its sub-units -----------------------------------------------

@pytest.mark.parametrize("unit", ["460002", "460000"], ids=["a sibling", "the centre's own unit"])
def test_archives_in_a_unit_outside_the_books_unit_are_errors(db, service, tmp_path, unit):
    data = sheets()
    data["困难职工档案"][2][6] = unit
    report = service.import_file(book(tmp_path / "b.xlsx", data))
    assert not report.written
    assert issues(report) == [("困难职工档案", 3, "所属单位代码", unit)]
    assert "460001" in report.errors[0].message


def test_a_units_sheet_may_not_move_a_sibling_under_the_books_unit(db, service, tmp_path):
    data = sheets(单位=[["单位代码", "单位名称", "上级单位代码", "层级"], ["460001", "省财贸工会", "460000", "基层"],
                        ["460002", "省旅游工会", "460001", "基层"]])
    data["困难职工档案"][2][6] = "460002"
    report = service.import_file(book(tmp_path / "b.xlsx", data))
    assert not report.written
    assert ("单位", 3, "上级单位代码", "460001") in issues(report)
    assert ("困难职工档案", 3, "所属单位代码", "460002") in issues(report)
    assert db.conn.execute("SELECT parent_code FROM units WHERE code = '460002'").fetchone()[0] == "460000"


def test_a_new_sub_unit_of_the_books_unit_may_hold_archives(db, service, tmp_path):
    data = sheets(单位=[["单位代码", "单位名称", "上级单位代码", "层级"], ["460001", "省财贸工会", "460000", "基层"],
                        ["460011", "财贸一分会", "460001", "基层"]])
    data["困难职工档案"][2][6] = "460011"
    report = service.import_file(book(tmp_path / "b.xlsx", data))
    assert report.errors == [] and report.written


def test_usage_money_and_members_pointing_outside_the_books_unit_are_errors(db, service, tmp_path, actor,
                                                                           make_household):
    from aiddesk.services.archive import ArchiveService

    ArchiveService(db, actor).save(make_household(7, archive_no="LY2015001", unit_code="460002"))
    data = sheets()
    data["资金收支"].append(["460001-2015-002", date(2015, 3, 1), "省总工会经费", "下拨下级", 100, "460002", "", ""])
    data["下级单位使用"] = [["单位代码", "年度", "资金来源", "救助类别", "金额", "人次"],
                            ["460002", 2015, "省总工会经费", "生活救助", 100, 1]]
    data["家庭成员"].append(["LY2015001", "张四", "子", None, "学生", 0])
    report = service.check(book(tmp_path / "b.xlsx", data))
    got = issues(report)
    assert ("资金收支", 3, "对方单位代码", "460002") in got
    assert ("下级单位使用", 2, "单位代码", "460002") in got
    assert ("家庭成员", 4, "档案编号", "LY2015001") in got
    assert len(got) == 3


# ---- 10. a header given twice -----------------------------------------------------------------------------------

def test_a_column_header_given_twice_is_an_error_naming_both_columns(service, tmp_path):
    data = sheets()
    rows = data["困难职工档案"]
    rows[0].append("身份证号")
    rows[1].append(HEAD)
    rows[2].append("460100198001010073")
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert issues(report) == [("困难职工档案", 1, "身份证号", "身份证号")]
    assert "C列和O列都是“身份证号”" in report.errors[0].message
    assert not [w for w in report.warnings if w.column == "身份证号"]


def test_a_ledger_with_a_header_and_its_alias_is_an_error_naming_both(service, tmp_path):
    from test_import_apply import legacy_ledger

    path = legacy_ledger(tmp_path / "old.xlsx", ("档案号", "户主姓名", "身份证号码", "困难类型", "档案状况", "建档时间",
                                                 "身份证号"))
    report = service.check(path)
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("2014年困难职工台账", 1, "身份证号")]
    assert "C列“身份证号码”和G列“身份证号”" in report.errors[0].message


# ---- 13. the forms' limits hold for imports ---------------------------------------------------------------------

def test_a_name_longer_than_the_form_allows_is_an_error(db, service, tmp_path):
    data = sheets()
    data["困难职工档案"][1][1] = "王" * 32000
    report = service.import_file(book(tmp_path / "b.xlsx", data))
    assert not report.written and issues(report) == [("困难职工档案", 2, "姓名", "王" * 32000)]
    assert report.errors[0].message == "姓名不能超过30个字（现在是32000个字）"


def test_every_free_text_column_has_a_limit(service, tmp_path):
    data = sheets()
    data["帮扶批次"][1][1] = "批" * 61
    data["资金收支"][1][7] = "摘" * 201
    data["家庭成员"][1][1] = "李" * 31
    data["核查记录"][1][4] = "果" * 501
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert [(e.sheet, e.column) for e in report.errors] == [
        ("家庭成员", "姓名"), ("资金收支", "摘要"), ("帮扶批次", "批次名称"), ("核查记录", "结果")]
    for sheet in fmt.SHEETS:
        for column in sheet.columns:
            if column.kind == fmt.TEXT:
                assert column.limit is not None, (sheet.name, column.header)


def test_the_year_range_is_the_one_the_windows_and_commands_use():
    from aiddesk.core import field_rules
    from aiddesk.services import settings

    assert (field_rules.YEAR.low, field_rules.YEAR.high) == (settings.YEAR_MIN, settings.YEAR_MAX)


def test_household_size_outside_the_forms_range_is_an_error(service, tmp_path):
    data = sheets()
    data["困难职工档案"][1][8] = 31
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert issues(report) == [("困难职工档案", 2, "家庭人口", "31")]


def test_the_household_form_and_the_import_share_their_limits(make_household):
    from aiddesk.core import field_rules
    from aiddesk.core.errors import ValidationError
    from aiddesk.services.archive_validation import validate_household

    limit = field_rules.ADDRESS.max_chars
    assert fmt.HOUSEHOLDS.column("家庭住址").limit is field_rules.ADDRESS
    with pytest.raises(ValidationError) as err:
        validate_household(make_household(1, address="路" * (limit + 1)), today=date(2026, 11, 26))
    assert "家庭住址不能超过" in str(err.value.problems["address"])
    validate_household(make_household(1, address="路" * limit), today=date(2026, 11, 26))


# ---- 22. a formula whose value was not saved ---------------------------------------------------------------------

def test_a_formula_without_a_saved_value_says_so(service, tmp_path):
    """openpyxl writes formulas without their results, as programs that compute nothing do: the reader marks such
    cells (sheet_reader.FormulaWithoutValue) and the check says what they are and what to do, not "必须填写"."""
    from aiddesk.exchange.sheet_reader import FormulaWithoutValue

    data = sheets()
    data["帮扶批次"][1][1] = '="2015年"&"春节送温暖"'                  # a required column
    data["帮扶明细"][2][9] = "=DATE(2015,2,1)"                          # an optional one: not silently empty
    data["计划"].append(["=2014+1", "=\"医疗\"&\"救助\"", "=1+1", None])  # a row of nothing but formulas
    report = service.check(book(tmp_path / "b.xlsx", data))
    got = [(e.sheet, e.row, e.column, e.value, e.message) for e in report.errors]
    message = FormulaWithoutValue.MESSAGE
    assert ("帮扶批次", 2, "批次名称", '="2015年"&"春节送温暖"', message) in got
    assert ("帮扶明细", 3, "发放日期", "=DATE(2015,2,1)", message) in got
    assert ("计划", 3, "年度", "=2014+1", message) in got and ("计划", 3, "计划人次", "=1+1", message) in got
    assert not any("必须填写" in e.message for e in report.errors)
    assert "公式" in message and "没有保存" in message
