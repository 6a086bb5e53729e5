"""The window locks after a spell without input and opens again only with the user's password."""

from __future__ import annotations

from PySide6.QtCore import Qt

from aiddesk.ui.idle_lock import IdleLock


def test_idle_window_hides_its_content_until_the_password_is_entered(qtbot, window, db):
    window.idle_lock.stop()  # the window's own lock waits minutes; this one only a moment
    lock = IdleLock(window, db=db, username="admin", idle_ms=60)
    qtbot.waitUntil(lambda: lock.locked, timeout=3000)
    assert not window.centralWidget().isVisible()
    dialog = lock.dialog
    assert dialog.isVisible() and dialog.isModal()
    assert "admin" in dialog.findChildren(type(dialog.error))[0].text()
    dialog.password.setText("wrong-pass")
    assert dialog.try_unlock() is False
    assert dialog.error.text() == "用户名或密码不正确" and not window.centralWidget().isVisible()
    qtbot.keyClick(dialog, Qt.Key_Escape)  # Esc does not get round the lock
    assert lock.locked and dialog.isVisible()
    dialog.password.setText("admin123")
    qtbot.keyClick(dialog.password, Qt.Key_Return)
    assert not lock.locked and window.centralWidget().isVisible()
    lock.stop()


def test_input_keeps_the_window_unlocked(qtbot, window, db):
    window.idle_lock.stop()
    lock = IdleLock(window, db=db, username="admin", idle_ms=400)
    for _ in range(6):  # 600 ms in all, never 400 without a key press
        qtbot.wait(100)
        qtbot.keyClick(window.centralWidget(), Qt.Key_Shift)
    assert not lock.locked
    qtbot.waitUntil(lambda: lock.locked, timeout=3000)  # then left alone, it locks
    lock.stop()


def test_the_main_window_installs_a_lock_with_the_configured_minutes(window):
    assert window.idle_lock.timer.interval() == 15 * 60_000 and window.idle_lock.timer.isActive()


def test_an_open_form_is_blanked_not_closed_while_locked(qtbot, window, db):
    from PySide6.QtWidgets import QDialog, QLineEdit, QVBoxLayout

    window.idle_lock.stop()
    form = QDialog(window)
    QVBoxLayout(form).addWidget(QLineEdit("张三 460100198001011234"))
    form.resize(300, 120)
    form.open()
    qtbot.waitExposed(form)
    lock = IdleLock(window, db=db, username="admin", idle_ms=60)
    qtbot.waitUntil(lambda: lock.locked, timeout=3000)
    [cover] = [c for c in lock.covers if c.parent() is form]
    assert cover.isVisible() and cover.geometry() == form.rect() and form.isVisible()
    lock.dialog.password.setText("admin123")
    assert lock.dialog.try_unlock()
    assert not lock.covers and form.isVisible() and form.result() == 0
    form.close()
    lock.stop()


def test_the_login_dialog_says_how_long_a_locked_account_waits(qtbot, db, admin):
    from aiddesk.services import accounts
    from aiddesk.ui.login import FirstAdminDialog, LoginDialog

    dialog = LoginDialog(db=db)
    qtbot.addWidget(dialog)
    dialog.username.setText("admin")
    dialog.password.setText("not-the-password")
    for _ in range(accounts.security_rules()["max_failed_logins"]):
        assert dialog.try_accept() is False
    assert "账号已锁定" in dialog.error_label.text() and "分钟后" in dialog.error_label.text()
    dialog.password.setText("admin123")
    assert dialog.try_accept() is False and "账号已锁定" in dialog.error_label.text()
    assert "至少8位" == FirstAdminDialog(db=db).password.placeholderText()


def test_the_second_pcs_idle_lock_counts_wrong_passwords_and_locks_out(qtbot, window, db):
    """On a read-only database (the second PC) wrong passwords count, lock out, and no read-only error shows."""
    from datetime import timedelta

    from aiddesk.db import open_database
    from aiddesk.services import accounts

    window.idle_lock.stop()
    ro = open_database(db.path, read_only=True, read_only_reason="王管理（电脑 PC-01）正在使用", clock=db.clock)
    try:
        lock = IdleLock(window, db=ro, username="admin", idle_ms=60)
        qtbot.waitUntil(lambda: lock.locked, timeout=3000)
        dialog = lock.dialog
        # One wrong password, then the right one: the window opens again.
        dialog.password.setText("wrong-pass")
        assert dialog.try_unlock() is False and dialog.error.text() == "用户名或密码不正确"
        dialog.password.setText("admin123")
        qtbot.keyClick(dialog.password, Qt.Key_Return)
        assert not lock.locked and window.centralWidget().isVisible()
        # Locked again; the limit of wrong passwords locks the account, and the right one waits its minutes.
        lock.lock()
        dialog = lock.dialog
        n, minutes = accounts.security_rules()["max_failed_logins"], accounts.security_rules()["lockout_minutes"]
        shown = []
        for _ in range(n):
            dialog.password.setText("wrong-pass")
            assert dialog.try_unlock() is False
            shown.append(dialog.error.text())
        assert shown[:-1] == ["用户名或密码不正确"] * (n - 1)
        assert "账号已锁定" in shown[-1] and f"{minutes} 分钟后" in shown[-1]
        dialog.password.setText("admin123")
        assert dialog.try_unlock() is False and "账号已锁定" in dialog.error.text()
        assert not any("只读" in text for text in shown + [dialog.error.text()])
        assert lock.locked and not window.centralWidget().isVisible()
        db.clock.set(db.clock.now() + timedelta(minutes=minutes, seconds=1))
        dialog.password.setText("admin123")
        assert dialog.try_unlock() is True and not lock.locked
        lock.stop()
    finally:
        ro.close()
