"""At login, when this PC's clock is clearly wrong: show the dates and let the user confirm today's real date."""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from ..core.clock import ShiftedClock
from ..core.clock_check import clock_problem, clock_rules, day_text
from ..core.errors import UserError
from ..db import Database
from . import forms, messages


class ClockDialog(QDialog):
    """本机日期, the newest record's date, and a date field for today's real date; 按此日期继续 or 退出."""

    def __init__(self, *, problem: str, pc_day: date, newest: datetime, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("请确认今天的日期")
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        headline = QLabel("本机的时钟可能不对，请先确认今天的日期")
        headline.setStyleSheet("font-weight:bold;font-size:12pt;color:#664d03;")
        layout.addWidget(headline)
        text = QLabel(problem)
        text.setObjectName("clock_problem")
        text.setWordWrap(True)
        layout.addWidget(text)
        form = QFormLayout()
        self.pc_label = QLabel(day_text(pc_day))
        self.newest_label = QLabel(f"{day_text(newest.date())} {newest:%H:%M}")
        # The default never moves the dates backwards: the newest record's day when the clock is behind it.
        default = max(pc_day, newest.date())
        self.day = QDateEdit(QDate(default.year, default.month, default.day))
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("yyyy-MM-dd")
        self.day.setMaximumWidth(160)
        form.addRow("本机日期：", self.pc_label)
        form.addRow("最新记录的日期：", self.newest_label)
        form.addRow("今天的实际日期：", self.day)
        layout.addLayout(form)
        note = QLabel("确认后，本次使用中新记录的日期按您确认的日期记下（时间仍按本机时钟走），"
                      "不会改动已有的记录；下次打开程序时会再核对。点“退出”则不写入任何内容。")
        note.setWordWrap(True)
        note.setStyleSheet("color:#555;")
        layout.addWidget(note)
        buttons = forms.ok_cancel(self, "按此日期继续")
        buttons.button(QDialogButtonBox.Cancel).setText("退出")
        self.buttons = buttons
        layout.addWidget(buttons)
        self.day.setFocus()

    def try_accept(self) -> bool:
        self.accept()
        return True

    def confirmed_day(self) -> date:
        d = self.day.date()
        return date(d.year(), d.month(), d.day())


def confirm_clock(db: Database, newest: datetime | None, parent: QWidget | None = None) -> bool:
    """Before the window: ask for today's date when this PC's clock is clearly wrong; False when the user quits.

    ``newest``: when the newest record was written, read before this session wrote anything. A date other
    than the PC's becomes the session's clock (``db.clock``), so every date of the session — services, worker
    connections, the lock file — comes from what the user confirmed. On 退出 nothing is written.
    """
    pc_day = db.clock.today()
    try:
        problem = clock_problem(pc_day, newest.date() if newest else None, clock_rules())
    except UserError as err:
        messages.error(parent, err.message, "无法打开数据库")
        return False
    if problem is None:
        return True
    dialog = ClockDialog(problem=problem, pc_day=pc_day, newest=newest, parent=parent)
    if dialog.exec() != QDialog.Accepted:
        return False
    day = dialog.confirmed_day()
    if day != pc_day:
        db.clock = ShiftedClock(day - pc_day, base=db.clock)
    return True
