"""节假日: the days off and 调休 working days of years the bundled holiday calendar does not know."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPushButton,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.workdays import KNOWN_YEARS
from ...db import Database
from ...db.audit import Actor
from ...db.settings import list_calendar_days
from ...services.settings import CALENDAR_KINDS, delete_calendar_day, save_calendar_day
from ..forms import error_label, pick_table, show_error


class CalendarDialog(QDialog):
    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("节假日")
        self.resize(520, 460)
        intro = QLabel(f"程序已收录 {KNOWN_YEARS.start}–{KNOWN_YEARS.stop - 1} 年的法定节假日。"
                       "之后年份的放假和调休上班日期请在国务院公布后录入，公示期才能按工作日正确计算。")
        intro.setWordWrap(True)
        self.table = pick_table(("日期", "类型", "说明"), stretch=2)
        self.table.itemSelectionChanged.connect(self._chosen)
        self.day = QLineEdit()
        self.day.setPlaceholderText("2027-02-06")
        self.kind = QComboBox()
        self.kind.addItems(CALENDAR_KINDS)
        self.note = QLineEdit()
        self.note.setPlaceholderText("如：春节、国庆调休")
        self.error = error_label()
        save = QPushButton("保存")
        save.clicked.connect(self.save_day)
        delete = QPushButton("删除")
        delete.clicked.connect(self.delete_day)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("日期", self.day)
        form.addRow("类型", self.kind)
        form.addRow("说明", self.note)
        buttons = QHBoxLayout()
        for button in (save, delete):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.reload()

    def reload(self) -> None:
        rows = list_calendar_days(self.db.conn)
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            for col, value in enumerate((r["day"], r["kind"], r["note"])):
                self.table.setItem(i, col, QTableWidgetItem(value))

    def _chosen(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.day.setText(self.table.item(row, 0).text())
            self.kind.setCurrentText(self.table.item(row, 1).text())
            self.note.setText(self.table.item(row, 2).text())

    def _day(self) -> date:
        try:
            return date.fromisoformat(self.day.text().strip().replace("/", "-"))
        except ValueError:
            raise UserError("日期请按 2027-02-06 的格式填写", field="day") from None

    def save_day(self) -> bool:
        try:
            save_calendar_day(self.db, self.actor, self._day(), self.kind.currentText(), self.note.text())
        except UserError as err:
            show_error(self.error, err)
            return False
        show_error(self.error, None)
        self.reload()
        return True

    def delete_day(self) -> bool:
        try:
            delete_calendar_day(self.db, self.actor, self._day())
        except UserError as err:
            show_error(self.error, err)
            return False
        self.reload()
        return True
