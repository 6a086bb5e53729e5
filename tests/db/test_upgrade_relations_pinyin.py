"""The version-10 upgrade of a real older office: 关系 in standard names with the old word kept, pinyin keys by the
surname readings, every archive noted again — and the check still clean, or still finding what was tampered with."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from aiddesk.core.clock import FixedClock
from aiddesk.db import connection, open_database, row_digests
from aiddesk.services import integrity

V7_FILE = Path(__file__).parents[1] / "data" / "v7_office.sqlite"  # tests/data/make_v7_office.py
CLOCK = FixedClock(date(2026, 12, 7))


def edit(path: Path, *statements: tuple[str, tuple]) -> None:
    """Change the file as an older version (or another program) left it."""
    conn = sqlite3.connect(path)
    with conn:
        for sql, args in statements:
            conn.execute(sql, args)
    conn.close()


@pytest.fixture
def older(tmp_path):
    """The real version-7 office, with names and relations an older version wrote: keys by its surname readings
    (尉 yu, 长 chang) and 兄弟 from its list of relations."""
    path = tmp_path / "v7.sqlite"
    shutil.copyfile(V7_FILE, path)
    edit(path,
         (("UPDATE households SET name = '尉红', name_initials = ' yh wh', name_pinyin = ' yuhong weihong yunhong'"
           " WHERE name = '赵六'"), ()),
         (("UPDATE households SET name = '长孙无忌', name_initials = ' cswj zswj',"
           " name_pinyin = ' changsunwuji zhangsunwuji' WHERE name = '王五'"), ()),
         ("UPDATE members SET relation = '兄弟', name = '孙八' WHERE name = '孙七之妻'", ()))
    return path


def test_the_upgrade_keeps_the_old_word_rekeys_the_names_and_the_check_stays_clean(older):
    office = open_database(older, clock=CLOCK)
    try:
        conn = office.conn
        keys = {n: (i, p) for n, i, p in conn.execute("SELECT name, name_initials, name_pinyin FROM households")}
        assert keys["尉红"] == (" wh yh", " weihong yuhong yunhong")
        assert keys["长孙无忌"] == (" zswj cswj", " zhangsunwuji changsunwuji")
        assert keys["张三"] == (" zs", " zhangsan")
        relation = conn.execute("SELECT relation, relation_as_written FROM members WHERE name = '孙八'").fetchone()
        assert tuple(relation) == ("兄弟姐妹", "兄弟")
        assert conn.execute("SELECT count(*) FROM members WHERE relation = '配偶' AND relation_as_written IS NULL"
                            ).fetchone()[0] == 5
        entry = conn.execute("SELECT user, via, action, new_values, rows_hash FROM audit_log ORDER BY id DESC LIMIT 1"
                             ).fetchone()
        assert tuple(entry[:3]) == ("系统", "升级", "upgrade") and entry[4]
        said = json.loads(entry[3])
        assert (said["关系改为标准名称的档案"], said["拼音检索键更新的档案"], said["重新登记校验值的档案"]) == (1, 2, 6)
        assert integrity.run_checks(office) == []
    finally:
        office.close()


def test_an_archive_changed_by_another_program_before_the_upgrade_is_still_found_after_it(older, monkeypatch):
    monkeypatch.setattr(connection, "CURRENT_VERSION", 9)
    open_database(older, clock=CLOCK).close()  # version 9: every archive has its digest
    monkeypatch.undo()
    edit(older, ("UPDATE households SET address = '另一个程序改的地址' WHERE name = '李梅'", ()))
    office = open_database(older, clock=CLOCK)  # version 10: the archives are noted again …
    try:
        found = row_digests.findings(office.conn)
        # … but only those that were as the program wrote them: the upgrade vouches for no other program's change.
        assert [(f.kind, f.table, f.text) for f in found] == [
            ("changed", "households", (f"困难职工档案 {archive_of(office, '李梅')}（李梅）的内容与本程序最后一次写入的不同"
                                       "（被本程序以外的方式改动过）"))]
    finally:
        office.close()


def archive_of(office, name: str) -> str:
    return office.conn.execute("SELECT archive_no FROM households WHERE name = ?", (name,)).fetchone()[0]
