"""Upgrading older databases step by step: backup first, one transaction per step."""

from __future__ import annotations

import sqlite3
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from aiddesk.db import migrations, open_database
from aiddesk.db.backup import read_backup_info, verify_backup
from aiddesk.db.connection import CURRENT_VERSION


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def add_nickname(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE households ADD COLUMN nickname TEXT")


def add_units_note(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE units ADD COLUMN note TEXT")


def failing_step(conn: sqlite3.Connection) -> None:
    conn.execute("ALTER TABLE users ADD COLUMN half_done TEXT")  # done, then the step fails
    raise RuntimeError("step failed")


def backups_of(path: Path) -> list[Path]:
    """The backup archives in the database's backup folder (``<stem>_备份``)."""
    folder = path.with_name(path.stem + "_备份")
    return sorted(folder.glob("*.zip")) if folder.is_dir() else []


def database_in(archive: Path) -> sqlite3.Connection:
    """The database a backup archive holds, checked whole (hashes, integrity) and extracted beside it."""
    verify_backup(archive)
    target = archive.with_suffix(".extracted.sqlite")
    with zipfile.ZipFile(archive) as zf:
        target.write_bytes(zf.read("database.sqlite"))
    return sqlite3.connect(target)


SCHEMAS = Path(__file__).with_name("schemas")
NOW = datetime(2026, 11, 26, 9, 0)  # names the backup made before an upgrade


def make_v1(path: Path) -> sqlite3.Connection:
    """A real database file as version 1 of the program created it (tests/db/schemas/v1.sql)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript((SCHEMAS / "v1.sql").read_text(encoding="utf-8"))
    conn.execute("INSERT INTO settings (key, value) VALUES ('marker', 'before')")
    return conn


@pytest.fixture
def v1(tmp_path):
    """A real database file at version 1, with a row in it."""
    path = tmp_path / "office.sqlite"
    conn = make_v1(path)
    assert version(conn) == 1
    yield SimpleNamespace(conn=conn, path=path)
    conn.close()


def schema_of(conn: sqlite3.Connection) -> dict:
    """Tables with their columns and indexes with their columns, comparable across files."""
    out = {}
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        cols = tuple(tuple(r) for r in conn.execute(f"PRAGMA table_info({name})"))
        indexes = {}
        for idx in conn.execute(f"PRAGMA index_list({name})"):
            indexes[idx[1]] = (idx[2], tuple(r[2] for r in conn.execute(f"PRAGMA index_info({idx[1]})")))
        fks = tuple(sorted(tuple(r)[2:5] for r in conn.execute(f"PRAGMA foreign_key_list({name})")))
        out[name] = (cols, indexes, fks)
    out["(triggers)"] = sorted(tuple(r) for r in conn.execute("SELECT name, tbl_name, sql FROM sqlite_master"
                                                             " WHERE type = 'trigger'"))
    return out


def test_a_version_1_file_opens_upgraded_to_exactly_the_current_schema(tmp_path):
    old = make_v1(tmp_path / "old.sqlite")
    old.execute("INSERT INTO units (code, name, level, is_own) VALUES ('460000', '海南省职工服务中心', '省级', 1)")
    old.close()
    upgraded = open_database(tmp_path / "old.sqlite")
    fresh = open_database(tmp_path / "new.sqlite")
    try:
        assert version(upgraded.conn) == CURRENT_VERSION
        assert schema_of(upgraded.conn) == schema_of(fresh.conn)
        assert upgraded.conn.execute("SELECT name FROM units").fetchone()[0] == "海南省职工服务中心"
        assert len(backups_of(tmp_path / "old.sqlite")) == 1
    finally:
        upgraded.close()
        fresh.close()


def test_upgrade_backs_up_then_applies_step(v1):
    path = v1.path
    backup = migrations.upgrade(v1.conn, path, 1, 2, steps={2: add_nickname}, now=NOW)

    # An ordinary backup archive in the database's backup folder, so 从备份恢复 lists it; named after the old version.
    assert backup.parent == path.with_name(path.stem + "_备份")
    assert backup.name.endswith("-升级前v1.zip")
    assert backups_of(path) == [backup]
    assert read_backup_info(backup).reason == "升级前v1" and read_backup_info(backup).user_version == 1

    # The backup holds the old schema and the data.
    old = database_in(backup)
    try:
        assert version(old) == 1
        assert "nickname" not in columns(old, "households")
        assert old.execute("SELECT value FROM settings WHERE key = 'marker'").fetchone()[0] == "before"
    finally:
        old.close()

    # The database itself is now at version 2 with the new column, data kept.
    assert version(v1.conn) == 2
    assert "nickname" in columns(v1.conn, "households")
    assert v1.conn.execute("SELECT value FROM settings WHERE key = 'marker'").fetchone()[0] == "before"
    assert not v1.conn.in_transaction
    # Seen from an independent connection: committed to the file.
    other = sqlite3.connect(path)
    try:
        assert version(other) == 2
        assert "nickname" in columns(other, "households")
    finally:
        other.close()


def test_failing_step_rolls_back_and_stays_at_old_version(v1):
    with pytest.raises(RuntimeError, match="step failed"):
        migrations.upgrade(v1.conn, v1.path, 1, 2, steps={2: failing_step}, now=NOW)
    assert version(v1.conn) == 1
    assert "half_done" not in columns(v1.conn, "users")
    assert not v1.conn.in_transaction
    # The backup is kept for the user.
    assert len(backups_of(v1.path)) == 1


def test_failing_later_step_keeps_the_completed_ones(v1):
    with pytest.raises(RuntimeError):
        migrations.upgrade(v1.conn, v1.path, 1, 3, steps={2: add_units_note, 3: failing_step}, now=NOW)
    assert version(v1.conn) == 2
    assert "note" in columns(v1.conn, "units")
    assert "half_done" not in columns(v1.conn, "users")


def test_several_steps_run_in_order(v1):
    order = []

    def step(n, fn):
        def run(conn):
            order.append(n)
            fn(conn)
        return run

    migrations.upgrade(v1.conn, v1.path, 1, 3, steps={3: step(3, add_units_note), 2: step(2, add_nickname)}, now=NOW)
    assert order == [2, 3]
    assert version(v1.conn) == 3
    assert "nickname" in columns(v1.conn, "households")
    assert "note" in columns(v1.conn, "units")


def test_missing_step_refuses_before_touching_anything(v1):
    with pytest.raises(RuntimeError, match="version 3"):
        migrations.upgrade(v1.conn, v1.path, 1, 3, steps={2: add_nickname}, now=NOW)
    assert version(v1.conn) == 1
    assert "nickname" not in columns(v1.conn, "households")
    assert backups_of(v1.path) == []


def test_open_database_upgrades_an_older_file(tmp_path, monkeypatch):
    """An older file opened by the app is copied aside and brought to the current version."""
    path = tmp_path / "old.sqlite"
    open_database(path).close()
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {CURRENT_VERSION - 1}")
    conn.commit()
    conn.close()
    ran = []

    def step(conn):
        ran.append(version(conn))
        add_nickname(conn)

    monkeypatch.setitem(migrations.STEPS, CURRENT_VERSION, step)
    db = open_database(path)
    try:
        assert ran == [CURRENT_VERSION - 1]
        assert version(db.conn) == CURRENT_VERSION
        assert "nickname" in columns(db.conn, "households")
        assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
    (backup,) = backups_of(path)
    old = database_in(backup)
    try:
        assert version(old) == CURRENT_VERSION - 1
        assert "nickname" not in columns(old, "households")
    finally:
        old.close()


@pytest.mark.parametrize("old_version", [2, 3, 4, 5])
def test_a_file_of_an_older_version_with_batches_upgrades_to_exactly_the_current_schema(tmp_path, old_version):
    """tests/db/schemas/vN.sql is the schema as version N created it; its rows survive the upgrade."""
    path = tmp_path / f"v{old_version}.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript((SCHEMAS / f"v{old_version}.sql").read_text(encoding="utf-8"))
    assert version(conn) == old_version
    conn.execute("INSERT INTO units (code, name, level, is_own) VALUES ('460000', '海南省职工服务中心', '省级', 1)")
    conn.execute("INSERT INTO batches (code, name, activity, year, unit_code, clerk, created_at, updated_at)"
                 " VALUES ('460000-PC2026-001', '两节送温暖', '送温暖', 2026, '460000', 'jingban', 'x', 'x')")
    conn.close()
    upgraded = open_database(path)
    fresh = open_database(tmp_path / "new.sqlite")
    try:
        assert version(upgraded.conn) == CURRENT_VERSION
        assert schema_of(upgraded.conn) == schema_of(fresh.conn)
        assert upgraded.conn.execute("SELECT name FROM batches").fetchone()[0] == "两节送温暖"
        assert {"fund_entries", "problems"} <= set(schema_of(upgraded.conn))
        assert len(backups_of(path)) == 1
    finally:
        upgraded.close()
        fresh.close()


def test_the_backup_before_an_upgrade_holds_the_attachments_too(v1):
    folder = v1.path.with_name(v1.path.stem + "_附件") / "HN0001"
    folder.mkdir(parents=True)
    (folder / "收入证明.png").write_bytes(b"\x89PNG not really, but bytes to hash")
    backup = migrations.upgrade(v1.conn, v1.path, 1, 2, steps={2: add_nickname}, now=NOW)
    assert verify_backup(backup).attachment_count == 1
    with zipfile.ZipFile(backup) as zf:
        assert zf.read("attachments/HN0001/收入证明.png") == b"\x89PNG not really, but bytes to hash"


def test_every_foreign_key_has_an_index(tmp_path):
    """Deleting a row checks every reference to it: without an index on the referring column that is a table scan
    per row (issue 16: replacing 185 000 aid lines took over 12 minutes)."""
    db = open_database(tmp_path / "new.sqlite")
    conn = db.conn
    missing = []
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        leading = {next(iter(conn.execute(f"PRAGMA index_info({index[1]})")), (None, None, None))[2]
                   for index in conn.execute(f"PRAGMA index_list({table})")}
        key = [r[1] for r in conn.execute(f"PRAGMA table_info({table})") if r[5] == 1]
        for fk in conn.execute(f"PRAGMA foreign_key_list({table})"):
            if fk[3] not in leading and [fk[3]] != key:
                missing.append(f"{table}.{fk[3]} → {fk[2]}")
    db.close()
    assert missing == []
