"""Backup service: rotation, the second folder, roles and audit, the daily check, CLI end to end, before imports."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from aiddesk.cli import main
from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.backup import backup_time
from aiddesk.db.settings import set_setting
from aiddesk.exchange.export import export_workbook
from aiddesk.services import backups
from aiddesk.services.exchange_import import ExchangeImportService

COUNTS = {"daily": 7, "weekly": 4, "monthly": 12}


def _backups(folder: Path, stem: str = "office") -> list[Path]:
    return sorted(p for p in folder.glob("*.zip") if backup_time(p, stem))


def test_rotation_keeps_7_daily_4_weekly_12_monthly_on_dated_files(tmp_path):
    start = datetime(2025, 1, 1, 9, 0, 0)
    # Two backups a day (morning start and exit) for 500 days, plus another database's backups in the same folder.
    made = []
    for day in range(500):
        for hour in (9, 17):
            t = start + timedelta(days=day, hours=hour - 9)
            p = tmp_path / f"office-备份-{t:%Y%m%d-%H%M%S}-每日.zip"
            p.write_bytes(b"x")
            made.append(t)
    other = tmp_path / "other-备份-20250101-090000-每日.zip"
    other.write_bytes(b"x")
    stray = tmp_path / "notes.zip"
    stray.write_bytes(b"x")
    newest = max(made)  # 2026-05-15 17:00
    backups.rotate(tmp_path, "office", COUNTS, now=newest)
    kept = sorted(backup_time(p) for p in _backups(tmp_path))
    days = sorted({t.date() for t in kept}, reverse=True)
    # Every kept file is the last of its day, except that the newest day keeps all; the 7 newest days are there.
    assert all(t.hour == 17 for t in kept if t.date() != newest.date())
    assert newest - timedelta(hours=8) in kept
    assert days[:7] == [newest.date() - timedelta(days=i) for i in range(7)]
    expected = backups.to_keep(made, now=newest, **COUNTS)
    assert set(kept) == expected
    weeks = {t.isocalendar()[:2] for t in kept}
    months = {(t.year, t.month) for t in kept}
    assert len(months) == 12 and len(weeks) >= 4
    assert 12 <= len(kept) <= 1 + 7 + 4 + 12
    assert other.exists() and stray.exists()  # never someone else's files


def test_to_keep_counts_only_periods_with_backups():
    times = [datetime(2026, 1, 5, 9), datetime(2026, 1, 5, 18), datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 18)]
    newest_day = {datetime(2026, 3, 1, 9), datetime(2026, 3, 1, 18)}  # the newest day keeps all its backups
    now = datetime(2026, 3, 1, 18)
    assert backups.to_keep(times, now=now, daily=2, weekly=0, monthly=0) == newest_day | {datetime(2026, 1, 5, 18)}
    assert backups.to_keep(times, now=now, daily=0, weekly=0, monthly=0) == newest_day
    assert backups.to_keep([], now=now, daily=7, weekly=4, monthly=12) == set()


def test_keep_counts_from_settings_else_rules_file(db):
    assert backups.keep_counts(db.conn) == COUNTS
    with db.transaction() as conn:
        set_setting(conn, "backup_keep_daily", "3")
    assert backups.keep_counts(db.conn)["daily"] == 3


def test_manual_backup_is_audited_and_role_checked(db):
    with pytest.raises(UserError, match="管理员、经办人"):
        backups.backup_now(db, Actor("审核员甲", roles=("审核人",)))
    assert not backups.default_folder(db).exists()
    result = backups.backup_now(db, Actor("小王", roles=("经办人",)))
    assert result.archive.parent == db.path.with_name("office_备份")
    assert result.archive.name.endswith("-手动.zip")
    row = db.conn.execute("SELECT user, action, row_key FROM audit_log WHERE table_name = 'backups'").fetchone()
    assert tuple(row) == ("小王", "backup", result.archive.name)


def test_second_folder_gets_a_copy(db, tmp_path):
    (tmp_path / "usb").mkdir()
    second = tmp_path / "usb" / "备份"
    with db.transaction() as conn:
        set_setting(conn, "backup_second_folder", str(second))
    result = backups.backup_now(db, None, "每日")
    assert result.second == second / result.archive.name
    assert result.second.read_bytes() == result.archive.read_bytes() and not result.warnings


def test_second_folder_missing_still_backs_up_and_says_so(db, tmp_path):
    blocked = tmp_path / "not_a_folder"
    blocked.write_text("a file where the folder should be")
    with db.transaction() as conn:
        set_setting(conn, "backup_second_folder", str(blocked / "备份"))
    result = backups.backup_now(db, None, "每日")
    assert result.archive.exists() and result.second is None
    assert "第二备份位置" in result.message and "只备份到了第一个位置" in result.message


def test_second_folder_on_an_unplugged_stick_is_not_created_locally(db, tmp_path):
    stick = tmp_path / "media" / "U盘"  # the mount point is not there
    with db.transaction() as conn:
        set_setting(conn, "backup_second_folder", str(stick / "备份"))
    result = backups.backup_now(db, None, "每日")
    assert result.archive.exists() and result.warnings and not stick.exists()




def test_backup_if_due_once_a_day(db):
    first = backups.backup_if_due(db)
    assert first is not None and first.archive.name.endswith("-每日.zip")
    assert backups.backup_if_due(db) is None
    db.clock.advance(timedelta(days=1))
    assert backups.backup_if_due(db) is not None
    assert backups.backup_on_exit(db).archive.name.endswith("-退出.zip")


def test_restore_requires_admin(db, tmp_path):
    archive = backups.backup_now(db, None, "手动").archive
    path = db.path
    db.close()
    before = path.read_bytes()
    with pytest.raises(UserError, match="管理员"):
        backups.restore(path, archive, Actor("小王", roles=("经办人",)), db.clock)
    assert path.read_bytes() == before


def test_cli_backup_and_restore_end_to_end(db, tmp_path, capsys):
    path = db.path
    db.close()
    out = tmp_path / "u盘"
    assert main(["--db", str(path), "backup", "--to", str(out)]) == 0
    archive = Path(capsys.readouterr().out.strip())
    assert archive.parent == out and archive.exists()
    # A change after the backup, then restore: the change is gone, and kept aside.
    database = open_database(path)
    with database.transaction() as conn:
        conn.execute("UPDATE units SET name = '改过的名称' WHERE code = '460001'")
    database.close()
    assert main(["--db", str(path), "restore", str(archive)]) == 0
    printed = capsys.readouterr().out
    assert "恢复前的数据库已保留为" in printed
    database = open_database(path, create=False)
    try:
        assert database.conn.execute("SELECT name FROM units WHERE code = '460001'").fetchone()[0] == "省财贸工会"
        audit = database.conn.execute("SELECT action FROM audit_log WHERE table_name = 'backups'").fetchall()
        assert [r[0] for r in audit] == ["restore"]
    finally:
        database.close()
    aside = Path(printed.split("恢复前的数据库已保留为：")[1].strip())
    kept = open_database(aside, create=False)
    try:
        assert kept.conn.execute("SELECT name FROM units WHERE code = '460001'").fetchone()[0] == "改过的名称"
    finally:
        kept.close()


def test_cli_restore_of_a_bad_file_exits_1_with_chinese(db, tmp_path, capsys):
    path = db.path
    db.close()
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"nonsense")
    before = path.read_bytes()
    assert main(["--db", str(path), "restore", str(bad)]) == 1
    assert "不能用于恢复" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_import_makes_a_backup_first(db, actor, tmp_path):
    book = tmp_path / "交换表.xlsx"
    export_workbook(db, book, year=2026, actor=actor)
    report = ExchangeImportService(db, actor).import_file(book)
    assert report.errors == [] and report.written
    made = _backups(backups.default_folder(db))
    assert len(made) == 1 and made[0].name.endswith("-导入前.zip")


def test_cli_restore_refused_while_another_pc_has_the_database_open(db, clock, tmp_path, capsys):
    from aiddesk.db import app_lock

    archive = backups.backup_now(db, None, "手动").archive
    path = db.path
    db.close()
    other = app_lock.acquire(path, "张三", clock=clock, host="PC-02")
    assert other.acquired
    before = path.read_bytes()
    try:
        assert main(["--db", str(path), "restore", str(archive)]) == 1
    finally:
        other.lock.release()
    assert "张三（电脑 PC-02" in capsys.readouterr().err
    assert path.read_bytes() == before and not list(tmp_path.glob("*恢复前*"))


def test_rotation_by_hand_on_one_backup_a_day_for_a_quarter(tmp_path):
    day = date(2026, 1, 1)
    while day <= date(2026, 3, 31):  # 2026-03-31 is a Tuesday
        (tmp_path / f"office-备份-{day:%Y%m%d}-180000-每日.zip").write_bytes(b"x")
        day += timedelta(days=1)
    deleted = backups.rotate(tmp_path, "office", COUNTS, now=datetime(2026, 3, 31, 18))
    kept = {backup_time(p).date() for p in _backups(tmp_path)}
    daily = {date(2026, 3, d) for d in range(25, 32)}
    weekly = {date(2026, 3, 22), date(2026, 3, 15)}  # Sundays ending the ISO weeks before; 3/29 is already daily
    monthly = {date(2026, 1, 31), date(2026, 2, 28)}  # only three months exist; March's is 3/31
    assert kept == daily | weekly | monthly
    assert len(deleted) == 90 - len(kept)


def _good_and_ahead(now: datetime) -> tuple[list[datetime], list[datetime]]:
    """A month of this PC's backups (start and exit, 导入前 this morning too), and a week of backups named ten years
    ahead by a PC whose clock was wrong, in the same shared folder."""
    good = [now.replace(hour=8)]  # this morning's 导入前
    for day in range(30):
        for hour in (9, 17):
            t = (now - timedelta(days=day)).replace(hour=hour)
            if t <= now:
                good.append(t)
    ahead = [datetime(2036, 11, 20, 9) + timedelta(days=d) for d in range(7)]
    return good, ahead


def test_backups_named_years_ahead_take_no_place_of_the_good_ones():
    now = datetime(2026, 11, 26, 9, 0)
    good, ahead = _good_and_ahead(now)
    kept = backups.to_keep(good + ahead, now=now, **COUNTS)
    assert {now.replace(hour=8), now} <= kept  # today keeps all its backups: it is still "the newest day"
    days = sorted({t.date() for t in kept if t <= now}, reverse=True)
    assert days[:7] == [now.date() - timedelta(days=i) for i in range(7)]  # the seven good days, not six
    assert kept - set(ahead) == backups.to_keep(good, now=now, **COUNTS)  # as if the wrong ones were not there
    assert set(ahead) <= kept  # and those are not thrown away: they may hold that PC's latest work


def test_backups_named_ahead_are_rotated_among_themselves():
    now = datetime(2026, 11, 26, 9, 0)
    ahead = [datetime(2036, 1, 1, 9) + timedelta(days=d) for d in range(400)]
    kept = backups.to_keep(ahead + [now], now=now, **COUNTS)
    assert now in kept
    assert 12 <= len(kept - {now}) <= 1 + 7 + 4 + 12 and max(ahead) in kept


def test_rotation_after_a_backup_keeps_today_and_the_file_named_ahead(db):
    folder = backups.default_folder(db)
    folder.mkdir()
    wrong = folder / "office-备份-20361126-090000-每日.zip"
    morning = folder / "office-备份-20261126-080000-导入前.zip"
    for p in (wrong, morning):
        p.write_bytes(b"x")
    result = backups.backup_now(db, None, "手动")
    assert backup_time(result.archive) == datetime(2026, 11, 26, 9, 0)
    assert wrong.exists() and morning.exists() and result.archive.exists()


def test_a_backup_named_later_today_does_not_make_the_daily_one(db):
    folder = backups.default_folder(db)
    folder.mkdir()
    later = folder / "office-备份-20261126-230000-退出.zip"  # a PC fourteen hours ahead, last night
    later.write_bytes(b"x")
    assert backups.backup_due(db)  # the test clock says 09:00
    earlier = folder / "office-备份-20261126-081500-退出.zip"
    earlier.write_bytes(b"x")
    assert not backups.backup_due(db)


# ---- a damaged database is said loudly, never rotated over the good backups (issue 16, item 5) ----------------


def damage(db) -> None:
    """Overwrite the head of the units table's first page, as a failing disk would: the file still opens."""
    root = db.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'units'").fetchone()[0]
    page_size = db.conn.execute("PRAGMA page_size").fetchone()[0]
    db.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(db.path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(b"\xff" * 8)


def test_a_damaged_database_is_not_backed_up_and_the_good_backups_stay(db):
    good = []
    for days in range(12, 0, -1):  # twelve days of good backups: more than the seven daily ones kept
        db.clock.set(datetime(2026, 11, 26 - days, 18))
        good.append(backups.backup_now(db, None, "每日").archive)
    db.clock.set(datetime(2026, 11, 26, 9))
    folder = backups.default_folder(db)
    before = sorted(p.name for p in folder.iterdir())
    damage(db)
    with pytest.raises(UserError, match="已损坏") as caught:
        backups.backup_now(db, None, "每日")
    assert type(caught.value).__name__ == "DamagedDatabaseError"  # the window tells it apart from a full disk
    message = caught.value.message
    assert "已损坏" in message and "没有备份" in message and "从备份恢复" in message
    assert sorted(p.name for p in folder.iterdir()) == before  # no copy of the damage, nothing rotated away
    assert backups.backup_due(db)  # so the next start says it again


def test_cli_backup_of_a_damaged_database_exits_1_in_chinese(db, tmp_path, capsys):
    damage(db)
    path = db.path
    db.close()
    assert main(["--db", str(path), "--today", "2026-11-26", "backup", "--to", str(tmp_path / "u盘")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：") and "已损坏" in err and "Traceback" not in err
    assert not list((tmp_path / "u盘").glob("*.zip"))


# ---- backup --to a folder whose drive is not there (issue 16, item 22) ----------------------------------------


def test_backup_to_a_folder_on_an_unplugged_stick_creates_nothing(db, tmp_path, capsys):
    stick = tmp_path / "media" / "U盘"  # the stick's mount point is not there
    path = db.path
    db.close()
    assert main(["--db", str(path), "--today", "2026-11-26", "backup", "--to", str(stick / "备份")]) == 1
    err = capsys.readouterr().err
    assert "不存在" in err and "U盘" in err and "没有备份" in err
    assert not (tmp_path / "media").exists()
    database = open_database(path)
    try:
        with pytest.raises(UserError, match="上一级文件夹"):
            backups.backup_now(database, None, "手动", to=stick / "备份")
        assert not (tmp_path / "media").exists()
        # The last level alone is made, as for the second backup folder: a stick plugged in, its folder new.
        stick.mkdir(parents=True)
        assert backups.backup_now(database, None, "手动", to=stick / "备份").archive.parent == stick / "备份"
    finally:
        database.close()


def test_cli_restore_onto_a_new_pc_checks_before_making_the_folder(db, tmp_path, capsys):
    archive = backups.backup_now(db, None, "手动").archive
    db.close()
    bad = tmp_path / "坏的.zip"
    bad.write_bytes(archive.read_bytes()[:-100])
    new_pc = tmp_path / "新电脑" / "AidDesk" / "office.sqlite"
    assert main(["--db", str(new_pc), "--today", "2026-11-26", "restore", str(bad)]) == 1
    assert "不能用于恢复" in capsys.readouterr().err and not (tmp_path / "新电脑").exists()
    assert main(["--db", str(new_pc), "--today", "2026-11-26", "restore", str(archive)]) == 0
    assert new_pc.exists() and not app_lock_file(new_pc).exists()


def app_lock_file(path: Path) -> Path:
    from aiddesk.db.app_lock import lock_path_for

    return lock_path_for(path)
