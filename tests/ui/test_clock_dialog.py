"""A PC whose clock is clearly wrong, at login: the dates shown, today's date confirmed (or 退出), and every date of
the session — records, worker connections, the lock file, the exit backup — from what the user confirmed."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from aiddesk.core.clock import FixedClock
from aiddesk.db import app_lock, open_database
from aiddesk.db.backup import backup_time
from aiddesk.services import accounts
from aiddesk.ui import lock_session
from aiddesk.ui.app import run_sessions
from aiddesk.ui.clock_dialog import ClockDialog

# The newest record of the test database: the administrator, created on the test clock's 2026-11-26 09:00.
NEWEST = datetime(2026, 11, 26, 9, 0)


@pytest.fixture
def office(db, admin) -> Path:
    """The office database, closed: the program opens it itself, with the clock a test gives it."""
    db.close()
    return db.path


def _login(db):
    return accounts.login(db, "admin", "admin123")


def _audit_count(path: Path) -> int:
    database = open_database(path, create=False)
    try:
        return database.conn.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0]
    finally:
        database.close()


@pytest.fixture
def clock_dialog(qtbot):
    """Answers the clock dialog when it shows (``answer[0](dialog)``); what it showed is in ``seen``."""
    seen: list[dict] = []
    answer = [lambda dialog: dialog.reject()]
    running = [True]

    def poll():
        if not running[0]:
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, ClockDialog):
            seen.append({"problem": dialog.findChild(type(dialog.pc_label), "clock_problem").text(),
                         "pc": dialog.pc_label.text(), "newest": dialog.newest_label.text(),
                         "default": dialog.confirmed_day(), "title": dialog.windowTitle(),
                         "buttons": [b.text() for b in dialog.buttons.buttons()]})
            answer[0](dialog)
        QTimer.singleShot(10, poll)

    QTimer.singleShot(0, poll)
    yield seen, answer
    running[0] = False


def _confirm(day: date):
    def answer(dialog):
        dialog.day.setDate(QDate(day.year, day.month, day.day))
        dialog.buttons.button(QDialogButtonBox.Ok).click()
    return answer


def test_clock_behind_the_newest_record_asks_and_the_session_runs_on_the_confirmed_date(office, clock_dialog):
    seen, answer = clock_dialog
    answer[0] = _confirm(date(2026, 11, 27))
    during = {}

    def run_window(window):
        db = window.db
        during["today"] = db.clock.today()
        worker = db.connect_for_thread()
        during["worker"] = worker.clock.today()
        worker.close()
        during["lock_started"] = app_lock._read(app_lock.lock_path_for(office)).started
        accounts.add_user(db, window.actor, username="li", display_name="李四", password="secret123",
                          roles=("经办人",))
        during["recorded"] = db.conn.execute("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        return 0

    assert run_sessions(office, login=_login, run_window=run_window,
                        clock=FixedClock(datetime(2026, 10, 1, 10, 0))) == 0
    (shown,) = seen
    assert shown["title"] == "请确认今天的日期" and shown["buttons"] == ["按此日期继续", "退出"]
    assert shown["pc"] == "2026年10月1日（星期四）" and shown["newest"] == "2026年11月26日（星期四） 09:00"
    assert shown["default"] == date(2026, 11, 26)  # behind: the newest record's day, never further back
    assert "还早56天" in shown["problem"] and "请把本机的日期和时间改正确" in shown["problem"]
    assert during == {"today": date(2026, 11, 27), "worker": date(2026, 11, 27),
                      "lock_started": "2026-11-27T10:00:00", "recorded": "2026-11-27T10:00:00"}
    (exit_backup,) = office.with_name("office_备份").glob("*-退出.zip")
    assert backup_time(exit_backup) == datetime(2026, 11, 27, 10, 0)
    assert not app_lock.lock_path_for(office).exists()


def test_quitting_at_the_clock_dialog_writes_nothing(office, clock_dialog):
    seen, answer = clock_dialog
    answer[0] = lambda dialog: dialog.buttons.button(QDialogButtonBox.Cancel).click()
    before = (_audit_count(office), hashlib.sha256(office.read_bytes()).hexdigest())
    windows = []
    code = run_sessions(office, login=_login, run_window=windows.append,
                        clock=FixedClock(datetime(2036, 11, 26, 10, 0)))
    assert code == 0 and windows == []
    (shown,) = seen
    assert shown["default"] == date(2036, 11, 26)  # ahead: the PC's own date, for the user to correct
    assert "晚了3653天" in shown["problem"]
    assert (_audit_count(office), hashlib.sha256(office.read_bytes()).hexdigest()) == before
    assert not app_lock.lock_path_for(office).exists() and not office.with_name("office_备份").exists()


def test_confirming_the_pcs_own_date_keeps_its_clock(office, clock_dialog):
    seen, answer = clock_dialog
    answer[0] = lambda dialog: dialog.buttons.button(QDialogButtonBox.Ok).click()
    pc_clock = FixedClock(datetime(2028, 6, 1, 10, 0))  # the office really was away for a year and a half
    clocks = []
    assert run_sessions(office, login=_login, run_window=lambda w: clocks.append(w.db.clock) or 0,
                        clock=pc_clock) == 0
    assert len(seen) == 1 and clocks == [pc_clock]


def test_a_plausible_clock_shows_no_dialog(office, clock_dialog):
    seen, _ = clock_dialog
    days = []
    assert run_sessions(office, login=_login, run_window=lambda w: days.append(w.db.clock.today()) or 0,
                        clock=FixedClock(datetime(2026, 11, 27, 9, 0))) == 0
    assert days == [date(2026, 11, 27)] and seen == []


def test_the_confirmed_date_goes_on_in_a_read_only_session(office, clock_dialog, monkeypatch):
    seen, answer = clock_dialog
    answer[0] = _confirm(date(2026, 11, 28))
    monkeypatch.setattr(lock_session, "ask_read_only", lambda *a, **kw: True)
    other = app_lock.acquire(office, "zhangsan", clock=FixedClock(NEWEST), host="PC-办公室2")
    during = {}

    def run_window(window):
        during["read_only"] = window.db.read_only
        during["today"] = window.db.clock.today()
        during["claim"] = window.lock_keeper.claim.clock.today()
        return 0

    try:
        assert run_sessions(office, login=_login, run_window=run_window,
                            clock=FixedClock(datetime(2026, 10, 1, 10, 0))) == 0
    finally:
        other.lock.release()
    assert len(seen) == 1
    assert during == {"read_only": True, "today": date(2026, 11, 28), "claim": date(2026, 11, 28)}


def test_screenshot_of_the_dialog(qtbot):
    from aiddesk.core.clock_check import clock_problem, clock_rules

    pc_day = date(2026, 10, 1)
    dialog = ClockDialog(problem=clock_problem(pc_day, NEWEST.date(), clock_rules()), pc_day=pc_day, newest=NEWEST)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.confirmed_day() == NEWEST.date()
    assert dialog.grab().save("/tmp/clock_dialog.png")
