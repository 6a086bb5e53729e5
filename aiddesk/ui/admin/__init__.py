"""Administrator dialogs (units, user accounts, 低保 lines) and the few pieces they share."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QMessageBox, QWidget

from ...core.errors import UserError

ERROR_STYLE = "color: #c0392b;"


def error_label() -> QLabel:
    """The red line under a form where a service's Chinese message is shown; hidden while empty."""
    label = QLabel()
    label.setObjectName("errorLabel")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.setVisible(False)
    return label


def show_error(label: QLabel, err: UserError | str | None, fields: dict[str, QWidget] | None = None) -> None:
    """Put the message in ``label`` (or clear it) and move the cursor to the field it names."""
    if err is None or err == "":
        label.clear()
        label.setVisible(False)
        return
    label.setText(str(err))
    label.setVisible(True)
    field = getattr(err, "field", None)
    if fields and field in fields and fields[field].isEnabled():
        fields[field].setFocus()


def ok_cancel(dialog: QDialog, ok_text: str = "确定") -> QDialogButtonBox:
    """确定/取消 buttons in Chinese whatever Qt translation is loaded; OK calls ``dialog.try_accept``."""
    buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    buttons.button(QDialogButtonBox.Ok).setText(ok_text)
    buttons.button(QDialogButtonBox.Cancel).setText("取消")
    buttons.accepted.connect(dialog.try_accept)
    buttons.rejected.connect(dialog.reject)
    return buttons


def ask(parent: QWidget | None, text: str, *, title: str = "请确认", yes_text: str = "确定") -> bool:
    """A modal yes/no question with Chinese buttons; 取消 is the default."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, parent)
    yes = box.addButton(yes_text, QMessageBox.AcceptRole)
    no = box.addButton("取消", QMessageBox.RejectRole)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes
