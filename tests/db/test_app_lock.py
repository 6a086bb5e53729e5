"""The application lock between real processes: held, read-only, take-over after watching it go silent, racing PCs."""

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
from datetime import date, datetime
from pathlib import Path

import pytest

from aiddesk.core.clock import FixedClock, SystemClock
from aiddesk.db import DatabaseOpenError, open_database
from aiddesk.db import app_lock
from aiddesk.db.connection import CURRENT_VERSION, ReadOnlyError
from aiddesk.paths import resource

ROOT = Path(__file__).resolve().parents[2]

# A second "PC": takes the lock, keeps the database open for writing, heartbeats every 0.2 s until killed.
HOLDER = textwrap.dedent("""
    import sys, time
    from aiddesk.core.clock import SystemClock
    from aiddesk.db import open_database
    from aiddesk.db import app_lock
    db_path, host = sys.argv[1], sys.argv[2] or None
    db = open_database(db_path)
    result = app_lock.acquire(db_path, "zhangsan", clock=SystemClock(), host=host)
    print("WON" if result.acquired else "HELD", flush=True)
    while result.acquired:
        result.lock.refresh()
        time.sleep(0.2)
""")

# A racer: waits for a common moment, then watches the lock (stale after 0.5 s of no change) until it holds it
# or sees another racer hold it; prints WON or HELD. The winner leaves its lock file behind for the others to see.
RACER = textwrap.dedent("""
    import sys, time
    from aiddesk.core.clock import SystemClock
    from aiddesk.db import app_lock
    db_path, host, start = sys.argv[1], sys.argv[2], float(sys.argv[3])
    time.sleep(max(0.0, start - time.time()))  # sleeping, not spinning: the racers wake together
    claim = app_lock.LockClaim(db_path, host, clock=SystemClock(), host=host, stale_seconds=0.5)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        result = claim.try_take()
        if result.acquired:
            print("WON", flush=True)
            break
        if result.holder.host.startswith("PC-") and result.holder.host != "PC-dead":
            print("HELD", flush=True)
            break
        time.sleep(0.02)
""")


class Ticks:
    """This PC's elapsed time (``time.monotonic``) as a test moves it."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


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
    result = app_lock.acquire(db_file, "lisi", clock=SystemClock())
    assert not result.acquired
    assert result.holder.pid == child.pid and result.holder.username == "zhangsan"
    assert result.holder.describe().startswith("zhangsan（电脑 ")
    first = result.holder.beats
    time.sleep(0.5)  # the holder beats every 0.2 s: its file changes
    assert app_lock._read(app_lock.lock_path_for(db_file)).beats > first

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


def _watch_until_taken(claim: app_lock.LockClaim, seconds: float) -> app_lock.LockResult:
    deadline = time.monotonic() + seconds
    while True:
        result = claim.try_take()
        if result.acquired or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


def test_killed_holder_on_another_pc_is_taken_over_only_after_the_stale_time(db_file, holder):
    child = holder("PC-办公室2")
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=1.0)
    # Alive: its heartbeat changes the file, so watching it for longer than the stale time takes nothing.
    assert not _watch_until_taken(claim, 2.0).acquired
    _kill(child)
    killed_at = time.monotonic()
    # Dead, but the other PC cannot know yet: the lock counts as held until it has stayed the same long enough.
    late = _watch_until_taken(claim, 5.0)
    assert late.acquired and time.monotonic() - killed_at >= 0.7  # its last beat came at most 0.2 s before
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
    result = app_lock.acquire(db_file, "lisi", clock=SystemClock())  # at the first look: the stale time is minutes
    assert result.acquired and result.taken_over_from.pid == child.pid and result.process_gone
    result.lock.release()


def test_same_pc_same_user_second_start_counts_as_held(db_file):
    clock = SystemClock()
    first = app_lock.acquire(db_file, "zhangsan", clock=clock)
    second = app_lock.acquire(db_file, "zhangsan", clock=clock)
    assert first.acquired and not second.acquired
    assert second.holder.same_owner(first.lock.info)
    first.lock.release()
    assert app_lock.acquire(db_file, "zhangsan", clock=clock).acquired


def test_refresh_reports_a_take_over_and_release_leaves_the_new_lock(db_file):
    clock = SystemClock()
    old = app_lock.acquire(db_file, "zhangsan", clock=clock, host="PC-A").lock
    assert old.refresh()
    new = app_lock.acquire(db_file, "lisi", clock=clock, host="PC-B", stale_seconds=0)  # everything is stale at once
    assert new.acquired and new.taken_over_from.host == "PC-A"
    assert not old.refresh()
    assert old.lost_to.host == "PC-B" and old.lost_to.username == "lisi"
    old.release()
    assert app_lock.lock_path_for(db_file).exists()
    assert new.lock.refresh()
    new.lock.release()
    assert not app_lock.lock_path_for(db_file).exists()


def test_a_half_written_lock_counts_as_held_until_it_stays_so(db_file):
    app_lock.lock_path_for(db_file).write_text("{", encoding="utf-8")
    ticks = Ticks()
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=60, monotonic=ticks)
    result = claim.try_take()
    assert not result.acquired and result.holder.host == "未知"
    assert result.holder.describe() == "未知用户（电脑 未知）"
    for _ in range(3):  # a PC that died between creating the file and writing it: it never changes
        ticks.advance(25)
        result = claim.try_take()
    assert result.acquired and result.taken_over_from.host == "未知"
    result.lock.release()


@pytest.mark.parametrize("stale_first", [False, True], ids=["free", "stale"])
def test_racing_processes_exactly_one_wins(db_file, stale_first):
    lock_file = app_lock.lock_path_for(db_file)
    for _round in range(4):
        lock_file.unlink(missing_ok=True)
        if stale_first:  # a PC that died: everyone watches it, sees it go stale together and races to take it over
            lock_file.write_text(json.dumps({"username": "old", "display_name": "", "host": "PC-dead", "pid": 1,
                                             "started": "2020-01-01T08:00:00+08:00",
                                             "heartbeat": "2020-01-01T08:00:00+08:00"}), encoding="utf-8")
        start = time.time() + 1.5  # all racers are started and waiting by then
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


def test_cli_sees_every_lock_as_live_but_a_dead_process_of_this_pc(db_file, holder):
    """A command-line run cannot watch for minutes: only the same-PC dead-process rule clears a lock."""
    assert app_lock.in_use_warning(db_file) is None
    child = holder()
    warning = app_lock.in_use_warning(db_file, date.today())
    assert warning.startswith("警告：数据库正由 zhangsan（电脑 ") and "建议等对方关闭程序" in warning
    _kill(child)
    if sys.platform != "win32":  # this PC's dead process: no warning
        assert app_lock.in_use_warning(db_file) is None
    _write_stale(app_lock.lock_path_for(db_file))  # silent for years by its own clock: still someone's
    assert app_lock.live_holder(db_file).host == "PC-dead"


def test_refresh_recreates_a_deleted_lock_but_never_steals_one(db_file):
    clock = SystemClock()
    lock = app_lock.acquire(db_file, "zhangsan", clock=clock).lock
    lock_file = app_lock.lock_path_for(db_file)
    lock_file.unlink()  # deleted by hand: nobody else has it, so it is still ours
    assert lock.refresh() and lock_file.exists()
    lock_file.unlink()
    other = app_lock.acquire(db_file, "lisi", clock=clock, host="PC-B")  # someone else got in first
    assert not lock.refresh() and lock.lost_to.host == "PC-B"
    other.lock.release()


def test_each_heartbeat_changes_the_file_even_on_a_stopped_clock(db_file):
    """What another PC watches is the content: a clock that does not move (or a wrong one) still beats."""
    lock = app_lock.acquire(db_file, "zhangsan", clock=FixedClock(datetime(2026, 11, 26, 10, 2))).lock
    lock_file = app_lock.lock_path_for(db_file)
    seen = {lock_file.read_bytes()}
    for _ in range(3):
        assert lock.refresh()
        seen.add(lock_file.read_bytes())
    assert len(seen) == 4
    stored = json.loads(lock_file.read_text(encoding="utf-8"))
    assert stored["beats"] == 3 and stored["heartbeat"] == "2026-11-26T10:02:00"
    lock.release()


def test_a_live_holder_is_never_taken_over_however_long_it_is_watched(db_file):
    other = app_lock.acquire(db_file, "zhangsan", clock=SystemClock(), host="PC-B").lock
    ticks = Ticks()
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=180, monotonic=ticks)
    for _ in range(40):  # twenty minutes, a look every 30 s, a beat between looks
        assert not claim.try_take().acquired
        other.refresh()
        ticks.advance(30)
    assert claim.holder.host == "PC-B"
    # Then it stops beating: taken once it has stayed the same for the stale time, not a look earlier.
    assert not claim.try_take().acquired  # the first look at the last beat
    for _ in range(5):
        ticks.advance(30)
        assert not claim.try_take().acquired
    ticks.advance(30)
    taken = claim.try_take()
    assert taken.acquired and taken.taken_over_from.host == "PC-B" and not taken.process_gone
    assert not other.refresh() and other.lost_to.username == "lisi"
    taken.lock.release()


def test_looks_too_far_apart_are_not_watching(db_file):
    """This PC asleep (or the program busy) for an hour saw nothing: the watch starts over."""
    _write_stale(app_lock.lock_path_for(db_file))
    ticks = Ticks()
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=180, monotonic=ticks)
    assert not claim.try_take().acquired
    ticks.advance(3600)
    assert not claim.try_take().acquired  # the same content, but not watched in between
    for _ in range(6):
        ticks.advance(30)
        result = claim.try_take()
    assert result.acquired
    result.lock.release()


def _write_stale(lock_file: Path) -> app_lock.LockInfo:
    old = app_lock.LockInfo("old", "", "PC-dead", 1, "2020-01-01T08:00:00+08:00", "2020-01-01T08:00:00+08:00")
    lock_file.write_text(json.dumps(old.__dict__), encoding="utf-8")
    return old


def test_a_take_over_in_progress_elsewhere_is_respected_until_it_goes_stale(db_file):
    """The .takeover guard is what keeps two PCs from both replacing the same stale lock."""
    lock_file = app_lock.lock_path_for(db_file)
    _write_stale(lock_file)
    guard = lock_file.with_name(lock_file.name + app_lock.TAKEOVER_SUFFIX)
    guard.write_text("PC-C 4242 abc", encoding="utf-8")  # another PC is taking over right now
    ticks = Ticks()
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=60, monotonic=ticks)
    assert not claim.try_take().acquired
    ticks.advance(30)
    assert not claim.try_take().acquired
    ticks.advance(30)
    result = claim.try_take()  # the lock is stale now, but the guard was only just seen
    assert not result.acquired and result.holder.host == "PC-dead" and guard.exists()
    assert json.loads(lock_file.read_text(encoding="utf-8"))["host"] == "PC-dead"
    ticks.advance(30)
    assert not claim.try_take().acquired and guard.exists()
    ticks.advance(30)  # that PC died half-way: its guard stayed the same for the stale time too
    assert not claim.try_take().acquired and not guard.exists()
    result = claim.try_take()
    assert result.acquired and result.taken_over_from.host == "PC-dead"
    assert not guard.exists()
    result.lock.release()


def test_a_guard_made_again_is_a_change(db_file):
    lock_file = app_lock.lock_path_for(db_file)
    _write_stale(lock_file)
    guard = lock_file.with_name(lock_file.name + app_lock.TAKEOVER_SUFFIX)
    ticks = Ticks()
    claim = app_lock.LockClaim(db_file, "lisi", clock=SystemClock(), stale_seconds=60, monotonic=ticks)
    claim.try_take()
    for n in range(6):  # another PC keeps trying (and failing) to take over: a new guard each time
        guard.write_text(f"PC-C 4242 attempt{n}", encoding="utf-8")
        ticks.advance(30)
        assert not claim.try_take().acquired
    assert guard.exists()


def test_take_over_gives_up_when_the_lock_changed_after_it_was_judged_stale(db_file):
    lock_file = app_lock.lock_path_for(db_file)
    judged = _write_stale(lock_file)
    judged_raw = lock_file.read_bytes()
    clock = SystemClock()
    fresh = app_lock.acquire(db_file, "zhangsan", clock=clock, host="PC-A", stale_seconds=0).lock  # quicker
    before = lock_file.read_bytes()
    claim = app_lock.LockClaim(db_file, "lisi", clock=clock, host="PC-B", stale_seconds=60)
    mine = app_lock.LockInfo("lisi", "", "PC-B", os.getpid(), judged.started, judged.heartbeat)
    assert claim._take_over(judged_raw, judged, mine, False) is None
    assert lock_file.read_bytes() == before
    fresh.release()


def test_times_are_shown_for_reading_in_the_readers_terms():
    info = app_lock.LockInfo("zhangsan", "张三", "PC-01", 7, "2026-11-26T10:02:00", "2026-11-26T10:05:00")
    assert info.describe(date(2026, 11, 26)) == "张三（电脑 PC-01，自 10:02 起）"
    assert info.describe(date(2026, 11, 27)) == "张三（电脑 PC-01，自 11月26日 10:02 起）"
    assert info.describe(date(2016, 11, 27)) == "张三（电脑 PC-01，自 2026年11月26日 10:02 起）"
    assert app_lock.short_time("") == "" and app_lock.short_time("not a time") == "not a time"
