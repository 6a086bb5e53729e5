"""Each archive's status history: periods written by the services, filled from a real v7 file's log, read by day."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from aiddesk.core.clock import FixedClock
from aiddesk.db import open_database
from aiddesk.db import status_history as history
from aiddesk.db.audit import first_broken_entry
from aiddesk.db.connection import CURRENT_VERSION
from aiddesk.services import integrity

V7_FILE = Path(__file__).parents[1] / "data" / "v7_office.sqlite"


def periods(db, name: str) -> list[tuple]:
    hid = db.conn.execute("SELECT id FROM households WHERE name = ?", (name,)).fetchone()[0]
    return [(p.status, p.valid_from.isoformat(), p.valid_to.isoformat() if p.valid_to else None, p.reason,
             p.recorded_at, p.recorded_by) for p in history.periods_of(db.conn, hid)]


@pytest.fixture
def upgraded(tmp_path):
    """The real version-7 office (tests/data/make_v7_office.py) opened, and so upgraded, by this program."""
    path = tmp_path / "v7.sqlite"
    shutil.copyfile(V7_FILE, path)
    database = open_database(path, clock=FixedClock(date(2026, 12, 7)))
    yield database
    database.close()


def test_a_v7_file_gets_each_archives_history_from_its_log(upgraded):
    assert upgraded.conn.execute("PRAGMA user_version").fetchone()[0] == CURRENT_VERSION
    # exit dated 30 June, recorded 3 July; reopened on the day it was logged (all v7 kept of it)
    assert periods(upgraded, "张三") == [
        ("在档", "2024-03-01", "2025-06-30", "", "2024-03-01T10:01:00", "jingban"),
        ("脱困", "2025-06-30", "2026-02-10", "脱困", "2025-07-03T09:40:00", "jingban"),
        ("在档", "2026-02-10", None, "", "2026-02-10T14:00:00", "jingban")]
    assert periods(upgraded, "李梅") == [
        ("临时", "2025-01-05", "2025-01-12", "", "2025-01-05T10:02:00", "jingban"),
        ("在档", "2025-01-12", None, "", "2025-01-12T15:20:00", "jingban")]
    assert periods(upgraded, "王五") == [
        ("在档", "2023-05-01", "2026-03-15", "", "2023-05-01T10:03:00", "jingban"),
        ("注销", "2026-03-15", None, "死亡", "2026-03-20T16:10:00", "jingban")]
    # an address change is no status change
    assert periods(upgraded, "赵六") == [("在档", "2020-05-01", None, "", "2020-05-01T10:04:00", "jingban")]
    assert [p[:3] for p in periods(upgraded, "孙七")] == [("临时", "2026-11-01", "2026-11-20"),
                                                         ("注销", "2026-11-20", None)]
    assert [p[:3] for p in periods(upgraded, "周八")] == [
        ("在档", "2022-04-01", "2025-12-31"), ("脱困", "2025-12-31", "2026-06-01"), ("临时", "2026-06-01", "2026-06-10"),
        ("在档", "2026-06-10", None)]


def test_the_upgraded_file_answers_on_file_on_any_day_and_passes_every_check(upgraded):
    conn = upgraded.conn
    ids = {name: hid for hid, name in conn.execute("SELECT id, name FROM households")}
    on = history.statuses_on(conn, date(2025, 12, 31), list(ids.values()))
    assert {name: on.get(hid) for name, hid in ids.items()} == {
        "张三": "脱困", "李梅": "在档", "王五": "在档", "赵六": "在档", "孙七": None, "周八": "脱困"}
    # year ends: 2024 (张三 王五 赵六 周八), 2025 (李梅 王五 赵六), 2026 (张三 李梅 赵六 周八); two people each
    assert [history.on_file(conn, date(y, 12, 31)) for y in (2024, 2025, 2026)] == [(4, 8), (3, 6), (4, 8)]
    assert history.mismatches(conn) == []
    assert first_broken_entry(conn) is None  # the entries written before version 8 keep their hashes
    assert integrity.run_checks(upgraded) == []


def test_a_closed_archive_imported_without_log_was_on_file_until_it_left(db, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    hid = ArchiveService(db, actor).save(make_household(1)).household_id
    with db.transaction() as conn:
        history.remove_for(conn, [hid])
        history.follow_import(conn, [history.Imported(hid, "注销", "2025-02-01", "2026-06-30", "退休")], [],
                              today=date(2026, 11, 26), recorded_at="2026-11-26T09:00:00", recorded_by="导入")
    assert [(p.status, p.valid_from, p.valid_to, p.reason) for p in history.periods_of(db.conn, hid)] == [
        ("在档", date(2025, 2, 1), date(2026, 6, 30), ""), ("注销", date(2026, 6, 30), None, "退休")]
    assert history.statuses_on(db.conn, date(2026, 6, 29), [hid]) == {hid: "在档"}
    assert history.statuses_on(db.conn, date(2025, 1, 31), [hid]) == {}


def test_a_day_is_in_one_period_only_and_a_same_day_change_leaves_nothing_between(db, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1, archive_status="临时", created_date=date(2026, 11, 26))).household_id
    archive.change_status(hid, "在档")  # approved the day it was filed: the 临时 period is empty
    assert history.statuses_on(db.conn, date(2026, 11, 26), [hid]) == {hid: "在档"}
    assert history.on_file(db.conn, date(2026, 11, 26)) == (1, 3)
    assert history.on_file(db.conn, date(2026, 11, 25)) == (0, 0)


def test_the_integrity_check_finds_a_history_that_disagrees_with_the_archive(db, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    hid = ArchiveService(db, actor).save(make_household(1, archive_no="CM2026001")).household_id
    assert integrity.status_records(db).passed
    with db.transaction() as conn:  # what only a hand in the file could do
        conn.execute("UPDATE households SET archive_status = '脱困' WHERE id = ?", (hid,))
    assert integrity.status_records(db).problems == [
        "档案 CM2026001：档案状态为“脱困”，状态记录中当前为“在档”。请联系技术支持，或从备份恢复"]


def test_an_entrys_effective_date_is_part_of_its_hash(db, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    archive.change_status(hid, "脱困", on=date(2026, 10, 31), reason="脱困")
    at, effective = db.conn.execute("SELECT at, effective_date FROM audit_log WHERE action = 'status'").fetchone()
    assert (at, effective) == ("2026-11-26T09:00:00", "2026-10-31")  # recorded today, effective in October
    assert first_broken_entry(db.conn) is None
    with db.transaction() as conn:
        conn.execute("UPDATE audit_log SET effective_date = '2026-09-30' WHERE action = 'status'")
    broken = first_broken_entry(db.conn)
    assert broken is not None and "内容与校验值不符" in broken[1]


def test_the_upgrade_writes_archive_numbers_upper_case_unless_that_is_another_archives(tmp_path):
    import sqlite3

    path = tmp_path / "v7.sqlite"
    shutil.copyfile(V7_FILE, path)
    raw = sqlite3.connect(path)  # as a version-7 program stored typed numbers, and one a clash would break
    raw.execute("UPDATE households SET archive_no = 'cm2024-001' WHERE name = '张三'")
    raw.execute("UPDATE households SET archive_no = 'cm2025-001' WHERE name = '李梅'")
    raw.execute("UPDATE households SET archive_no = 'CM2025-001' WHERE name = '赵六'")
    raw.commit()
    raw.close()
    database = open_database(path, clock=FixedClock(date(2026, 12, 7)))
    numbers = dict(database.conn.execute("SELECT name, archive_no FROM households"))
    database.close()
    assert numbers["张三"] == "CM2024-001"   # written upper-case: matched by a corrected book as imported now
    assert numbers["赵六"] == "CM2025-001"   # the upper-case form was taken …
    assert numbers["李梅"] == "cm2025-001"   # … so this one stays as it was (lookups ignore case)
