"""The application lock: a small JSON file beside the database saying which PC and user may change it.

Whether the holder is still there is judged only by what this PC sees: the file's content changing (each
heartbeat adds one to ``beats``) over this PC's own elapsed time (``time.monotonic``). The times written in the
file come from the holder's clock and the file's own times from the file server's; either may be wrong by months
or years, so they are shown to people ("自 10:02 起") and never compared with this PC's clock.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Callable

from ..core.clock import Clock
from ..core.errors import UserError
from ..core.rule_files import read_rules

KIND = "app_lock_rules"  # marks resources/rules/app_lock.json among the other rule files
TAKEOVER_SUFFIX = ".takeover"
UNKNOWN_HOST = "未知"


@dataclass(frozen=True)
class LockRules:
    heartbeat_seconds: float
    stale_seconds: float


def lock_rules() -> LockRules:
    """The heartbeat and stale times in ``resources/rules/app_lock.json``."""
    what = "请改正后重启程序"
    raw = read_rules("app_lock.json", "应用锁规则")
    try:
        heartbeat = float(raw["heartbeat_seconds"])
        stale = float(raw["stale_minutes"]) * 60
    except (ValueError, KeyError, TypeError):
        raise UserError(f"应用锁规则文件 resources/rules/app_lock.json 缺少心跳或过期时间，{what}") from None
    if raw.get("kind") != KIND or heartbeat <= 0 or stale < 2 * heartbeat:
        raise UserError("应用锁规则文件 resources/rules/app_lock.json 有误："
                        f"stale_minutes 须至少是心跳间隔 heartbeat_seconds 的两倍，{what}")
    return LockRules(heartbeat, stale)


def lock_path_for(db_path: str | os.PathLike) -> Path:
    db_path = Path(db_path)
    return db_path.with_name(db_path.name + ".lock")


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says: who, where, since when (the holder's clock, for people to read), how many beats."""

    username: str
    display_name: str
    host: str
    pid: int
    started: str
    heartbeat: str
    taken_over_from: str = ""
    beats: int = 0  # one more at every heartbeat: the change another PC watches for

    @property
    def who(self) -> str:
        return self.display_name or self.username or "未知用户"

    def same_owner(self, other: "LockInfo") -> bool:
        return (self.host, self.pid, self.started) == (other.host, other.pid, other.started)

    def describe(self, today: date | None = None) -> str:
        """张三（电脑 PC-01，自 10:02 起）; ``today`` (the reader's) only shortens a same-day time."""
        since = short_time(self.started, today)
        return f"{self.who}（电脑 {self.host}，自 {since} 起）" if since else f"{self.who}（电脑 {self.host}）"

    @classmethod
    def unknown(cls) -> "LockInfo":
        """A holder we cannot name: a lock file half-written, or gone before we looked."""
        return cls("", "", UNKNOWN_HOST, 0, "", "")


def short_time(iso: str, today: date | None = None) -> str:
    """10:02 on ``today``, 11月25日 10:02 on another day, 2036年11月25日 10:02 in another year; "" for no time.

    Only for reading: the time is the holder's clock, which may be wrong.
    """
    try:
        moment = datetime.fromisoformat(iso)
    except (TypeError, ValueError):
        return iso or ""
    if moment.tzinfo is not None:  # written by an earlier version, with its zone
        moment = moment.astimezone().replace(tzinfo=None)
    clock_time = moment.strftime("%H:%M")
    if today is not None and moment.date() == today:
        return clock_time
    if today is None or moment.year == today.year:
        return f"{moment.month}月{moment.day}日 {clock_time}"
    return f"{moment.year}年{moment.month}月{moment.day}日 {clock_time}"


def _read_raw(path: Path) -> bytes | None:
    """The lock file's bytes; None when there is none.

    Any other OSError (Windows: the file is being replaced this instant) is raised: the caller looks again
    later, never concluding from a failed read that the lock changed hands.
    """
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _parse(raw: bytes) -> LockInfo:
    """What the bytes say; a half-written file reads as an unknown holder (judged by whether it changes)."""
    try:
        data = json.loads(raw.decode("utf-8"))
        return LockInfo(**{k: data[k] for k in ("username", "display_name", "host", "pid", "started", "heartbeat")},
                        taken_over_from=data.get("taken_over_from", ""), beats=int(data.get("beats", 0)))
    except (ValueError, KeyError, TypeError, AttributeError):
        return LockInfo.unknown()


def _read(path: Path) -> LockInfo | None:
    raw = _read_raw(path)
    return None if raw is None else _parse(raw)


class ChangeWatch:
    """How long a file's content has stayed the same while this PC watched it, in this PC's elapsed time.

    Looks further apart than ``max_gap`` seconds are not watching (this PC slept, or the program was busy, or
    the file could not be read): the watch starts over rather than count time it did not see.
    """

    def __init__(self, max_gap: float, monotonic: Callable[[], float] = time.monotonic):
        self.max_gap = max_gap
        self.monotonic = monotonic
        self._content: bytes | None = None
        self._since = self._last = 0.0

    def unchanged_for(self, content: bytes) -> float:
        """Seconds ``content`` has been seen unchanged, this look included (0 at the first look)."""
        now = self.monotonic()
        if self._content is None or content != self._content or now - self._last > self.max_gap:
            self._content, self._since = content, now
        self._last = now
        return now - self._since

    def forget(self) -> None:
        self._content = None


def _write_new(path: Path, info: LockInfo) -> bool:
    """Create the lock file only if none exists: O_EXCL makes exactly one of two racing PCs win."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(info), f, ensure_ascii=False)
        f.flush()
        os.fsync(f.fileno())
    return True


def _overwrite(path: Path, info: LockInfo) -> None:
    """Replace the whole file at once, so a reader never sees half a heartbeat."""
    tmp = path.with_name(f"{path.name}.{socket.gethostname()}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(asdict(info), ensure_ascii=False), encoding="utf-8")
    for attempt in range(5):
        try:
            os.replace(tmp, path)
            return
        except PermissionError:  # Windows: a reader on another PC has the file open this instant
            time.sleep(0.05 * (attempt + 1))
    tmp.unlink(missing_ok=True)


def _process_gone(info: LockInfo, host: str) -> bool:
    """On this very PC a dead process's lock need not wait for the stale time (POSIX only)."""
    if info.host != host or info.pid <= 0 or sys.platform == "win32":
        return False
    try:
        os.kill(info.pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


class AppLock:
    """A lock this process holds; ``refresh()`` on a timer, ``release()`` on exit."""

    def __init__(self, path: Path, info: LockInfo, clock: Clock):
        self.path = path
        self.info = info
        self.clock = clock
        self.lost_to: LockInfo | None = None

    def refresh(self) -> bool:
        """Beat once; False (and ``lost_to`` set) when another PC has taken the lock over."""
        if self.lost_to is not None:
            return False
        current = _read(self.path)
        self.info = replace(self.info, heartbeat=self.clock.stamp(), beats=self.info.beats + 1)
        if current is None:
            # Deleted (by hand, or by a PC half-way through taking over): O_EXCL decides who has it now.
            if _write_new(self.path, self.info):
                return True
            current = _read(self.path)
        if current is None or not current.same_owner(self.info):
            self.lost_to = current or LockInfo.unknown()
            return False
        _overwrite(self.path, self.info)
        return True

    def release(self) -> None:
        """Remove the lock file, only if it is still ours."""
        current = _read(self.path)
        if current is not None and current.same_owner(self.info):
            self.path.unlink(missing_ok=True)


@dataclass
class LockResult:
    """``lock`` when we hold it; otherwise ``holder`` says who does.

    ``taken_over_from``: the lock we replaced — its process gone from this PC (``process_gone``), or silent for
    the stale time while we watched.
    """

    lock: AppLock | None
    holder: LockInfo | None = None
    taken_over_from: LockInfo | None = None
    process_gone: bool = False

    @property
    def acquired(self) -> bool:
        return self.lock is not None


def _user_names(user) -> tuple[str, str]:
    if isinstance(user, str):
        return user, ""
    return getattr(user, "username", ""), getattr(user, "display_name", "")


class LockClaim:
    """Taking the lock of one database, looked at again and again while the program runs.

    A free lock is taken at once, and so is one whose process is gone from this PC. Any other holder keeps it
    until its lock file has not changed for ``stale_seconds`` of this PC's own time while this claim watched:
    so the first look never takes a lock over, and a PC whose clock or file server is wrong cannot make a live
    holder look dead. ``host`` and ``monotonic`` let tests play a second PC and time passing.
    """

    def __init__(self, db_path: str | os.PathLike, user, *, clock: Clock, stale_seconds: float | None = None,
                 host: str | None = None, monotonic: Callable[[], float] = time.monotonic):
        self.path = lock_path_for(db_path)
        self.clock = clock
        self.stale_seconds = lock_rules().stale_seconds if stale_seconds is None else stale_seconds
        self.host = host or socket.gethostname()
        self.username, self.display_name = _user_names(user)
        self.holder: LockInfo | None = None  # the last holder seen
        self._lock_watch = ChangeWatch(self.stale_seconds / 2, monotonic)
        self._guard_watch = ChangeWatch(self.stale_seconds / 2, monotonic)

    def try_take(self) -> LockResult:
        """One look: the lock, or who holds it now."""
        current: LockInfo | None = None
        for _attempt in range(20):
            stamp = self.clock.stamp()
            mine = LockInfo(self.username, self.display_name, self.host, os.getpid(), stamp, stamp)
            if _write_new(self.path, mine):
                self._lock_watch.forget()
                return LockResult(AppLock(self.path, mine, self.clock))
            try:
                raw = _read_raw(self.path)
            except OSError:
                self._lock_watch.forget()  # not watching while we cannot read
                time.sleep(0.05)
                continue
            if raw is None:
                continue  # released between our two looks: try to create it again
            current = self.holder = _parse(raw)
            gone = _process_gone(current, self.host)
            if not gone and self._lock_watch.unchanged_for(raw) < self.stale_seconds:
                return LockResult(None, holder=current)
            taken = self._take_over(raw, current, mine, gone)
            if taken is not None:
                return taken
            time.sleep(0.05)  # it moved on while we took it over: look again
        return LockResult(None, holder=current or LockInfo.unknown())

    def _take_over(self, stale_raw: bytes, stale_info: LockInfo, mine: LockInfo, gone: bool) -> LockResult | None:
        """Replace a stale lock; a ``.takeover`` file (O_EXCL) lets only one PC do it.

        None: the lock changed after it was judged stale (look again). Held: another PC is taking it over.
        """
        guard = self.path.with_name(self.path.name + TAKEOVER_SUFFIX)
        try:
            fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            self._judge_guard(guard)
            return LockResult(None, holder=stale_info)
        self._guard_watch.forget()
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # Unique content: a guard made again after this one is seen as a change, not as the same old guard.
            f.write(f"{self.host} {os.getpid()} {uuid.uuid4().hex}")
        try:
            try:
                now_raw = _read_raw(self.path)
            except OSError:
                return None
            if now_raw is not None and now_raw != stale_raw:
                return None  # a heartbeat, or a new holder, while we looked
            self.path.unlink(missing_ok=True)
            who = f"{stale_info.who}（电脑 {stale_info.host}，最后更新 {short_time(stale_info.heartbeat)}）"
            mine = replace(mine, taken_over_from=who)
            if _write_new(self.path, mine):
                self._lock_watch.forget()
                return LockResult(AppLock(self.path, mine, self.clock), taken_over_from=stale_info,
                                  process_gone=gone)
            return None
        finally:
            guard.unlink(missing_ok=True)

    def _judge_guard(self, guard: Path) -> None:
        """A PC that died while taking over leaves its guard behind: remove it once it stayed the same too long."""
        try:
            content = guard.read_bytes()
        except OSError:  # finished meanwhile, or unreadable this instant
            self._guard_watch.forget()
            return
        if self._guard_watch.unchanged_for(content) >= self.stale_seconds:
            guard.unlink(missing_ok=True)
            self._guard_watch.forget()


class Holding:
    """The lock held by a program with no event loop (the command line) for as long as one job writes.

    A thread beats it every ``heartbeat_seconds`` (resources/rules/app_lock.json), so a window watching the lock
    never judges a long import stale and takes it over. ``Holding(None)``: nothing held, nothing to give back.
    ``release()`` stops the beat and removes the lock file if it is still ours; a second call does nothing.
    """

    def __init__(self, lock: AppLock | None, *, heartbeat_seconds: float | None = None):
        self.lock = lock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if lock is not None:
            interval = lock_rules().heartbeat_seconds if heartbeat_seconds is None else heartbeat_seconds
            self._thread = threading.Thread(target=self._beat, args=(interval,), name="aiddesk-lock-heartbeat",
                                            daemon=True)
            self._thread.start()

    def _beat(self, interval: float) -> None:
        while not self._stop.wait(interval):
            try:
                if not self.lock.refresh():
                    return  # taken over: a window judged us gone; nothing more to keep fresh
            except OSError:
                pass  # the share answered slowly this once: the next beat tries again

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self.lock is not None:
            self.lock.release()
            self.lock = None


def acquire(db_path: str | os.PathLike, user, *, clock: Clock, stale_seconds: float | None = None,
            host: str | None = None) -> LockResult:
    """One look by a program that cannot watch (the command line): free, or its process gone from this PC.

    A fresh lock of anyone (this PC and user too) means held. ``stale_seconds=0`` (tests) counts every other
    lock stale at the first look.
    """
    return LockClaim(db_path, user, clock=clock, stale_seconds=stale_seconds, host=host).try_take()


def live_holder(db_path: str | os.PathLike) -> LockInfo | None:
    """Who else has a lock on the database (another program, here or on another PC), or None; never raises.

    A command-line run lasts seconds and cannot watch a lock for the minutes it takes to go stale: every lock
    counts as live except one whose process is gone from this PC (or this very process's).
    """
    try:
        raw = _read_raw(lock_path_for(db_path))
    except OSError:
        return None  # only ever used to warn or refuse politely: an unreadable lock is nobody's
    if raw is None:
        return None
    info = _parse(raw)
    host = socket.gethostname()
    if _process_gone(info, host) or (info.host == host and info.pid == os.getpid()):
        return None
    return info


def in_use_warning(db_path: str | os.PathLike, today: date | None = None) -> str | None:
    """For commands that write without taking the lock: a Chinese warning while another program holds it."""
    info = live_holder(db_path)
    return None if info is None else warning_for(info, today)


def warning_for(holder: LockInfo, today: date | None = None) -> str:
    return (f"警告：数据库正由 {holder.describe(today)}在工作台中使用。同时修改可能互相干扰，"
            "建议等对方关闭程序后再执行本命令。")
