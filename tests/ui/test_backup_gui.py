"""The 文件 menu's backup actions on a real window: back up now, restore (confirmed, refused), backup settings."""

from __future__ import annotations

import logging
import zipfile

from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.backup import backup_time
from aiddesk.services import backups
from aiddesk.ui import backup_actions


def _unit_name(path, code="460001") -> str:
    database = open_database(path, create=False)
    try:
        return database.conn.execute("SELECT name FROM units WHERE code = ?", (code,)).fetchone()[0]
    finally:
        database.close()


def test_backup_now_from_the_file_menu(window, db, said):
    assert [a.text() for a in window.menuBar().actions()][0] == "文件"
    window.backup_action.trigger()
    made = [p for p in backups.default_folder(db).glob("*.zip") if backup_time(p, "office")]
    assert len(made) == 1 and made[0].name.endswith("-手动.zip")
    assert said[-1][0] == "info" and str(made[0]) in said[-1][1]


def test_restore_shows_what_the_backup_holds_then_restores_and_closes(window, db, said):
    archive = backups.backup_now(db, None, "手动").archive
    with db.transaction() as conn:
        conn.execute("UPDATE units SET name = '改过的名称' WHERE code = '460001'")
    path = db.path
    asked = []
    assert backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: asked.append(t) or True)
    assert "备份原因：手动" in asked[0] and "附件 0 个" in asked[0]
    assert window.restored and not window.isVisible()
    assert _unit_name(path) == "省财贸工会"
    assert "已从备份恢复" in said[-1][1] and "恢复前的数据库保留为" in said[-1][1]


def test_restore_cancelled_touches_nothing(window, db, said):
    archive = backups.backup_now(db, None, "手动").archive
    with db.transaction() as conn:
        conn.execute("UPDATE units SET name = '改过的名称' WHERE code = '460001'")
    assert not backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: False)
    assert db.conn.execute("SELECT name FROM units WHERE code = '460001'").fetchone()[0] == "改过的名称"
    assert not getattr(window, "restored", False)


def test_a_damaged_backup_is_refused_before_asking(window, db, said, tmp_path):
    archive = backups.backup_now(db, None, "手动").archive
    with zipfile.ZipFile(archive) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["database.sqlite"] = members["database.sqlite"][:-1] + b"\x01"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    before = db.path.read_bytes()
    assert not backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: 1 / 0)
    assert said[-1][0] == "error" and "校验值不符" in said[-1][1]
    assert db.path.read_bytes() == before
    assert db.conn.execute("SELECT count(*) FROM units").fetchone()[0] == 3  # still open and usable


def test_restore_is_for_administrators_only(window, db, said):
    assert window.restore_action.isEnabled()
    archive = backups.backup_now(db, None, "手动").archive
    window.actor = Actor("小王", "界面", ("经办人",))
    assert not backup_actions.restore_from_backup(window, str(archive), confirm=lambda t: True)
    assert "只有管理员" in said[-1][1]


def test_second_folder_setting(window, db, tmp_path, qtbot):
    dialog = backup_actions.BackupSettingsDialog(db=db, actor=window.actor, parent=window)
    qtbot.addWidget(dialog)
    dialog.folder.setText("相对路径")
    dialog.save()
    assert "不是完整路径" in dialog.error.text() and backups.second_folder(db) == ""
    dialog.folder.setText(str(tmp_path / "U盘"))
    dialog.save()
    assert backups.second_folder(db) == str(tmp_path / "U盘")
    result = backups.backup_now(db, None, "每日")
    assert result.second and result.second.exists()
    row = db.conn.execute("SELECT user FROM audit_log WHERE row_key = 'backup_second_folder'").fetchone()
    assert row[0] == "admin"


def test_automatic_backup_failure_is_logged_not_raised(db, caplog):
    # A file where the backup folder should be: the backup cannot be written, and the program must still close.
    backups.default_folder(db).write_text("in the way")
    with caplog.at_level(logging.ERROR):
        backup_actions.run_quietly(backups.backup_on_exit, db, "退出")
    assert "automatic backup (退出) failed" in caplog.text
