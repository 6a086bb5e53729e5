"""节假日: the office's 放假 and 调休上班 days, and the years it has entered whole from the State Council's notice."""

from __future__ import annotations

from datetime import date

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.statutory_holidays import load_statutory_rules
from ...core.workdays import KNOWN_YEARS, computed_year, entry_overridden
from ...db import Database
from ...db.audit import Actor
from ...db.settings import list_calendar_days, list_calendar_years
from ...services.settings import (CALENDAR_KINDS, YEAR_MAX, YEAR_MIN, delete_calendar_day, save_calendar_day,
                                  set_calendar_year_complete)
from ..forms import error_label, pick_table, show_error
from ..messages import ask

COMPLETE_TEXT = "已按国务院办公厅通知录入全年"
IN_EFFECT = "有效"
NOT_IN_EFFECT = "不起作用："


def intro_text() -> str:
    """What the program has bundled, what it computes and what the office must enter."""
    rules = load_statutory_rules()
    first_computed = max(KNOWN_YEARS.stop, rules.from_year)
    festivals = "、".join(f"{h.name}{h.days}天" for h in rules.holidays)
    return "\n".join([
        f"程序已收录{KNOWN_YEARS.start}—{KNOWN_YEARS.stop - 1}年国务院办公厅公布的放假和调休安排。",
        f"{first_computed}年起，程序按{rules.rule}自动计入法定节假日（{festivals}）和周末。",
        "调休上班日和补休日每年由国务院办公厅通知：通知公布后请在这里录入，录完一年后勾选"
        f"“{COMPLETE_TEXT}”；在此之前，涉及这一年的公示会提示结束日期可能有变。",
        "在程序已收录的年份，录入的日期与收录的安排不同时以收录的安排为准（下表“状态”中注明）；"
        "收录的安排中没有的日子（如地方放假）照常有效。",
    ])


def _when(stamp: str) -> str:
    return stamp.replace("T", " ")[:16]  # 2027-01-05 09:30


class CalendarDialog(QDialog):
    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("节假日")
        self.resize(720, 640)
        intro = QLabel(intro_text())
        intro.setWordWrap(True)
        self.years_summary = QLabel()
        self.years_summary.setWordWrap(True)
        self.year = QSpinBox()
        self.year.setRange(YEAR_MIN, YEAR_MAX)
        self.year.setSuffix(" 年")
        self.year.setValue(max(KNOWN_YEARS.stop, db.clock.today().year))
        self.year.valueChanged.connect(lambda _value: self._show_year())
        self.complete = QCheckBox(COMPLETE_TEXT)
        # clicked, not toggled: only the user's click marks a year, not the dialog showing another year's state
        self.complete.clicked.connect(self.set_complete)
        self.year_note = QLabel()
        self.year_note.setWordWrap(True)
        year_row = QHBoxLayout()
        year_row.addWidget(QLabel("年度"))
        year_row.addWidget(self.year)
        year_row.addWidget(self.complete)
        year_row.addStretch(1)
        self.table = pick_table(("日期", "类型", "说明", "状态"), stretch=3)
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
        layout.addWidget(self.years_summary)
        layout.addLayout(year_row)
        layout.addWidget(self.year_note)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.reload()

    # ---- what is shown ------------------------------------------------------------

    def reload(self) -> None:
        self._days = list_calendar_days(self.db.conn)
        self._marks = {r["year"]: r for r in list_calendar_years(self.db.conn)}
        self.table.setRowCount(len(self._days))
        for i, r in enumerate(self._days):
            reason = entry_overridden(date.fromisoformat(r["day"]), r["kind"])
            status = f"{NOT_IN_EFFECT}{reason}" if reason else IN_EFFECT
            for col, value in enumerate((r["day"], r["kind"], r["note"], status)):
                item = QTableWidgetItem(value)
                if reason:
                    item.setForeground(QColor("#c0392b"))
                    item.setToolTip(status)
                self.table.setItem(i, col, item)
        self.years_summary.setText("\n".join(["各年录入情况："] + self.year_lines()))
        self._show_year()

    def _entered(self, year: int) -> list:
        return [r for r in self._days if r["day"].startswith(f"{year}-")]

    def year_lines(self) -> list[str]:
        """One line per year worth a look: the next year to enter, and every year with entries or a mark."""
        years = {max(KNOWN_YEARS.stop, self.db.clock.today().year)} | set(self._marks)
        years |= {int(r["day"][:4]) for r in self._days}
        return [self._year_line(year) for year in sorted(years)]

    def _year_line(self, year: int) -> str:
        entered = self._entered(year)
        if year in KNOWN_YEARS:
            overridden = sum(bool(entry_overridden(date.fromisoformat(r["day"]), r["kind"])) for r in entered)
            line = f"{year}年：程序已收录国务院公布的安排"
            if overridden:
                line += f"；录入的{len(entered)}天中有{overridden}天与之不同，以收录的安排为准"
            return line
        mark = self._marks.get(year)
        if mark is not None:
            return (f"{year}年：已录入全年（共{len(entered)}天，{mark['confirmed_by']}于"
                    f"{_when(mark['confirmed_at'])}确认）")
        line = f"{year}年：尚未录全（只录入了{len(entered)}天）" if entered else f"{year}年：尚未录入"
        if computed_year(year):
            return line + "，已自动计入法定节假日，调休上班日和补休日待录入"
        return line + "，程序中没有这一年的节假日，暂按周一至周五计算"

    def _show_year(self) -> None:
        """The mark of the chosen year in the checkbox, and who set it."""
        year = self.year.value()
        mark = self._marks.get(year)
        self.complete.setChecked(mark is not None)
        self.complete.setEnabled(year not in KNOWN_YEARS)
        if year in KNOWN_YEARS:
            note = f"程序已收录{year}年国务院公布的安排，不需要标记"
        elif mark is not None:
            note = f"{mark['confirmed_by']}于{_when(mark['confirmed_at'])}标记已录入全年"
        else:
            note = f"{year}年已录入{len(self._entered(year))}天；全部录入后请勾选上面的“{COMPLETE_TEXT}”"
        self.year_note.setText(note)

    def _chosen(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.day.setText(self.table.item(row, 0).text())
            self.kind.setCurrentText(self.table.item(row, 1).text())
            self.note.setText(self.table.item(row, 2).text())

    # ---- what the office does -----------------------------------------------------

    def confirm(self, text: str) -> bool:
        """Ask before marking a year complete; tests replace this."""
        return ask(self, text, title=COMPLETE_TEXT, yes_text="确认")

    def set_complete(self, checked: bool) -> bool:
        """Mark the chosen year complete (after confirming) or take the mark off; True when it was done."""
        year = self.year.value()
        show_error(self.error, None)
        if checked and not self.confirm(
                f"确认已按国务院办公厅通知录入{year}年全部的放假和调休上班日期？\n\n"
                f"目前录入了{len(self._entered(year))}天。标记后，涉及{year}年的公示不再提示调休可能缺漏。"):
            self.complete.setChecked(False)
            return False
        try:
            set_calendar_year_complete(self.db, self.actor, year, checked)
        except UserError as err:
            show_error(self.error, err)
            self.reload()  # the checkbox back as stored
            return False
        self.reload()
        return True

    def _day(self) -> date:
        try:
            return date.fromisoformat(self.day.text().strip().replace("/", "-"))
        except ValueError:
            raise UserError("日期请按 2027-02-06 的格式填写", field="day") from None

    def save_day(self) -> bool:
        try:
            day = self._day()
            save_calendar_day(self.db, self.actor, day, self.kind.currentText(), self.note.text())
        except UserError as err:
            show_error(self.error, err)
            return False
        show_error(self.error, None)
        if YEAR_MIN <= day.year <= YEAR_MAX:
            self.year.setValue(day.year)  # its year's state beside the mark, where the office looks next
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
