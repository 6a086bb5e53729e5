"""The application lock in the window: the 只读打开/退出 question, the read-only banner, a take-over while working."""

from __future__ import annotations

import pytest

from aiddesk.db import app_lock
from aiddesk.db.connection import ReadOnlyError
from aiddesk.services import accounts
from aiddesk.ui import lock_session


@pytest.fixture
def asked(monkeypatch):
    """The texts of the 只读打开/退出 question; the answer is set per test."""
    texts: list[str] = []
    answer = {"read_only": True}

    def fake(parent, holder):
        texts.append(f"数据库正由 {holder.describe()}使用。可以只读方式打开查看，不能修改。")
        return answer["read_only"]

    monkeypatch.setattr(lock_session, "ask_read_only", fake)
    return texts, answer


class _Person:
    username, display_name = "zhangsan", "张三"


def _other_pc(db, stale_seconds=None):
    """张三 on another PC takes the lock (in this process: only the host name tells PCs apart)."""
    return app_lock.acquire(db.path, _Person(), host="PC-办公室2", stale_seconds=stale_seconds)


def test_held_elsewhere_opens_read_only_with_title_and_banner(qtbot, db, admin, asked):
    from aiddesk.ui.main_window import MainWindow

    texts, _ = asked
    other = _other_pc(db)
    user, actor = admin
    session = lock_session.start(db, user)
    assert session is not None
    ro, lock = session
    assert lock is None and ro.read_only
    assert texts == [f"数据库正由 张三（电脑 PC-办公室2，自 {app_lock.short_time(other.lock.info.started)} 起）使用。"
                     "可以只读方式打开查看，不能修改。"]
    window = MainWindow(db=ro, user=user, actor=actor)
    qtbot.addWidget(window)
    keeper = lock_session.watch(window, lock)
    window.show()
    assert window.windowTitle().endswith("（只读）")
    assert window.read_only_banner.isVisible()
    assert "张三（电脑 PC-办公室2" in window.read_only_label.text()
    with pytest.raises(ReadOnlyError) as info:  # a write through a service fails with its message
        accounts.add_user(ro, actor, username="li", display_name="李四", password="secret123", roles=("经办人",))
    assert "不能保存修改" in info.value.message
    keeper.stop()
    assert app_lock.lock_path_for(db.path).exists()  # not ours to remove
    ro.close()
    other.lock.release()


def test_quit_closes_and_leaves_the_lock(db, admin, asked):
    _, answer = asked
    answer["read_only"] = False
    other = _other_pc(db)
    assert lock_session.start(db, admin[0]) is None
    assert other.lock.refresh()
    other.lock.release()


def test_stale_lock_is_taken_over_with_a_message(db, admin, asked, said):
    _other_pc(db)
    session = lock_session.start(db, admin[0], stale_seconds=0)
    db2, lock = session
    assert db2 is db and not db.read_only and lock is not None
    assert said and said[0][0] == "info" and "没有更新" in said[0][1] and "张三" in said[0][1]
    assert asked[0] == []
    lock.release()


def test_take_over_while_working_switches_the_window_to_read_only(qtbot, db, admin, said):
    from aiddesk.ui.main_window import MainWindow

    user, actor = admin
    db, lock = lock_session.start(db, user)
    window = MainWindow(db=db, user=user, actor=actor)
    qtbot.addWidget(window)
    keeper = lock_session.watch(window, lock)
    window.show()
    assert keeper.timer.isActive() and "（只读）" not in window.windowTitle()
    keeper.beat()
    assert not db.read_only  # still ours: the heartbeat went through
    other = _other_pc(db, stale_seconds=0)  # the other PC judged us stale
    assert other.acquired
    keeper.beat()
    assert db.read_only and not keeper.timer.isActive()
    assert window.windowTitle().endswith("（只读）") and window.read_only_banner.isVisible()
    assert said[-1][0] == "error" and "已被接管" in said[-1][1] and "张三" in said[-1][1]
    with pytest.raises(ReadOnlyError):
        with db.transaction():
            pass
    keeper.stop()
    assert app_lock.lock_path_for(db.path).exists()  # the new holder's lock stays
    other.lock.release()


def test_exit_releases_our_lock(qtbot, window):
    db = window.db
    db_, lock = lock_session.start(db, window.user)
    keeper = lock_session.watch(window, lock)
    assert app_lock.lock_path_for(db.path).exists()
    keeper.stop()
    assert not app_lock.lock_path_for(db.path).exists()
