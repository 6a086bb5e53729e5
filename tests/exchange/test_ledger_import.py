"""An old ledger as an office keeps it — title, 填报 line, header on row 3, 合计 and signatures — imported whole."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import Workbook

from aiddesk.cli import main
from aiddesk.core.idcard import make_id
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ExchangeImportService

WANG = make_id("460100", date(1968, 4, 2), 11)
LI = make_id("460100", date(1972, 9, 15), 23)
ZHAO = make_id("460100", date(1980, 1, 9), 35)
CHILD = make_id("460100", date(2005, 6, 1), 47)
HEADERS = ["序号", "姓名", "身份证号码", "性别", "工作单位", "困难类型", "救助项目", "救助金额（元）", "发放时间", "备注"]


def payments_book(path, rows=None, *, total: object = "auto", title="2015年困难职工帮扶资金发放台账", sheet="全年",
                  filed="填报日期：2016年1月5日"):
    """A payments ledger: a title merged over the width, a 填报 line, the header, payments, 合计, signatures."""
    rows = rows if rows is not None else [
        [1, "王建国", WANG, "男", "海口市纺织厂", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""],
        [2, "李秀兰", LI, "女", "海口市机械厂", "低保边缘户", "送温暖", "1,000.00", "2015年1月21日", ""],
        [3, "王建国", WANG, "男", "海口市纺织厂", "低保户", "医疗救助", "¥2,500.00", "2015.7.3", "住院"],
    ]
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append([title])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    ws.append(["填报单位：海南省总工会帮扶中心", None, None, None, None, None, None, filed])
    ws.append(HEADERS)
    for r in rows:
        ws.append(r)
    if total == "auto":
        total = sum(Decimal(str(r[7]).replace(",", "").replace("¥", "")) for r in rows)
    ws.append(["合计", None, None, None, None, None, None, float(total) if total is not None else None])
    ws.append([])
    ws.append(["制表人：张三", None, None, "审核人：李四", None, None, "单位负责人：王五"])
    wb.save(path)
    return path


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def test_a_payments_ledger_becomes_archives_batches_and_paid_lines(db, service, tmp_path):
    report = service.import_file(payments_book(tmp_path / "2015年帮扶台账.xlsx"))
    assert report.errors == [], [e.as_dict() for e in report.errors]
    households = {r[1]: tuple(r) for r in db.conn.execute(
        "SELECT archive_no, id_number, name, hardship_category, archive_status, created_date, unit_code"
        " FROM households ORDER BY archive_no")}
    assert set(households) == {WANG, LI}
    # Numbered in the office's own numbering, from the first payment's year; 建档日期 = the first payment.
    assert households[WANG][0] == "460000-2015-0001" and households[WANG][5] == "2015-01-20"
    assert households[LI][3:] == ("低保边缘户", "在档", "2015-01-21", "460000")
    lines = db.conn.execute("SELECT r.recipient_id_number, r.aid_category, r.amount_fen, r.fund_source, r.paid_on,"
                            " b.activity, b.status FROM aid_records r JOIN batches b ON b.id = r.batch_id"
                            " ORDER BY r.paid_on").fetchall()
    assert [tuple(r) for r in lines] == [
        (WANG, "生活救助", 100000, "未注明", "2015-01-20", "送温暖", "已发放"),
        (LI, "生活救助", 100000, "未注明", "2015-01-21", "送温暖", "已发放"),
        (WANG, "医疗救助", 250000, "未注明", "2015-07-03", "医疗救助", "已发放")]
    # One batch per sheet × 救助类别 × month, named after the book.
    assert [r[0] for r in db.conn.execute("SELECT name FROM batches ORDER BY paid_on")] == [
        "2015年帮扶台账·全年·生活救助·2015年1月", "2015年帮扶台账·全年·医疗救助·2015年7月"]
    (summary,) = report.as_json()["ledger"]["sheets"]
    assert summary["read"] == 3 and summary["header_rows"] == [3]
    assert summary["total"] == summary["imported_total"] == "4500.00" and summary["total_row"] == 7
    assert {s["row"] for s in summary["skipped"]} >= {7, 9}


def test_the_same_book_again_changes_nothing(db, service, tmp_path):
    path = payments_book(tmp_path / "2015年帮扶台账.xlsx")
    assert service.import_file(path).written

    def everything():
        return [tuple(r) for table in ("households", "batches", "aid_records") for r in db.conn.execute(
            f"SELECT * FROM {table} ORDER BY id")]

    before = everything()
    again = service.import_file(path)
    assert again.errors == [] and everything() == before


def test_a_ledger_that_does_not_add_up_is_refused_at_its_total_row(db, service, tmp_path):
    report = service.import_file(payments_book(tmp_path / "错账.xlsx", total=4400))
    assert not report.written
    (error,) = [e for e in report.errors if "合计" in e.message]
    assert (error.sheet, error.row, error.column) == ("全年", 7, "救助金额（元）")
    assert "4,400.00" in error.message and "4,500.00" in error.message and "相差" in error.message
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 0


def test_an_id_number_excel_stored_as_a_number_is_an_error_for_that_row(db, service, tmp_path):
    rows = [[1, "王建国", int(WANG[:15] + "000"), "男", "", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""]]
    report = service.import_file(payments_book(tmp_path / "数字身份证.xlsx", rows))
    assert not report.written
    error = next(e for e in report.errors if e.row == 4)
    assert error.sheet == "全年" and error.column == "身份证号码" and "丢失" in error.message


def test_a_person_the_archive_has_is_paid_into_that_archive_and_not_rewritten(db, service, actor, tmp_path,
                                                                           make_household):
    h = make_household(5, name="王建国")
    h.id_number = WANG
    h.members[1].id_number = CHILD
    saved = ArchiveService(db, actor).save(h)
    stored = db.conn.execute("SELECT * FROM households WHERE id = ?", (saved.household_id,)).fetchone()
    rows = [[1, "王建国", WANG, "男", "", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""],
            [2, "张小明", CHILD, "男", "", "", "金秋助学", 1500, datetime(2015, 8, 28), "学生"]]
    report = service.import_file(payments_book(tmp_path / "台账.xlsx", rows))
    assert report.errors == [], [e.as_dict() for e in report.errors]
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 1
    assert tuple(db.conn.execute("SELECT * FROM households WHERE id = ?", (saved.household_id,)).fetchone()) \
        == tuple(stored)
    booked = {r[0] for r in db.conn.execute("SELECT household_id FROM aid_records")}
    assert booked == {saved.household_id}   # the child's 金秋助学 too: the household whose member the child is


def test_a_roster_with_member_rows_makes_households_with_their_members(db, service, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "花名册"
    ws.append(["2015年困难职工花名册"])
    ws.append(["序号", "姓名", "与户主关系", "身份证号", "困难类别", "家庭住址"])
    ws.append([1, "王建国", "户主", WANG, "低保户", "海口市龙华区"])
    ws.append([None, "陈美", "妻子", make_id("460100", date(1970, 3, 3), 58), None, None])
    ws.append([None, "王小军", "儿子", CHILD, None, None])
    ws.append([2, "李秀兰", "户主", LI, "低保边缘户", "海口市美兰区"])
    wb.save(tmp_path / "花名册.xlsx")
    report = service.import_file(tmp_path / "花名册.xlsx")
    assert report.errors == [], [e.as_dict() for e in report.errors]
    members = [tuple(r) for r in db.conn.execute(
        "SELECT h.id_number, m.name, m.relation FROM members m JOIN households h ON h.id = m.household_id"
        " ORDER BY m.id")]
    assert members == [(WANG, "陈美", "妻"), (WANG, "王小军", "子")]
    assert db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 2


def test_the_command_line_makes_the_own_unit_and_says_what_each_sheet_gave(tmp_path, capsys):
    book = payments_book(tmp_path / "2015年帮扶台账.xlsx")
    target = tmp_path / "new.sqlite"
    code = main(["--db", str(target), "import", str(book), "--unit", "469000", "--unit-name", "某市总工会",
                 "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0, out["errors"]
    assert out["imported"]["困难职工档案"] == 2 and out["imported"]["帮扶明细"] == 3
    assert out["ledger"]["sheets"][0]["imported_total"] == "4500.00"


def test_a_newer_book_fills_what_an_archive_lacks_and_overwrites_nothing(db, service, actor, clock, tmp_path,
                                                                        make_household):
    h = make_household(5, name="王建国", members=0, employer="")
    h.id_number = WANG
    saved = ArchiveService(db, actor).save(h)                           # 2026-11-26, no 工作单位
    clock.set(date(2026, 12, 5))
    rows = [[1, "王建国", WANG, "男", "海口市纺织厂", "低保边缘户", "送温暖", 1000, datetime(2026, 12, 1), ""]]
    report = service.import_file(payments_book(tmp_path / "2026年台账.xlsx", rows, title="2026年帮扶台账",
                                               filed="填报日期：2026年12月4日"))
    assert report.errors == [], [e.as_dict() for e in report.errors]
    employer, category = db.conn.execute("SELECT employer, hardship_category FROM households WHERE id = ?",
                                         (saved.household_id,)).fetchone()
    assert employer == "海口市纺织厂"      # the archive had none: filled from the newer book
    assert category == "低保户"            # the archive said otherwise: kept, and the difference said
    messages = [w.message for w in report.warnings]
    assert any("按台账补入" in m and "工作单位" in m for m in messages)
    assert any("档案未改动" in m and "困难类型：台账为“低保边缘户”，档案中为“低保户”" in m for m in messages)


def test_an_older_book_fills_nothing_and_says_what_it_has(db, service, actor, tmp_path, make_household):
    h = make_household(5, name="王建国", members=0, employer="")
    h.id_number = WANG
    saved = ArchiveService(db, actor).save(h)
    rows = [[1, "王建国", WANG, "男", "海口市纺织厂", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""]]
    report = service.import_file(payments_book(tmp_path / "2015年台账.xlsx", rows))
    assert report.errors == []
    assert db.conn.execute("SELECT employer FROM households WHERE id = ?", (saved.household_id,)).fetchone()[0] == ""
    assert any("台账不比档案新" in w.message for w in report.warnings)


def test_what_todays_checks_would_have_refused_is_said_not_refused(db, service, tmp_path):
    rows = [[1, "王建国", WANG, "男", "", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""],
            [2, "王建国", WANG, "男", "", "低保户", "送温暖", 800, datetime(2015, 12, 28), "年底又送"]]
    report = service.import_file(payments_book(tmp_path / "台账.xlsx", rows))
    assert report.written
    (warning,) = [w for w in report.warnings if "送温暖" in w.message]
    assert (warning.sheet, warning.row) == ("全年", 5) and "全年第4行" in warning.message


def test_the_command_line_says_per_sheet_that_the_totals_agree(db, tmp_path, capsys):
    book = payments_book(tmp_path / "2015年帮扶台账.xlsx")
    db.close()
    code = main(["--db", str(db.path), "import", str(book), "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "工作表“全年”：表头第3行，读取 3 行" in out and "台账合计 4,500.00 元 = 导入 4,500.00 元" in out
    assert "新建档案 2 户，已在档案中 0 户" in out


def test_a_book_writing_the_old_15_digit_number_is_the_same_person_and_no_difference(db, service, actor, tmp_path,
                                                                                     make_household):
    h = make_household(5, name="王建国", members=0)
    h.id_number = WANG
    ArchiveService(db, actor).save(h)
    rows = [[1, "王建国", WANG[:6] + WANG[8:17], "男", "", "低保户", "送温暖", 1000, datetime(2015, 1, 20), ""]]
    report = service.import_file(payments_book(tmp_path / "台账.xlsx", rows))
    assert report.errors == [] and db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 1
    assert not [w for w in report.warnings if "不同" in w.message]


def test_the_fund_report_sees_the_history_at_once_with_unnamed_sources_shown_as_such(db, service, tmp_path, capsys):
    assert service.import_file(payments_book(tmp_path / "2015年帮扶台账.xlsx")).written
    db.conn.commit()
    code = main(["--db", str(db.path), "report", "funds", "--year", "2015", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0
    assert report["spending"]["total"] == {"amount": "4500.00", "count": 3}
    assert list(report["spending"]["by_source"]) == ["未注明"]
    assert report["spending"]["by_source"]["未注明"]["total"] == {"amount": "4500.00", "count": 3}
