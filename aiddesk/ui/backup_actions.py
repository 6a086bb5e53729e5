"""Backups in the window, all off the GUI thread: 立即备份, the daily and exit backups, restoring, the settings."""

from __future__ import annotations

import logging
import threading
from typing import Any, Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit,
                               QProgressBar, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..services import backups
from . import messages
from .forms import error_label, field_with_button, ok_cancel, show_error
from .worker import describe_error, with_own_connection

log = logging.getLogger(__name__)

BUSY_DELAY_MS = 300          # a small database is backed up before a dialog could be read: no flash
EXIT_FAILURE_SECONDS = 4.0   # how long a failed exit backup is shown before the program closes anyway
EXIT_PATIENCE_SECONDS = 20.0  # then the exit dialog offers to quit without waiting (a shared drive that hangs)
STATUS_SECONDS = 30          # how long “已自动备份到 …” stays in the status bar


class BusyDialog(QDialog):
    """A small window-modal “please wait” with no 取消: a backup or a restore cannot be stopped half-way safely.

    make_backup copies the database (SQLite's backup API) and writes the zip in one call with no point to stop
    at, and a restore replaces several files one after another; stopping either half-way could leave a stray
    file or a half-replaced database. So Esc and the close button do nothing until ``finish``.
    """

    def __init__(self, parent: QWidget, title: str, text: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setWindowModality(Qt.WindowModal)
        self.setWindowFlag(Qt.WindowCloseButtonHint, False)
        self.setWindowFlag(Qt.WindowContextHelpButtonHint, False)
        self.setMinimumWidth(420)
        self.label = QLabel(text)
        self.label.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # no measure of how far a backup is: a moving bar says the program is alive
        self.bar.setTextVisible(False)
        self.buttons = QDialogButtonBox()
        self.buttons.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.buttons)
        self._closable = False

    def offer(self, text: str, action: Callable[[], None]) -> QPushButton:
        """A button (e.g. 直接退出) for when waiting is no longer worth it; it replaces any earlier one."""
        self.buttons.clear()
        button = self.buttons.addButton(text, QDialogButtonBox.AcceptRole)
        button.clicked.connect(lambda checked=False: action())
        self.buttons.show()
        self._fit()
        return button

    def say(self, text: str, *, working: bool = False) -> None:
        """Replace the text; unless still ``working`` the moving bar goes, since nothing is being done any more."""
        self.label.setText(text)
        self.bar.setVisible(working)
        self._fit()

    def _fit(self) -> None:
        # A wrapped label's height depends on the width: adjustSize() alone leaves a longer text cut off.
        self.layout().activate()
        height = self.layout().totalHeightForWidth(self.width())
        self.resize(self.width(), max(height, self.minimumSizeHint().height()))

    def finish(self) -> None:
        self._closable = True
        self.close()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and not self._closable:
            return
        super().keyPressEvent(event)

    def closeEvent(self, event) -> None:
        if not self._closable:
            event.ignore()
            return
        super().closeEvent(event)


def _jobs(window) -> set:
    jobs = getattr(window, "backup_jobs", None)
    if jobs is None:
        jobs = window.backup_jobs = set()
    return jobs


def busy(window) -> bool:
    """Whether a backup or restore of this window is still running on a worker thread."""
    return any(job.running for job in _jobs(window))


class BackgroundJob(QObject):
    """``job()`` on a worker thread; ``on_done(result)``/``on_error(err)`` then run on the GUI thread.

    A daemon thread rather than a QThread: if a shared drive hangs, the user can still quit (a QThread still
    running when the program ends aborts it), and the abandoned backup leaves only a temporary folder behind.
    """

    _finished = Signal(object, object)  # result, error — emitted on the worker thread, received on ours (queued)

    def __init__(self, window, job: Callable[[], Any], *, on_done: Callable[[Any], None],
                 on_error: Callable[[BaseException], None], dialog: BusyDialog | None = None,
                 delay_ms: int = BUSY_DELAY_MS, what: str = "备份"):
        super().__init__(window)
        self.window = window
        self._job, self._on_done, self._on_error = job, on_done, on_error
        self.dialog, self.delay_ms, self.what = dialog, delay_ms, what
        self.running = False
        self.ran_on: int | None = None  # the worker thread's ident, for tests and logs
        self._finished.connect(self._finish)

    def start(self) -> "BackgroundJob":
        self.running = True
        _jobs(self.window).add(self)
        if self.dialog is not None:
            QTimer.singleShot(self.delay_ms, self, self._show_dialog)
        threading.Thread(target=self._run, name=f"aiddesk-{self.what}", daemon=True).start()
        return self

    def _show_dialog(self) -> None:
        if self.running and self.dialog is not None:
            self.dialog.show()

    def _run(self) -> None:
        self.ran_on = threading.get_ident()
        try:
            result, err = self._job(), None
        except BaseException as exc:  # handed to the GUI thread, shown there
            result, err = None, exc
        try:
            self._finished.emit(result, err)
        except RuntimeError:
            pass  # the window is gone (the user quit without waiting): nobody is left to tell

    @Slot(object, object)
    def _finish(self, result: Any, err: BaseException | None) -> None:
        self.running = False
        _jobs(self.window).discard(self)
        if self.dialog is not None:
            self.dialog.finish()
        if err is None:
            self._on_done(result)
            return
        if isinstance(err, UserError):
            log.warning("%s failed: %s", self.what, err.message)
        else:
            log.error("%s failed", self.what, exc_info=(type(err), err, err.__traceback__))
        self._on_error(err)


# ---- 立即备份 -------------------------------------------------------------------------------


def backup_now(window) -> BackgroundJob | None:
    """Make a manual backup on a worker thread, then say where it went (and whether the second folder failed)."""
    if busy(window):
        messages.info(window, "正在备份，请等这次备份完成后再试。")
        return None
    action = getattr(window, "backup_action", None)

    def settle() -> None:
        if action is not None:
            action.setEnabled(True)

    def done(result: backups.BackupResult) -> None:
        settle()
        messages.info(window, result.message, "备份完成")

    def failed(err: BaseException) -> None:
        settle()
        messages.error(window, describe_error(err), "备份失败")

    if action is not None:
        action.setEnabled(False)  # one backup at a time
    actor = window.actor
    job = with_own_connection(window.db, lambda worker_db: backups.backup_now(worker_db, actor, "手动"))
    dialog = BusyDialog(window, "立即备份", "正在备份数据库和附件，请稍候…")
    return BackgroundJob(window, job, on_done=done, on_error=failed, dialog=dialog, what="手动备份").start()


# ---- the daily backup, after the window shows -------------------------------------------------


def start_daily_backup(window) -> BackgroundJob | None:
    """The day's first backup, once the window is up: a line in the status bar, never a dialog in the way."""
    try:
        if not backups.backup_due(window.db):
            return None
    except OSError as err:  # the folder beside the database cannot even be listed: say so, go on working
        window.statusBar().showMessage(f"自动备份没有完成：{describe_error(err)}")
        return None
    bar = window.statusBar()
    bar.showMessage("正在自动备份…")

    def done(result: backups.BackupResult | None) -> None:
        if result is None:  # another start of the program made today's backup meanwhile
            bar.clearMessage()
            return
        when = window.db.clock.now().strftime("%H:%M")
        text = f"{when} 已自动备份到 {result.archive.parent}"
        for warning in result.warnings:
            log.warning("每日: %s", warning)
        if result.warnings:
            # The service's full sentence is too long for a status bar; the settings dialog says the rest.
            bar.showMessage(text + "。注意：第二备份位置无法写入，请检查U盘或共享盘（文件 → 备份设置）")
        else:
            bar.showMessage(text, STATUS_SECONDS * 1000)

    def failed(err: BaseException) -> None:
        bar.showMessage(f"自动备份没有完成：{describe_error(err)}")  # stays until the next message
        if isinstance(err, backups.DamagedDatabaseError):
            # Not a full disk to fix later: every record entered from now on may be lost. Said where it is seen.
            messages.error(window, describe_error(err), "数据库已损坏")

    job = with_own_connection(window.db, backups.backup_if_due)
    return BackgroundJob(window, job, on_done=done, on_error=failed, what="每日备份").start()


# ---- the exit backup ---------------------------------------------------------------------------


class ExitBackup(QObject):
    """Closing the window first makes the exit backup on a worker thread behind a small modal dialog.

    The window stays on screen meanwhile (no vanished window with a busy process), then closes by itself.
    A failure is logged and shown for a few seconds; it never keeps the program open.
    """

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.state = "idle"  # idle → waiting (for another backup) → running → done
        self.dialog: BusyDialog | None = None
        self.job: BackgroundJob | None = None
        self.error: BaseException | None = None
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self.window or event.type() != QEvent.Close or self.state == "done":
            return False
        if getattr(self.window, "relogin", False) or self.window.db.read_only:
            # After a restore the database is closed (or replaced: backing it up would add nothing); a read-only
            # session leaves the automatic backups to the PC that holds the lock.
            self.state = "done"
            return False
        event.ignore()
        if self.state == "idle":
            self._begin()
        return True

    def _begin(self) -> None:
        self.state = "waiting"
        self.dialog = BusyDialog(self.window, "正在退出", "正在备份，请稍候…\n备份完成后程序自动关闭。")
        self.dialog.show()
        QTimer.singleShot(int(EXIT_PATIENCE_SECONDS * 1000), self, self._offer_quit)
        self._start_when_free()

    def _start_when_free(self) -> None:
        if self.state != "waiting":
            return
        if busy(self.window):  # the daily or a manual backup is still being written: one at a time
            QTimer.singleShot(100, self, self._start_when_free)
            return
        self.state = "running"
        job = with_own_connection(self.window.db, backups.backup_on_exit)
        self.job = BackgroundJob(self.window, job, on_done=self._done, on_error=self._failed,
                                 what="退出备份").start()

    def _done(self, result: backups.BackupResult | None) -> None:
        for warning in (result.warnings if result is not None else []):
            log.warning("退出: %s", warning)
        self._close()

    def _failed(self, err: BaseException) -> None:
        self.error = err
        if self.state == "done":
            return
        if isinstance(err, backups.DamagedDatabaseError):
            self.dialog.say(f"退出前没有备份：{describe_error(err)}\n\n程序仍将关闭。")
        else:
            self.dialog.say(f"退出前的备份没有完成：{describe_error(err)}\n\n数据没有受影响，程序仍将关闭。"
                            "下次打开程序时会再自动备份。")
        self.dialog.offer("关闭", self._close)
        QTimer.singleShot(int(EXIT_FAILURE_SECONDS * 1000), self, self._close)

    def _offer_quit(self) -> None:
        if self.state in ("waiting", "running") and self.error is None:
            self.dialog.say("备份比平时慢（可能是网络盘或U盘响应慢），仍在进行…\n"
                            "可以继续等待，也可以不等备份直接退出：数据不受影响，只是这次不备份。", working=True)
            self.dialog.offer("不等备份，直接退出", self._close)

    def _close(self) -> None:
        if self.state == "done":
            return
        self.state = "done"
        self.dialog.finish()
        self.window.close()


def watch_exit(window) -> ExitBackup:
    """Make the exit backup when ``window`` is closed."""
    window.exit_backup = ExitBackup(window)
    return window.exit_backup


def run_quietly(job, db, what: str) -> None:
    """An automatic backup that must never stop the program: a failure is logged and the program goes on."""
    try:
        result = job(db)
        if result is not None:
            for warning in result.warnings:
                log.warning("%s: %s", what, warning)
    except Exception:  # noqa: BLE001 - the office's work must go on even when a backup cannot be made
        log.exception("automatic backup (%s) failed", what)


# ---- restoring ------------------------------------------------------------------------------------


def describe(info) -> str:
    size = f"{info.size / 1_048_576:.1f} MB" if info.size >= 1_048_576 else f"{max(1, info.size // 1024)} KB"
    return (f"备份时间：{info.created:%Y-%m-%d %H:%M:%S}\n"
            f"备份原因：{info.reason or '未注明'}\n"
            f"文件大小：{size}，附件 {info.attachment_count} 个\n"
            f"（已校验：文件完整，数据库检查通过）")


def restore_from_backup(window, archive: str | None = None, *, confirm=None) -> BackgroundJob | None:
    """Choose a backup, check it and show what it holds, confirm, restore, then end the session for a new login.

    Checking (~2 s) and restoring (~4 s on the 3 000-household demo) run on a worker thread. ``confirm``
    replaces the question box (tests): it gets the text and returns True to go on. Returns the checking job,
    or None when refused before it started.
    """
    if not window.actor.may("管理员"):
        messages.error(window, "只有管理员可以从备份恢复。请联系管理员")
        return None
    if window.db.read_only:
        messages.error(window, f"数据库以只读方式打开（{window.db.read_only_reason}），不能从备份恢复："
                               "另一台电脑正在使用它。请在那台电脑上恢复，或等对方退出后再试。", "不能恢复")
        return None
    if busy(window):
        messages.info(window, "正在备份，请等备份完成后再恢复。")
        return None
    if archive is None:
        archive, _ = QFileDialog.getOpenFileName(window, "选择备份文件", str(backups.default_folder(window.db)),
                                                 "帮扶工作台备份 (*.zip)")
        if not archive:
            return None
    dialog = BusyDialog(window, "从备份恢复", "正在校验备份文件，请稍候…")
    return BackgroundJob(window, lambda: backups.inspect(archive),
                         on_done=lambda info: _confirm_and_restore(window, archive, info, confirm),
                         on_error=lambda err: messages.error(window, describe_error(err), "不能恢复"),
                         dialog=dialog, what="校验备份").start()


def _confirm_and_restore(window, archive: str, info, confirm) -> None:
    text = (f"{describe(info)}\n\n恢复后，当前的数据库和附件会改名保留在原处（“恢复前-日期时间”），"
            "不会删除。恢复完成后请重新登录。\n\n确定用这份备份恢复吗？")
    ask = confirm or (lambda t: messages.ask(window, t, title="从备份恢复", yes_text="恢复"))
    if not ask(text):
        return
    path, actor, clock = window.db.path, window.actor, window.db.clock
    # From here the session ends either way: the window's connection is closed, so the program goes back to the
    # login on whatever database is then in place (run_gui), without an exit backup in between.
    window.relogin = True
    window.idle_lock.stop()  # its lock dialog would check a password against a closed database
    window.db.close()  # backups' workers have finished (busy() above), so no connection holds the file now

    def done(aside) -> None:
        window.restored = True
        kept = f"\n恢复前的数据库保留为：{aside}" if aside else ""
        messages.info(window, f"已从备份恢复。{kept}\n请重新登录，继续在恢复后的数据上工作。", "恢复完成")
        window.close()

    def failed(err: BaseException) -> None:
        messages.error(window, describe_error(err) + "\n当前数据库没有改动。请重新登录继续工作。", "恢复失败")
        window.close()

    dialog = BusyDialog(window, "从备份恢复", "正在恢复，请稍候…\n恢复完成前请不要关闭电脑。")
    window.restore_job = BackgroundJob(window, lambda: backups.restore(path, archive, actor, clock), on_done=done,
                                       on_error=failed, dialog=dialog, delay_ms=0, what="恢复").start()


# ---- settings ---------------------------------------------------------------------------------------


class BackupSettingsDialog(QDialog):
    """Where automatic backups go, a second folder (a USB stick or a shared drive) and how many are kept."""

    KEEP_LABELS = {"daily": ("每日备份", "份（最近几天各一份）"), "weekly": ("每周备份", "份（最近几周各一份）"),
                   "monthly": ("每月备份", "份（最近几个月各一份）")}

    def __init__(self, *, db, actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("备份设置")
        intro = QLabel("每天第一次打开程序、退出程序和每次导入前，都会自动备份（数据库和附件，压缩为一个文件）。"
                       "可以再指定一个第二备份位置（如U盘或共享盘），每次备份另存一份；留空表示不另存。")
        intro.setWordWrap(True)
        where = QLabel(str(backups.default_folder(db)))
        where.setTextInteractionFlags(Qt.TextSelectableByMouse)  # so it can be copied into the file manager
        where.setWordWrap(True)
        self.folder = QLineEdit(backups.second_folder(db))
        self.folder.setPlaceholderText("例如 E:\\工会备份")
        row, browse = field_with_button(self.folder, "浏览…", self._browse)
        form = QFormLayout()
        form.addRow("自动备份位置", where)
        form.addRow("第二备份位置", row)
        self.keep: dict[str, QSpinBox] = {}
        counts = backups.keep_counts(db.conn)
        for kind, (label, suffix) in self.KEEP_LABELS.items():
            spin = QSpinBox()
            spin.setRange(0, 999)
            spin.setValue(counts[kind])
            spin.setSuffix(" " + suffix)
            self.keep[kind] = spin
            form.addRow(f"保留{label}", spin)
        note = QLabel("今天的备份全部保留；更早的按上面的份数各留最新一份，其余自动删除。没有备份的日子不算在内。")
        note.setWordWrap(True)
        self.error = error_label()
        buttons = ok_cancel(self, "保存")
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.setMinimumWidth(520)
        if not actor.may("管理员"):
            self.folder.setReadOnly(True)
            browse.setEnabled(False)
            for spin in self.keep.values():
                spin.setEnabled(False)
            buttons.button(QDialogButtonBox.Ok).setEnabled(False)
            show_error(self.error, "只有管理员可以修改备份设置。")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择第二备份位置", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def try_accept(self) -> None:
        try:
            backups.save_settings(self.db, self.actor, second=self.folder.text(),
                                  keep={kind: spin.value() for kind, spin in self.keep.items()})
        except UserError as err:
            show_error(self.error, err)
            return
        self.accept()


def edit_backup_settings(window) -> None:
    BackupSettingsDialog(db=window.db, actor=window.actor, parent=window).exec()
