"""修改记录: every logged change of one household, newest first, in the user's words."""

from __future__ import annotations

from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.labels import ACTION_LABELS, TABLE_LABELS, label
from ...db.audit import AuditEntry
from ..forms import close_buttons


def describe(entry: AuditEntry) -> str:
    """One line per changed field: 字段：旧值 → 新值."""
    keys = list(dict.fromkeys([*entry.old, *entry.new]))
    lines = []
    for key in keys:
        old, new = entry.old.get(key), entry.new.get(key)
        if entry.action == "insert":
            if new not in (None, "", "0.00", False, 0):
                lines.append(f"{label(key)}：{new}")
        else:
            lines.append(f"{label(key)}：{old if old not in (None, '') else '（空）'} → {new if new not in (None, '') else '（空）'}")
    if entry.effective is not None and entry.action != "insert":
        lines.append(f"生效日期：{entry.effective.isoformat()}")
    return "\n".join(lines)


class HistoryDialog(QDialog):
    def __init__(self, *, title: str, entries: list[AuditEntry], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(f"修改记录 — {title}")
        self.resize(860, 520)
        self.table = QTableWidget(len(entries), 5)
        self.table.setHorizontalHeaderLabels(["时间", "操作人", "方式", "操作", "内容"])
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        for col, width in enumerate((150, 80, 60, 90)):
            self.table.setColumnWidth(col, width)
        for row, e in enumerate(entries):
            action = f"{TABLE_LABELS.get(e.table, e.table)}{ACTION_LABELS.get(e.action, e.action)}"
            for col, text in enumerate((e.at.replace("T", " "), e.user, e.via, action, describe(e))):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.table.resizeRowsToContents()
        buttons = close_buttons(self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
