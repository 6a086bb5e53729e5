"""The application lock: a small JSON file beside the database saying which PC and user may change it."""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from pathlib import Path

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


def _now() -> datetime:
    # Aware local time: shown to people as their clock says, compared correctly across time zones.
    return datetime.now().astimezone().replace(microsecond=0)


@dataclass(frozen=True)
class LockInfo:
    """What a lock file says: who, where, since when, last sign of life."""

    username: str
    display_name: str
    host: str
    pid: int
    started: str
    heartbeat: str
    taken_over_from: str = ""

    @property
    def who(self) -> str:
        return self.display_name or self.username or "未知用户"

    def same_owner(self, other: "LockInfo") -> bool:
        return (self.host, self.pid, self.started) == (other.host, other.pid, other.started)

    def describe(self) -> str:
        """张三（电脑 PC-01，自 10:02 起）"""
        return f"{self.who}（电脑 {self.host}，自 {short_time(self.started)} 起）"

    def age_seconds(self, now: datetime | None = None) -> float:
        return ((now or _now()) - datetime.fromisoformat(self.heartbeat)).total_seconds()

    @classmethod
    def unknown(cls, moment: str) -> "LockInfo":
        """A holder we cannot name (a lock file half-written, or gone before we looked), last seen at ``moment``."""
        return cls("", "", UNKNOWN_HOST, 0, moment, moment)


def short_time(iso: str) -> str:
    """10:02 today, 11月25日 10:02 on an earlier day: enough for a person to judge."""
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    if moment.date() == _now().date():
        return moment.strftime("%H:%M")
    return f"{moment.month}月{moment.day}日 {moment.strftime('%H:%M')}"


def _read(path: Path) -> LockInfo | None:
    """The lock file's content; None when there is no file. A half-written file reads as an unknown holder.

    Any other OSError (Windows: the file is being replaced this instant) is raised: the caller looks again
    later, never concluding from a failed read that the lock changed hands.
    """
    try:
        text = path.read_text(encoding="utf-8")
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    try:
        raw = json.loads(text)
        return LockInfo(**{k: raw[k] for k in ("username", "display_name", "host", "pid", "started", "heartbeat")},
                        taken_over_from=raw.get("taken_over_from", ""))
    except (ValueError, KeyError, TypeError):
        # Being written by another PC right now (we create, then write): judge it by the file's time.
        return LockInfo.unknown(datetime.fromtimestamp(mtime).astimezone().replace(microsecond=0).isoformat())


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


def _alive(info: LockInfo, stale: float, host: str) -> bool:
    """The holder gave a sign of life within ``stale`` seconds and, on this PC, its process still runs."""
    return info.age_seconds() < stale and not _process_gone(info, host)


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

    def __init__(self, path: Path, info: LockInfo):
        self.path = path
        self.info = info
        self.lost_to: LockInfo | None = None

    def refresh(self) -> bool:
        """Update the heartbeat; False (and ``lost_to`` set) when another PC has taken the lock over."""
        if self.lost_to is not None:
            return False
        current = _read(self.path)
        self.info = replace(self.info, heartbeat=_now().isoformat())
        if current is None:
            # Deleted (by hand, or by a PC half-way through taking over): O_EXCL decides who has it now.
            if _write_new(self.path, self.info):
                return True
            current = _read(self.path)
        if current is None or not current.same_owner(self.info):
            self.lost_to = current or LockInfo.unknown(self.info.heartbeat)
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
    """``lock`` when we hold it; otherwise ``holder`` says who does. ``taken_over_from``: the stale lock we replaced."""

    lock: AppLock | None
    holder: LockInfo | None = None
    taken_over_from: LockInfo | None = None

    @property
    def acquired(self) -> bool:
        return self.lock is not None


def _user_names(user) -> tuple[str, str]:
    if isinstance(user, str):
        return user, ""
    return getattr(user, "username", ""), getattr(user, "display_name", "")


def acquire(db_path: str | os.PathLike, user, *, stale_seconds: float | None = None,
            host: str | None = None) -> LockResult:
    """Take the lock for ``db_path``; a fresh lock of anyone (this PC and user too) means held.

    ``stale_seconds`` and ``host`` exist for tests that play a second PC with a tiny stale time.
    """
    path = lock_path_for(db_path)
    stale = lock_rules().stale_seconds if stale_seconds is None else stale_seconds
    host = host or socket.gethostname()
    username, display_name = _user_names(user)
    for _attempt in range(20):
        stamp = _now().isoformat()
        mine = LockInfo(username, display_name, host, os.getpid(), stamp, stamp)
        if _write_new(path, mine):
            return LockResult(AppLock(path, mine))
        try:
            current = _read(path)
        except OSError:
            time.sleep(0.05)
            continue
        if current is None:
            continue  # released between our two looks: try to create it again
        if _alive(current, stale, host):
            return LockResult(None, holder=current)
        taken = _take_over(path, current, mine, stale)
        if taken is not None:
            return taken
        time.sleep(0.05)  # another PC is taking over the same stale lock: look again
    try:
        current = _read(path)
    except OSError:
        current = None
    return LockResult(None, holder=current or LockInfo.unknown(_now().isoformat()))


def _take_over(path: Path, stale_info: LockInfo, mine: LockInfo, stale: float) -> LockResult | None:
    """Replace a stale lock. A ``.takeover`` file (O_EXCL) lets only one PC do it; None: someone else is."""
    guard = path.with_name(path.name + TAKEOVER_SUFFIX)
    try:
        fd = os.open(guard, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        try:  # a PC that died while taking over leaves the guard behind
            if time.time() - guard.stat().st_mtime > stale:
                guard.unlink(missing_ok=True)
        except OSError:
            pass
        return None
    os.close(fd)
    try:
        try:
            current = _read(path)
        except OSError:
            return None
        if current is not None and current != stale_info:
            return None  # it moved on (a heartbeat, or a new holder) while we looked: judge again
        path.unlink(missing_ok=True)
        who = f"{stale_info.who}（电脑 {stale_info.host}，最后更新 {short_time(stale_info.heartbeat)}）"
        mine = replace(mine, taken_over_from=who)
        if _write_new(path, mine):
            return LockResult(AppLock(path, mine), taken_over_from=stale_info)
        return None
    finally:
        guard.unlink(missing_ok=True)


def live_holder(db_path: str | os.PathLike) -> LockInfo | None:
    """Who else holds the lock fresh (another program, here or on another PC), or None; never raises."""
    try:
        info = _read(lock_path_for(db_path))
        stale = lock_rules().stale_seconds
    except (OSError, UserError):
        return None  # only ever used to warn or refuse politely: an unreadable lock is nobody's
    host = socket.gethostname()
    if info is None or not _alive(info, stale, host) or (info.host == host and info.pid == os.getpid()):
        return None
    return info


def in_use_warning(db_path: str | os.PathLike) -> str | None:
    """For commands that write without taking the lock: a Chinese warning while another program holds it fresh."""
    info = live_holder(db_path)
    return None if info is None else warning_for(info)


def warning_for(holder: LockInfo) -> str:
    return (f"警告：数据库正由 {holder.describe()}在工作台中使用。同时修改可能互相干扰，"
            "建议等对方关闭程序后再执行本命令。")
