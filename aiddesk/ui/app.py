"""Starting the app: Qt in Chinese, the bundled font, the database, login, the main window."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QCoreApplication, QEvent, QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QDialog

from ..core.clock import Clock, SystemClock
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
    from . import crash

    app = setup_application()
    crash.install()
    return run_sessions(db_path, login=login_dialogs, run_window=lambda window: app.exec())


def login_dialogs(db):
    """The first-administrator dialog on an empty database, then the login; the user, or None if cancelled."""
    from ..services.accounts import needs_first_admin
    from .login import FirstAdminDialog, LoginDialog

    if needs_first_admin(db):
        if FirstAdminDialog(db=db).exec() != QDialog.Accepted:
            return None
    login = LoginDialog(db=db)
    if login.exec() != QDialog.Accepted:
        return None
    return login.user


def run_sessions(db_path: Path, *, login: Callable, run_window: Callable, clock: Clock | None = None) -> int:
    """Login → clock check → window → …, again after a restore from the GUI; the exit code of the last window.

    ``login(db)`` returns the user (or None to quit); ``run_window(window)`` runs until the window has closed
    (the event loop; tests drive the window themselves). The application lock is held from the first login
    to the end, through the login after a restore. ``clock``: the PC's (default) or a test's; a date the user
    confirms at the clock check holds for the rest of the run.
    """
    from ..db import DatabaseOpenError, open_database
    from ..db.audit import Actor
    from ..db.clock_facts import newest_record_time
    from . import backup_actions, clock_dialog, lock_session, messages
    from .main_window import MainWindow

    clock = clock or SystemClock()
    keeper: lock_session.LockKeeper | None = None

    def give_back() -> None:
        if keeper is not None:
            keeper.stop()

    while True:
        try:
            db = open_database(db_path, clock=clock)
            newest = newest_record_time(db.conn)  # before the login: what earlier sessions wrote
        except DatabaseOpenError as err:
            messages.error(None, err.message, "无法打开数据库")
            give_back()
            return 1
        user = login(db)
        # A PC whose clock is clearly wrong: the user confirms today's date before anything is written (the lock
        # file included); business dates default from the clock only once they are confirmed.
        if user is None or not clock_dialog.confirm_clock(db, newest):
            db.close()
            give_back()
            return 0
        clock = db.clock
        if keeper is None or keeper.lock is None:
            give_back()  # a lock lost during the login after a restore: ask again, as at the first start
            # The application lock: one PC changes the database, another may only look (issue 8).
            opened = lock_session.start(db, user)
            if opened is None:
                return 0
            db = opened.db
            window = MainWindow(db=db, user=user, actor=Actor(user.username, "界面"))
            keeper = lock_session.watch(window, opened.lock, opened.claim)
        else:
            window = MainWindow(db=db, user=user, actor=Actor(user.username, "界面"))
            keeper.hand_over(window, user)
        backup_actions.watch_exit(window)
        window.show()
        # The daily backup starts once the window is up, on a worker thread; it reports in the status bar.
        QTimer.singleShot(0, window, lambda: backup_actions.start_daily_backup(window))
        code = run_window(window)
        relogin = getattr(window, "relogin", False)
        if not relogin and window.exit_backup.state == "idle":
            # The loop ended without the window being closed (never on a normal exit): back up all the same.
            from ..services.backups import backup_on_exit

            backup_actions.run_quietly(backup_on_exit, db, "退出")
        window.idle_lock.stop()
        if relogin:
            keeper.detach()  # the heartbeat goes on through the next login
        else:
            keeper.stop()
        db.close()  # already closed after a restore; closing again is harmless
        window.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.DeferredDelete)
        if not relogin:
            return code
