"""User accounts: list, add, edit (name, roles, 启用/停用) and reset passwords."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import (QCheckBox, QDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...db import Database
from ...db import users as user_repo
from ...db.audit import Actor
from ...db.users import User
from ...services import accounts
from ..forms import error_label, ok_cancel, pick_table, show_error

ID_ROLE = Qt.UserRole
MISMATCH = "两次输入的密码不一致，请重新输入"


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.Password)
    edit.setPlaceholderText(f"至少{accounts.security_rules()['min_password_length']}位")
    return edit


class UserEditDialog(QDialog):
    """Add an account (with its password) or edit one (name, roles, 启用); ``try_accept`` saves."""

    def __init__(self, *, db: Database, actor: Actor, user: User | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.user = db, actor, user
        self.is_new = user is None
        self.user_id: int | None = None if user is None else user.id
        self.setWindowTitle("新增用户" if self.is_new else f"修改用户 — {user.username}")
        self.setMinimumWidth(440)

        self.username = QLineEdit(user.username if user else "")
        self.username.setReadOnly(not self.is_new)
        self.display_name = QLineEdit(user.display_name if user else "")
        self.password = self.repeat = None
        if self.is_new:
            self.password = _password_edit()
            self.repeat = _password_edit()
            self.repeat.setPlaceholderText("再输入一遍")
        self.role_boxes: dict[str, QCheckBox] = {}
        roles_row = QHBoxLayout()
        for role in code_list("role"):
            box = QCheckBox(role)
            box.setChecked(bool(user and role in user.roles))
            self.role_boxes[role] = box
            roles_row.addWidget(box)
        roles_row.addStretch(1)
        self.active = QCheckBox("启用（停用的账号不能登录）")
        self.active.setChecked(user.active if user else True)

        layout = QVBoxLayout(self)
        form = QFormLayout()
        form.addRow("用户名", self.username)
        form.addRow("姓名", self.display_name)
        if self.is_new:
            form.addRow("密码", self.password)
            form.addRow("再次输入密码", self.repeat)
        form.addRow("角色", roles_row)
        if not self.is_new:  # a new account always starts 启用
            form.addRow("状态", self.active)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))
        first_role = next(iter(self.role_boxes.values()))
        fields = {"username": self.username, "display_name": self.display_name, "password": self.password,
                  "roles": first_role}
        self.fields = {name: widget for name, widget in fields.items() if widget is not None}
        (self.username if self.is_new else self.display_name).setFocus()

    def set_roles(self, roles: tuple[str, ...] | list[str]) -> None:
        for role, box in self.role_boxes.items():
            box.setChecked(role in roles)

    def roles(self) -> tuple[str, ...]:
        return tuple(role for role, box in self.role_boxes.items() if box.isChecked())

    def _save(self) -> None:
        name = self.display_name.text().strip()
        if self.is_new:
            if self.password.text() != self.repeat.text():
                raise UserError(MISMATCH, field="password")
            self.user_id = accounts.add_user(self.db, self.actor, username=self.username.text(), display_name=name,
                                             password=self.password.text(), roles=self.roles())
            return
        if not name:
            raise UserError("请填写姓名", field="display_name")
        accounts.update_user(self.db, self.actor, self.user_id, display_name=name, roles=self.roles(),
                             active=self.active.isChecked())

    def try_accept(self) -> bool:
        """Save; on a problem show it under the form and stay open."""
        try:
            self._save()
        except UserError as err:
            show_error(self.error, err, self.fields)
            if err.field == "password" and self.is_new:
                self.password.clear()
                self.repeat.clear()
            return False
        show_error(self.error, None)
        self.accept()
        return True


class PasswordDialog(QDialog):
    """Set a new password for an account (the administrator's 重设密码)."""

    def __init__(self, *, db: Database, actor: Actor, user: User, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor, self.user = db, actor, user
        self.setWindowTitle(f"重设密码 — {user.username}")
        self.setMinimumWidth(400)
        self.password = _password_edit()
        self.repeat = _password_edit()
        self.repeat.setPlaceholderText("再输入一遍")
        layout = QVBoxLayout(self)
        intro = QLabel(f"为“{user.display_name}”（{user.username}）设置新密码，请当面告知本人。")
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        form.addRow("新密码", self.password)
        form.addRow("再次输入密码", self.repeat)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "重设密码"))
        self.password.setFocus()

    def try_accept(self) -> bool:
        try:
            if self.password.text() != self.repeat.text():
                raise UserError(MISMATCH, field="password")
            accounts.change_password(self.db, self.actor, self.user.id, self.password.text())
        except UserError as err:
            show_error(self.error, err, {"password": self.password})
            self.password.clear()
            self.repeat.clear()
            return False
        show_error(self.error, None)
        self.accept()
        return True


class UsersDialog(QDialog):
    """All accounts in a table, with buttons to add, edit and reset a password."""

    COLUMNS = ["用户名", "姓名", "角色", "状态"]

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("用户管理")
        self.resize(680, 420)

        self.table = pick_table(self.COLUMNS, stretch=2)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemDoubleClicked.connect(lambda *_: self.edit_user())

        self.add_button = QPushButton("新增用户")
        self.edit_button = QPushButton("修改")
        self.password_button = QPushButton("重设密码")
        self.close_button = QPushButton("关闭")
        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.password_button.clicked.connect(self.reset_password)
        self.close_button.clicked.connect(self.reject)
        self.close_button.setAutoDefault(False)

        buttons = QHBoxLayout()
        for button in (self.add_button, self.edit_button, self.password_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def reload(self, select_id: int | None = None) -> None:
        select_id = select_id if select_id is not None else self.selected_id()
        users = user_repo.all_users(self.db.conn)
        self.table.setRowCount(len(users))
        for row, user in enumerate(users):
            values = [user.username, user.display_name, "、".join(user.roles), "启用" if user.active else "停用"]
            for col, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setData(ID_ROLE, user.id)
                if col == 3 and not user.active:
                    item.setForeground(QBrush(Qt.gray))
                self.table.setItem(row, col, item)
            if user.id == select_id:
                self.table.selectRow(row)
        self._update_buttons()

    def selected_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).data(ID_ROLE) if rows else None

    def _selected_user(self) -> User | None:
        user_id = self.selected_id()
        return next((u for u in user_repo.all_users(self.db.conn) if u.id == user_id), None)

    def _update_buttons(self) -> None:
        chosen = self.selected_id() is not None
        self.edit_button.setEnabled(chosen)
        self.password_button.setEnabled(chosen)

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a sub-dialog modally (freed once control returns to Qt); tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()  # the caller still reads its fields before control returns to Qt
        return accepted

    def add_user(self) -> None:
        self.message.clear()
        dialog = UserEditDialog(db=self.db, actor=self.actor, parent=self)
        if self.run_dialog(dialog):
            self.reload(dialog.user_id)
            self.message.setText(f"已新增用户“{dialog.username.text().strip()}”。")

    def edit_user(self) -> None:
        self.message.clear()
        user = self._selected_user()
        if user is None:
            return
        dialog = UserEditDialog(db=self.db, actor=self.actor, user=user, parent=self)
        if self.run_dialog(dialog):
            self.reload(user.id)
            self.message.setText(f"已保存用户“{user.username}”。")

    def reset_password(self) -> None:
        self.message.clear()
        user = self._selected_user()
        if user is None:
            return
        dialog = PasswordDialog(db=self.db, actor=self.actor, user=user, parent=self)
        if self.run_dialog(dialog):
            self.message.setText(f"已重设“{user.username}”的密码。")
