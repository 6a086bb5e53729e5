"""The application lock between real processes: held, read-only, stale take-over, racing PCs."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aiddesk.db import DatabaseOpenError, open_database
from aiddesk.db import app_lock
from aiddesk.db.connection import CURRENT_VERSION, ReadOnlyError
from aiddesk.paths import resource

ROOT = Path(__file__).resolve().parents[2]

# A second "PC": takes the lock, keeps the database open for writing, heartbeats every 0.2 s until killed.
HOLDER = textwrap.dedent("""
    import sys, time
    from aiddesk.db import open_database
    from aiddesk.db import app_lock
    db_path, host = sys.argv[1], sys.argv[2] or None
    db = open_database(db_path)
    result = app_lock.acquire(db_path, "zhangsan", host=host)
    print("WON" if result.acquired else "HELD", flush=True)
    while result.acquired:
        result.lock.refresh()
        time.sleep(0.2)
""")

# A racer: waits for a common moment, then tries once; prints WON or HELD.
RACER = textwrap.dedent("""
    import sys, time
    from aiddesk.db import app_lock
    db_path, host, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    time.sleep(max(0.0, start - time.time()))  # sleeping, not spinning: the racers wake together
    result = app_lock.acquire(db_path, host, host=host, stale_seconds=60)
    print("WON" if result.acquired else "HELD", flush=True)
""")


def _python(script: str, *args: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", script, *args], stdout=subprocess.PIPE, text=True, env=env,
                            cwd=ROOT)


@pytest.fixture
def db_file(tmp_path) -> Path:
    path = tmp_path / "office.sqlite"
    open_database(path).close()
    return path


@pytest.fixture
def holder(db_file):
    """Start a holding child process; killed at the end whatever happens."""
    children = []

    def start(host: str = "") -> subprocess.Popen:
        child = _python(HOLDER, str(db_file), host)
        children.append(child)
        assert child.stdout.readline().strip() == "WON"
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(5)


def _kill(child: subprocess.Popen) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(5)


def test_rules_come_from_the_rules_file():
    rules = app_lock.lock_rules()
    raw = json.loads(resource("rules", "app_lock.json").read_text(encoding="utf-8"))
    assert rules.heartbeat_seconds == raw["heartbeat_seconds"]
    assert rules.stale_seconds == raw["stale_minutes"] * 60
    assert rules.stale_seconds >= 2 * rules.heartbeat_seconds


def test_another_process_holds_the_lock_and_we_open_read_only(db_file, holder):
    child = holder()
    result = app_lock.acquire(db_file, "lisi")
    assert not result.acquired
    assert result.holder.pid == child.pid and result.holder.username == "zhangsan"
    assert result.holder.describe().startswith("zhangsan（电脑 ")
    first = result.holder.heartbeat
    time.sleep(1.3)  # heartbeats are stamped to the second
    assert app_lock._read(app_lock.lock_path_for(db_file)).heartbeat > first

    ro = open_database(db_file, read_only=True, read_only_reason=f"{result.holder.describe()}正在使用")
    try:
        assert ro.read_only
        assert ro.conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
        with pytest.raises(ReadOnlyError) as info:
            with ro.transaction():
                pass
        assert "数据库以只读方式打开（zhangsan（电脑" in info.value.message
        assert "不能保存修改" in info.value.message
        # Even past our own check SQLite refuses: the connection itself is mode=ro.
        with pytest.raises(sqlite3.OperationalError):
            ro.conn.execute("CREATE TABLE sneaky (a)")
        worker = ro.connect_for_thread()
        with pytest.raises(ReadOnlyError):
            with worker.transaction():
                pass
        worker.close()
    finally:
        ro.close()
    assert child.poll() is None  # the holder was not disturbed


def test_killed_holder_on_another_pc_is_taken_over_only_after_the_stale_time(db_file, holder):
    child = holder("PC-办公室2")
    assert not app_lock.acquire(db_file, "lisi", stale_seconds=2).acquired
    _kill(child)
    killed_at = time.time()
    # Dead, but the other PC cannot know yet: the lock still counts as held until it goes stale.
    early = app_lock.acquire(db_file, "lisi", stale_seconds=2)
    assert not early.acquired and early.holder.host == "PC-办公室2"
    while time.time() - killed_at < 3.2:
        time.sleep(0.2)
    late = app_lock.acquire(db_file, "lisi", stale_seconds=2)
    assert late.acquired
    assert late.taken_over_from.host == "PC-办公室2" and late.taken_over_from.pid == child.pid
    stored = json.loads(app_lock.lock_path_for(db_file).read_text(encoding="utf-8"))
    assert stored["pid"] == os.getpid() and "PC-办公室2" in stored["taken_over_from"]
    with open_database(db_file).transaction() as conn:  # and we may write again
        conn.execute("PRAGMA user_version")
    late.lock.release()
    assert not app_lock.lock_path_for(db_file).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="dead-process check is POSIX only")
def test_dead_holder_on_this_pc_is_taken_over_at_once(db_file, holder):
    child = holder()
    _kill(child)
    result = app_lock.acquire(db_file, "lisi")  # the default stale time is minutes
    assert result.acquired and result.taken_over_from.pid == child.pid
    result.lock.release()


def test_same_pc_same_user_second_start_counts_as_held(db_file):
    first = app_lock.acquire(db_file, "zhangsan")
    second = app_lock.acquire(db_file, "zhangsan")
    assert first.acquired and not second.acquired
    assert second.holder.same_owner(first.lock.info)
    first.lock.release()
    assert app_lock.acquire(db_file, "zhangsan").acquired


def test_refresh_reports_a_take_over_and_release_leaves_the_new_lock(db_file):
    old = app_lock.acquire(db_file, "zhangsan", host="PC-A").lock
    assert old.refresh()
    new = app_lock.acquire(db_file, "lisi", host="PC-B", stale_seconds=0)  # everything is stale at once
    assert new.acquired and new.taken_over_from.host == "PC-A"
    assert not old.refresh()
    assert old.lost_to.host == "PC-B" and old.lost_to.username == "lisi"
    old.release()
    assert app_lock.lock_path_for(db_file).exists()
    assert new.lock.refresh()
    new.lock.release()
    assert not app_lock.lock_path_for(db_file).exists()


def test_a_half_written_lock_counts_as_held(db_file):
    app_lock.lock_path_for(db_file).write_text("{", encoding="utf-8")
    result = app_lock.acquire(db_file, "lisi", stale_seconds=60)
    assert not result.acquired and result.holder.host == "未知"


@pytest.mark.parametrize("stale_first", [False, True], ids=["free", "stale"])
def test_racing_processes_exactly_one_wins(db_file, stale_first):
    lock_file = app_lock.lock_path_for(db_file)
    for _round in range(4):
        lock_file.unlink(missing_ok=True)
        if stale_first:  # a PC that died long ago: everyone races to take it over
            lock_file.write_text(json.dumps({"username": "old", "display_name": "", "host": "PC-dead", "pid": 1,
                                             "started": "2020-01-01T08:00:00+08:00",
                                             "heartbeat": "2020-01-01T08:00:00+08:00"}), encoding="utf-8")
        start = time.time() + 1.5  # all racers are started and spinning by then
        racers = [_python(RACER, str(db_file), f"PC-{n}", str(start)) for n in range(3)]
        outcomes = [r.communicate(timeout=30)[0].strip() for r in racers]
        assert sorted(outcomes) == ["HELD", "HELD", "WON"], outcomes
        assert json.loads(lock_file.read_text(encoding="utf-8"))["host"] in {"PC-0", "PC-1", "PC-2"}
        assert not lock_file.with_name(lock_file.name + app_lock.TAKEOVER_SUFFIX).exists()


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("offset, needle", [(1, "更新版本"), (-1, "较旧")], ids=["newer", "older"])
def test_read_only_refuses_a_file_of_another_version_untouched(db_file, offset, needle):
    raw = sqlite3.connect(db_file)
    raw.execute(f"PRAGMA user_version = {CURRENT_VERSION + offset}")
    raw.close()
    before = _sha(db_file)
    with pytest.raises(DatabaseOpenError) as info:
        open_database(db_file, read_only=True)
    assert needle in info.value.message
    assert _sha(db_file) == before
    raw = sqlite3.connect(db_file)
    assert raw.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION + offset
    raw.close()


def test_read_only_neither_creates_nor_needs_write_access(tmp_path, db_file):
    with pytest.raises(DatabaseOpenError):
        open_database(tmp_path / "missing.sqlite", read_only=True)
    assert not (tmp_path / "missing.sqlite").exists()
    os.chmod(db_file, 0o444)
    try:
        ro = open_database(db_file, read_only=True)
        assert ro.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
        ro.close()
    finally:
        os.chmod(db_file, 0o644)


def test_a_writable_database_switched_to_read_only_refuses_changes(db_file):
    db = open_database(db_file)
    db.set_read_only("李四（电脑 PC-B，自 10:02 起）已接管")
    with pytest.raises(ReadOnlyError, match="李四"):
        with db.transaction():
            pass
    db.close()


def test_cli_warning_only_while_another_program_holds_the_lock(db_file, holder):
    assert app_lock.in_use_warning(db_file) is None
    child = holder()
    warning = app_lock.in_use_warning(db_file)
    assert warning.startswith("警告：数据库正由 zhangsan（电脑 ") and "建议等对方关闭程序" in warning
    _kill(child)
    if sys.platform != "win32":  # this PC's dead process: no warning
        assert app_lock.in_use_warning(db_file) is None


def test_refresh_recreates_a_deleted_lock_but_never_steals_one(db_file):
    lock = app_lock.acquire(db_file, "zhangsan").lock
    lock_file = app_lock.lock_path_for(db_file)
    lock_file.unlink()  # deleted by hand: nobody else has it, so it is still ours
    assert lock.refresh() and lock_file.exists()
    lock_file.unlink()
    other = app_lock.acquire(db_file, "lisi", host="PC-B")  # someone else got in first
    assert not lock.refresh() and lock.lost_to.host == "PC-B"
    other.lock.release()


def _write_stale(lock_file: Path) -> app_lock.LockInfo:
    old = app_lock.LockInfo("old", "", "PC-dead", 1, "2020-01-01T08:00:00+08:00", "2020-01-01T08:00:00+08:00")
    lock_file.write_text(json.dumps(old.__dict__), encoding="utf-8")
    return old


def test_a_take_over_in_progress_elsewhere_is_respected_until_it_goes_stale(db_file):
    """The .takeover guard is what keeps two PCs from both replacing the same stale lock."""
    lock_file = app_lock.lock_path_for(db_file)
    _write_stale(lock_file)
    guard = lock_file.with_name(lock_file.name + app_lock.TAKEOVER_SUFFIX)
    guard.write_text("", encoding="utf-8")  # another PC is taking over right now
    result = app_lock.acquire(db_file, "lisi", stale_seconds=60)
    assert not result.acquired and result.holder.host == "PC-dead"
    assert json.loads(lock_file.read_text(encoding="utf-8"))["host"] == "PC-dead"
    old = time.time() - 120  # that PC died half-way: its guard goes stale too
    os.utime(guard, (old, old))
    result = app_lock.acquire(db_file, "lisi", stale_seconds=60)
    assert result.acquired and result.taken_over_from.host == "PC-dead"
    assert not guard.exists()
    result.lock.release()


def test_take_over_gives_up_when_the_lock_changed_after_it_was_judged_stale(db_file):
    lock_file = app_lock.lock_path_for(db_file)
    judged = _write_stale(lock_file)
    fresh = app_lock.acquire(db_file, "zhangsan", host="PC-A", stale_seconds=0).lock  # someone was quicker
    before = lock_file.read_bytes()
    mine = app_lock.LockInfo("lisi", "", "PC-B", os.getpid(), judged.started, judged.heartbeat)
    assert app_lock._take_over(lock_file, judged, mine, 60) is None
    assert lock_file.read_bytes() == before
    fresh.release()
