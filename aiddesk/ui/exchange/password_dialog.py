"""输入打开密码: asks for the opening password of an encrypted workbook before it is read for import."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ..forms import error_label, ok_cancel, show_error

EMPTY = "请输入打开密码"


class PasswordDialog(QDialog):
    """One masked field; ``problem`` (a wrong password's message) is shown above it when asking again.

    The text is handed over once by :meth:`take_password`, which clears the field: nothing of it stays in the
    dialog, and the dialog itself keeps no copy.
    """

    def __init__(self, file_name: str, *, problem: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("输入打开密码")
        about = QLabel(f"“{file_name}”设置了打开密码。请输入发送单位另行告知的密码；"
                       "密码只用来打开这份文件，不会保存。")
        about.setWordWrap(True)
        self.error = error_label()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText("区分大小写")
        self.password.textEdited.connect(lambda _t: show_error(self.error, None))
        form = QFormLayout()
        form.addRow("打开密码", self.password)
        self.buttons = ok_cancel(self, "打开")
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addWidget(self.error)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        show_error(self.error, problem)
        self.password.setFocus()
        self.resize(460, self.sizeHint().height())

    def try_accept(self) -> None:
        if not self.password.text():
            show_error(self.error, EMPTY)
            return
        self.accept()

    def take_password(self) -> str:
        text = self.password.text()
        self.password.clear()
        return text

    def reject(self) -> None:
        self.password.clear()
        super().reject()
