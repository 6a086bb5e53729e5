"""The 节假日 dialog driven as an administrator would: each year's state, marking a year complete, overridden entries."""

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt

from aiddesk.core.clock import FixedClock
from aiddesk.db.audit import Actor
from aiddesk.db.settings import list_calendar_years, office_calendar
from aiddesk.services.settings import save_calendar_day
from aiddesk.ui.admin.calendar_dialog import COMPLETE_TEXT, CalendarDialog


@pytest.fixture
def admin():
    return Actor("管理员甲", "界面", roles=("管理员",))


@pytest.fixture
def dialog(qtbot, db, admin):
    db.clock = FixedClock(datetime(2026, 12, 7, 9, 30))

    def make():
        shown = CalendarDialog(db=db, actor=admin)
        qtbot.addWidget(shown)
        shown.show()  # laid out, so a click in the checkbox's middle lands on it
        return shown

    return make


def statuses(dialog):
    return [(dialog.table.item(i, 0).text(), dialog.table.item(i, 3).text()) for i in range(dialog.table.rowCount())]


def test_the_intro_says_what_is_bundled_computed_and_entered(dialog):
    shown = dialog()
    intro = shown.layout().itemAt(0).widget().text()
    assert "程序已收录2004—2026年国务院办公厅公布的放假和调休安排" in intro
    assert "2027年起" in intro and "全国年节及纪念日放假办法" in intro and "春节4天" in intro
    assert "调休上班日和补休日" in intro and COMPLETE_TEXT in intro
    assert "以收录的安排为准" in intro


def test_mark_a_year_complete_through_the_dialog(qtbot, dialog, db, monkeypatch):
    save_calendar_day(db, Actor("管理员甲", "界面", roles=("管理员",)), date(2027, 2, 13), "工作日", "春节调休")
    shown = dialog()
    assert shown.year.value() == 2027  # the first year the package does not know
    assert shown.year_lines() == ["2027年：尚未录全（只录入了1天），已自动计入法定节假日，调休上班日和补休日待录入"]
    assert not shown.complete.isChecked() and shown.complete.isEnabled()
    assert "2027年已录入1天" in shown.year_note.text()

    asked = []
    monkeypatch.setattr(shown, "confirm", lambda text: asked.append(text) or False)
    qtbot.mouseClick(shown.complete, Qt.LeftButton)
    assert not shown.complete.isChecked() and office_calendar(db.conn).complete_years == frozenset()
    assert "2027年" in asked[0] and "目前录入了1天" in asked[0]

    monkeypatch.setattr(shown, "confirm", lambda text: True)
    qtbot.mouseClick(shown.complete, Qt.LeftButton)
    assert shown.complete.isChecked()
    assert office_calendar(db.conn).complete_years == {2027}
    assert shown.year_lines() == ["2027年：已录入全年（共1天，管理员甲于2026-12-07 09:30确认）"]
    assert "管理员甲于2026-12-07 09:30标记已录入全年" in shown.year_note.text()
    assert "2027年：已录入全年" in shown.years_summary.text()

    # another year shows its own state; back to 2027 shows the mark again
    shown.year.setValue(2028)
    assert not shown.complete.isChecked()
    shown.year.setValue(2027)
    assert shown.complete.isChecked()
    qtbot.mouseClick(shown.complete, Qt.LeftButton)  # taking the mark off asks nothing
    assert not shown.complete.isChecked() and office_calendar(db.conn).complete_years == frozenset()
    assert [tuple(r) for r in list_calendar_years(db.conn)] == []


def test_a_year_the_package_knows_cannot_be_marked(dialog):
    shown = dialog()
    shown.year.setValue(2026)
    assert not shown.complete.isEnabled()
    assert "程序已收录2026年国务院公布的安排，不需要标记" in shown.year_note.text()


def test_a_clerk_cannot_mark_a_year(qtbot, db, monkeypatch):
    db.clock = FixedClock(datetime(2026, 12, 7, 9, 30))
    shown = CalendarDialog(db=db, actor=Actor("经办员", "界面", roles=("经办人",)))
    qtbot.addWidget(shown)
    shown.show()
    monkeypatch.setattr(shown, "confirm", lambda text: True)
    qtbot.mouseClick(shown.complete, Qt.LeftButton)
    assert "需要以下角色之一：管理员" in shown.error.text()
    assert not shown.complete.isChecked()
    assert list_calendar_years(db.conn) == []


def test_overridden_entries_are_marked(dialog, db, admin):
    save_calendar_day(db, admin, date(2026, 10, 1), "工作日", "误录")  # 国庆 in the package's data
    save_calendar_day(db, admin, date(2026, 3, 10), "休息日", "地方放假")  # not listed by the package
    save_calendar_day(db, admin, date(2027, 1, 1), "工作日", "误录")  # 元旦, a statutory holiday
    save_calendar_day(db, admin, date(2027, 1, 9), "工作日", "调休")
    shown = dialog()
    assert statuses(shown) == [
        ("2026-03-10", "有效"),
        ("2026-10-01", "不起作用：程序收录的国务院安排中这天放假，以收录的安排为准"),
        ("2027-01-01", "不起作用：这天是法定节假日（元旦），不能调为工作日"),
        ("2027-01-09", "有效"),
    ]
    assert shown.year_lines() == [
        "2026年：程序已收录国务院公布的安排；录入的2天中有1天与之不同，以收录的安排为准",
        "2027年：尚未录全（只录入了2天），已自动计入法定节假日，调休上班日和补休日待录入",
    ]


def test_saving_a_day_shows_its_year(dialog):
    shown = dialog()
    shown.day.setText("2028-01-29")
    shown.kind.setCurrentText("工作日")
    shown.note.setText("春节调休")
    assert shown.save_day()
    assert shown.year.value() == 2028
    assert "2028年已录入1天" in shown.year_note.text()
    assert statuses(shown) == [("2028-01-29", "有效")]
