"""Backups on a real window: 立即备份 off the GUI thread, the daily and exit backups, restoring, the settings."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from PySide6.QtWidgets import QDialog

from aiddesk.db import app_lock, open_database
from aiddesk.db.audit import Actor
from aiddesk.db.backup import backup_time, verify_backup
from aiddesk.services import accounts, backups
from aiddesk.services.archive import ArchiveService
from aiddesk.ui import backup_actions


def _unit_name(path, code="460001") -> str:
    database = open_database(path, create=False)
    try:
        return database.conn.execute("SELECT name FROM units WHERE code = ?", (code,)).fetchone()[0]
    finally:
        database.close()


def _made(db_or_path, reason: str) -> list[Path]:
    path = Path(getattr(db_or_path, "path", db_or_path))
    folder = path.with_name(path.stem + "_备份")
    return sorted(p for p in folder.glob(f"*-{reason}.zip") if backup_time(p, path.stem)) if folder.is_dir() else []


def _open_files(folder: Path) -> list[str]:
    """Files under ``folder`` this process holds open (Linux): what Windows would refuse to replace."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            found.append(target)
    return found


# ---- 立即备份 -----------------------------------------------------------------------------------


def test_backup_now_runs_on_a_worker_thread_and_reports(window, db, said, qtbot):
    assert [a.text() for a in window.menuBar().actions()][0] == "文件"
    window.backup_action.trigger()
    # The action returned before the backup was reported: the work is on another thread, the window is free.
    assert said == [] and not window.backup_action.isEnabled()
    (job,) = window.backup_jobs
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert job.ran_on not in (None, threading.main_thread().ident)
    (made,) = _made(db, "手动")
    assert verify_backup(made).reason == "手动"
    assert said[-1][0] == "info" and str(made) in said[-1][1]
    assert window.backup_action.isEnabled() and not backup_actions.busy(window)
    row = db.conn.execute("SELECT user FROM audit_log WHERE table_name = 'backups' AND action = 'backup'").fetchone()
    assert row[0] == "admin"  # the worker's own connection wrote the audit row


def test_backup_now_failure_is_said_in_chinese(window, db, said, qtbot):
    backups.default_folder(db).write_text("挡路的文件")
    backup_actions.backup_now(window)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    kind, text = said[-1]
    assert kind == "error" and "无法在" in text and "Traceback" not in text
    assert window.backup_action.isEnabled()


def test_busy_dialog_cannot_be_closed_while_working(window, qtbot):
    dialog = backup_actions.BusyDialog(window, "立即备份", "正在备份数据库和附件，请稍候…")
    dialog.show()
    assert not dialog.close() and dialog.isVisible()  # a backup cannot be stopped half-way
    dialog.finish()
    assert not dialog.isVisible()


# ---- the daily backup ---------------------------------------------------------------------------------


def test_daily_backup_reports_in_the_status_bar(window, db, qtbot):
    job = backup_actions.start_daily_backup(window)
    assert window.statusBar().currentMessage() == "正在自动备份…"
    qtbot.waitUntil(lambda: "已自动备份到" in window.statusBar().currentMessage(), timeout=10_000)
    assert job.ran_on != threading.main_thread().ident
    (made,) = _made(db, "每日")
    verify_backup(made)
    assert str(made.parent) in window.statusBar().currentMessage()
    assert backup_actions.start_daily_backup(window) is None  # once a day


def test_daily_backup_failure_is_a_status_bar_warning(window, db, qtbot):
    backups.default_folder(db).write_text("挡路的文件")
    backup_actions.start_daily_backup(window)
    qtbot.waitUntil(lambda: "自动备份没有完成" in window.statusBar().currentMessage(), timeout=10_000)
    assert "无法在" in window.statusBar().currentMessage()


# ---- the exit backup ------------------------------------------------------------------------------------


def test_closing_makes_the_exit_backup_behind_a_dialog_then_closes(window, db, qtbot):
    exit_backup = backup_actions.watch_exit(window)
    window.close()
    assert window.isVisible() and exit_backup.dialog.isVisible()  # the window waits, it does not vanish
    assert exit_backup.dialog.label.text().startswith("正在备份，请稍候…")
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert not exit_backup.dialog.isVisible() and exit_backup.error is None
    (made,) = _made(db, "退出")
    verify_backup(made)


def test_second_folder_that_is_a_file_does_not_stop_closing(window, db, qtbot, tmp_path, caplog):
    in_the_way = tmp_path / "U盘"
    in_the_way.write_text("一个文件，不是文件夹")
    backups.save_settings(db, window.actor, second=str(in_the_way))
    backup_actions.watch_exit(window)
    with caplog.at_level(logging.WARNING):
        window.close()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert len(_made(db, "退出")) == 1  # the first folder still got it
    assert "第二备份位置" in caplog.text


def test_a_failing_exit_backup_never_prevents_closing(window, db, qtbot, monkeypatch, caplog):
    monkeypatch.setattr(backup_actions, "EXIT_FAILURE_SECONDS", 0.2)
    backups.default_folder(db).write_text("挡路的文件")
    exit_backup = backup_actions.watch_exit(window)
    with caplog.at_level(logging.WARNING):
        window.close()
        qtbot.waitUntil(lambda: exit_backup.error is not None, timeout=10_000)
        assert window.isVisible() and "退出前的备份没有完成" in exit_backup.dialog.label.text()
        assert "程序仍将关闭" in exit_backup.dialog.label.text()
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert "退出备份 failed" in caplog.text


def test_exit_waits_for_a_running_backup(window, db, qtbot, said):
    exit_backup = backup_actions.watch_exit(window)
    backup_actions.backup_now(window)
    window.close()
    assert exit_backup.state == "waiting"  # one backup at a time in the folder
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10_000)
    assert len(_made(db, "手动")) == 1 and len(_made(db, "退出")) == 1


def test_automatic_backup_failure_is_logged_not_raised(db, caplog):
    # A file where the backup folder should be: the backup cannot be written, and the program must still close.
    backups.default_folder(db).write_text("in the way")
    with caplog.at_level(logging.ERROR):
        backup_actions.run_quietly(backups.backup_on_exit, db, "退出")
    assert "automatic backup (退出) failed" in caplog.text


# ---- restoring -------------------------------------------------------------------------------------------


def test_restore_shows_what_the_backup_holds_then_restores_and_ends_the_session(window, db, said, qtbot):
    archive = backups.backup_now(db, None, "手动").archive
    with db.transaction() as conn:
        conn.execute("UPDATE units SET name = '改过的名称' WHERE code = '460001'")
    path = db.path
    asked = []
    job = backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: asked.append(t) or True)
    assert job is not None and said == []  # checking the backup runs on a worker thread
    qtbot.waitUntil(lambda: getattr(window, "restored", False), timeout=10_000)
    assert "备份原因：手动" in asked[0] and "附件 0 个" in asked[0] and "重新登录" in asked[0]
    assert window.relogin and not window.isVisible()
    assert _unit_name(path) == "省财贸工会"
    assert "已从备份恢复" in said[-1][1] and "恢复前的数据库保留为" in said[-1][1] and "请重新登录" in said[-1][1]


def test_restore_cancelled_touches_nothing(window, db, said, qtbot):
    archive = backups.backup_now(db, None, "手动").archive
    with db.transaction() as conn:
        conn.execute("UPDATE units SET name = '改过的名称' WHERE code = '460001'")
    asked = []
    job = backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: asked.append(t) and False)
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert asked
    assert db.conn.execute("SELECT name FROM units WHERE code = '460001'").fetchone()[0] == "改过的名称"
    assert not getattr(window, "relogin", False) and window.isVisible()


def test_a_damaged_backup_is_refused_before_asking(window, db, said, qtbot):
    archive = backups.backup_now(db, None, "手动").archive
    with zipfile.ZipFile(archive) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["database.sqlite"] = members["database.sqlite"][:-1] + b"\x01"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    before = db.path.read_bytes()
    backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: 1 / 0)
    qtbot.waitUntil(lambda: bool(said), timeout=10_000)
    assert said[-1][0] == "error" and "校验值不符" in said[-1][1]
    assert db.path.read_bytes() == before
    assert db.conn.execute("SELECT count(*) FROM units").fetchone()[0] == 3  # still open and usable


def test_restore_is_for_administrators_only(window, db, said):
    assert window.restore_action.isEnabled()
    archive = backups.backup_now(db, None, "手动").archive
    window.actor = Actor("小王", "界面", ("经办人",))
    assert backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: True) is None
    assert "只有管理员" in said[-1][1]


def test_restore_refused_on_a_read_only_session_and_while_backing_up(window, db, said, qtbot):
    archive = backups.backup_now(db, None, "手动").archive
    backup_actions.backup_now(window)
    assert backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: True) is None
    assert "请等备份完成后再恢复" in said[-1][1]
    qtbot.waitUntil(lambda: not backup_actions.busy(window), timeout=10_000)
    db.set_read_only("张三（电脑 PC-办公室2）已接管")
    assert backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: True) is None
    assert said[-1][0] == "error" and "只读" in said[-1][1] and "张三" in said[-1][1]


# ---- the whole program: login → window → restore → login again → window on the restored data -------------


@pytest.fixture
def office(tmp_path, office_file) -> Path:
    """A database file with an administrator, closed: the program opens it itself."""
    folder = tmp_path / "工会"
    folder.mkdir()
    path = folder / "office.sqlite"
    shutil.copyfile(office_file, path)
    database = open_database(path)
    accounts.create_first_admin(database, username="admin", display_name="王管理", password="admin123")
    database.close()
    return path


def test_restore_returns_to_login_and_the_window_shows_the_restored_data(office, qtbot, said, make_household):
    from aiddesk.ui.app import run_sessions

    logins = []

    def login(db):
        """The login dialog's own check, against the users table of whatever database is in place."""
        lock = app_lock.lock_path_for(office)
        logins.append({"lock_held": lock.exists() and str(os.getpid()) in lock.read_text(encoding="utf-8"),
                       "households": db.conn.execute("SELECT count(*) FROM households").fetchone()[0]})
        return accounts.login(db, "admin", "admin123")

    seen = {}

    def first(window):
        # The daily backup starts only once the window is up, and says so in the status bar.
        assert window.isVisible() and _made(office, "每日") == []
        qtbot.waitUntil(lambda: "已自动备份到" in window.statusBar().currentMessage(), timeout=10_000)
        (daily,) = _made(office, "每日")
        ArchiveService(window.db, window.actor).save(make_household(1, name="备份后新建"))
        window.list_view.refresh()
        assert window.list_view.model.total == 1
        backup_actions.restore_from_backup(window, str(daily), confirm=lambda t: True)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        assert window.restored
        seen["open_after_restore"] = _open_files(office.parent)  # Windows could not have replaced a held file
        return 0

    def second(window):
        assert window.isVisible() and window.lock_keeper.timer.isActive()
        assert window.list_view.model.total == 0  # the household added after the backup is gone
        assert window.db.conn.execute("SELECT count(*) FROM households").fetchone()[0] == 0
        window.close()  # the exit backup, of the restored database
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        return 7

    scripts = iter([first, second])
    code = run_sessions(office, login=login, run_window=lambda window: next(scripts)(window))
    assert code == 7
    assert seen["open_after_restore"] == []
    assert logins == [{"lock_held": False, "households": 0},   # the first login comes before the lock
                      {"lock_held": True, "households": 0}]    # held through the login after the restore
    assert len(_made(office, "退出")) == 1  # none of the replaced database, one at the end
    assert list(office.parent.glob("office.恢复前-*.sqlite"))
    assert "请重新登录" in said[-1][1]
    assert not app_lock.lock_path_for(office).exists()  # given back at the end
    assert _open_files(office.parent) == []


def test_cancelling_the_login_after_a_restore_gives_the_lock_back(office, qtbot, said):
    from aiddesk.ui.app import run_sessions

    answers = iter(["admin", None])

    def login(db):
        name = next(answers)
        return accounts.login(db, name, "admin123") if name else None

    def first(window):
        qtbot.waitUntil(lambda: not backup_actions.busy(window), timeout=10_000)
        archive = backups.backup_now(window.db, None, "手动").archive
        backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: True)
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=20_000)
        return 0

    assert run_sessions(office, login=login, run_window=first) == 0
    assert not app_lock.lock_path_for(office).exists()
    assert _made(office, "退出") == []
    assert _open_files(office.parent) == []


def test_backup_settings_dialog_saves_the_second_folder_and_the_keep_counts(qtbot, window, tmp_path):
    from aiddesk.ui.backup_actions import BackupSettingsDialog

    dialog = BackupSettingsDialog(db=window.db, actor=window.actor, parent=window)
    qtbot.addWidget(dialog)
    assert [spin.value() for spin in dialog.keep.values()] == [7, 4, 12]  # resources/rules/backup.json
    dialog.folder.setText(str(tmp_path / "u盘"))
    dialog.keep["weekly"].setValue(8)
    dialog.try_accept()
    assert dialog.result() == QDialog.Accepted
    assert backups.second_folder(window.db) == str(tmp_path / "u盘")
    assert backups.keep_counts(window.db.conn) == {"daily": 7, "weekly": 8, "monthly": 12}
    changed = {key for (key,) in window.db.conn.execute(
        "SELECT row_key FROM audit_log WHERE table_name = 'settings'")}
    assert changed == {"backup_second_folder", "backup_keep_weekly"}  # only what changed is recorded


def test_backup_settings_refuse_a_relative_folder_next_to_the_field(qtbot, window):
    from aiddesk.ui.backup_actions import BackupSettingsDialog

    dialog = BackupSettingsDialog(db=window.db, actor=window.actor, parent=window)
    qtbot.addWidget(dialog)
    dialog.folder.setText("备份")
    dialog.try_accept()
    assert "不是完整路径" in dialog.error.text() and dialog.result() != QDialog.Accepted
    assert backups.second_folder(window.db) == ""


# ---- a damaged database: the automatic backups say so loudly (issue 16, item 5) --------------------------------


def _damage(db) -> None:
    """Overwrite the head of the units table's first page, as a failing disk would: the file still opens."""
    root = db.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'units'").fetchone()[0]
    page_size = db.conn.execute("PRAGMA page_size").fetchone()[0]
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db.path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * 8)


def test_the_daily_backup_of_a_damaged_database_says_so_in_a_dialog(window, db, said, qtbot):
    _damage(db)
    job = backup_actions.start_daily_backup(window)
    qtbot.waitUntil(lambda: not job.running, timeout=10_000)
    assert said, window.statusBar().currentMessage()
    kind, text = said[-1]
    assert kind == "error" and "数据库" in text and "已损坏" in text and "从备份恢复" in text
    assert "已损坏" in window.statusBar().currentMessage()
    assert _made(db, "每日") == []  # no copy of the damage among the backups


def test_the_exit_backup_of_a_damaged_database_says_so_and_still_closes(window, db, qtbot, monkeypatch):
    monkeypatch.setattr(backup_actions, "EXIT_FAILURE_SECONDS", 0.5)
    _damage(db)
    exit_backup = backup_actions.watch_exit(window)
    window.close()
    qtbot.waitUntil(lambda: exit_backup.error is not None or not window.isVisible(), timeout=10_000)
    assert exit_backup.error is not None
    text = exit_backup.dialog.label.text()
    assert "已损坏" in text and "从备份恢复" in text and "数据没有受影响" not in text
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert _made(db, "退出") == []
