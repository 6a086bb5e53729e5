"""Integrity checks: the audit log's hash chain, SQLite's checks, attachment files, fund balances; the CLI."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta

import pytest

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.db.connection import CURRENT_VERSION
from aiddesk.db.audit import first_broken_entry, record
from aiddesk.services import integrity
from aiddesk.services.archive import ArchiveService


@pytest.fixture
def filed(db, actor, make_household, tmp_path):
    """A database with a few archives, one with an attachment file, so the log has a chain to check."""
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(seq)).household_id for seq in (1, 2, 3)]
    proof = tmp_path / "收入证明.pdf"
    proof.write_bytes(b"%PDF-1.4 real enough for a checksum\n")
    service.add_attachment(ids[0], "收入证明", proof)
    return db


def raw(db) -> sqlite3.Connection:
    """A second connection that bypasses the program, as someone editing the file would."""
    return sqlite3.connect(db.path, isolation_level=None)


def test_every_entry_is_chained_to_the_one_before(filed):
    rows = filed.conn.execute("SELECT prev_hash, hash FROM audit_log ORDER BY id").fetchall()
    assert len(rows) >= 4 and rows[0][0] == ""
    assert all(rows[i][0] == rows[i - 1][1] and len(rows[i][1]) == 64 for i in range(1, len(rows)))
    assert integrity.run_checks(filed) == []


def test_an_edited_entry_is_reported_by_its_id(filed):
    target = filed.conn.execute("SELECT id FROM audit_log ORDER BY id LIMIT 1 OFFSET 2").fetchone()[0]
    raw(filed).execute("UPDATE audit_log SET user = '别人' WHERE id = ?", (target,))
    assert first_broken_entry(filed.conn)[0] == target
    problems = integrity.run_checks(filed)
    assert problems == [f"操作日志第 {target} 条内容与校验值不符（该记录被改动过）。请从备份核对该记录之后的操作"]


def test_a_deleted_entry_breaks_the_link_of_the_next(filed):
    second, third = [r[0] for r in filed.conn.execute("SELECT id FROM audit_log ORDER BY id LIMIT 2 OFFSET 1")]
    raw(filed).execute("DELETE FROM audit_log WHERE id = ?", (second,))
    assert first_broken_entry(filed.conn) == (third, "与上一条记录的链接不符（前面的记录被删除或改动过）")


def test_new_entries_continue_the_chain(filed, actor):
    with filed.transaction() as conn:
        record(conn, actor, table="settings", key="k", action="update", old={"v": 1}, new={"v": 2})
    assert first_broken_entry(filed.conn) is None


def test_a_replaced_or_missing_attachment_file_is_reported(filed):
    stored = filed.conn.execute("SELECT stored_name FROM attachments").fetchone()[0]
    (filed.attachment_dir / stored).write_bytes(b"something else")
    [problem] = integrity.run_checks(filed)
    assert "收入证明.pdf" in problem and "内容与登记时不同" in problem
    (filed.attachment_dir / stored).unlink()
    [problem] = integrity.run_checks(filed)
    assert "找不到" in problem


def test_a_dangling_reference_is_reported(filed):
    conn = raw(filed)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("UPDATE attachments SET household_id = 999999")
    problems = integrity.run_checks(filed)
    assert any("attachments" in p and "households" in p for p in problems)


def test_a_fund_entry_slipped_in_by_hand_shows_as_a_negative_balance(db, receive):
    receive(db, amount="10000.00")
    assert integrity.run_checks(db) == []
    conn = raw(db)
    row = conn.execute("SELECT unit_code, year, fund_source FROM fund_entries").fetchone()
    conn.execute("INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind, amount_fen,"
                 " created_by, created_at) VALUES ('X-1', ?, ?, '2026-03-02', ?, '调出', 2000000, 'x', 'x')", row)
    problems = integrity.fund_balances(db).problems
    assert problems and "余额为负" in problems[0] and "-10,000.00" in problems[0]


def test_check_command_on_a_demo_database_passes_and_then_catches_tampering(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    assert main(["--db", str(path), "demo", "--households", "40"]) == 0
    capsys.readouterr()
    assert main(["--db", str(path), "check"]) == 0
    out = capsys.readouterr().out
    assert out.count("通过") == 8 and "问题" not in out
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("UPDATE audit_log SET new_values = '{}' WHERE id = 7")
    conn.close()
    assert main(["--db", str(path), "check"]) == 1
    out = capsys.readouterr().out
    assert "操作日志防篡改校验：问题" in out and "第 7 条" in out


def undo_version_9(conn: sqlite3.Connection) -> None:
    """Take away what v0009_integrity.sql adds (whatever else it comes to hold), as an older file lacks it — and
    what the versions after it add (v0010_centre.sql …), which the upgrade adds again."""
    import re
    from pathlib import Path

    from aiddesk.db import migrations

    folder = Path(migrations.__file__).parent
    sql = "\n".join(f.read_text(encoding="utf-8") for f in sorted(folder.glob("v*.sql"), reverse=True)
                    if f.name >= "v0009")
    for kind, name in re.findall(r"^CREATE (INDEX|TABLE|TRIGGER|VIEW) (\w+)", sql, re.MULTILINE):
        conn.execute(f"DROP {kind} IF EXISTS {name}")
    for table, column in re.findall(r"^ALTER TABLE (\w+) ADD COLUMN (\w+)", sql, re.MULTILINE):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")


def test_an_older_database_gets_its_log_chained_on_upgrade(tmp_path, db):
    # A copy taken back to version 6: the chain columns emptied as they were before the upgrade.
    db.close()
    old = tmp_path / "old.sqlite"
    shutil.copyfile(db.path, old)
    conn = sqlite3.connect(old, isolation_level=None)
    conn.execute("UPDATE audit_log SET prev_hash = '', hash = ''")
    undo_version_9(conn)  # versions 9 and 8 taken away too
    for sql in ("DROP TABLE archive_status_periods", "DROP TABLE calendar_years",
                "ALTER TABLE audit_log DROP COLUMN effective_date",
                "ALTER TABLE audit_log DROP COLUMN hash", "ALTER TABLE audit_log DROP COLUMN prev_hash",
                "ALTER TABLE users DROP COLUMN locked_until", "ALTER TABLE users DROP COLUMN failed_logins",
                "PRAGMA user_version = 6"):
        conn.execute(sql)
    conn.close()
    upgraded = open_database(old)
    try:
        assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        assert upgraded.conn.execute("SELECT count(*) FROM audit_log WHERE hash = ''").fetchone()[0] == 0
        assert first_broken_entry(upgraded.conn) is None
    finally:
        upgraded.close()


# ---- the log against the heads recorded in backups ----------------------------------------------------------


def _backup(db, actor, reason="手动"):
    from aiddesk.services.backups import backup_now

    return backup_now(db, actor, reason).archive


def test_a_backup_records_the_logs_last_entry(filed, actor):
    from aiddesk.db.backup import read_backup_info

    last = filed.conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    info = read_backup_info(_backup(filed, actor))
    assert info.audit_head == (last[0], last[1])
    assert integrity.run_checks(filed) == []  # the backup's own log entry comes after the head: still whole


def test_entries_cut_off_after_a_backup_are_found_though_the_chain_is_whole(filed, actor):
    archive = _backup(filed, actor)
    head = filed.conn.execute("SELECT MAX(id) FROM audit_log").fetchone()[0]
    raw(filed).execute("DELETE FROM audit_log WHERE id >= ?", (head - 1,))  # the newest entries, the head among them
    assert first_broken_entry(filed.conn) is None  # what is left is a whole chain
    problems = integrity.run_checks(filed)
    assert problems == [f"备份“{archive.name}”中的操作日志第 {head - 1} 条在当前数据库中已不存在"
                        "（之后的日志被删除了）。请用该备份核对"]


def test_a_log_rewritten_and_chained_afresh_differs_from_the_backup(filed, actor):
    from aiddesk.db.audit import seal_chain

    archive = _backup(filed, actor)
    head = filed.conn.execute("SELECT MAX(id) FROM audit_log WHERE table_name != 'backups'").fetchone()[0]
    editor = raw(filed)
    editor.execute("UPDATE audit_log SET user = '别人' WHERE id = 1")
    seal_chain(editor)  # someone who read our code recomputes every hash
    assert first_broken_entry(filed.conn) is None
    problems = integrity.run_checks(filed)
    assert problems == [f"操作日志第 {head} 条与备份“{archive.name}”中的不同（日志被改写过）。请用该备份核对"]


def test_backups_of_a_timeline_given_up_by_a_restore_are_not_held_against_the_log(filed, actor, make_household,
                                                                                  tmp_path, clock):
    from aiddesk.services.backups import restore

    older = _backup(filed, actor)
    clock.advance(timedelta(minutes=5))  # backups and restores are told apart by their times
    ArchiveService(filed, actor).save(make_household(9))
    _backup(filed, actor)  # holds entries the restore below gives up
    path = filed.path
    filed.close()
    clock.advance(timedelta(minutes=5))
    restore(path, older, actor, clock)
    db = open_database(path, clock=clock)
    try:
        assert integrity.run_checks(db) == []
        clock.advance(timedelta(minutes=5))
        _backup(db, actor)  # the new timeline goes on being anchored
        assert integrity.run_checks(db) == []
        # Hiding the restore would bring the given-up backup back into the comparison, which then tells.
        raw(db).execute("DELETE FROM audit_log WHERE table_name = 'backups' AND action = 'restore'")
        assert any("请用该备份核对" in p for p in integrity.run_checks(db))
    finally:
        db.close()


def test_a_stored_file_name_pointing_outside_the_attachments_is_reported_not_read(filed, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not an attachment", encoding="utf-8")
    raw(filed).execute("INSERT INTO attachments (household_id, kind, original_name, stored_name, sha256, size, added_at,"
                       " added_by) SELECT id, '其他', '外面.txt', ?, 'x', 1, '2026-11-26T09:00:00', 'x' FROM households"
                       " LIMIT 1", (f"../../{outside.parent.name}/outside.txt",))
    problems = integrity.attachment_files(filed).problems
    assert len(problems) == 1 and "指向附件文件夹以外的位置" in problems[0]
