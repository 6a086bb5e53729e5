"""Starting the app: Qt in Chinese, the bundled font, the database, login, the main window."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog

from ..paths import resource

FONT_FILE = resource("fonts", "wqy-microhei.ttc")


def setup_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication with Qt's own dialogs in Chinese and a font that has Chinese glyphs."""
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("AidDesk")
    app.setApplicationDisplayName("工会帮扶工作台")
    QLocale.setDefault(QLocale(QLocale.Chinese, QLocale.China))
    from . import gc_guard

    gc_guard.install(app)
    if not getattr(app, "_aiddesk_translators", None):
        translators = []
        folder = QLibraryInfo.path(QLibraryInfo.TranslationsPath)
        for name in ("qtbase_zh_CN", "qt_zh_CN"):
            translator = QTranslator(app)
            if translator.load(name, folder):
                app.installTranslator(translator)
                translators.append(translator)
        app._aiddesk_translators = translators
        # The bundled font guarantees Chinese glyphs on a machine that has none installed.
        font_id = QFontDatabase.addApplicationFont(str(FONT_FILE))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        if families:
            font = QFont(families[0], 10)
            app.setFont(font)
    return app


def run_gui(db_path: Path) -> int:
    """Open the window on ``db_path``; returns the process exit code."""
    from ..db import DatabaseOpenError, open_database
    from ..db.audit import Actor
    from ..services.accounts import needs_first_admin
    from . import crash, messages
    from .login import FirstAdminDialog, LoginDialog
    from .main_window import MainWindow

    app = setup_application()
    crash.install()
    try:
        db = open_database(db_path)
    except DatabaseOpenError as err:
        messages.error(None, err.message, "无法打开数据库")
        return 1
    if needs_first_admin(db):
        first = FirstAdminDialog(db=db)
        if first.exec() != QDialog.Accepted:
            return 0
    login = LoginDialog(db=db)
    if login.exec() != QDialog.Accepted:
        return 0
    user = login.user
    from . import lock_session

    # The application lock: one PC changes the database, another may only look (issue 8).
    session = lock_session.start(db, user)
    if session is None:
        return 0
    db, lock = session
    from ..services.backups import backup_if_due, backup_on_exit
    from .backup_actions import run_quietly

    # Automatic backups (issue 8): quick enough to run here; a failure is logged, never stops the program.
    run_quietly(backup_if_due, db, "每日")
    window = MainWindow(db=db, user=user, actor=Actor(user.username, "界面"))
    keeper = lock_session.watch(window, lock)
    window.show()
    code = app.exec()
    if not getattr(window, "restored", False):  # after a restore the database is closed and replaced
        run_quietly(backup_on_exit, window.db, "退出")
    keeper.stop()
    db.close()
    return code
