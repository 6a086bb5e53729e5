"""Step-by-step upgrades of older databases, keyed on ``PRAGMA user_version``.

``STEPS[n]`` upgrades a database of version ``n - 1`` to version ``n``. A step
is a SQL file beside this module (``v0002_….sql``) or a Python function for
changes SQL alone cannot make; keep db_schema.sql at the newest version
(tests/db/test_migrations.py checks that an upgraded database and a new one
have the same schema). Each step runs in its own transaction after a backup
archive of the database and its attachments (reason 升级前) was written.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

Step = Callable[[sqlite3.Connection], None]

def sql_step(filename: str) -> Step:
    """A step that runs the statements of a SQL file, inside the caller's transaction.

    (``executescript`` would commit on its own, so statements are run one by one.)
    """

    def run(conn: sqlite3.Connection) -> None:
        statement = ""
        for line in (Path(__file__).with_name(filename)).read_text(encoding="utf-8").splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                conn.execute(statement)
                statement = ""
        leftover = [line for line in statement.splitlines() if line.strip() and not line.strip().startswith("--")]
        if leftover:
            raise RuntimeError(f"{filename} ends with an incomplete statement")

    return run


def _security(conn: sqlite3.Connection) -> None:
    """Version 7: the new columns, then the hash chain over the audit entries already there."""
    from ..audit import seal_chain

    sql_step("v0007_security.sql")(conn)
    seal_chain(conn)


def _history(conn: sqlite3.Connection) -> None:
    """Version 8: the new tables and column, then each archive's status history read from the audit log."""
    from ..status_history import fill_from_audit_log

    sql_step("v0008_history.sql")(conn)
    fill_from_audit_log(conn)


def _integrity(conn: sqlite3.Connection) -> None:
    """Version 9: the indexes and the digest table; 档案编号 in upper case as the program now writes and imports
    them (so a corrected book matches its archives); then a digest of every protected record as it is now."""
    from ..households import upper_case_archive_numbers
    from ..row_digests import MEMBER_COLUMNS_V9, fill

    sql_step("v0009_integrity.sql")(conn)
    upper_case_archive_numbers(conn)
    fill(conn, MEMBER_COLUMNS_V9)  # as version 9 digested members: version 10 adds a column (_centre)


def _centre(conn: sqlite3.Connection) -> None:
    """Version 10: what the centre's year needs (issue 17): duplicate conclusions, search keys, original 关系."""
    sql_step("v0010_centre.sql")(conn)
    # [search] nothing to fill: the keys are indexes on expressions, filled by CREATE INDEX above and kept by SQLite.
    # The planner's statistics of the new indexes, where the file has statistics (db/households.analyze_if_needed).
    _analyze_search_indexes(conn)
    # [relations] and [pinyin]: each archive is noted again (below) as the version writes it
    _relations_and_pinyin(conn)


def _relations_and_pinyin(conn: sqlite3.Connection) -> None:
    """Version 10's [relations] and [pinyin] parts: members' 关系 as standard names (the word an older version kept
    beside them), and every archive's pinyin keys by the new surname readings; then the archives that were as the
    program last wrote them are noted again, with one audit entry vouching for their digests. Their digests change
    anyway (members now have relation_as_written); an archive another program had changed is not vouched for, so
    the check still finds it."""
    from .. import audit
    from ..households import rekey_names, standardise_relations
    from ..row_digests import MEMBER_COLUMNS_V9, intact, note

    before = intact(conn, "households", MEMBER_COLUMNS_V9)  # the new column is empty: digested as version 9 did
    relations = standardise_relations(conn)
    rekeyed = rekey_names(conn)
    noted = note(conn, "households", before)
    if noted:
        audit.record(conn, audit.Actor("系统", via="升级"), table="database", key="数据版本10", action="upgrade",
                     new={"说明": "升级到数据版本10：家庭成员关系按国家标准 GB/T 4761-2008 的名称保存（保留原写法），"
                                  "姓名拼音按姓氏读音和复姓重新计算；各档案的校验值随之重新登记",
                          "关系改为标准名称的档案": len(relations), "拼音检索键更新的档案": len(rekeyed),
                          "重新登记校验值的档案": noted})


def _analyze_search_indexes(conn: sqlite3.Connection) -> None:
    """Version 10's [search] part: statistics for its new indexes, as the others have (a file without any keeps
    none: analyze_if_needed makes them all once the archive is big enough)."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone() is None:
        return
    for name in ("households_name", "households_given_name", "households_initials", "households_initials_2",
                 "households_initials_3", "households_pinyin_2", "households_pinyin_3", "households_id_tail",
                 "households_phone_tail", "households_archive_no", "members_id_tail"):
        conn.execute(f"ANALYZE {name}")


STEPS: dict[int, Step] = {
    2: sql_step("v0002_aid_batches.sql"),
    3: sql_step("v0003_funds.sql"),
    4: sql_step("v0004_verification.sql"),
    5: sql_step("v0005_evaluation.sql"),
    6: sql_step("v0006_exchange.sql"),
    7: _security,
    8: _history,
    9: _integrity,
    10: _centre,
}


class _Closed:
    """What make_backup needs of a database that is open only through the upgrade's connection."""

    def __init__(self, path: Path):
        from ..connection import attachment_dir_for

        self.path = path
        self.attachment_dir = attachment_dir_for(path)


def upgrade(conn: sqlite3.Connection, path: Path, current: int, target: int,
            steps: Mapping[int, Step] = STEPS, *, now: datetime) -> Path:
    """Back up the database, then apply each step from ``current`` to ``target``.

    The backup is an ordinary archive in the database's backup folder, so 从备份恢复 can take the office back to
    before the upgrade; its path is returned. A failing step rolls back that step; the database stays at the last
    completed version and the backup is kept.
    """
    missing = [v for v in range(current + 1, target + 1) if v not in steps]
    if missing:
        raise RuntimeError(f"no migration step to version {missing[0]}")
    from ..backup import folder_beside, make_backup  # not at the top: backup imports connection, which imports us

    backup = make_backup(_Closed(path), folder_beside(path), reason=f"升级前v{current}", now=now)
    for version in range(current + 1, target + 1):
        conn.execute("BEGIN IMMEDIATE")
        try:
            steps[version](conn)
            conn.execute(f"PRAGMA user_version = {version}")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    return backup
