"""The first-start administrator dialog and the login dialog."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget)

from ..core.errors import UserError
from ..db import Database
from ..db.users import User
from ..services import accounts
from .forms import error_label, show_error


class _Form(QDialog):
    def __init__(self, title: str, intro: str, parent: QWidget | None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.user: User | None = None
        layout = QVBoxLayout(self)
        if intro:
            text = QLabel(intro)
            text.setWordWrap(True)
            layout.addWidget(text)
        self.form = QFormLayout()
        layout.addLayout(self.form)
        self.error_label = error_label()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self.try_accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    def _line(self, label: str, *, password: bool = False) -> QLineEdit:
        edit = QLineEdit()
        if password:
            edit.setEchoMode(QLineEdit.Password)
        self.form.addRow(label, edit)
        return edit

    def try_accept(self) -> bool:
        try:
            self.user = self.submit()
        except UserError as err:
            show_error(self.error_label, err)
            return False
        self.accept()
        return True

    def submit(self) -> User:
        raise NotImplementedError


class FirstAdminDialog(_Form):
    """Asks for the administrator account on an empty database."""

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__("创建管理员账号", "这是一个新的数据库，还没有任何账号。"
                         "请先创建管理员账号，之后用它登录并添加其他工作人员。", parent)
        self.db = db
        self.username = self._line("用户名")
        self.display_name = self._line("姓名")
        self.password = self._line("密码", password=True)
        self.password.setPlaceholderText(f"至少{accounts.security_rules()['min_password_length']}位")
        self.repeat = self._line("再次输入密码", password=True)
        self.buttons.button(QDialogButtonBox.Ok).setText("创建")
        self.username.setFocus()

    def submit(self) -> User:
        if self.password.text() != self.repeat.text():
            raise UserError("两次输入的密码不一致")
        return accounts.create_first_admin(self.db, username=self.username.text(),
                                           display_name=self.display_name.text(), password=self.password.text())


class LoginDialog(_Form):
    """User name and password; the session's user is ``self.user`` after acceptance."""

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__("登录 — 工会帮扶工作台", f"数据库：{db.path}", parent)
        self.db = db
        self.username = self._line("用户名")
        self.password = self._line("密码", password=True)
        self.buttons.button(QDialogButtonBox.Ok).setText("登录")
        self.password.returnPressed.connect(self.try_accept)
        self.username.setFocus()

    def submit(self) -> User:
        return accounts.login(self.db, self.username.text(), self.password.text())
