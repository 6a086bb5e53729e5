"""The application lock in the GUI: ask when another PC has the database, keep the heartbeat, fall back to read-only."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QToolBar, QWidget

from ..core.errors import UserError
from ..db import Database, open_database
from ..db import app_lock
from ..db.app_lock import AppLock, LockInfo
from . import messages

READ_ONLY_MARK = "（只读）"


def ask_read_only(parent: QWidget | None, holder: LockInfo) -> bool:
    """只读打开 (True) or 退出 (False); 退出 is the safe default."""
    text = f"数据库正由 {holder.describe()}使用。可以只读方式打开查看，不能修改。"
    box = QMessageBox(QMessageBox.Warning, "数据库正在使用", text, QMessageBox.NoButton, parent)
    read_only = box.addButton("只读打开", QMessageBox.AcceptRole)
    leave = box.addButton("退出", QMessageBox.RejectRole)
    box.setDefaultButton(leave)
    box.exec()
    return box.clickedButton() is read_only


def _stale_text(old: LockInfo) -> str:
    return (f"数据库上次由 {old.who}（电脑 {old.host}）使用，锁自 {app_lock.short_time(old.heartbeat)} 起没有更新，"
            "对方可能已异常退出。本机已接管，可以正常修改。请确认对方电脑上的工作台确实已关闭。")


def start(db: Database, user, parent: QWidget | None = None, *,
          stale_seconds: float | None = None) -> tuple[Database, AppLock | None] | None:
    """After login: (database, our lock), or (read-only database, None); None when the user chose 退出."""
    try:
        result = app_lock.acquire(db.path, user, stale_seconds=stale_seconds)
    except UserError as err:
        messages.error(parent, err.message, "无法打开数据库")
        db.close()
        return None
    except OSError as err:  # e.g. no right to create files in the shared folder
        holder_text = f"无法在数据库旁建立锁文件：{err.strerror or err}"
        messages.error(parent, f"{holder_text}。将以只读方式打开，不能修改。", "只读打开")
        return _reopen_read_only(db, holder_text), None
    if result.acquired:
        if result.taken_over_from is not None:
            messages.info(parent, _stale_text(result.taken_over_from), "已接管数据库")
        return db, result.lock
    if not ask_read_only(parent, result.holder):
        db.close()
        return None
    return _reopen_read_only(db, f"{result.holder.describe()}正在使用"), None


def _reopen_read_only(db: Database, reason: str) -> Database:
    """The same file through a mode=ro connection, so SQLite itself refuses any write."""
    path = db.path
    db.close()
    try:
        return open_database(path, read_only=True, read_only_reason=reason)
    except UserError:
        # e.g. a database that needs an upgrade: the flag alone still refuses every change.
        fallback = open_database(path)
        fallback.set_read_only(reason)
        return fallback


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


class LockKeeper(QObject):
    """Heartbeat on a timer while the window lives; if another PC took over, switch to read-only and say so."""

    def __init__(self, window: QMainWindow, lock: AppLock | None, interval_seconds: float | None = None):
        super().__init__(window)
        self.window = window
        self.lock = lock
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.beat)
        if lock is not None:
            seconds = app_lock.lock_rules().heartbeat_seconds if interval_seconds is None else interval_seconds
            self.timer.start(int(seconds * 1000))

    def beat(self) -> None:
        if self.lock is None:
            return
        try:
            still_ours = self.lock.refresh()
        except OSError:
            return  # the shared drive is away for a moment: try again on the next beat
        if still_ours:
            return
        self.timer.stop()
        other = self.lock.lost_to
        self.lock = None
        if self.window is None:
            return  # between two windows (the login after a restore): the next session asks 只读打开/退出
        known = other is not None and other.host != app_lock.UNKNOWN_HOST
        reason = f"{other.describe()}已接管" if known else "修改锁已被另一台电脑接管"
        self.window.db.set_read_only(reason)
        show_read_only(self.window, reason)
        messages.error(self.window, f"数据库的修改锁已被接管（{reason}），本机已切换为只读：可以查看，不能保存修改。"
                                    "请重新打开程序前先与对方确认。", "已切换为只读")

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
            self.lock.info = replace(self.lock.info, username=user.username, display_name=user.display_name)
            self.beat()  # write the new name now, not half a minute later

    def stop(self) -> None:
        """On exit: stop the heartbeat and give the lock back."""
        self.timer.stop()
        if self.lock is not None:
            try:
                self.lock.release()
            except OSError:
                pass  # it goes stale on its own
            self.lock = None


def watch(window: QMainWindow, lock: AppLock | None) -> LockKeeper:
    """Show the read-only state if the window's database is read-only, and keep our lock alive."""
    if window.db.read_only:
        show_read_only(window, window.db.read_only_reason)
    keeper = LockKeeper(window, lock)
    window.lock_keeper = keeper
    return keeper
