"""Message boxes in one place, so logic stays testable and every box is Chinese."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget


def error(parent: QWidget | None, text: str, title: str = "无法完成") -> None:
    QMessageBox.warning(parent, title, text)


def info(parent: QWidget | None, text: str, title: str = "提示") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, text: str, title: str = "请确认") -> bool:
    answer = QMessageBox.question(parent, title, text, QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes
