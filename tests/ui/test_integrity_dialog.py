"""管理 → 完整性检查 on a real window: the checks run off the GUI thread and their report is shown."""

from __future__ import annotations

import sqlite3

from aiddesk.services.archive import ArchiveService


def _run(window, qtbot):
    window.integrity_report = None
    window.check_action.trigger()
    qtbot.waitUntil(lambda: window.integrity_report is not None and window.integrity_report.isVisible(), timeout=20000)
    return window.integrity_report


def test_a_sound_database_passes_every_check(window, qtbot, admin, make_household):
    ArchiveService(window.db, admin[1]).save(make_household(1))
    report = _run(window, qtbot)
    assert report.summary.text().startswith("全部检查通过")
    text = report.text.toPlainText()
    assert text.count("通过") == 8 and "问题" not in text


def test_an_edited_log_entry_is_shown_with_its_id(window, qtbot, admin, make_household):
    ArchiveService(window.db, admin[1]).save(make_household(1))
    editor = sqlite3.connect(window.db.path, isolation_level=None)
    editor.execute("UPDATE audit_log SET user = '别人' WHERE id = 1")
    editor.close()
    report = _run(window, qtbot)
    assert "1 项检查发现问题" in report.summary.text()
    assert "操作日志防篡改校验：问题" in report.text.toPlainText()
    assert "操作日志第 1 条内容与校验值不符" in report.text.toPlainText()


def test_only_an_administrator_may_run_the_checks(app, qtbot, db):
    from aiddesk.db.audit import Actor
    from aiddesk.db import users
    from aiddesk.services import accounts
    from aiddesk.ui.main_window import MainWindow

    accounts.create_first_admin(db, username="admin", display_name="王管理", password="admin123")
    accounts.add_user(db, Actor("admin", "界面", ("管理员",)), username="jingban", display_name="李经办",
                              password="jingban123", roles=("经办人",))
    clerk = users.find_user(db.conn, "jingban")
    w = MainWindow(db=db, user=clerk, actor=Actor(clerk.username, "界面", tuple(clerk.roles)))
    qtbot.addWidget(w)
    assert not w.check_action.isEnabled()
