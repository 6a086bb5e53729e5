"""The application lock in the window: the 只读打开/退出 question, the read-only banner, a take-over while working,
and a read-only window becoming writable once the other PC has gone."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from datetime import date, timedelta

import pytest

from aiddesk.core.clock import ShiftedClock
from aiddesk.db import app_lock
from aiddesk.db.connection import ReadOnlyError
from aiddesk.services import accounts
from aiddesk.ui import lock_session


@pytest.fixture
def asked(monkeypatch):
    """The texts of the 只读打开/退出 question; the answer is set per test."""
    texts: list[str] = []
    answer = {"read_only": True}

    def fake(parent, holder, *, stale_seconds, today=None):
        texts.append((holder.describe(today), stale_seconds))
        return answer["read_only"]

    monkeypatch.setattr(lock_session, "ask_read_only", fake)
    return texts, answer


class _Person:
    username, display_name = "zhangsan", "张三"


class Ticks:
    """This PC's elapsed time (``time.monotonic``) as the test moves it."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _other_pc(db, stale_seconds=None):
    """张三 on another PC takes the lock (in this process: only the host name tells PCs apart)."""
    return app_lock.acquire(db.path, _Person(), clock=db.clock, host="PC-办公室2", stale_seconds=stale_seconds)


def _window(qtbot, db, admin, opened):
    from aiddesk.ui.main_window import MainWindow

    user, actor = admin
    window = MainWindow(db=opened.db, user=user, actor=actor)
    qtbot.addWidget(window)
    keeper = lock_session.watch(window, opened.lock, opened.claim)
    window.show()
    return window, keeper


def test_held_elsewhere_opens_read_only_with_title_and_banner(qtbot, db, admin, asked):
    texts, _ = asked
    other = _other_pc(db)
    user, actor = admin
    opened = lock_session.start(db, user)
    assert opened is not None
    ro = opened.db
    assert opened.lock is None and opened.claim is not None and ro.read_only
    assert texts == [("张三（电脑 PC-办公室2，自 09:00 起）", 180)]  # same day by the reader's clock: time only
    window, keeper = _window(qtbot, db, admin, opened)
    assert window.windowTitle().endswith("（只读）")
    assert window.read_only_banner.isVisible()
    assert "张三（电脑 PC-办公室2" in window.read_only_label.text()
    assert keeper.timer.isActive()  # watching the other PC's lock
    with pytest.raises(ReadOnlyError) as info:  # a write through a service fails with its message
        accounts.add_user(ro, actor, username="li", display_name="李四", password="secret123", roles=("经办人",))
    assert "不能保存修改" in info.value.message
    keeper.stop()
    assert app_lock.lock_path_for(db.path).exists()  # not ours to remove
    ro.close()
    other.lock.release()


def test_the_question_says_the_window_will_become_writable(qtbot, db, monkeypatch):
    """The real question box: its text, read before the clerk answers 退出."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMessageBox

    other = _other_pc(db)
    seen = {}

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, answer)
            return
        seen["text"] = box.text()
        next(b for b in box.buttons() if b.text() == "退出").click()

    QTimer.singleShot(0, answer)
    assert lock_session.ask_read_only(None, other.lock.info, stale_seconds=180, today=db.clock.today()) is False
    assert seen["text"].startswith("数据库正由 张三（电脑 PC-办公室2，自 09:00 起）使用。")
    assert "对方关闭程序后，本机会自动切换为可以修改" in seen["text"] and "约3分钟后切换" in seen["text"]
    other.lock.release()


def test_quit_closes_and_leaves_the_lock(db, admin, asked):
    _, answer = asked
    answer["read_only"] = False
    other = _other_pc(db)
    assert lock_session.start(db, admin[0]) is None
    assert other.lock.refresh()
    other.lock.release()


@pytest.mark.skipif(sys.platform == "win32", reason="dead-process check is POSIX only")
def test_lock_of_a_dead_program_on_this_pc_is_taken_with_a_message(db, admin, asked, said):
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    info = app_lock.LockInfo("zhangsan", "张三", socket.gethostname(), child.pid,
                             "2026-11-26T08:00:00", "2026-11-26T08:30:00")
    app_lock.lock_path_for(db.path).write_text(json.dumps(info.__dict__, ensure_ascii=False), encoding="utf-8")
    opened = lock_session.start(db, admin[0])
    assert opened.db is db and not db.read_only and opened.lock is not None
    assert said and said[0][0] == "info" and "已不在运行" in said[0][1] and "张三" in said[0][1]
    assert asked[0] == []
    opened.lock.release()


def test_stale_lock_is_taken_over_with_a_message(db, admin, asked, said):
    _other_pc(db)
    opened = lock_session.start(db, admin[0], stale_seconds=0)  # every lock is stale at the first look
    assert opened.db is db and not db.read_only and opened.lock is not None
    assert said and said[0][0] == "info" and "没有更新" in said[0][1] and "张三（电脑 PC-办公室2）" in said[0][1]
    assert "请确认对方电脑上的工作台确实已关闭" in said[0][1]
    assert asked[0] == []
    opened.lock.release()


def test_read_only_window_becomes_writable_when_the_other_pc_closes(qtbot, db, admin, asked, said):
    other = _other_pc(db)
    opened = lock_session.start(db, admin[0])
    window, keeper = _window(qtbot, db, admin, opened)
    ro = window.db
    keeper.beat()  # a look while the other PC still has it: nothing changes
    assert ro.read_only and window.read_only_banner.isVisible() and said == []
    other.lock.release()  # 张三 closes the program
    keeper.beat()
    assert not ro.read_only and window.db is ro  # the same object every page holds, now writable
    assert "（只读）" not in window.windowTitle() and not window.read_only_banner.isVisible()
    assert said[-1] == ("info", "张三（电脑 PC-办公室2）已关闭工作台。本机现在可以修改数据库，不再是只读。")
    accounts.add_user(ro, admin[1], username="li", display_name="李四", password="secret123", roles=("经办人",))
    assert ro.conn.execute("SELECT COUNT(*) FROM users WHERE username = 'li'").fetchone()[0] == 1
    assert keeper.lock is not None and keeper.timer.isActive()  # now our heartbeat
    stored = app_lock._read(app_lock.lock_path_for(db.path))
    assert stored.username == "admin" and stored.host != "PC-办公室2"
    keeper.stop()
    assert not app_lock.lock_path_for(db.path).exists()


def test_read_only_window_takes_over_a_silent_lock_after_the_stale_time(qtbot, db, admin, asked, said):
    other = _other_pc(db)
    ticks = Ticks()
    opened = lock_session.start(db, admin[0], monotonic=ticks)  # the real stale time: 3 minutes
    window, keeper = _window(qtbot, db, admin, opened)
    for _ in range(10):  # alive: it beats between our looks, for five minutes
        ticks.now += 30
        assert other.lock.refresh()
        keeper.beat()
    assert window.db.read_only
    for _ in range(5):  # then it goes silent (crashed, or off the network)
        ticks.now += 30
        keeper.beat()
    assert window.db.read_only and said == []
    ticks.now += 30
    keeper.beat()
    assert not window.db.read_only and keeper.lock is not None
    assert said[-1][0] == "info" and "锁文件已有3分钟没有更新" in said[-1][1]
    assert not other.lock.refresh() and other.lock.lost_to.username == "admin"
    keeper.stop()


def test_take_over_while_working_switches_to_read_only_then_back(qtbot, db, admin, said):
    user, _ = admin
    opened = lock_session.start(db, user)
    window, keeper = _window(qtbot, db, admin, opened)
    assert keeper.timer.isActive() and "（只读）" not in window.windowTitle()
    keeper.beat()
    assert not db.read_only  # still ours: the heartbeat went through
    other = _other_pc(db, stale_seconds=0)  # the other PC judged us stale
    assert other.acquired
    keeper.beat()
    assert db.read_only and keeper.timer.isActive() and keeper.claim is not None
    assert window.windowTitle().endswith("（只读）") and window.read_only_banner.isVisible()
    assert said[-1][0] == "error" and "已被接管" in said[-1][1] and "张三" in said[-1][1]
    assert "自动切换回可以修改" in said[-1][1]
    with pytest.raises(ReadOnlyError):
        with db.transaction():
            pass
    other.lock.release()  # the other PC is done
    keeper.beat()
    assert not db.read_only and window.windowTitle().count("（只读）") == 0
    with db.transaction():
        pass
    keeper.stop()
    assert not app_lock.lock_path_for(db.path).exists()


def test_read_only_reopen_keeps_the_sessions_clock(db, admin, asked):
    """A date confirmed at login (a shifted clock) goes on in the read-only session and its worker connections."""
    other = _other_pc(db)
    db.clock = ShiftedClock(timedelta(days=3), base=db.clock)
    opened = lock_session.start(db, admin[0])
    assert opened.db.read_only and opened.db.clock.today() == date(2026, 11, 29)
    worker = opened.db.connect_for_thread()
    assert worker.clock.today() == date(2026, 11, 29)
    worker.close()
    opened.db.close()
    other.lock.release()


def test_exit_releases_our_lock(qtbot, window):
    db = window.db
    opened = lock_session.start(db, window.user)
    keeper = lock_session.watch(window, opened.lock)
    assert app_lock.lock_path_for(db.path).exists()
    keeper.stop()
    assert not app_lock.lock_path_for(db.path).exists()
