"""Records edited outside the program (sqlite3, a database browser) are found by 完整性检查, not only log edits.

A demo office (built once through the real services: archives, batches paid in cash and by card, the fund
ledger with a reversal) is copied for each test; "someone" then edits the copy with a plain sqlite3
connection, as a person with the file and a database browser would.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import date, datetime
from pathlib import Path

import pytest

from aiddesk.cli import main
from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.services import integrity
from aiddesk.services.demo import build_demo

NOW = datetime(2026, 11, 26, 9, 0)
CHECK = "档案与帮扶记录核对"


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    db = open_database(path, clock=FixedClock(NOW))
    build_demo(db, households=30, seed=7, attachments=False)
    db.close()
    return path


@pytest.fixture
def office(demo_file, tmp_path):
    path = tmp_path / "office.sqlite"
    shutil.copyfile(demo_file, path)
    db = open_database(path, clock=FixedClock(NOW))
    yield db
    db.close()


def editor(db) -> sqlite3.Connection:
    """Someone with the file and sqlite3: no program, no triggers of ours, no digests."""
    return sqlite3.connect(db.path, isolation_level=None)


def undo_version_9(conn: sqlite3.Connection) -> None:
    """Take away what v0009_integrity.sql adds (whatever else it comes to hold), as a version-8 file lacks it —
    and what the versions after it add (v0010_centre.sql …), which the upgrade adds again."""
    import re

    from aiddesk.db import migrations

    folder = Path(migrations.__file__).parent
    sql = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("v*.sql"), reverse=True)
                    if f.name >= "v0009")
    for kind, name in re.findall(r"^CREATE (INDEX|TABLE|TRIGGER|VIEW) (\w+)", sql, re.MULTILINE):
        conn.execute(f"DROP {kind} IF EXISTS {name}")
    for table, column in re.findall(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)", sql, re.MULTILINE):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def record_problems(db) -> list[str]:
    [check] = [c for c in integrity.all_checks(db) if c.name == CHECK]
    return check.problems


def test_the_demo_as_the_program_wrote_it_passes(office):
    assert record_problems(office) == []
    assert integrity.run_checks(office) == []


def test_an_aid_amount_multiplied_by_ten_is_found(office):
    no, name = office.conn.execute(
        "SELECT record_no, recipient_name FROM aid_records WHERE paid_on IS NOT NULL LIMIT 1").fetchone()
    editor(office).execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE record_no = ?", (no,))
    assert record_problems(office) == [
        f"帮扶明细 {no}（{name}）的内容与本程序最后一次写入的不同（被本程序以外的方式改动过）。请用备份核对该记录"]


@pytest.mark.parametrize("sql", [
    "UPDATE aid_records SET recipient_name = '冒领人' WHERE id = {id}",
    "UPDATE aid_records SET bank_card = '6222000000000000001' WHERE id = {id}",
    "UPDATE aid_records SET paid_on = '2026-01-01' WHERE id = {id}",
])
def test_a_recipient_card_or_payment_date_edited_is_found(office, sql):
    rid, no = office.conn.execute("SELECT id, record_no FROM aid_records WHERE paid_on IS NOT NULL LIMIT 1").fetchone()
    editor(office).execute(sql.format(id=rid))
    [problem] = record_problems(office)
    assert f"帮扶明细 {no}" in problem and "改动过" in problem


def test_a_name_edited_in_an_archive_or_among_its_members_is_found(office):
    hid, no, name = office.conn.execute(
        "SELECT h.id, archive_no, h.name FROM households h JOIN members m ON m.household_id = h.id LIMIT 1").fetchone()
    conn = editor(office)
    conn.execute("UPDATE members SET name = '张冒名' WHERE household_id = ? AND seq = 1", (hid,))
    [problem] = record_problems(office)
    assert problem.startswith(f"困难职工档案 {no}（{name}）的内容与本程序最后一次写入的不同")
    conn.execute("UPDATE households SET name = '李换名' WHERE id = ?", (hid,))
    [problem] = record_problems(office)
    assert problem.startswith(f"困难职工档案 {no}（李换名）")


def test_a_batch_status_or_date_edited_is_found(office):
    code = office.conn.execute("SELECT code FROM batches WHERE approved_on IS NOT NULL LIMIT 1").fetchone()[0]
    editor(office).execute("UPDATE batches SET approved_on = '2020-01-01' WHERE code = ?", (code,))
    [problem] = record_problems(office)
    assert f"帮扶批次 {code}" in problem


def test_a_ledger_entry_edited_past_its_trigger_is_found(office):
    no = office.conn.execute("SELECT entry_no FROM fund_entries WHERE kind = '到账' LIMIT 1").fetchone()[0]
    conn = editor(office)
    conn.execute("DROP TRIGGER fund_entries_never_change")  # the schema's own guard is no obstacle to sqlite3
    conn.execute("UPDATE fund_entries SET amount_fen = amount_fen * 10 WHERE entry_no = ?", (no,))
    [problem] = record_problems(office)
    assert f"资金收支分录 {no}" in problem


def test_a_line_slipped_in_or_taken_out_by_hand_is_found(office):
    conn = editor(office)
    row = conn.execute("SELECT * FROM aid_records LIMIT 1").fetchone()
    columns = [d[0] for d in conn.execute("SELECT * FROM aid_records LIMIT 1").description]
    values = dict(zip(columns, row), id=None, record_no="X-00001", recipient_name="凭空")
    conn.execute(f"INSERT INTO aid_records ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                 [values[c] for c in columns])
    [problem] = record_problems(office)
    assert problem.startswith("帮扶明细 X-00001（凭空）不是由本程序写入的")
    gone = conn.execute("SELECT id FROM aid_records WHERE record_no != 'X-00001' LIMIT 1").fetchone()[0]
    conn.execute("DELETE FROM aid_records WHERE id = ?", (gone,))  # sqlite3 leaves foreign keys unchecked by default
    problems = record_problems(office)
    assert len(problems) == 2 and f"帮扶明细（内部编号 {gone}）已从数据库中删除，但不是由本程序删除的" in problems[1]


def test_digests_recomputed_by_hand_break_the_logs_hash(office):
    """Someone who edits the record and writes its new digest too: the log entry that vouched for it disagrees."""
    from aiddesk.db.row_digests import PROTECTED, digest

    rid = office.conn.execute("SELECT id FROM aid_records LIMIT 1").fetchone()[0]
    conn = editor(office)
    conn.execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE id = ?", (rid,))
    row = conn.execute(f"SELECT {', '.join(PROTECTED['aid_records'].columns)} FROM aid_records WHERE id = ?",
                       (rid,)).fetchone()
    conn.execute("UPDATE row_states SET digest = ? WHERE seq = (SELECT max(seq) FROM row_states"
                 " WHERE tbl = 'aid_records' AND row_id = ?)", (digest("aid_records", row), rid))
    [problem] = record_problems(office)
    assert "所登记的记录校验值与校验值记录不符" in problem


def test_a_rewrite_of_digests_and_log_alike_differs_from_the_head_a_backup_kept(office, actor):
    """The whole chain recomputed (someone with our code): the backup's head shows it, as for the log itself."""
    from aiddesk.db.audit import seal_chain
    from aiddesk.db.row_digests import PROTECTED, digest, rows_hash
    from aiddesk.services.backups import backup_now

    archive = backup_now(office, actor, "手动").archive
    rid = office.conn.execute("SELECT id FROM aid_records LIMIT 1").fetchone()[0]
    conn = editor(office)
    conn.execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE id = ?", (rid,))
    row = conn.execute(f"SELECT {', '.join(PROTECTED['aid_records'].columns)} FROM aid_records WHERE id = ?",
                       (rid,)).fetchone()
    seq, entry = conn.execute("SELECT seq, entry_id FROM row_states WHERE tbl = 'aid_records' AND row_id = ?"
                              " ORDER BY seq DESC LIMIT 1", (rid,)).fetchone()
    conn.execute("UPDATE row_states SET digest = ? WHERE seq = ?", (digest("aid_records", row), seq))
    # the entry's rows_hash over its digests, as rows_hash() computes it for the newest entry
    conn.execute("CREATE TEMP TABLE keep AS SELECT * FROM row_states WHERE entry_id > ?", (entry,))
    conn.execute("DELETE FROM row_states WHERE entry_id > ?", (entry,))
    conn.execute("UPDATE audit_log SET rows_hash = ? WHERE id = ?", (rows_hash(conn, entry), entry))
    conn.execute("INSERT INTO row_states SELECT * FROM temp.keep")
    seal_chain(conn)
    assert record_problems(office) == []  # consistent in itself …
    problems = integrity.run_checks(office)
    assert len(problems) == 1 and f"与备份“{archive.name}”中的不同（日志被改写过）" in problems[0]  # … not with the backup


def test_what_the_check_cannot_tell_a_digest_appended_after_the_last_entry(office):
    """The honest limit: someone with the file and this code appends a digest for the edit as if the program
    had written it just now. The check cannot tell (nothing unkeyed can); the change shows in the digests'
    history only, and a head printed or backed up before it still holds what was there."""
    from aiddesk.db.row_digests import PROTECTED, digest, next_entry_id

    rid = office.conn.execute("SELECT id FROM aid_records LIMIT 1").fetchone()[0]
    conn = editor(office)
    conn.execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE id = ?", (rid,))
    row = conn.execute(f"SELECT {', '.join(PROTECTED['aid_records'].columns)} FROM aid_records WHERE id = ?",
                       (rid,)).fetchone()
    conn.execute("INSERT INTO row_states (entry_id, tbl, row_id, digest) VALUES (?, 'aid_records', ?, ?)",
                 (next_entry_id(conn), rid, digest("aid_records", row)))
    assert record_problems(office) == []


def test_the_program_keeps_the_digests_through_its_own_changes(office, actor, make_household):
    """Archive saves, status changes, a new batch paid, a ledger entry and its reversal: still clean."""
    from decimal import Decimal

    from aiddesk.core.batch import Batch
    from aiddesk.core.fund_ledger import FundEntry
    from aiddesk.db.audit import Actor
    from aiddesk.db.household_list import HouseholdFilter
    from aiddesk.services.archive import ArchiveService
    from aiddesk.services.batches import BatchService
    from aiddesk.services.funds import FundService
    from aiddesk.services.payments import PaymentService
    from tests.workflow_steps import approve_batch

    archive = ArchiveService(office, actor)
    saved = archive.save(make_household(301, name="新来户", unit_code=office.conn.execute(
        "SELECT code FROM units WHERE is_own = 1").fetchone()[0]))
    h = archive.get(saved.household_id)
    h.address, h.members[0].name = "海口市美兰区", "改名成员"
    archive.save(h)
    assert record_problems(office) == []
    funds = FundService(office, actor)
    unit = office.conn.execute("SELECT code FROM units WHERE is_own = 1").fetchone()[0]
    entry = funds.add_entry(FundEntry(unit_code="", entry_date=date(2026, 11, 20), fund_source="省总工会经费",
                                      kind="到账", amount=Decimal("50000.00")))
    funds.reverse_entry(entry, reason="重复登记")
    funds.add_entry(FundEntry(unit_code="", entry_date=date(2026, 11, 20), fund_source="省总工会经费",
                              kind="到账", amount=Decimal("50000.00")))
    clerk = BatchService(office, actor)
    batch = clerk.save_draft(Batch(notice_phone="0898-66123456", name="测试临时救助", activity="送温暖", year=2026,
                                   unit_code=unit, fund_sources=["省总工会经费"], standard=Decimal("500.00"),
                                   plan_text="测试", plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
                                   plan_approved_on=date(2026, 11, 2)))
    clerk.add_from_filter(batch, HouseholdFilter(text="新来户"))
    approve_batch(office, batch, clerk=actor, reviewer=Actor("shenhe", "界面", ("审核人",)),
                  approver=Actor("shenpi", "界面", ("审批人",)), noticed=date(2026, 11, 3),
                  ended=date(2026, 11, 10), approved=date(2026, 11, 11))
    office.clock.set(NOW)
    pay = PaymentService(office, actor)
    [line] = clerk.records(batch)
    pay.set_payment_method(line.id, "银行卡", "6222020200112233445")
    pay.mark_paid(batch, paid_on=date(2026, 11, 25))
    archive.change_status(saved.household_id, "脱困", on=date(2026, 11, 25), reason="脱困")
    assert record_problems(office) == []
    assert integrity.run_checks(office) == []


def test_an_imported_workbook_is_covered_and_an_edit_of_its_lines_found(office, actor, tmp_path):
    """The exchange importer writes with its own SQL: its rows get digests all the same."""
    from aiddesk.exchange.export import export_workbook
    from aiddesk.services.exchange_import import ExchangeImportService

    book = tmp_path / "交换表.xlsx"
    export_workbook(office, book, year=2026, actor=actor)
    centre = open_database(tmp_path / "centre.sqlite", clock=FixedClock(NOW))
    try:
        service = ExchangeImportService(centre, actor)
        assert service.import_file(book).errors == []
        assert centre.conn.execute("SELECT count(*) FROM aid_records").fetchone()[0] > 0
        assert record_problems(centre) == []
        assert service.import_file(book).errors == []  # the same workbook again changes nothing
        assert record_problems(centre) == []
        no = centre.conn.execute("SELECT record_no FROM aid_records LIMIT 1").fetchone()[0]
        editor(centre).execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE record_no = ?", (no,))
        [problem] = record_problems(centre)
        assert f"帮扶明细 {no}" in problem
    finally:
        centre.close()


def test_an_upgraded_database_gets_the_digests_of_its_records(office, tmp_path):
    """A version-8 file (this one with its digests taken away) opened by this program: every record gets its
    digest as it is, and an edit after that is found."""
    office.close()
    old = tmp_path / "v8.sqlite"
    shutil.copyfile(office.path, old)
    conn = sqlite3.connect(old, isolation_level=None)
    undo_version_9(conn)
    # the log's hashes as version 8 wrote them (no rows_hash): sealed afresh without it
    from aiddesk.db.audit import seal_chain
    seal_chain(conn)
    conn.execute("PRAGMA user_version = 8")
    conn.close()
    upgraded = open_database(old, clock=FixedClock(NOW))
    try:
        assert upgraded.conn.execute("SELECT count(DISTINCT row_id) FROM row_states WHERE tbl = 'households'"
                                     ).fetchone()[0] == 30
        assert record_problems(upgraded) == []
        editor(upgraded).execute("UPDATE households SET bank_card = '6222000000000000009' WHERE id = 1")
        [problem] = record_problems(upgraded)
        assert "困难职工档案" in problem
    finally:
        upgraded.close()


def test_check_command_reports_an_edited_amount(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    assert main(["--today", "2026-11-26", "--db", str(path), "demo", "--households", "20"]) == 0
    capsys.readouterr()
    conn = sqlite3.connect(path, isolation_level=None)
    no = conn.execute("SELECT record_no FROM aid_records LIMIT 1").fetchone()[0]
    conn.execute("UPDATE aid_records SET amount_fen = amount_fen * 10 WHERE record_no = ?", (no,))
    conn.close()
    assert main(["--today", "2026-11-26", "--db", str(path), "check"]) == 1
    out = capsys.readouterr().out
    assert f"{CHECK}：问题" in out and f"帮扶明细 {no}" in out


def test_the_fund_report_prints_the_logs_head(office, tmp_path):
    """A paper copy anchors the log: the report shows the last entry's number and the start of its hash."""
    from pypdf import PdfReader

    from aiddesk.db.audit import head_text
    from aiddesk.reports.fund_report_pdf import write_fund_report_pdf
    from aiddesk.services.fund_report import fund_report

    last_id, last_hash = office.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    text = head_text(office.conn)
    assert f"第 {last_id} 条" in text and last_hash[:16].upper() in text.replace(" ", "")
    out = tmp_path / "报告.pdf"
    write_fund_report_pdf(fund_report(office, 2026), out, today=date(2026, 11, 26), log_head=text)
    printed = "".join(page.extract_text() for page in PdfReader(out).pages).replace(" ", "").replace("\n", "")
    assert f"第{last_id}条" in printed and last_hash[:16].upper() in printed
