"""Start-up: Qt's own texts in Chinese, the bundled font, the first-admin and login dialogs."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialogButtonBox

from aiddesk.services import accounts
from aiddesk.ui.login import FirstAdminDialog, LoginDialog


def test_qt_dialogs_speak_chinese(app, qtbot):
    assert QCoreApplication.translate("QPlatformTheme", "Cancel") == "取消"
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.Cancel).text() == "取消"


def test_bundled_chinese_font_is_the_app_font(app):
    assert "WenQuanYi Micro Hei" in QFontDatabase.families()
    assert app.font().family() == "WenQuanYi Micro Hei"


def test_first_start_creates_the_administrator_then_login(app, qtbot, db):
    assert accounts.needs_first_admin(db)
    first = FirstAdminDialog(db=db)
    qtbot.addWidget(first)
    first.username.setText("admin")
    first.display_name.setText("王管理")
    first.password.setText("secret99")
    first.repeat.setText("secret98")
    assert not first.try_accept()
    assert "不一致" in first.error_label.text()
    first.repeat.setText("secret99")
    assert first.try_accept()
    assert not accounts.needs_first_admin(db)

    login = LoginDialog(db=db)
    qtbot.addWidget(login)
    login.username.setText("admin")
    login.password.setText("wrong-password")
    assert not login.try_accept()
    assert login.error_label.text() == "用户名或密码不正确"
    login.password.setText("secret99")
    assert login.try_accept()
    assert login.user.username == "admin" and "管理员" in login.user.roles


def test_garbage_is_collected_on_the_gui_thread_only(app):
    import gc

    from aiddesk.ui.gc_guard import GuiThreadCollector

    assert not gc.isenabled()  # a worker thread never triggers a collection …
    collectors = app.findChildren(GuiThreadCollector)
    assert len(collectors) == 1 and collectors[0].timer.isActive()  # … the GUI thread does, on a timer


def test_opening_the_window_does_not_load_the_slow_libraries():
    """Start-up budget: reportlab, pypinyin and openpyxl load when first used, not with the window."""
    import subprocess
    import sys

    code = ("import sys, aiddesk.ui.main_window, aiddesk.ui.app; "
            "print(sorted(m for m in ('reportlab', 'pypinyin', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}).stdout.strip()
    assert out == "[]"
