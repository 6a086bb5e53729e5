"""Opening database files: creation, pragmas, transactions, and every refusal leaving the file untouched."""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from aiddesk.db import DatabaseOpenError, open_database
from aiddesk.core.errors import UserError
from aiddesk.db.connection import APPLICATION_ID, CURRENT_VERSION, DatabaseBusyError, DiskFullError

_CJK = re.compile(r"[\u4e00-\u9fff]")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_db(path: Path) -> Path:
    """A real AidDesk database file, closed again (WAL checkpointed away)."""
    open_database(path).close()
    return path


def assert_refused(path: Path, *needles: str, **kwargs) -> DatabaseOpenError:
    """open_database refuses with a Chinese message containing ``needles``; the file bytes stay the same."""
    before = sha256(path)
    size = path.stat().st_size
    with pytest.raises(DatabaseOpenError) as info:
        open_database(path, **kwargs)
    message = str(info.value)
    assert _CJK.search(message), message
    for needle in needles:
        assert needle in message, message
    assert sha256(path) == before
    assert path.stat().st_size == size
    return info.value


def settings_keys(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT key FROM settings ORDER BY key")]


# ---- a new database ------------------------------------------------------------


def test_new_path_creates_current_schema_with_wal_and_foreign_keys(tmp_path):
    path = tmp_path / "sub" / "new.sqlite"
    db = open_database(path)
    try:
        assert path.is_file()
        assert path.read_bytes()[:16] == b"SQLite format 3\x00"
        conn = db.conn
        assert conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"settings", "units", "users", "households", "members", "attachments", "audit_log"} <= tables
        # Foreign keys are really enforced: a member of a household that does not exist is refused.
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("INSERT INTO members (household_id, seq, name, relation) VALUES (999, 1, '某', '子')")
    finally:
        db.close()
    # No temporary file of the creation is left behind.
    assert not (tmp_path / "sub" / "new.sqlite.creating").exists()


def test_reopening_keeps_the_data(tmp_path):
    path = tmp_path / "keep.sqlite"
    db = open_database(path)
    with db.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")
    db.close()
    db = open_database(path, create=False)
    try:
        assert settings_keys(db.conn) == ["k"]
    finally:
        db.close()


def test_missing_file_without_create_is_refused_and_not_created(tmp_path):
    path = tmp_path / "absent.sqlite"
    with pytest.raises(DatabaseOpenError, match="找不到数据库文件"):
        open_database(path, create=False)
    assert not path.exists()


def test_thread_connection_sees_committed_data(tmp_path):
    db = open_database(tmp_path / "t.sqlite")
    other = db.connect_for_thread()
    try:
        assert other.conn is not db.conn
        assert other.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        assert settings_keys(other.conn) == ["a"]
    finally:
        other.close()
        db.close()


# ---- transactions ------------------------------------------------------------------


def test_transaction_commits(tmp_path):
    path = tmp_path / "tx.sqlite"
    db = open_database(path)
    with db.transaction() as conn:
        conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
        conn.execute("INSERT INTO settings (key, value) VALUES ('b', '2')")
    assert not db.conn.in_transaction
    db.close()
    # Visible from a fresh, independent connection: really committed to the file.
    check = sqlite3.connect(path)
    try:
        assert [r[0] for r in check.execute("SELECT key FROM settings ORDER BY key")] == ["a", "b"]
    finally:
        check.close()


def test_transaction_rolls_back_on_exception(tmp_path):
    db = open_database(tmp_path / "tx.sqlite")
    try:
        with pytest.raises(ZeroDivisionError):
            with db.transaction() as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('a', '1')")
                conn.execute("INSERT INTO dibao_lines (area_code, year, line_fen) VALUES ('460100', 2026, 70000)")
                1 / 0
        assert not db.conn.in_transaction
        assert settings_keys(db.conn) == []
        assert db.conn.execute("SELECT count(*) FROM dibao_lines").fetchone()[0] == 0
        # The database is usable afterwards.
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('after', '1')")
        assert settings_keys(db.conn) == ["after"]
    finally:
        db.close()


def test_nested_savepoint_rolls_back_only_the_inner_part(tmp_path):
    db = open_database(tmp_path / "tx.sqlite")
    try:
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('outer1', '1')")
            with pytest.raises(ValueError):
                with db.transaction() as inner:
                    inner.execute("INSERT INTO settings (key, value) VALUES ('inner', '1')")
                    raise ValueError("inner fails")
            assert conn.in_transaction
            conn.execute("INSERT INTO settings (key, value) VALUES ('outer2', '1')")
            with db.transaction() as inner:  # a succeeding inner part joins the outer one
                inner.execute("INSERT INTO settings (key, value) VALUES ('inner_ok', '1')")
        assert settings_keys(db.conn) == ["inner_ok", "outer1", "outer2"]
    finally:
        db.close()


def test_failure_after_a_nested_part_rolls_back_everything(tmp_path):
    db = open_database(tmp_path / "tx.sqlite")
    try:
        with pytest.raises(RuntimeError):
            with db.transaction() as conn:
                with db.transaction() as inner:
                    inner.execute("INSERT INTO settings (key, value) VALUES ('inner', '1')")
                conn.execute("INSERT INTO settings (key, value) VALUES ('outer', '1')")
                raise RuntimeError("outer fails")
        assert settings_keys(db.conn) == []
    finally:
        db.close()


def test_transaction_while_another_writer_holds_the_lock_is_a_user_error(tmp_path):
    path = tmp_path / "busy.sqlite"
    mine = open_database(path, busy_timeout_ms=200)
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO settings (key, value) VALUES ('theirs', '1')")
        with pytest.raises(DatabaseBusyError) as info:
            with mine.transaction() as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('mine', '1')")
        assert isinstance(info.value, UserError)
        assert "另一台电脑" in str(info.value) and "加锁" in str(info.value)
        assert not mine.conn.in_transaction
        other.execute("COMMIT")
        # Once the other side is done, the next try works and nothing was half-written before.
        with mine.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('mine', '1')")
        assert settings_keys(mine.conn) == ["mine", "theirs"]
    finally:
        other.close()
        mine.close()


def _fill_until_full(conn) -> None:
    """Insert rows until SQLite refuses: ``PRAGMA max_page_count`` stands in for a full disk (SQLITE_FULL)."""
    conn.execute("PRAGMA max_page_count = %d" % (conn.execute("PRAGMA page_count").fetchone()[0] + 3))
    for i in range(10_000):
        conn.execute("INSERT INTO settings (key, value) VALUES (?, randomblob(2000))", (f"big{i}",))
    raise AssertionError("the page limit never stopped the inserts")


@pytest.mark.parametrize("nested", [False, True])
def test_a_full_disk_is_a_chinese_user_error_and_nothing_is_written(tmp_path, nested):
    # SQLite rolls the whole transaction back itself on SQLITE_FULL: a ROLLBACK after it used to raise
    # "cannot rollback - no transaction is active", hiding the full disk behind a traceback.
    db = open_database(tmp_path / "full.sqlite")
    try:
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('before', '1')")
        with pytest.raises(DiskFullError) as info:
            with db.transaction() as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('mine', '1')")
                if nested:
                    with db.transaction() as inner:
                        _fill_until_full(inner)
                else:
                    _fill_until_full(conn)
        assert isinstance(info.value, UserError)
        message = str(info.value)
        assert "磁盘已满" in message and "没有写入任何内容" in message and "full.sqlite" in message
        assert not db.conn.in_transaction
        assert settings_keys(db.conn) == ["before"]
        # Room again: the same session goes on working.
        db.conn.execute("PRAGMA max_page_count = 1000000")
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('after', '1')")
        assert settings_keys(db.conn) == ["after", "before"]
    finally:
        db.close()


def test_a_commit_that_fails_rolls_back_and_leaves_the_session_usable(tmp_path):
    # Rollback journal (network drives): COMMIT waits for readers and, after the timeout, fails. It used to
    # leave the transaction open, so every later action failed with "cannot start a transaction within a transaction".
    path = make_db(tmp_path / "commit.sqlite")
    plain = sqlite3.connect(path)
    plain.execute("PRAGMA journal_mode = DELETE")
    plain.close()
    db = open_database(path, busy_timeout_ms=100)
    reader = sqlite3.connect(path, isolation_level=None)
    try:
        db.conn.execute("PRAGMA journal_mode = DELETE")
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM settings").fetchone()  # holds a read lock until it ends
        with pytest.raises(DatabaseBusyError) as info:
            with db.transaction() as conn:
                conn.execute("INSERT INTO settings (key, value) VALUES ('mine', '1')")
        assert "没有保存任何内容" in str(info.value)
        assert not db.conn.in_transaction
        reader.execute("COMMIT")
        assert settings_keys(db.conn) == []
        with db.transaction() as conn:
            conn.execute("INSERT INTO settings (key, value) VALUES ('later', '1')")
        assert settings_keys(db.conn) == ["later"]
    finally:
        reader.close()
        db.close()


def test_a_full_disk_while_creating_leaves_no_half_made_file(tmp_path, monkeypatch):
    from aiddesk.db import connection

    real = sqlite3.connect

    def small_disk(name, *args, **kwargs):
        conn = real(name, *args, **kwargs)
        if str(name).endswith(".creating"):
            conn.execute("PRAGMA max_page_count = 3")
        return conn

    monkeypatch.setattr(connection.sqlite3, "connect", small_disk)
    path = tmp_path / "new.sqlite"
    with pytest.raises(DiskFullError, match="磁盘已满"):
        open_database(path)
    assert list(tmp_path.iterdir()) == []


# ---- refusals: Chinese message, file untouched ------------------------------------------


def test_text_file_renamed_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("这不是数据库，只是一段文字。\n" * 20, encoding="utf-8")
    assert_refused(path, "不是帮扶工作台的数据库文件")


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "empty.sqlite"
    path.write_bytes(b"")
    assert_refused(path, "不是帮扶工作台的数据库文件")
    assert path.read_bytes() == b""


def test_damaged_sqlite_file_is_refused(tmp_path):
    path = tmp_path / "broken.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    assert_refused(path, "数据库")


def test_foreign_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
    conn.close()
    assert_refused(path, "不是帮扶工作台的数据库")


def test_sqlite_database_with_other_application_id_is_refused(tmp_path):
    path = tmp_path / "other_app.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 12345")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    conn.commit()
    conn.close()
    assert_refused(path, "不是帮扶工作台的数据库")


def test_newer_user_version_is_refused(tmp_path):
    ours = make_db(tmp_path / "ours.sqlite")
    newer = tmp_path / "newer.sqlite"
    shutil.copyfile(ours, newer)
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.commit()
    conn.close()
    assert_refused(newer, "更新版本", "99", str(CURRENT_VERSION))
    conn = sqlite3.connect(newer)
    try:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == 99
    finally:
        conn.close()


def test_read_only_file_is_refused(tmp_path):
    # Also as root: the file's mode says read-only even where os.access would allow writing.
    path = make_db(tmp_path / "ro.sqlite")
    path.chmod(0o444)
    try:
        assert_refused(path, "只读")
    finally:
        path.chmod(0o644)


def test_read_only_folder_is_refused(tmp_path):
    # Also as root: the folder's mode says read-only (SQLite must write its journal beside the file).
    folder = tmp_path / "ro"
    folder.mkdir()
    path = make_db(folder / "db.sqlite")
    folder.chmod(0o555)
    try:
        assert_refused(path, "只读")
    finally:
        folder.chmod(0o755)


@pytest.mark.parametrize("journal_mode", ["wal", "delete"])
def test_locked_database_is_refused(tmp_path, journal_mode):
    path = make_db(tmp_path / "locked.sqlite")
    if journal_mode != "wal":
        c = sqlite3.connect(path)
        assert c.execute(f"PRAGMA journal_mode = {journal_mode}").fetchone()[0] == journal_mode
        c.close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        err = assert_refused(path, busy_timeout_ms=200)
        message = str(err)
        assert "另一台电脑" in message or "加锁" in message, message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    # Once the other side lets go, the file opens normally.
    db = open_database(path, busy_timeout_ms=200)
    db.close()


def test_directory_path_is_refused(tmp_path):
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    (folder / "inside.txt").write_text("x")
    with pytest.raises(DatabaseOpenError) as info:
        open_database(folder)
    assert "文件夹" in str(info.value)
    assert sorted(p.name for p in folder.iterdir()) == ["inside.txt"]


MOUNTS = """\
/dev/vda / ext4 rw 0 0
//server/帮扶 /mnt/share cifs rw 0 0
nas:/export /srv/nfs nfs4 rw 0 0
"""


@pytest.mark.parametrize("path, network", [
    ("/home/user/office.sqlite", False),
    ("/mnt/share/office.sqlite", True),
    ("/mnt/shared-not/office.sqlite", False),
    ("/srv/nfs/sub/office.sqlite", True),
])
def test_network_drives_are_recognised(tmp_path, path, network):
    from pathlib import Path

    from aiddesk.db.filesystem import is_network_path

    mounts = tmp_path / "mounts"
    mounts.write_text(MOUNTS, encoding="utf-8")
    assert is_network_path(Path(path), mounts_file=str(mounts)) is network


def test_local_database_uses_wal(tmp_path):
    from aiddesk.db.connection import journal_mode_for

    assert journal_mode_for(tmp_path / "x.sqlite") == "WAL"
