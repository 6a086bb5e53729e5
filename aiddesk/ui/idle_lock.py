"""Locks the main window after a spell without input: content hidden until the user's password is entered again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import (QApplication, QDialog, QDialogButtonBox, QLabel, QLineEdit, QMainWindow,
                               QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..db import Database
from ..services import accounts
from .forms import error_label, show_error

# What counts as the user being there: pressing keys or buttons, scrolling, moving the mouse.
INPUT_EVENTS = frozenset({QEvent.KeyPress, QEvent.MouseButtonPress, QEvent.MouseButtonDblClick, QEvent.Wheel,
                          QEvent.MouseMove, QEvent.TouchBegin})


class UnlockDialog(QDialog):
    """Asks the locked session's user for their password (the login's own check, lockout included)."""

    def __init__(self, *, db: Database, username: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.db = db
        self.username = username
        self.setWindowTitle("已锁定 — 工会帮扶工作台")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(f"长时间没有操作，窗口已锁定以保护困难职工的个人信息。\n请输入“{username}”的密码继续工作。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText("密码")
        layout.addWidget(self.password)
        self.error = error_label()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.unlock_button = buttons.addButton("解锁", QDialogButtonBox.AcceptRole)
        self.quit_button = buttons.addButton("退出程序", QDialogButtonBox.RejectRole)
        buttons.accepted.connect(self.try_unlock)
        buttons.rejected.connect(self.reject)
        self.password.returnPressed.connect(self.try_unlock)
        layout.addWidget(buttons)

    def try_unlock(self) -> bool:
        try:
            accounts.login(self.db, self.username, self.password.text())
        except UserError as err:
            self.password.clear()
            show_error(self.error, err)
            return False
        self.accept()
        return True

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape:  # Esc must not close the lock and reveal the window
            return
        super().keyPressEvent(event)


class IdleLock(QObject):
    """App-wide event filter: input restarts the countdown; when it runs out the window locks."""

    def __init__(self, window: QMainWindow, *, db: Database, username: str, idle_ms: int | None = None):
        super().__init__(window)
        self.window = window
        self.db = db
        self.username = username
        self.dialog: UnlockDialog | None = None
        self.covers: list[QWidget] = []  # blank panels over other open windows while locked
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(idle_ms if idle_ms is not None else accounts.idle_lock_minutes(db) * 60_000)
        self.timer.timeout.connect(self.lock)
        QApplication.instance().installEventFilter(self)
        self.timer.start()

    @property
    def locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Input while locked is the dialog's own typing: it must not restart the countdown.
        if not self.locked and event.type() in INPUT_EVENTS:
            self.timer.start()
        return False

    def lock(self) -> None:
        if self.locked or not self.window.isVisible():
            return
        content = self.window.centralWidget()
        if content is not None:
            content.hide()
        self._cover_other_windows()
        self.dialog = UnlockDialog(db=self.db, username=self.username, parent=self.window)
        self.dialog.accepted.connect(self._unlocked)
        self.dialog.rejected.connect(self.window.close)
        self.dialog.open()  # window-modal without a nested event loop
        self.dialog.password.setFocus()

    def _cover_other_windows(self) -> None:
        """Blank out other open windows (an archive form, a batch…) without closing them: unsaved input survives."""
        for top in QApplication.topLevelWidgets():
            if top is self.window or not top.isVisible():
                continue
            cover = QLabel("已锁定", top)
            cover.setAlignment(Qt.AlignCenter)
            cover.setAutoFillBackground(True)
            cover.setGeometry(top.rect())
            cover.show()
            cover.raise_()
            self.covers.append(cover)

    def _unlocked(self) -> None:
        content = self.window.centralWidget()
        if content is not None:
            content.show()
        for cover in self.covers:
            try:
                cover.deleteLater()
            except RuntimeError:  # its window was closed meanwhile and took the cover with it
                pass
        self.covers = []
        self.dialog.deleteLater()
        self.dialog = None
        self.timer.start()

    def stop(self) -> None:
        """Stop watching (the window is closing)."""
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
