"""Start-up self-test for a packaged build: open the main window on a database, check Qt set-up, quit."""

from __future__ import annotations

import sys
import time
from pathlib import Path


def run_smoke_test(db_path: Path, seconds: float) -> int:
    """Open the main window without a login as the database's first administrator; 0 if everything came up."""
    from PySide6.QtWidgets import QApplication

    from ..db import DatabaseOpenError, open_database
    from ..db.audit import Actor
    from ..db.users import all_users
    from .app import FONT_FILE, setup_application
    from .main_window import MainWindow

    app = setup_application()
    problems: list[str] = []
    # A frozen build that lost its Chinese Qt translations or its font still starts, only wrongly: check both.
    if not getattr(app, "_aiddesk_translators", None):
        problems.append("未找到 Qt 中文翻译（qtbase_zh_CN）")
    if not FONT_FILE.is_file():
        problems.append(f"未找到内置字体：{FONT_FILE}")
    elif "WenQuanYi" not in app.font().family() and "文泉" not in app.font().family():
        problems.append(f"内置字体未生效（当前字体：{app.font().family()}）")
    try:
        db = open_database(db_path)
    except DatabaseOpenError as err:
        sys.stderr.write(f"界面自检失败：{err.message}\n")
        return 1
    try:
        admins = [u for u in all_users(db.conn) if u.active and u.has_role("管理员")]
        if not admins:
            sys.stderr.write("界面自检失败：数据库中没有管理员账号。请先运行 aiddesk --db 文件 demo 生成演示数据库。\n")
            return 1
        user = admins[0]
        window = MainWindow(db=db, user=user, actor=Actor(user.username, "界面", tuple(user.roles)))
        window.show()
        # Let timers, deferred loads and the first paint run, as they would for a user.
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QApplication.processEvents()
            time.sleep(0.02)
        if not window.isVisible():
            problems.append("主窗口未能显示")
        title = window.windowTitle()
        window.close()
        QApplication.processEvents()
    finally:
        db.close()
    if problems:
        sys.stderr.write("界面自检失败：" + "；".join(problems) + "\n")
        return 1
    print(f"界面自检通过：主窗口“{title}”已打开，中文翻译和内置字体已加载。")
    return 0
