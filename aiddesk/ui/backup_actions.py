"""The 文件 menu's backup actions: back up now, restore from a backup, and the second backup folder setting."""

from __future__ import annotations

import logging

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..services import backups
from . import messages

log = logging.getLogger(__name__)


def backup_now(window) -> backups.BackupResult | None:
    """Make a manual backup and say where it went (and whether the second folder failed)."""
    try:
        result = backups.backup_now(window.db, window.actor, "手动")
    except UserError as err:
        messages.error(window, err.message, "备份失败")
        return None
    messages.info(window, result.message, "备份完成")
    return result


def describe(info) -> str:
    size = f"{info.size / 1_048_576:.1f} MB" if info.size >= 1_048_576 else f"{max(1, info.size // 1024)} KB"
    return (f"备份时间：{info.created:%Y-%m-%d %H:%M:%S}\n"
            f"备份原因：{info.reason or '未注明'}\n"
            f"文件大小：{size}，附件 {info.attachment_count} 个\n"
            f"（已校验：文件完整，数据库检查通过）")


def restore_from_backup(window, archive: str | None = None, *, confirm=None) -> bool:
    """Choose a backup, show what it holds, confirm, then close the database, restore and close the program.

    ``confirm`` replaces the question box (tests); it gets the text and returns True to go on.
    """
    if not window.actor.may("管理员"):
        messages.error(window, "只有管理员可以从备份恢复。请联系管理员")
        return False
    if archive is None:
        archive, _ = QFileDialog.getOpenFileName(window, "选择备份文件", str(backups.default_folder(window.db)),
                                                 "帮扶工作台备份 (*.zip)")
        if not archive:
            return False
    try:
        info = backups.inspect(archive)
    except UserError as err:
        messages.error(window, err.message, "不能恢复")
        return False
    text = (f"{describe(info)}\n\n恢复后，当前的数据库和附件会改名保留在原处（“恢复前-日期时间”），"
            "不会删除。恢复完成后程序将关闭，请重新打开。\n\n确定用这份备份恢复吗？")
    ask = confirm or (lambda t: messages.ask(window, t, title="从备份恢复", yes_text="恢复"))
    if not ask(text):
        return False
    path = window.db.path
    window.db.close()  # the file is about to be replaced: nothing may hold it open
    try:
        aside = backups.restore(path, archive, window.actor)
    except UserError as err:
        # Nothing was replaced; the program still closes, because its database connection is gone.
        messages.error(window, err.message + "\n当前数据库没有改动。程序将关闭，请重新打开。", "恢复失败")
        window.restored = True
        window.close()
        return False
    kept = f"\n恢复前的数据库保留为：{aside}" if aside else ""
    messages.info(window, f"已从备份恢复。{kept}\n程序现在关闭，请重新打开。", "恢复完成")
    window.restored = True  # run_gui then skips the exit backup of a closed database
    window.close()
    return True


class BackupSettingsDialog(QDialog):
    """The second backup folder (a USB stick or a shared drive); empty means backups go only beside the database."""

    def __init__(self, *, db, actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("备份设置")
        intro = QLabel(f"每天第一次打开程序、退出程序和每次导入前，都会自动备份到：\n{backups.default_folder(db)}\n"
                       "可以再指定一个第二备份位置（如U盘或共享盘），每次备份另存一份。留空表示不另存。")
        intro.setWordWrap(True)
        self.folder = QLineEdit(backups.second_folder(db))
        self.folder.setPlaceholderText("例如 E:\\工会备份")
        browse = QPushButton("浏览…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020")
        self.error.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Save).setText("保存")
        buttons.button(QDialogButtonBox.Cancel).setText("取消")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("第二备份位置"))
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        if not actor.may("管理员"):
            self.folder.setReadOnly(True)
            browse.setEnabled(False)
            buttons.button(QDialogButtonBox.Save).setEnabled(False)
            self.error.setText("只有管理员可以修改备份设置。")

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择第二备份位置", self.folder.text())
        if folder:
            self.folder.setText(folder)

    def save(self) -> None:
        try:
            backups.set_second_folder(self.db, self.actor, self.folder.text())
        except UserError as err:
            self.error.setText(err.message)
            return
        self.accept()


def edit_backup_settings(window) -> None:
    BackupSettingsDialog(db=window.db, actor=window.actor, parent=window).exec()


def run_quietly(job, db, what: str) -> None:
    """An automatic backup that must never stop the program: a failure is logged and the program goes on."""
    try:
        result = job(db)
        if result is not None:
            for warning in result.warnings:
                log.warning("%s: %s", what, warning)
    except Exception:  # noqa: BLE001 - the office's work must go on even when a backup cannot be made
        log.exception("automatic backup (%s) failed", what)
