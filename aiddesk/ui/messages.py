"""Message boxes in one place, so logic stays testable and every box is Chinese."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def error(parent: QWidget | None, text: str, title: str = "无法完成") -> None:
    QMessageBox.warning(parent, title, text)


def info(parent: QWidget | None, text: str, title: str = "提示") -> None:
    QMessageBox.information(parent, title, text)


def ask(parent: QWidget | None, text: str, *, title: str = "请确认", yes_text: str = "确定") -> bool:
    """A modal yes/no question with Chinese buttons; 取消 is the default."""
    box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, parent)
    yes = box.addButton(yes_text, QMessageBox.AcceptRole)
    no = box.addButton("取消", QMessageBox.RejectRole)
    box.setDefaultButton(no)
    box.exec()
    return box.clickedButton() is yes
