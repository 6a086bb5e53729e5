"""Pieces every form shares: the red error line, Chinese OK/cancel and close buttons, a field with a button beside
it, a read-only pick list."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QWidget,
)

from ..core.errors import UserError

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


def close_buttons(dialog: QDialog) -> QDialogButtonBox:
    """A 关闭 button in Chinese whatever Qt translation is loaded; it closes ``dialog``."""
    buttons = QDialogButtonBox(QDialogButtonBox.Close)
    buttons.button(QDialogButtonBox.Close).setText("关闭")
    buttons.rejected.connect(dialog.reject)
    return buttons


def field_with_button(field: QWidget, text: str, slot) -> tuple[QHBoxLayout, QPushButton]:
    """``field`` taking the width with a button (选择… / 浏览…) at its right that calls ``slot``; the row and button."""
    button = QPushButton(text)
    button.setAutoDefault(False)  # Enter in the field is for the dialog's own default button
    button.clicked.connect(lambda _checked=False: slot())
    row = QHBoxLayout()
    row.addWidget(field, 1)
    row.addWidget(button)
    return row, button


def pick_table(headers: list[str] | tuple[str, ...], *, stretch: int, min_width: int = 72) -> QTableWidget:
    """A read-only table to pick one row from; column ``stretch`` takes the spare width."""
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setSelectionMode(QAbstractItemView.SingleSelection)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    header = table.horizontalHeader()
    header.setMinimumSectionSize(min_width)
    for column in range(len(headers)):
        header.setSectionResizeMode(column, QHeaderView.Stretch if column == stretch else QHeaderView.ResizeToContents)
    return table


def wizard_buttons(dialog: QDialog) -> QHBoxLayout:
    """An import wizard's 上一步 · 下一步 · 导入 · 完成 · 取消 row, right-aligned: set on ``dialog`` as back_button,
    next_button, import_button, finish_button and cancel_button, wired to its back, next, start_import, accept and
    reject. None is a default button (Enter in a field must not import)."""
    row = QHBoxLayout()
    row.addStretch(1)
    for name, text, slot in (("back_button", "上一步", dialog.back), ("next_button", "下一步", dialog.next),
                             ("import_button", "导入", dialog.start_import), ("finish_button", "完成", dialog.accept),
                             ("cancel_button", "取消", dialog.reject)):
        button = QPushButton(text)
        button.clicked.connect(slot)
        button.setAutoDefault(False)
        setattr(dialog, name, button)
        row.addWidget(button)
    return row
