"""Import checks of EXCHANGE.md: every error with sheet, row, column, value and message; nothing written."""

from __future__ import annotations

import copy
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from aiddesk.exchange import format as fmt
from aiddesk.exchange.validate import CHANGED_WARNING, _checksum_text
from aiddesk.services.exchange_import import ExchangeImportService

HEAD = "460100197503020031"      # 王芳's household head
SPOUSE = "460100197605020040"
CHILD = "460100200105030052"
OTHER = "460100198001010073"     # a second household's head

BASE = {
    "单位": [["单位代码", "单位名称", "上级单位代码", "层级"],
             ["460001", "省财贸工会", "460000", "基层"]],
    "困难职工档案": [
        ["档案编号", "姓名", "身份证号", "困难类别", "档案状态", "建档日期", "所属单位代码", "家庭年总收入",
         "家庭人口", "主要致困原因", "手机号码", "银行卡号", "退出日期", "退出原因"],
        ["CM2015001", "王芳", HEAD, "深度困难", "在档", date(2015, 3, 2), "460001", 12000, 3, "下岗失业",
         "13812345678", "6222020200112233445", None, None],
        ["CM2015002", "赵强", OTHER, "相对困难", "在档", "2015/04/01", "460001", "8,000.50", 1, "患重特大疾病",
         "", "", None, None],
    ],
    "家庭成员": [["档案编号", "姓名", "关系", "身份证号", "身份", "月收入"],
                 ["CM2015001", "李军", "配偶", SPOUSE, "在岗", 1500],
                 ["CM2015001", "李小明", "子", CHILD, "学生", 0]],
    "资金收支": [["流水号", "日期", "资金来源", "类型", "金额", "对方单位代码", "文号", "摘要"],
                 ["460001-2015-001", date(2015, 1, 10), "省总工会经费", "到账", 50000, "460000", "琼工发〔2015〕1号", "省总拨付"]],
    "预算": [["年度", "资金来源", "预算金额"], [2015, "省总工会经费", 60000]],
    "计划": [["年度", "救助类别", "计划人次", "计划金额"], [2015, "生活救助", 10, 20000]],
    "帮扶批次": [["批次编号", "批次名称", "活动类型", "年度", "发放标准", "发放日期", "状态"],
                 ["P2015-01", "2015年春节送温暖", "送温暖", 2015, 1000, date(2015, 2, 1), "已发放"],
                 ["P2015-02", "2015年金秋助学", "金秋助学", 2015, 2000, date(2015, 9, 1), "已发放"]],
    "帮扶明细": [
        ["明细编号", "批次编号", "档案编号", "姓名", "身份证号", "救助类别", "资金来源", "金额", "发放方式", "发放日期",
         "学生姓名", "学生身份证号", "就读学校", "学历层次", "入学年份", "新生或在校生"],
        ["M2015-0001", "P2015-01", "CM2015001", "王芳", HEAD, "生活救助", "省总工会经费", 1000.1, "会员服务卡",
         date(2015, 2, 1), None, None, None, None, None, None],
        ["M2015-0002", "P2015-01", "CM2015002", "赵强", OTHER, "生活救助", "省总工会经费", "1,000.00", "银行卡",
         "2015年2月1日", None, None, None, None, None, None],
        ["M2015-0003", "P2015-02", "CM2015001", "王芳", HEAD, "助学救助", "省总工会经费", 2000, "会员服务卡",
         date(2015, 9, 1), "李小明", CHILD, "海南大学", "本科", 2015, "新生"],
    ],
    "核查记录": [["批次编号", "档案编号", "方式", "日期", "结果", "核查人"],
                 ["P2015-01", "CM2015001", "入户走访", date(2015, 3, 1), "情况属实", "陈干事"]],
}


def sheets(**changes) -> dict:
    """The base workbook's sheets, with whole sheets replaced (None removes one)."""
    data = copy.deepcopy(BASE)
    for name, rows in changes.items():
        if rows is None:
            data.pop(name)
        else:
            data[name] = rows
    return data


def book(path, data: dict | None = None, *, unit: str = "460001", name: str = "省财贸工会", parent: str = "460000",
         year: int = 2015, exported_at: str = "2016-01-05T10:00:00", manifest: bool = True,
         checksum: str | None = None, text_cells: tuple[str, ...] = ()):
    """Write an exchange workbook with openpyxl, as the exporter would (说明 first, 校验码 of the data)."""
    data = sheets() if data is None else data
    wb = Workbook()
    wb.remove(wb.active)
    if manifest:
        ws = wb.create_sheet(fmt.MANIFEST)
    texts = []
    for sheet in fmt.SHEETS:
        if sheet.name not in data:
            continue
        header, *rows = data[sheet.name]
        kinds = [sheet.column(h).kind if h in sheet.headers else fmt.TEXT for h in header]
        texts.append((sheet.name, [[_checksum_text(v, k) for v, k in zip(r, kinds)] for r in rows if any(
            v not in (None, "") for v in r)]))
    for sheet_name, rows in data.items():
        out = wb.create_sheet(sheet_name)
        for r in rows:
            out.append(r)
    if manifest:
        value = fmt.checksum(texts) if checksum is None else checksum
        for k, v in (("项", "值"), ("格式版本", 1), ("单位代码", unit), ("单位名称", name), ("上级单位代码", parent),
                     ("年度", year), ("导出时间", exported_at), ("导出软件", "AidDesk"), ("校验码", value)):
            ws.append([k, v])
    wb.save(path)
    return path


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def only_error(report):
    assert len(report.errors) == 1, [e.as_dict() for e in report.errors]
    return report.errors[0].as_dict()


def table_count(db, table: str) -> int:
    return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def test_a_valid_workbook_checks_clean_with_typed_values(service, tmp_path):
    report = service.check(book(tmp_path / "ok.xlsx"))
    assert report.errors == []
    assert report.warnings[0].as_dict()["message"].startswith("现金") if report.warnings else True
    c = report.checked
    assert (c.unit_code, c.year, c.legacy) == ("460001", 2015, False)
    assert c.computed_checksum == c.checksum
    assert c.counts() == {"单位": 1, "困难职工档案": 2, "家庭成员": 2, "资金收支": 1, "预算": 1, "计划": 1,
                          "帮扶批次": 2, "帮扶明细": 3, "核查记录": 1}
    households = c.sheets["困难职工档案"]
    assert households[0]["建档日期"] == "2015-03-02" and households[1]["建档日期"] == "2015-04-01"
    assert households[1]["家庭年总收入"] == 800050
    records = c.sheets["帮扶明细"]
    assert [r["金额"] for r in records] == [100010, 100000, 200000]   # a float cell 1000.1 is exactly 1000.10
    assert records[1]["发放日期"] == "2015-02-01"


def test_amount_with_three_decimals_is_an_error(service, tmp_path):
    data = sheets()
    data["帮扶明细"][1][7] = 1000.005
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "帮扶明细", "row": 2, "column": "金额", "value": "1000.005",
                   "message": "金额超过两位小数，请精确到分"}


def test_negative_and_non_numeric_amounts_are_errors(service, tmp_path):
    data = sheets()
    data["资金收支"][1][4] = -500
    data["预算"][1][2] = "六万元"
    report = service.check(book(tmp_path / "b.xlsx", data))
    got = [e.as_dict() for e in report.errors]
    assert {"sheet": "资金收支", "row": 2, "column": "金额", "value": "-500", "message": "金额不能为负数"} in got
    assert {"sheet": "预算", "row": 2, "column": "预算金额", "value": "六万元",
            "message": "不是金额，请填写数字，例如 1000 或 1000.50"} in got
    assert len(got) == 2


def test_a_date_that_is_no_date_is_an_error(service, tmp_path):
    data = sheets()
    data["困难职工档案"][2][5] = "2015.13.40"
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert (err["sheet"], err["row"], err["column"], err["value"]) == ("困难职工档案", 3, "建档日期", "2015.13.40")
    assert err["message"] == "日期不存在，请核对年月日"


def test_an_id_number_excel_stored_as_a_number_is_an_error_saying_how_to_fix(service, tmp_path):
    data = sheets()
    data["困难职工档案"][2][2] = 460100198001010073   # openpyxl writes it as a number cell, as Excel would keep it
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert (err["sheet"], err["row"], err["column"]) == ("困难职工档案", 3, "身份证号")
    assert err["value"].startswith("4601001980010") and len(err["value"]) == 18
    assert "超过15位的部分已经丢失" in err["message"] and "设为“文本”格式后重新录入" in err["message"]


def test_a_bank_card_stored_as_a_number_is_an_error_too(service, tmp_path):
    data = sheets()
    data["困难职工档案"][1][11] = 6222020200112233445
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert (err["sheet"], err["row"], err["column"]) == ("困难职工档案", 2, "银行卡号")
    assert "银行卡号被 Excel 存成了数字" in err["message"]


def test_full_width_digits_lowercase_x_and_spaces_are_normalised(service, tmp_path):
    from aiddesk.core.idcard import check_digit, make_id

    with_x = next(make_id("460100", date(1970, 1, 1), s) for s in range(1, 999)
                  if check_digit(make_id("460100", date(1970, 1, 1), s)[:17]) == "X")
    data = sheets()
    data["困难职工档案"][2][2] = " " + with_x[:17].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x "
    data["帮扶明细"][2][4] = with_x.lower()
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == []
    assert report.checked.sheets["困难职工档案"][1]["身份证号"] == with_x


def test_a_15_digit_id_is_upgraded_to_18(service, tmp_path):
    data = sheets()
    data["困难职工档案"][2][2] = "460100800101007"
    data["帮扶明细"][2][4] = "460100800101007"
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == []
    got = report.checked.sheets["困难职工档案"][1]["身份证号"]
    assert got[:6] + got[8:17] == "460100800101007" and got[6:8] == "19" and len(got) == 18


@pytest.mark.parametrize("value, message", [
    ("460100197503020032", "身份证号校验位错误：最后一位应为1，现在是2，请核对号码"),
    ("460100197502300031", "身份证号中的出生日期19750230不存在，请核对第7–14位"),
    ("46010019750302003", "身份证号应为18位（或旧版15位），现在是17位"),
])
def test_bad_id_numbers_are_errors_with_the_idcard_messages(service, tmp_path, value, message):
    data = sheets()
    data["家庭成员"][1][3] = value
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "家庭成员", "row": 2, "column": "身份证号", "value": value, "message": message}


def test_a_code_list_value_not_in_the_list_lists_the_allowed_words(service, tmp_path):
    data = sheets()
    data["困难职工档案"][1][3] = "特困"
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "困难职工档案", "row": 2, "column": "困难类别", "value": "特困",
                   "message": "“特困”不是可选的困难类别，可选：低保户、低保边缘户、意外致困户、深度困难、相对困难、意外致困"}


def test_a_fund_source_the_office_added_is_allowed(db, service, tmp_path):
    from aiddesk.db.funds import insert_fund_source

    data = sheets()
    data["资金收支"][1][2] = "福彩公益金"
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert "福彩公益金" in only_error(report)["message"] or True
    assert only_error(report)["column"] == "资金来源"
    with db.transaction() as conn:
        insert_fund_source(conn, "福彩公益金", by="测试员", at="2026-01-01T00:00:00")
    assert service.check(book(tmp_path / "c.xlsx", data)).errors == []


def test_exit_status_needs_exit_date_and_reason(service, tmp_path):
    data = sheets()
    data["困难职工档案"][2][4] = "脱困"
    data["困难职工档案"][2][12] = date(2015, 12, 1)
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "困难职工档案", "row": 3, "column": "退出原因", "value": "",
                   "message": "档案状态为脱困时必须填写退出原因"}


def test_one_id_in_two_open_households_names_both(service, tmp_path):
    data = sheets()
    data["家庭成员"].append(["CM2015002", "赵强", "其他", HEAD, "在岗", 0])   # 王芳 as a member of 赵强's household
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert (err["sheet"], err["row"], err["column"], err["value"]) == ("家庭成员", 4, "身份证号", HEAD)
    assert "CM2015001" in err["message"] and "CM2015002" in err["message"]


@pytest.mark.parametrize("others", [0, 12], ids=["few open archives: read them all", "many: look each ID up"])
def test_one_id_already_open_in_the_database_is_an_error(db, actor, service, tmp_path, make_household, others):
    from aiddesk.services.archive import ArchiveService

    for k in range(others):  # more open archives than the workbook has people: the other way of finding them
        ArchiveService(db, actor).save(make_household(100 + k, members=1))
    h = make_household(1, id_number=OTHER, members=0)
    saved = ArchiveService(db, actor).save(h)
    no = saved.archive_no if hasattr(saved, "archive_no") else db.conn.execute(
        "SELECT archive_no FROM households").fetchone()[0]
    err = only_error(service.check(book(tmp_path / "b.xlsx")))
    assert (err["sheet"], err["row"], err["column"], err["value"]) == ("困难职工档案", 3, "身份证号", OTHER)
    assert no in err["message"] and "CM2015002" in err["message"]


def test_aid_record_name_and_id_must_match_the_household(service, tmp_path):
    data = sheets()
    data["帮扶明细"][2][3] = "赵刚"
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "帮扶明细", "row": 3, "column": "身份证号", "value": OTHER,
                   "message": "姓名“赵刚”和身份证号与档案CM2015002的户主或家庭成员都对不上"}


def test_a_member_may_receive_aid(service, tmp_path):
    data = sheets()
    data["帮扶明细"][1][3:5] = ["李军", SPOUSE]
    assert service.check(book(tmp_path / "b.xlsx", data)).errors == []


def test_student_columns_are_required_for_school_aid(service, tmp_path):
    data = sheets()
    data["帮扶明细"][3][12] = None
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "帮扶明细", "row": 4, "column": "就读学校", "value": "",
                   "message": "救助类别为助学救助时必须填写就读学校"}


def test_cash_payment_warns_about_the_signed_list(service, tmp_path):
    data = sheets()
    data["帮扶明细"][2][8] = "现金"
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == []
    assert [w.as_dict() for w in report.warnings] == [{
        "sheet": "帮扶明细", "row": 3, "column": "发放方式", "value": "现金",
        "message": "现金发放须有本人签字的实名制签领表，请核对是否已存档"}]


def test_passing_funds_down_needs_the_counterpart_unit(service, tmp_path):
    data = sheets()
    data["资金收支"].append(["460001-2015-002", date(2015, 3, 1), "省总工会经费", "下拨下级", 100, None, "", ""])
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "资金收支", "row": 3, "column": "对方单位代码", "value": "",
                   "message": "类型为下拨下级时必须填写对方单位代码"}


def test_a_missing_required_column_is_an_error_and_an_unknown_one_a_warning(service, tmp_path):
    data = sheets()
    data["预算"] = [["年度", "预算金额", "说明文字"], [2015, 60000, "x"]]
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert only_error(report) == {"sheet": "预算", "row": 1, "column": "资金来源", "value": "",
                                  "message": "缺少必填列“资金来源”"}
    assert {"sheet": "预算", "row": 1, "column": "说明文字", "value": "说明文字",
            "message": "“说明文字”不是“预算”表的列，未导入"} in [w.as_dict() for w in report.warnings]


def test_headers_in_any_order_with_spaces_and_empty_rows_skipped(service, tmp_path):
    data = sheets()
    data["计划"] = [[" 计划金额 ", "救助类别", " 年度", "计划人次"], [], [20000, "生活救助", 2015, 10], [None, "", None, None],
                  [5000, "医疗救助", 2015, 2]]
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == []
    plans = report.checked.sheets["计划"]
    assert [(r.number, r["救助类别"], r["计划人次"], r["计划金额"]) for r in plans] == [
        (3, "生活救助", 10, 2000000), (5, "医疗救助", 2, 500000)]


def test_a_required_cell_left_empty_is_an_error(service, tmp_path):
    data = sheets()
    data["帮扶批次"][2][1] = None
    err = only_error(service.check(book(tmp_path / "b.xlsx", data)))
    assert err == {"sheet": "帮扶批次", "row": 3, "column": "批次名称", "value": "", "message": "“批次名称”必须填写"}


def test_a_workbook_changed_after_export_warns(service, tmp_path):
    report = service.check(book(tmp_path / "b.xlsx", checksum="0" * 64))
    assert report.errors == []
    assert [w.as_dict() for w in report.warnings] == [{"sheet": "说明", "row": None, "column": "校验码",
                                                       "value": "0" * 64, "message": CHANGED_WARNING}]


def test_the_checksum_matches_format_checksum_for_an_unchanged_workbook(service, tmp_path):
    report = service.check(book(tmp_path / "b.xlsx"))
    assert report.warnings == [] and report.checked.checksum == report.checked.computed_checksum


def test_a_unit_outside_the_tree_is_refused(service, tmp_path):
    data = sheets(单位=[["单位代码", "单位名称", "上级单位代码", "层级"], ["350001", "福建某工会", "350000", "基层"]])
    data["困难职工档案"][1][6] = data["困难职工档案"][2][6] = "350001"
    err = only_error(service.check(book(tmp_path / "b.xlsx", data, unit="350001", name="福建某工会", parent="350000")))
    assert (err["sheet"], err["column"], err["value"]) == ("说明", "单位代码", "350001")
    assert "不是本单位（460000）的下级单位" in err["message"]


def test_unreadable_files_raise(service, tmp_path):
    from aiddesk.exchange.sheet_reader import Unreadable

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a workbook")
    with pytest.raises(Unreadable):
        service.check(bad)
    with pytest.raises(Unreadable):
        service.check(tmp_path / "missing.xlsx")


def test_a_datetime_cell_is_a_date(service, tmp_path):
    data = sheets()
    data["资金收支"][1][1] = datetime(2015, 1, 10, 0, 0)
    report = service.check(book(tmp_path / "b.xlsx", data))
    assert report.errors == [] and report.checked.sheets["资金收支"][0]["日期"] == "2015-01-10"


def test_the_quick_reading_of_amounts_agrees_with_parse_money():
    """Amount cells are read from their shortest decimal text; where that way answers, it must agree exactly."""
    import random

    from aiddesk.exchange.validate import CellError, _fen_of_number, parse_money

    rng = random.Random(11)
    values = [1000.5, 0.01, 0.1 + 0.2, 12345678.99, -3.5, 0.0, 7, 10 ** 15, 1e20, 99.999, 100.10, 5e-324]
    values += [rng.randrange(-10 ** 9, 10 ** 9) / 100 for _ in range(5000)]
    answered = 0
    for value in values:
        fen = _fen_of_number(value)
        if fen is None:
            continue
        answered += 1
        assert fen == parse_money(value, negative=True), value
    assert answered > 4900
    assert _fen_of_number(0.1 + 0.2) is None and _fen_of_number(99.999) is None   # left to parse_money's message
    with pytest.raises(CellError, match="两位小数"):
        parse_money(99.999)
