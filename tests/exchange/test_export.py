"""The exchange workbook export (EXCHANGE.md): sheets, 说明, 校验码, cell types, which rows, cancel, audit, CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from seed_2015 import SPENDING, build_seed_2015

from aiddesk import __version__
from aiddesk.cli import main
from aiddesk.core.batch import AidRecord, Batch
from aiddesk.db import batches as batch_repo
from aiddesk.db import open_database
from aiddesk.exchange import format as fmt
from aiddesk.exchange.export import Cancelled, export_workbook
from aiddesk.services.archive import ArchiveService
from aiddesk.services.fund_report import fund_report
from aiddesk.services.funds import FundService

YEAR = 2015


@pytest.fixture
def people(db, actor, make_household):
    return [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
            for i, n in enumerate(["张三", "李梅", "王海", "陈芳", "吴强", "林静", "黄伟", "符兰"], start=1)]


@pytest.fixture
def seed(db, actor, people):
    return build_seed_2015(db, actor, people)


@pytest.fixture
def exported(db, seed, actor, tmp_path):
    out = tmp_path / "海南省2015年交换表.xlsx"
    return export_workbook(db, out, year=YEAR, actor=actor)


# ---- reading the file back --------------------------------------------------------------------

def cell_text(value, kind: str) -> str:
    """The text Excel shows for a cell we wrote: money with two decimals, dates YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if kind == fmt.MONEY:
        return f"{Decimal(str(value)).quantize(Decimal('0.01')):.2f}"
    return str(value)


def sheet_texts(path: Path) -> dict[str, list[list[str]]]:
    wb = load_workbook(path, read_only=True)
    out = {}
    for sheet in fmt.SHEETS:
        kinds = [c.kind for c in sheet.columns]
        rows = wb[sheet.name].iter_rows(min_row=2, values_only=True)
        out[sheet.name] = [[cell_text(v, k) for v, k in zip(row, kinds)] + [""] * (len(kinds) - len(row))
                           for row in rows]
    wb.close()
    return out


def manifest(path: Path) -> dict[str, object]:
    wb = load_workbook(path, read_only=True)
    rows = list(wb[fmt.MANIFEST].iter_rows(values_only=True))
    wb.close()
    assert rows[0] == fmt.MANIFEST_HEADERS
    return {row[0]: row[1] if len(row) > 1 else None for row in rows[1:]}


def records(path: Path, sheet: fmt.Sheet) -> list[dict[str, str]]:
    return [dict(zip(sheet.headers, row)) for row in sheet_texts(path)[sheet.name]]


# ---- sheets, headers, 说明, 校验码 -------------------------------------------------------------------

def test_every_sheet_and_header_in_order_with_the_rows_counted(exported):
    wb = load_workbook(exported.path)
    assert wb.sheetnames == [fmt.MANIFEST, *(s.name for s in fmt.SHEETS)]
    for sheet in fmt.SHEETS:
        ws = wb[sheet.name]
        assert [c.value for c in ws[1]] == list(sheet.headers)
        assert all(c.font.bold for c in ws[1])
        assert ws.freeze_panes == "A2"
        assert ws.max_row - 1 == exported.rows[sheet.name], sheet.name
    assert wb[fmt.MANIFEST].freeze_panes == "A2"
    # The seed's year: 2 059 人次 in 9 batches, the centre's 13 ledger entries, 3 budget lines, 5 sub-units.
    assert exported.rows == {"单位": 6, "困难职工档案": 8, "家庭成员": 16, "资金收支": 13, "预算": 3, "计划": 0,
                             "帮扶批次": 9, "帮扶明细": 2059, "下级单位使用": 7, "核查记录": 0}
    assert wb["单位"].column_dimensions["B"].width >= 20  # readable widths
    assert wb["困难职工档案"].column_dimensions["C"].width >= 20  # 身份证号


def test_the_manifest_names_the_unit_the_year_and_the_checksum(exported):
    m = manifest(exported.path)
    assert list(m) == list(fmt.MANIFEST_KEYS)
    assert m["格式版本"] == 1 and m["年度"] == YEAR
    assert (m["单位代码"], m["单位名称"], m["上级单位代码"]) == ("460000", "海南省职工服务中心", None)
    assert m["导出软件"] == f"AidDesk {__version__}"
    assert datetime.fromisoformat(m["导出时间"]) and m["导出时间"] == exported.exported_at
    assert m["校验码"] == exported.checksum and len(exported.checksum) == 64


def test_the_checksum_recomputed_from_the_file_is_the_one_written(exported):
    texts = sheet_texts(exported.path)
    assert fmt.checksum((s.name, texts[s.name]) for s in fmt.SHEETS) == manifest(exported.path)["校验码"]
    # and it does depend on the cells: one amount changed by 1 分 gives another checksum
    texts["帮扶明细"][0][7] = f"{Decimal(texts['帮扶明细'][0][7]) + Decimal('0.01'):.2f}"
    assert fmt.checksum((s.name, texts[s.name]) for s in fmt.SHEETS) != exported.checksum


def test_a_sub_unit_manifest_names_its_parent(db, actor, tmp_path):
    db.conn.execute("UPDATE units SET is_own = 0 WHERE code = '460000'")
    db.conn.execute("UPDATE units SET is_own = 1 WHERE code = '460001'")
    result = export_workbook(db, tmp_path / "财贸.xlsx", year=YEAR, actor=actor)
    m = manifest(result.path)
    assert (m["单位代码"], m["单位名称"], m["上级单位代码"]) == ("460001", "省财贸工会", "460000")
    assert [r["单位代码"] for r in records(result.path, fmt.UNITS)] == ["460001"]


# ---- cell types ---------------------------------------------------------------------------------

def test_id_card_and_phone_numbers_are_exact_text_cells(db, exported):
    wb = load_workbook(exported.path)
    ws = wb["困难职工档案"]
    headers = [c.value for c in ws[1]]
    col = {h: i for i, h in enumerate(headers)}
    stored = {r["archive_no"]: r for r in db.conn.execute("SELECT * FROM households")}
    for row in ws.iter_rows(min_row=2):
        h = stored[row[col["档案编号"]].value]
        for header, field in (("身份证号", "id_number"), ("银行卡号", "bank_card"), ("手机号码", "phone")):
            cell = row[col[header]]
            assert cell.data_type == "s" and cell.number_format == "@", header
            assert cell.value == h[field]
        assert len(row[col["身份证号"]].value) == 18
    lines = wb["帮扶明细"]
    first = [c for c in lines[2]]
    assert first[4].data_type == "s" and first[4].number_format == "@" and len(first[4].value) == 18
    members = wb["家庭成员"]
    assert all(r[3].number_format == "@" and r[3].data_type == "s" for r in members.iter_rows(min_row=2))


def test_an_id_ending_in_x_and_a_long_card_stay_exact(db, actor, make_household, tmp_path):
    from aiddesk.core.idcard import make_id

    seq = next(s for s in range(1, 500) if make_id("460100", date(1980, 1, 1), s).endswith("X"))
    h = make_household(1, id_number=make_id("460100", date(1980, 1, 1), seq), bank_card="6217000010091234567")
    ArchiveService(db, actor).save(h)
    result = export_workbook(db, tmp_path / "x.xlsx", year=2026, actor=actor)
    row = records(result.path, fmt.HOUSEHOLDS)[0]
    assert row["身份证号"] == h.id_number and row["身份证号"].endswith("X")
    assert row["银行卡号"] == "6217000010091234567"


def test_amounts_are_numbers_formatted_with_two_decimals(exported):
    wb = load_workbook(exported.path)
    ws = wb["帮扶明细"]
    amount = fmt.AID_RECORDS.headers.index("金额")
    cells = [row[amount] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "n" and c.number_format == "0.00" for c in cells)
    total = sum(Decimal(str(c.value)) for c in cells)
    assert total == sum(Decimal(t) for t, _n in SPENDING.values()) == Decimal("4087729.45")
    paid = fmt.AID_RECORDS.headers.index("发放日期")
    assert {row[paid].value.date() for row in ws.iter_rows(min_row=2)} == {date(2015, 12, 15)}
    assert ws.cell(2, paid + 1).number_format == "yyyy-mm-dd"
    income = fmt.HOUSEHOLDS.headers.index("本人月收入")
    assert wb["困难职工档案"].cell(2, income + 1).value == 900
    assert wb["困难职工档案"].cell(2, income + 1).number_format == "0.00"


def test_household_values_in_the_format_words(exported):
    row = records(exported.path, fmt.HOUSEHOLDS)[0]
    assert row["是否农民工"] == "否" and row["档案状态"] == "在档" and row["建档日期"] == "2026-03-01"
    assert row["所属单位代码"] == "460001" and row["本人月收入"] == "900.00" and row["家庭人口"] == "3"


# ---- which rows -------------------------------------------------------------------------------------

def test_reversed_pairs_are_left_out_and_the_fund_report_is_unchanged(db, seed, actor, tmp_path):
    funds = FundService(db, actor)
    before = fund_report(db, YEAR).to_json()
    wrong = funds.add_entry(funds_entry("省财政", "到账", "12345.67"))
    funds.reverse_entry(wrong, "金额登记错误，应为0")
    assert fund_report(db, YEAR).to_json() == before
    result = export_workbook(db, tmp_path / "x.xlsx", year=YEAR, actor=actor)
    entries = records(result.path, fmt.FUND_ENTRIES)
    numbers = {r[0] for r in db.conn.execute("SELECT entry_no FROM fund_entries WHERE id = ? OR reverses_id = ?",
                                             (wrong, wrong))}
    assert len(numbers) == 2 and not numbers & {e["流水号"] for e in entries}
    assert result.rows["资金收支"] == 13 and result.left_out == {"冲销成对的资金收支分录": 2}
    assert all(Decimal(e["金额"]) > 0 for e in entries)
    # The report rebuilt from the workbook's rows alone is the database's report.
    assert report_from_workbook(result.path, tmp_path / "rebuilt.sqlite") == before


def test_sub_units_spending_from_records_goes_out_as_their_usage(db, seed, actor, people, tmp_path):
    """A sub-unit whose aid lines are in this database: the sheet carries what the report counts for it."""
    with db.transaction() as conn:
        b = Batch(name="财贸工会2015年送温暖", activity="送温暖", year=YEAR, unit_code="460001",
                  fund_sources=["省总工会经费"], status="已发放", clerk="jingban", paid_on=date(2015, 12, 20))
        b.code = "460001-PC2015-001"
        batch_id = batch_repo.insert_batch(conn, b, now="2015-12-01T09:00:00")
        numbers = batch_repo.next_record_numbers(conn, b.code, 3)
        people_rows = conn.execute("SELECT id, name, id_number FROM households ORDER BY id LIMIT 3").fetchall()
        batch_repo.insert_records(conn, [AidRecord(
            batch_id=batch_id, household_id=p["id"], recipient_name=p["name"], recipient_id_number=p["id_number"],
            aid_category="生活救助", fund_source="省总工会经费", amount=Decimal("500.50"), record_no=numbers[i],
            created_by="jingban", created_at="2015-12-01T09:00:00", paid_on=date(2015, 12, 20))
            for i, p in enumerate(people_rows)])
    before = fund_report(db, YEAR).to_json()
    assert before["subunits"]["by_unit"]["460001"]["spent"] == {"amount": "1501.50", "count": 3}
    result = export_workbook(db, tmp_path / "x.xlsx", year=YEAR, actor=actor)
    usage = records(result.path, fmt.SUBUNIT_USAGE)
    assert [(u["单位代码"], u["资金来源"], u["救助类别"], u["金额"], u["人次"]) for u in usage
            if u["单位代码"] == "460001"] == [("460001", "省总工会经费", "生活救助", "1501.50", "3")]
    assert "460001-PC2015-001" not in {b["批次编号"] for b in records(result.path, fmt.BATCHES)}
    assert result.rows["帮扶明细"] == 2059  # the centre's own lines only
    assert report_from_workbook(result.path, tmp_path / "rebuilt.sqlite") == before


def test_households_of_the_year(db, seed, actor, make_household, tmp_path):
    service = ArchiveService(db, actor)
    old = service.save(make_household(20, name="周旧", created_date=date(2010, 5, 1))).household_id
    closed_in_year = service.save(make_household(21, name="郑退", created_date=date(2010, 5, 1))).household_id
    with db.transaction() as conn:  # closed before or during 2015, last changed then
        conn.execute("UPDATE households SET archive_status = '脱困', exit_date = '2014-06-30', exit_reason = '脱困',"
                     " updated_at = '2014-06-30T10:00:00' WHERE id = ?", (old,))
        conn.execute("UPDATE households SET archive_status = '注销', exit_date = '2015-08-01', exit_reason = '死亡',"
                     " updated_at = '2015-08-01T10:00:00' WHERE id = ?", (closed_in_year,))
        conn.execute("UPDATE households SET archive_status = '脱困', exit_date = '2016-01-05', exit_reason = '脱困',"
                     " updated_at = '2016-01-05T10:00:00' WHERE id = ?", (seed_household(db),))
    result = export_workbook(db, tmp_path / "x.xlsx", year=YEAR, actor=actor)
    rows = {r["姓名"]: r for r in records(result.path, fmt.HOUSEHOLDS)}
    assert "周旧" not in rows
    assert rows["郑退"]["档案状态"] == "注销" and rows["郑退"]["退出日期"] == "2015-08-01"
    assert rows["张三"]["档案状态"] == "脱困"  # closed later, but aided in the year: its lines need it
    assert len(rows) == 9
    members = records(result.path, fmt.MEMBERS)
    numbers = {r["档案编号"] for r in rows.values()}
    assert {m["档案编号"] for m in members} == numbers and len(members) == 18
    assert [m["关系"] for m in members if m["档案编号"] == rows["张三"]["档案编号"]] == ["配偶", "子"]


def test_verification_log(db, seed, actor, make_household, tmp_path):
    conn = db.conn
    line = conn.execute("SELECT r.id, r.household_id, h.archive_no, b.code FROM aid_records r"
                        " JOIN households h ON h.id = r.household_id JOIN batches b ON b.id = r.batch_id"
                        " ORDER BY r.id LIMIT 1").fetchone()
    not_aided = ArchiveService(db, actor).save(make_household(30, name="何未助")).household_id
    with db.transaction():
        for result, at in (("未接通", "2016-01-05T09:00:00"), ("核实一致", "2016-01-05T15:00:00")):
            conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, note, called_by, recorded_at)"
                         " VALUES (?, '2016-01-05', ?, '', 'jingban', ?)", (line["id"], result, at))
        conn.execute("UPDATE aid_records SET sms_status = '已发送', sms_at = '2015-12-16T08:30:00' WHERE id = ?",
                     (line["id"],))
        conn.execute("INSERT INTO home_visits (household_id, visited_on, visitors, outcome, recorded_by, recorded_at)"
                     " VALUES (?, '2015-12-28', '陈建国、吴小燕', '情况属实', 'jingban', 'x')", (line["household_id"],))
        conn.execute("INSERT INTO feedback (household_id, batch_id, answered_on, answer, comment, recorded_by,"
                     " recorded_at) VALUES (?, NULL, '2015-12-30', '满意', '', 'shenhe', 'x')", (line["household_id"],))
        # a visit to a household with no aid in the year has no 批次编号 to go under
        conn.execute("INSERT INTO home_visits (household_id, visited_on, visitors, outcome, recorded_by, recorded_at)"
                     " VALUES (?, '2015-10-28', '陈建国', '情况属实', 'jingban', 'x')", (not_aided,))
    result = export_workbook(db, tmp_path / "x.xlsx", year=YEAR, actor=actor)
    mine = [(r["方式"], r["日期"], r["结果"], r["核查人"]) for r in records(result.path, fmt.VERIFICATIONS)
            if r["档案编号"] == line["archive_no"] and r["批次编号"] == line["code"]]
    assert ("短信", "2015-12-16", "已发送", "") in mine
    assert ("电话抽查", "2016-01-05", "核实一致", "jingban") in mine  # the day's last call, once
    assert not [m for m in mine if m[2] == "未接通"]
    latest = {r["方式"]: r for r in records(result.path, fmt.VERIFICATIONS) if r["档案编号"] == line["archive_no"]}
    assert latest["入户走访"]["结果"] == "情况属实" and latest["入户走访"]["核查人"] == "陈建国、吴小燕"
    assert latest["满意度调查"]["日期"] == "2015-12-30"
    assert result.rows["核查记录"] == len(records(result.path, fmt.VERIFICATIONS))
    assert result.left_out == {"没有本年度帮扶批次的核查记录": 1}


# ---- cancel, audit, refusals -----------------------------------------------------------------------------

def test_cancel_leaves_no_file_and_keeps_an_older_one(db, seed, actor, tmp_path):
    out = tmp_path / "x.xlsx"
    out.write_bytes(b"older export")
    calls = []

    def progress(done: int, total: int) -> bool:
        calls.append((done, total))
        return done < 2000

    with pytest.raises(Cancelled):
        export_workbook(db, out, year=YEAR, progress=progress, actor=actor)
    assert out.read_bytes() == b"older export"
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".part" or p.name.startswith(".x.xlsx")]
    assert calls[-1][0] == 2000 and calls[0] == (0, calls[0][1]) and calls[0][1] == 2059 + 62
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE table_name = 'exchange_export'").fetchone()[0] == 0
    assert not db.conn.in_transaction
    # and the next export works and reports its progress to the end
    calls.clear()
    result = export_workbook(db, tmp_path / "y.xlsx", year=YEAR, progress=lambda d, t: calls.append((d, t)),
                             actor=actor)
    assert calls[-1] == (result.total, result.total) == (2121, 2121)


def test_the_export_is_audited(db, exported):
    row = db.conn.execute("SELECT * FROM audit_log WHERE table_name = 'exchange_export'").fetchone()
    assert (row["user"], row["via"], row["action"], row["row_key"]) == ("测试员", "命令行", "export",
                                                                        str(exported.path))
    logged = json.loads(row["new_values"])
    assert logged["rows"]["帮扶明细"] == 2059 and logged["year"] == YEAR and logged["checksum"] == exported.checksum


def test_refusals(db, actor, tmp_path):
    from aiddesk.core.errors import UserError

    with pytest.raises(UserError, match=r"\.xlsx"):
        export_workbook(db, tmp_path / "x.xls", year=YEAR, actor=actor)
    with pytest.raises(UserError, match="不存在"):
        export_workbook(db, tmp_path / "nowhere" / "x.xlsx", year=YEAR, actor=actor)
    empty = open_database(tmp_path / "empty.sqlite")
    try:
        with pytest.raises(UserError, match="本单位"):
            export_workbook(empty, tmp_path / "x.xlsx", year=YEAR, actor=actor)
    finally:
        empty.close()
    assert not (tmp_path / "x.xlsx").exists()


# ---- command line ----------------------------------------------------------------------------------------

def test_cli_export(db, seed, tmp_path, capsys):
    out = tmp_path / "上报.xlsx"
    assert main(["--db", str(db.path), "export", str(out), "--year", str(YEAR)]) == 0
    printed = capsys.readouterr().out
    assert "帮扶明细 2059 行" in printed and "资金收支 13 行" in printed and str(out) in printed
    assert manifest(out)["校验码"] in printed
    assert main(["--db", str(tmp_path / "new.sqlite"), "export", str(tmp_path / "n.xlsx"), "--year", "2015"]) == 1
    assert "还没有设置本单位" in capsys.readouterr().err
    assert not (tmp_path / "n.xlsx").exists()


# ---- helpers ---------------------------------------------------------------------------------------------

def funds_entry(source: str, kind: str, amount: str):
    from aiddesk.core.fund_ledger import FundEntry

    return FundEntry(unit_code="", entry_date=date(YEAR, 5, 6), fund_source=source, kind=kind, amount=Decimal(amount))


def seed_household(db) -> int:
    return db.conn.execute("SELECT id FROM households WHERE name = '张三'").fetchone()[0]


def report_from_workbook(path: Path, db_path: Path) -> dict:
    """A database holding only what the workbook says (inserted plainly), and its fund report as JSON."""
    fen = lambda text: int(Decimal(text) * 100) if text else None
    m = manifest(path)
    db = open_database(db_path)
    try:
        with db.transaction() as c:
            for u in records(path, fmt.UNITS):
                c.execute("INSERT INTO units (code, name, parent_code, level, is_own) VALUES (?, ?, ?, ?, ?)",
                          (u["单位代码"], u["单位名称"], None if u["单位代码"] == m["单位代码"] else u["上级单位代码"],
                           u["层级"], int(u["单位代码"] == m["单位代码"])))
            own = m["单位代码"]
            for h in records(path, fmt.HOUSEHOLDS):
                c.execute("INSERT INTO households (archive_no, unit_code, name, name_initials, name_pinyin, id_number,"
                          " hardship_category, archive_status, created_date, updated_at) VALUES (?, ?, ?, '', '', ?,"
                          " ?, ?, ?, 'x')", (h["档案编号"], h["所属单位代码"], h["姓名"], h["身份证号"], h["困难类别"],
                                             h["档案状态"], h["建档日期"]))
            for e in records(path, fmt.FUND_ENTRIES):
                c.execute("INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind, amount_fen,"
                          " counterpart_code, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'x', 'x')",
                          (e["流水号"], own, int(e["日期"][:4]), e["日期"], e["资金来源"], e["类型"], fen(e["金额"]),
                           e["对方单位代码"] or None))
            for b in records(path, fmt.BUDGETS):
                c.execute("INSERT INTO fund_budgets VALUES (?, ?, ?, ?)", (own, int(b["年度"]), b["资金来源"],
                                                                            fen(b["预算金额"])))
            for u in records(path, fmt.SUBUNIT_USAGE):
                c.execute("INSERT INTO subunit_usage VALUES (?, ?, ?, ?, ?, ?, ?)",
                          (u["单位代码"], int(u["年度"]), u["资金来源"], u["救助类别"], fen(u["金额"]), int(u["人次"]),
                           u["备注"]))
            for b in records(path, fmt.BATCHES):
                c.execute("INSERT INTO batches (code, name, activity, year, unit_code, status, clerk, created_at,"
                          " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'x', 'x', 'x')",
                          (b["批次编号"], b["批次名称"], b["活动类型"], int(b["年度"]), own, b["状态"]))
            ids = dict(c.execute("SELECT archive_no, id FROM households"))
            batch_ids = dict(c.execute("SELECT code, id FROM batches"))
            c.executemany(
                "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
                " aid_category, fund_source, amount_fen, paid_on, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'x', 'x')",
                [(r["明细编号"], batch_ids[r["批次编号"]], ids[r["档案编号"]], r["姓名"], r["身份证号"], r["救助类别"],
                  r["资金来源"], fen(r["金额"]), r["发放日期"] or None) for r in records(path, fmt.AID_RECORDS)])
        return fund_report(db, int(m["年度"])).to_json()
    finally:
        db.close()
