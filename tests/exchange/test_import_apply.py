"""Writing an exchange workbook: one transaction, keyed upserts, re-import changes nothing, newer replaces older."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import Workbook
from test_import_validation import HEAD, OTHER, SPOUSE, book, sheets

from aiddesk.core.clock import FixedClock
from aiddesk.db.units import Unit
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.settings import set_dibao_line
from aiddesk.exchange.export import export_workbook
from aiddesk.reports.common import Cancelled
from aiddesk.services import units
from aiddesk.services.archive import ArchiveService
from aiddesk.services.exchange_import import ExchangeImportService

TABLES = ("units", "households", "members", "fund_entries", "fund_budgets", "aid_plans", "batches", "aid_records",
          "subunit_usage", "home_visits", "phone_calls", "feedback")


def dump(db) -> dict:
    return {t: [tuple(r) for r in db.conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2")] for t in TABLES}


@pytest.fixture
def service(db, actor):
    return ExchangeImportService(db, actor)


def test_import_writes_every_sheet_under_the_sub_unit(db, service, tmp_path):
    report = service.import_file(book(tmp_path / "a.xlsx"))
    assert report.errors == [] and report.written
    assert report.imported == {"单位": 1, "困难职工档案": 2, "家庭成员": 2, "资金收支": 1, "预算": 1, "计划": 1,
                               "帮扶批次": 2, "帮扶明细": 3, "核查记录": 1}
    c = db.conn
    assert [tuple(r) for r in c.execute(
        "SELECT archive_no, unit_code, name, id_number, birth_date, gender, annual_income_fen, household_size,"
        " archive_status, created_date, phone, bank_card FROM households ORDER BY archive_no")] == [
        ("CM2015001", "460001", "王芳", HEAD, "1975-03-02", "男", 1200000, 3, "在档", "2015-03-02", "13812345678",
         "6222020200112233445"),
        ("CM2015002", "460001", "赵强", OTHER, "1980-01-01", "男", 800050, 1, "在档", "2015-04-01", "", "")]
    assert [tuple(r) for r in c.execute("SELECT seq, name, relation, id_number, monthly_income_fen FROM members"
                                        " ORDER BY seq")] == [(1, "李军", "配偶", SPOUSE, 150000),
                                                              (2, "李小明", "子", "460100200105030052", 0)]
    assert [tuple(r) for r in c.execute("SELECT entry_no, unit_code, year, kind, amount_fen, counterpart_code, doc_no"
                                        " FROM fund_entries")] == [
        ("460001-2015-001", "460001", 2015, "到账", 5000000, "460000", "琼工发〔2015〕1号")]
    assert [tuple(r) for r in c.execute("SELECT * FROM fund_budgets")] == [("460001", 2015, "省总工会经费", 6000000)]
    assert [tuple(r) for r in c.execute("SELECT * FROM aid_plans")] == [("460001", 2015, "生活救助", 10, 2000000)]
    assert [tuple(r) for r in c.execute(
        "SELECT a.record_no, b.code, h.archive_no, a.amount_fen, a.paid_on, a.student_name, a.enrollment_year"
        " FROM aid_records a JOIN batches b ON b.id = a.batch_id JOIN households h ON h.id = a.household_id"
        " ORDER BY a.record_no")] == [
        ("M2015-0001", "P2015-01", "CM2015001", 100010, "2015-02-01", "", None),
        ("M2015-0002", "P2015-01", "CM2015002", 100000, "2015-02-01", "", None),
        ("M2015-0003", "P2015-02", "CM2015001", 200000, "2015-09-01", "李小明", 2015)]
    assert [tuple(r) for r in c.execute("SELECT visited_on, visitors, outcome FROM home_visits")] == [
        ("2015-03-01", "陈干事", "情况属实")]
    got = c.execute("SELECT unit_code, year, file_name, legacy, exported_at, rows FROM exchange_imports").fetchone()
    assert tuple(got)[:5] == ("460001", 2015, "a.xlsx", 0, "2016-01-05T10:00:00")
    assert json.loads(got["rows"])["帮扶明细"] == 3
    assert c.execute("SELECT COUNT(*) FROM audit_log WHERE table_name = 'exchange_imports'").fetchone()[0] == 1


def test_the_fund_report_counts_the_imported_sub_unit(db, service, tmp_path):
    from aiddesk.services.fund_report import fund_report

    service.import_file(book(tmp_path / "a.xlsx"))
    sub = fund_report(db, 2015, unit_code="460001")
    assert sub.spending.total.amount == pytest.approx(sub.spending.total.amount)  # builds without error
    assert str(sub.spending.total.amount) == "4000.10" and sub.spending.total.count == 3


def test_reimporting_the_same_workbook_changes_nothing(db, service, tmp_path):
    path = book(tmp_path / "a.xlsx")
    service.import_file(path)
    before = dump(db)
    report = service.import_file(path)
    assert report.errors == [] and report.written
    assert dump(db) == before


def test_a_newer_export_of_the_unit_and_year_replaces_the_older(db, service, tmp_path):
    service.import_file(book(tmp_path / "old.xlsx"))
    data = sheets()
    del data["帮扶明细"][2]                       # M2015-0002 dropped
    data["帮扶明细"][1][7] = 800                  # M2015-0001 corrected to 800
    data["资金收支"][1] = ["460001-2015-009", date(2015, 1, 12), "省总工会经费", "到账", 45000, "460000", "", "重编"]
    data["预算"] = [["年度", "资金来源", "预算金额"], [2015, "省财政", 1000]]
    report = service.import_file(book(tmp_path / "new.xlsx", data, exported_at="2016-02-01T09:00:00"))
    assert report.errors == []
    c = db.conn
    assert [tuple(r) for r in c.execute("SELECT record_no, amount_fen FROM aid_records ORDER BY record_no")] == [
        ("M2015-0001", 80000), ("M2015-0003", 200000)]
    assert [tuple(r) for r in c.execute("SELECT entry_no, amount_fen FROM fund_entries")] == [
        ("460001-2015-009", 4500000)]
    assert [tuple(r) for r in c.execute("SELECT fund_source, amount_fen FROM fund_budgets")] == [("省财政", 100000)]
    assert c.execute("SELECT COUNT(*) FROM households").fetchone()[0] == 2   # households are kept
    assert [r[0] for r in c.execute("SELECT exported_at FROM exchange_imports ORDER BY id")] == [
        "2016-01-05T10:00:00", "2016-02-01T09:00:00"]


def test_imported_archives_get_a_status_history_that_a_newer_export_continues(db, service, tmp_path, clock):
    from aiddesk.db import status_history

    def spans(no: str) -> list[tuple]:
        hid = db.conn.execute("SELECT id FROM households WHERE archive_no = ?", (no,)).fetchone()[0]
        return [(p.status, p.valid_from, p.valid_to, p.reason, p.recorded_by)
                for p in status_history.periods_of(db.conn, hid)]

    service.import_file(book(tmp_path / "old.xlsx"))
    assert spans("CM2015001") == [("在档", date(2015, 3, 2), None, "", "测试员")]
    assert status_history.mismatches(db.conn) == []
    data = sheets()
    data["困难职工档案"][2][4:6] = ["脱困", "2015/04/01"]   # 赵强 left the archive on 30 November
    data["困难职工档案"][2][12:14] = [date(2015, 11, 30), "脱困"]
    clock.set(date(2016, 2, 3))
    report = service.import_file(book(tmp_path / "new.xlsx", data, exported_at="2016-02-01T09:00:00"))
    assert report.errors == []
    assert spans("CM2015002") == [("在档", date(2015, 4, 1), date(2015, 11, 30), "", "测试员"),
                                  ("脱困", date(2015, 11, 30), None, "脱困", "测试员")]
    assert spans("CM2015001") == [("在档", date(2015, 3, 2), None, "", "测试员")]   # unchanged, untouched
    assert status_history.on_file(db.conn, date(2015, 12, 31))[0] == 1
    assert status_history.mismatches(db.conn) == []


def test_an_error_in_the_last_sheet_writes_nothing(db, service, tmp_path):
    before = dump(db)
    data = sheets()
    data["核查记录"][1][2] = "走访"
    report = service.import_file(book(tmp_path / "a.xlsx", data))
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("核查记录", 2, "方式")]
    assert not report.written and report.imported == {}
    assert dump(db) == before
    assert db.conn.execute("SELECT COUNT(*) FROM exchange_imports").fetchone()[0] == 0


def test_an_error_found_while_writing_rolls_everything_back(db, service, tmp_path, receive):
    """The own ledger is append-only: a workbook that would change an own entry is refused whole."""
    receive(db, 2015)
    own_no = db.conn.execute("SELECT entry_no FROM fund_entries").fetchone()[0]
    before = dump(db)
    data = sheets()
    data["资金收支"][1][0] = own_no
    report = service.import_file(book(tmp_path / "a.xlsx", data))
    assert not report.ok and "保存后的分录不能修改" in report.errors[0].message
    assert dump(db) == before


def test_dry_run_writes_nothing(db, service, tmp_path):
    before = dump(db)
    report = service.import_file(book(tmp_path / "a.xlsx"), dry_run=True)
    assert report.ok and report.imported["帮扶明细"] == 3 and not report.written
    assert dump(db) == before


def test_a_new_database_takes_the_workbook_unit_as_its_own(tmp_path, actor):
    db = open_database(tmp_path / "centre.sqlite")
    try:
        data = sheets(单位=[["单位代码", "单位名称", "上级单位代码", "层级"], ["460001", "省财贸工会", "460000", "基层"],
                            ["460011", "财贸下属工会", "460001", "基层"]])
        report = ExchangeImportService(db, actor).import_file(book(tmp_path / "a.xlsx", data))
        assert report.errors == []
        assert [tuple(r) for r in db.conn.execute("SELECT code, name, parent_code, level, is_own FROM units"
                                                  " ORDER BY code")] == [
            ("460001", "省财贸工会", None, "基层", 1), ("460011", "财贸下属工会", "460001", "基层", 0)]
        assert db.conn.execute("SELECT COUNT(*) FROM aid_records").fetchone()[0] == 3
    finally:
        db.close()


def test_a_sub_unit_new_to_the_centre_under_a_known_parent_is_added(db, service, tmp_path):
    data = sheets(单位=[["单位代码", "单位名称", "上级单位代码", "层级"], ["460003", "省建设工会", "460000", "基层"]])
    data["困难职工档案"][1][6] = data["困难职工档案"][2][6] = "460003"
    report = service.import_file(book(tmp_path / "a.xlsx", data, unit="460003", name="省建设工会"))
    assert report.errors == []
    assert tuple(db.conn.execute("SELECT name, parent_code, is_own FROM units WHERE code = '460003'").fetchone()) == (
        "省建设工会", "460000", 0)
    assert {r[0] for r in db.conn.execute("SELECT unit_code FROM households")} == {"460003"}


def legacy_ledger(path, headers=("档案号", "户主姓名", "身份证号码", "困难类型", "档案状况", "建档时间", "联系方式")):
    wb = Workbook()
    ws = wb.active
    ws.title = "2014年困难职工台账"
    ws.append(list(headers))
    ws.append(["JZ2014001", "王芳", HEAD, "低保户", "在档", "2014年5月6日", "13812345678"])
    ws.append(["JZ2014002", "赵强", OTHER.lower(), "低保边缘户", "在档", "2014/06/01", ""])
    wb.save(path)
    return path


def test_a_legacy_ledger_goes_into_the_own_unit_with_known_aliases(db, service, tmp_path):
    report = service.import_file(legacy_ledger(tmp_path / "old.xlsx"))
    assert report.errors == [], [e.as_dict() for e in report.errors]
    assert report.checked.legacy
    assert report.warnings == []   # 联系方式 is a ledger's word for 手机号码 (resources/codes/ledger_words.json)
    assert [tuple(r) for r in db.conn.execute("SELECT archive_no, unit_code, hardship_category, created_date"
                                              " FROM households ORDER BY archive_no")] == [
        ("JZ2014001", "460000", "低保户", "2014-05-06"), ("JZ2014002", "460000", "低保边缘户", "2014-06-01")]
    row = db.conn.execute("SELECT unit_code, year, legacy, checksum FROM exchange_imports").fetchone()
    assert tuple(row) == ("460000", 2014, 1, "")


def test_a_legacy_ledger_with_odd_headers_goes_through_a_remembered_mapping(db, service, tmp_path):
    headers = ("编号", "户主", "证件", "类别", "状态", "登记日期", "联系方式")
    path = legacy_ledger(tmp_path / "old.xlsx", headers)
    first = service.check(path)
    # 户主 is a ledger's word for 姓名; 证件 is not a word for 身份证号: the person cannot be found without it.
    assert {e.column for e in first.errors} == {"身份证号"}
    mapping = {"困难职工档案": {"档案编号": "编号", "姓名": "户主", "身份证号": "证件", "困难类别": "类别",
                               "档案状态": "状态", "建档日期": "登记日期", "手机号码": "联系方式"}}
    report = service.import_file(path, mapping=mapping)
    assert report.errors == [] and report.written
    assert db.conn.execute("SELECT phone FROM households WHERE archive_no = 'JZ2014001'").fetchone()[0] == "13812345678"
    # Next time (the command line, no mapping given) the remembered mapping is used.
    again = service.check(legacy_ledger(tmp_path / "old2.xlsx", headers))
    assert again.errors == []   # its columns all found; its two people are in the archive now, so nothing is new
    assert [w.message for w in again.warnings] == ["台账中的人都已在档案中，也没有新的帮扶明细：这次导入不会改变什么"]


def test_the_command_line_actor_is_audited(tmp_path):
    db = open_database(tmp_path / "x.sqlite")
    try:
        ExchangeImportService(db, Actor("张三", "命令行")).import_file(book(tmp_path / "a.xlsx"))
        assert tuple(db.conn.execute("SELECT user, via FROM audit_log").fetchone()) == ("张三", "命令行")
    finally:
        db.close()


ROW_QUERIES = {
    "households": "SELECT archive_no, unit_code, name, id_number, gender, birth_date, hardship_category, archive_status,"
                  " created_date, exit_date, exit_reason, phone, bank_card, annual_income_fen, per_capita_income_fen,"
                  " household_size, main_cause, secondary_causes, is_migrant_worker FROM households ORDER BY archive_no",
    "members": "SELECT h.archive_no, m.seq, m.name, m.relation, m.id_number, m.monthly_income_fen FROM members m"
               " JOIN households h ON h.id = m.household_id ORDER BY h.archive_no, m.seq",
    "aid_records": "SELECT a.record_no, b.code, h.archive_no, a.recipient_name, a.recipient_id_number, a.aid_category,"
                   " a.fund_source, a.amount_fen, a.payment_method, a.paid_on, a.student_id_number FROM aid_records a"
                   " JOIN batches b ON b.id = a.batch_id JOIN households h ON h.id = a.household_id"
                   " WHERE a.state = '有效' ORDER BY a.record_no",
    "batches": "SELECT code, name, activity, year, unit_code, paid_on FROM batches ORDER BY code",
}


def test_round_trip_export_then_import_into_a_fresh_database(tmp_path, actor):
    """Export a demo office's year, import it into a new database: the same fund report JSON and the same rows."""
    export = pytest.importorskip("aiddesk.exchange.export")
    from aiddesk.services.demo import build_demo
    from aiddesk.services.fund_report import fund_report

    office = open_database(tmp_path / "office.sqlite", clock=FixedClock(date(2026, 12, 7)))
    centre = open_database(tmp_path / "fresh.sqlite", clock=FixedClock(date(2026, 12, 8)))
    try:
        build_demo(office, households=120, seed=11, attachments=False)
        year = office.conn.execute("SELECT MAX(year) FROM batches").fetchone()[0]
        export.export_workbook(office, tmp_path / "year.xlsx", year=year, actor=actor)
        report = ExchangeImportService(centre, actor).import_file(tmp_path / "year.xlsx")
        assert report.errors == [] and report.warnings == []
        assert fund_report(centre, year).to_json() == fund_report(office, year).to_json()
        # The year's workbook holds the archives open now and those the year touched (EXCHANGE.md), not archives
        # closed years ago: every open one arrives, and each that arrives arrives whole.
        exported = {r[0] for r in centre.conn.execute("SELECT archive_no FROM households")}
        assert {r[0] for r in office.conn.execute(
            "SELECT archive_no FROM households WHERE archive_status IN ('在档', '临时')")} <= exported
        for name, query in ROW_QUERIES.items():
            mine = [tuple(r) for r in office.conn.execute(query) if name not in ("households", "members")
                    or r[0] in exported]
            assert [tuple(r) for r in centre.conn.execute(query)] == mine, name
        assert report.imported["帮扶明细"] == len([r for r in office.conn.execute(ROW_QUERIES["aid_records"])])
    finally:
        office.close()
        centre.close()


def test_a_column_set_to_none_in_the_mapping_stays_out_even_under_a_known_alias(db, service, tmp_path):
    path = legacy_ledger(tmp_path / "old.xlsx")   # 身份证号码 is a known alias of 身份证号
    chosen = {"困难职工档案": {"档案编号": "档案号", "姓名": "户主姓名", "困难类别": "困难类型", "档案状态": "档案状况",
                              "建档日期": "建档时间"}}
    report = service.check(path, mapping=chosen)
    assert [(e.column, e.message) for e in report.errors] == [("身份证号", "缺少必填列“身份证号”")]


def sub_office_workbook(tmp_path, actor, make_household, name: str):
    """A workbook exported by 省财贸工会's own database: its own unit has no parent there."""
    sub = open_database(tmp_path / f"{name}.sqlite")
    try:
        units.save_unit(sub, actor, Unit("460001", "省财贸工会", "基层"), new=True)
        with sub.transaction() as conn:
            set_dibao_line(conn, "460100", 2026, Decimal("700"))
        ArchiveService(sub, actor).save(make_household(1, name="张三", archive_no="CM2026001"))
        return export_workbook(sub, tmp_path / f"{name}.xlsx", year=2026, actor=actor).path
    finally:
        sub.close()


def test_a_sub_office_workbook_imported_twice_keeps_the_unit_where_the_centre_has_it(db, service, tmp_path, actor,
                                                                                   make_household):
    parent = db.conn.execute("SELECT parent_code FROM units WHERE code = '460001'").fetchone()[0]
    first = service.import_file(sub_office_workbook(tmp_path, actor, make_household, "first"))
    assert first.errors == [] and first.written
    assert db.conn.execute("SELECT parent_code FROM units WHERE code = '460001'").fetchone()[0] == parent == "460000"
    again = service.import_file(sub_office_workbook(tmp_path, actor, make_household, "again"))
    assert again.errors == [] and again.written, [e.as_dict() for e in again.errors]


def test_a_cancel_is_heard_before_every_sheet_and_leaves_nothing(db, service, tmp_path):
    report = service.check(book(tmp_path / "a.xlsx"))
    before = dump(db)
    seen = []

    def progress(sheet, done, total):
        seen.append((sheet, done, total))
        return sheet != "帮扶明细"   # cancel as the aid lines begin (a small workbook: no call inside a sheet)

    with pytest.raises(Cancelled):
        service.apply(report, progress=progress)
    assert dump(db) == before
    assert [s for s, _d, _t in seen][:3] == ["单位", "困难职工档案", "家庭成员"]
    assert all(t == sum(report.checked.counts().values()) for _s, _d, t in seen)
    assert [d for _s, d, _t in seen] == sorted(d for _s, d, _t in seen)   # rows done only grow


def test_a_check_reports_progress_and_stops_when_told(db, service, tmp_path):
    path = book(tmp_path / "a.xlsx")
    seen = []
    report = service.check(path, progress=lambda done, total: seen.append((done, total)))
    assert report.errors == [] and seen[-1][0] == seen[-1][1]
    assert [d for d, _t in seen] == sorted(d for d, _t in seen) and len({t for _d, t in seen}) == 1
    calls = []

    def stop_at_the_third(done, total):
        calls.append(done)
        return len(calls) < 3

    with pytest.raises(Cancelled):
        service.check(path, progress=stop_at_the_third)
    assert len(calls) == 3   # stopped there, within the first sheets
