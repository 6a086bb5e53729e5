"""The application lock in the GUI: ask when another PC has the database, keep the heartbeat, fall back to read-only.

A read-only session keeps watching the holder's lock file: when the holder closes the program (the file goes)
or its lock stays unchanged for the stale time (a PC that crashed or lost the network), this PC takes the lock
and the same window becomes writable, with a message saying so. The clerk who opened read-only only because a
colleague had the database expects to be able to work once the colleague has gone, without restarting.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, replace
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QToolBar, QWidget

from ..core.errors import UserError
from ..db import Database, open_database
from ..db import app_lock
from ..db.app_lock import AppLock, LockClaim, LockInfo
from . import messages

log = logging.getLogger(__name__)

READ_ONLY_MARK = "（只读）"


def _span(seconds: float) -> str:
    """3分钟, 90秒: the stale time as the messages say it."""
    if seconds >= 60:
        return f"{seconds / 60:g}分钟"
    return f"{seconds:g}秒"


def ask_read_only(parent: QWidget | None, holder: LockInfo, *, stale_seconds: float, today=None) -> bool:
    """只读打开 (True) or 退出 (False); 退出 is the safe default."""
    text = (f"数据库正由 {holder.describe(today)}使用。可以只读方式打开查看，不能修改。\n"
            f"对方关闭程序后，本机会自动切换为可以修改；对方电脑如已死机或断网，约{_span(stale_seconds)}后切换。")
    box = QMessageBox(QMessageBox.Warning, "数据库正在使用", text, QMessageBox.NoButton, parent)
    read_only = box.addButton("只读打开", QMessageBox.AcceptRole)
    leave = box.addButton("退出", QMessageBox.RejectRole)
    box.setDefaultButton(leave)
    box.exec()
    return box.clickedButton() is read_only


def taken_over_text(result: app_lock.LockResult, stale_seconds: float) -> str:
    """Why we could take another's lock: its program is gone from this PC, or its lock stayed silent."""
    old = result.taken_over_from
    if result.process_gone:
        return (f"数据库上次由 {old.who} 在本机使用，那个工作台已不在运行（可能已异常退出）。"
                "本机已接管，可以正常修改。")
    return (f"数据库上次由 {old.who}（电脑 {old.host}）使用，它的锁文件已有{_span(stale_seconds)}没有更新，"
            "对方可能已异常退出或断网。本机已接管，可以正常修改。请确认对方电脑上的工作台确实已关闭。")


@dataclass
class Opened:
    """The session's database after the lock was asked for.

    ``lock``: ours, the database may be changed. ``claim``: read-only because another PC has it, watching for
    the lock to come free.
    """

    db: Database
    lock: AppLock | None = None
    claim: LockClaim | None = None


def start(db: Database, user, parent: QWidget | None = None, *, stale_seconds: float | None = None,
          monotonic: Callable[[], float] = time.monotonic) -> Opened | None:
    """After login: the database with our lock, or read-only and watching; None when the user chose 退出.

    ``stale_seconds`` and ``monotonic`` exist for tests that play a second PC and time passing.
    """
    try:
        claim = LockClaim(db.path, user, clock=db.clock, stale_seconds=stale_seconds, monotonic=monotonic)
        result = claim.try_take()
    except UserError as err:
        messages.error(parent, err.message, "无法打开数据库")
        db.close()
        return None
    except OSError as err:  # e.g. no right to create files in the shared folder
        holder_text = f"无法在数据库旁建立锁文件：{err.strerror or err}"
        messages.error(parent, f"{holder_text}。将以只读方式打开，不能修改。", "只读打开")
        return Opened(_reopen_read_only(db, holder_text))
    if result.acquired:
        if result.taken_over_from is not None:
            messages.info(parent, taken_over_text(result, claim.stale_seconds), "已接管数据库")
        return Opened(db, lock=result.lock)
    today = db.clock.today()
    if not ask_read_only(parent, result.holder, stale_seconds=claim.stale_seconds, today=today):
        db.close()
        return None
    return Opened(_reopen_read_only(db, f"{result.holder.describe(today)}正在使用"), claim=claim)


def _reopen_read_only(db: Database, reason: str) -> Database:
    """The same file through a mode=ro connection, so SQLite itself refuses any write; the session's clock goes on."""
    path, clock = db.path, db.clock
    db.close()
    try:
        return open_database(path, read_only=True, read_only_reason=reason, clock=clock)
    except UserError:
        # e.g. a database that needs an upgrade: the flag alone still refuses every change.
        fallback = open_database(path, clock=clock)
        fallback.set_read_only(reason)
        return fallback


def _make_writable(db: Database) -> None:
    """The read-only session's Database object on a connection that may write, in place: every page of the
    window holds this object, and from now on its transactions are allowed."""
    fresh = open_database(db.path, clock=db.clock)
    old = db.conn
    db.conn = fresh.conn
    db.read_only = False
    db.read_only_reason = ""
    old.close()


def show_read_only(window: QMainWindow, reason: str) -> None:
    """Say it where the user looks: the title and a banner above the work area."""
    if READ_ONLY_MARK not in window.windowTitle():
        window.setWindowTitle(window.windowTitle() + READ_ONLY_MARK)
    text = f"只读：{reason}。可以查看，不能保存修改。"
    banner = getattr(window, "read_only_banner", None)
    if banner is None:
        bar = QToolBar("只读提示", window)
        bar.setObjectName("read_only_banner")
        bar.setMovable(False)
        label = QLabel(text)
        label.setObjectName("read_only_label")
        label.setStyleSheet("background:#fff3cd;color:#664d03;padding:4px 8px;font-weight:bold;")
        bar.addWidget(label)
        window.addToolBarBreak(Qt.TopToolBarArea)
        window.addToolBar(Qt.TopToolBarArea, bar)
        bar.show()  # a toolbar added to a window already on screen stays hidden otherwise
        window.read_only_banner = bar
        window.read_only_label = label
    else:
        window.read_only_label.setText(text)
        banner.show()


def show_writable(window: QMainWindow) -> None:
    """Take the read-only title mark and banner away (the banner is hidden, to be shown again if need be)."""
    window.setWindowTitle(window.windowTitle().replace(READ_ONLY_MARK, ""))
    banner = getattr(window, "read_only_banner", None)
    if banner is not None:
        banner.hide()


class LockKeeper(QObject):
    """On a timer while the window lives: the heartbeat of our lock, or a look at another PC's.

    If another PC takes our lock over, the window switches to read-only and says so; while read-only because of
    another PC, the window becomes writable as soon as its lock is ours.
    """

    def __init__(self, window: QMainWindow, lock: AppLock | None, interval_seconds: float | None = None,
                 claim: LockClaim | None = None):
        super().__init__(window)
        self.window = window
        self.lock = lock
        self.claim = claim if lock is None else None
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.beat)
        if lock is not None or self.claim is not None:
            seconds = app_lock.lock_rules().heartbeat_seconds if interval_seconds is None else interval_seconds
            self.timer.start(int(seconds * 1000))

    def beat(self) -> None:
        if self.lock is None:
            if self.claim is not None:
                self._look()
            return
        try:
            still_ours = self.lock.refresh()
        except OSError:
            return  # the shared drive is away for a moment: try again on the next beat
        if still_ours:
            return
        other = self.lock.lost_to
        lost = self.lock
        self.lock = None
        if self.window is None:
            self.timer.stop()
            return  # between two windows (the login after a restore): the next session asks 只读打开/退出
        known = other is not None and other.host != app_lock.UNKNOWN_HOST
        db = self.window.db
        reason = f"{other.describe(db.clock.today())}已接管" if known else "修改锁已被另一台电脑接管"
        db.set_read_only(reason)
        show_read_only(self.window, reason)
        # Keep watching: when the other PC is done, this window may change the database again.
        try:
            self.claim = LockClaim(db.path, lost.info, clock=db.clock)
        except UserError:  # the rules file went bad meanwhile: stay read-only
            self.timer.stop()
        messages.error(self.window, f"数据库的修改锁已被接管（{reason}），本机已切换为只读：可以查看，不能保存修改。"
                                    "对方关闭程序后，本机会自动切换回可以修改。", "已切换为只读")

    def _look(self) -> None:
        """Read-only because of another PC: take the lock once it is free or has gone stale."""
        if self.window is None:
            return
        last_holder = self.claim.holder
        try:
            result = self.claim.try_take()
        except (OSError, UserError):
            return  # the shared drive is away for a moment: look again next time
        if not result.acquired:
            return
        db = self.window.db
        try:
            _make_writable(db)
        except UserError as err:  # e.g. the file is locked by SQLite this instant: give the lock back, look again
            log.warning("could not reopen %s for writing: %s", db.path, err.message)
            result.lock.release()
            return
        stale_seconds = self.claim.stale_seconds
        self.lock, self.claim = result.lock, None
        show_writable(self.window)
        if result.taken_over_from is not None:
            text = taken_over_text(result, stale_seconds)
        else:
            who = f"{last_holder.who}（电脑 {last_holder.host}）" if last_holder is not None else "另一台电脑"
            text = f"{who}已关闭工作台。本机现在可以修改数据库，不再是只读。"
        messages.info(self.window, text, "现在可以修改")

    def detach(self) -> None:
        """The window is gone but the session goes on (the login after a restore): keep the heartbeat, so no
        other PC takes the lock as stale while the restored database waits for its first login."""
        self.setParent(None)
        self.window = None

    def hand_over(self, window: QMainWindow, user) -> None:
        """The same lock for the next window; the lock file names the user who logged in this time."""
        self.setParent(window)
        self.window = window
        window.lock_keeper = self
        if self.lock is not None:
            self.lock.clock = window.db.clock  # a date confirmed at this login stamps the lock file too
            self.lock.info = replace(self.lock.info, username=user.username, display_name=user.display_name)
            self.beat()  # write the new name now, not half a minute later

    def stop(self) -> None:
        """On exit: stop the heartbeat (or the watching) and give the lock back."""
        self.timer.stop()
        self.claim = None
        if self.lock is not None:
            try:
                self.lock.release()
            except OSError:
                pass  # it goes stale on its own
            self.lock = None


def watch(window: QMainWindow, lock: AppLock | None, claim: LockClaim | None = None) -> LockKeeper:
    """Show the read-only state if the window's database is read-only, keep our lock alive or watch another's."""
    if window.db.read_only:
        show_read_only(window, window.db.read_only_reason)
    keeper = LockKeeper(window, lock, claim=claim)
    window.lock_keeper = keeper
    return keeper
