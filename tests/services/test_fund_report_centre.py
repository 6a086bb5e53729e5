"""The centre's fund report across units: an imported sub-unit counts by its own 帮扶明细, never also by its
下级单位使用 rows; a sub-unit that reports totals only counts by them; the consolidated view per unit."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.cli import main
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db.funds import Usage
from aiddesk.services.archive import ArchiveService
from aiddesk.services.fund_report import (IMPORTED, NONE, OWN, RECORDS, REPORTED, consolidated_report,
                                          fund_report)
from aiddesk.services.funds import FundService

STAMP = "2016-01-20 09:00:00"


def insert_paid(db, unit: str, code: str, lines: list[tuple], *, year: int = 2015) -> int:
    """A paid batch of ``unit`` as an imported workbook stores it: lines of (household, 救助类别, amount, 发放日期)."""
    with db.transaction() as conn:
        batch_id = conn.execute(
            "INSERT INTO batches (code, name, activity, year, unit_code, fund_sources, status, clerk, paid_on,"
            " created_at, updated_at) VALUES (?, ?, '生活救助', ?, ?, '省总工会经费', '已发放', '经办人', ?, ?, ?)",
            (code, f"{code}批次", year, unit, f"{year}-12-01", STAMP, STAMP)).lastrowid
        for i, (household_id, category, amount, paid_on) in enumerate(lines, start=1):
            name, number = conn.execute("SELECT name, id_number FROM households WHERE id = ?",
                                        (household_id,)).fetchone()
            conn.execute(
                "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
                " aid_category, fund_source, amount_fen, paid_on, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, '省总工会经费', ?, ?, '经办人', ?)",
                (f"{code}-{i:04d}", batch_id, household_id, name, number, category, int(Decimal(amount) * 100),
                 paid_on, STAMP))
    return batch_id


def mark_imported(db, unit: str, year: int = 2015) -> None:
    with db.transaction() as conn:
        conn.execute("INSERT INTO exchange_imports (unit_code, year, file_name, checksum, imported_at, imported_by)"
                     " VALUES (?, ?, ?, 'abc', ?, '测试员')", (unit, year, f"{unit}-{year}.xlsx", STAMP))


@pytest.fixture
def centre(db, actor, make_household, receive):
    """460000 receives 10万元 and passes 3万元 to 460001 (imported) and 2万元 to 460002 (totals only)."""
    funds = FundService(db, actor)
    receive(db, 2015, amount="100000.00", on=date(2015, 3, 1))
    for code, amount in (("460001", "30000.00"), ("460002", "20000.00")):
        funds.add_entry(FundEntry(unit_code="", entry_date=date(2015, 4, 1), fund_source="省总工会经费",
                                  kind="下拨下级", amount=Decimal(amount), counterpart_code=code))
    archive = ArchiveService(db, actor)
    own = [archive.save(make_household(i, unit_code="460000", members=0)).household_id for i in (1, 2)]
    sub = [archive.save(make_household(i, unit_code="460001", members=0)).household_id for i in (3, 4, 5)]
    insert_paid(db, "460000", "460000-2015-SH01", [(own[0], "生活救助", "1000.00", "2015-12-10"),
                                                   (own[1], "生活救助", "1000.00", "2015-12-10")])
    # 460001's workbook: its ledger, its records (2 生活救助, 1 助学救助) — and its usage rows that must be ignored.
    with db.transaction() as conn:
        conn.execute("INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind, amount_fen,"
                     " created_by, created_at) VALUES ('460001-ZJ2015-0001', '460001', 2015, '2015-04-05',"
                     " '省总工会经费', '到账', 3000000, '导入', ?)", (STAMP,))
    insert_paid(db, "460001", "460001-2015-SH01", [(sub[0], "生活救助", "800.00", "2015-12-15"),
                                                   (sub[1], "生活救助", "800.00", "2015-12-15"),
                                                   (sub[2], "助学救助", "5000.00", "2015-12-16")])
    mark_imported(db, "460001")
    for code, category, amount, count in (("460001", "生活救助", "25000.00", 50),
                                          ("460002", "生活救助", "12000.00", 24),
                                          ("460002", "医疗救助", "6000.00", 3)):
        funds.set_usage(Usage(code, 2015, "省总工会经费", category, Decimal(amount), count))
    return funds


def test_an_imported_subunit_counts_by_its_records_the_other_by_its_totals(db, centre):
    r = fund_report(db, 2015)
    by_code = {u.code: u for u in r.subunits}
    imported, reporting = by_code["460001"], by_code["460002"]
    assert imported.from_records and not reporting.from_records
    assert (imported.spending.total.amount, imported.spending.total.count) == (Decimal("6600.00"), 3)
    assert (reporting.spending.total.amount, reporting.spending.total.count) == (Decimal("18000.00"), 27)
    out = r.to_json()
    assert out["subunits"] == {
        "allocated": "50000.00", "spent": {"amount": "24600.00", "count": 30},
        "by_category": {"生活救助": {"amount": "13600.00", "count": 26}, "医疗救助": {"amount": "6000.00", "count": 3},
                        "助学救助": {"amount": "5000.00", "count": 1}},
        "balance": "25400.00",
        "by_unit": {"460001": {"allocated": "30000.00", "spent": {"amount": "6600.00", "count": 3},
                               "balance": "23400.00"},
                    "460002": {"allocated": "20000.00", "spent": {"amount": "18000.00", "count": 27},
                               "balance": "2000.00"}}}
    assert out["spending"]["total"] == {"amount": "2000.00", "count": 2}
    assert out["overall"]["amount"] == "26600.00" and out["overall"]["count"] == 32
    # 460001's 25000.00 / 50人次 of usage appear nowhere.
    assert "25000.00" not in json.dumps(out)


def test_an_imported_year_without_paid_aid_still_replaces_the_totals(db, centre):
    """A sub-unit whose workbook for the year was imported counts by its records even when it has none paid."""
    mark_imported(db, "460002")
    r = fund_report(db, 2015)
    reporting = next(u for u in r.subunits if u.code == "460002")
    assert reporting.from_records and reporting.spending.total.count == 0
    assert r.to_json()["subunits"]["spent"] == {"amount": "6600.00", "count": 3}


def test_an_import_of_another_year_does_not_count(db, centre):
    mark_imported(db, "460002", 2014)
    reporting = next(u for u in fund_report(db, 2015).subunits if u.code == "460002")
    assert not reporting.from_records and reporting.spending.total.amount == Decimal("18000.00")


def test_without_the_import_the_usage_rows_count(db, centre):
    """Before 460001's workbook came (no import row, no batches of its own here), its reported totals count."""
    db.conn.execute("DELETE FROM exchange_imports")
    db.conn.execute("DELETE FROM aid_records WHERE batch_id IN (SELECT id FROM batches WHERE unit_code = '460001')")
    db.conn.execute("DELETE FROM batches WHERE unit_code = '460001'")
    imported = next(u for u in fund_report(db, 2015).subunits if u.code == "460001")
    assert not imported.from_records
    assert (imported.spending.total.amount, imported.spending.total.count) == (Decimal("25000.00"), 50)


def test_a_subunit_with_an_unpaid_batch_of_the_year_counts_by_its_records(db, centre, actor, make_household):
    """Its own batches kept here mean its records are here: its totals are not added on top."""
    with db.transaction() as conn:
        conn.execute("INSERT INTO batches (code, name, activity, year, unit_code, status, clerk, created_at,"
                     " updated_at) VALUES ('460002-2015-LS01', '临时救助', '临时救助', 2015, '460002', '草稿', '经办人',"
                     " ?, ?)", (STAMP, STAMP))
    reporting = next(u for u in fund_report(db, 2015).subunits if u.code == "460002")
    assert reporting.from_records and reporting.spending.total.count == 0
    db.conn.execute("UPDATE batches SET status = '已作废' WHERE code = '460002-2015-LS01'")
    reporting = next(u for u in fund_report(db, 2015).subunits if u.code == "460002")
    assert not reporting.from_records and reporting.spending.total.count == 27


def test_the_consolidated_view(db, centre):
    c = consolidated_report(db, 2015)
    rows = [(u.code, u.depth, u.basis, u.allocated, u.income, u.passed, u.spent.amount, u.spent.count, u.balance)
            for u in c.units]
    assert rows == [
        ("460000", 0, OWN, Decimal("0"), Decimal("100000.00"), Decimal("50000.00"), Decimal("2000.00"), 2,
         Decimal("48000.00")),
        ("460001", 1, IMPORTED, Decimal("30000.00"), Decimal("30000.00"), Decimal("0"), Decimal("6600.00"), 3,
         Decimal("23400.00")),
        ("460002", 1, REPORTED, Decimal("20000.00"), None, None, Decimal("18000.00"), 27, Decimal("2000.00"))]
    report = fund_report(db, 2015)
    assert c.units[0].balance == report.balance
    assert (c.spent.amount, c.spent.count) == (report.overall().total.amount, report.overall().total.count)
    assert {k: (f.amount, f.count) for k, f in c.by_category().items()} == {
        k: (f.amount, f.count) for k, f in report.overall().by_category().items()}
    out = c.to_json()
    assert out["units"][2] == {"unit": "460002", "单位名称": "省旅游工会", "层级": "基层", "上级单位代码": "460000",
                               "数据来源": "上报汇总", "allocated": "20000.00", "income": None, "passed": None,
                               "spent": {"amount": "18000.00", "count": 27}, "balance": "2000.00"}
    assert out["spent"] == {"amount": "26600.00", "count": 32}


def test_the_consolidated_view_of_units_without_data_and_batches_kept_here(db, actor, centre):
    from aiddesk.db.units import Unit
    from aiddesk.services import units

    units.save_unit(db, actor, Unit("460003", "省工交医药工会", "基层", "460000"), new=True)
    units.save_unit(db, actor, Unit("46000101", "海口某公司工会", "基层", "460001"), new=True)
    db.conn.execute("DELETE FROM exchange_imports")
    c = consolidated_report(db, 2015)
    assert [(u.code, u.depth, u.basis) for u in c.units] == [
        ("460000", 0, OWN), ("460001", 1, RECORDS), ("46000101", 2, NONE), ("460002", 1, REPORTED),
        ("460003", 1, NONE)]
    # 460001's ledger is here (its imported entries), so its balance is its own: income − spent.
    assert c.units[1].balance == Decimal("23400.00")
    assert c.units[2].balance == Decimal("0") and c.units[4].spent.count == 0


def test_the_command_line_report_follows_the_rule(db, centre, capsys):
    path = str(db.path)
    expected = fund_report(db, 2015).to_json()
    db.close()
    assert main(["--db", path, "report", "funds", "--year", "2015", "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == expected and printed["subunits"]["spent"] == {"amount": "24600.00", "count": 30}
