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
    from ..row_digests import fill

    sql_step("v0009_integrity.sql")(conn)
    upper_case_archive_numbers(conn)
    fill(conn)


def _centre(conn: sqlite3.Connection) -> None:
    """Version 10: what the centre's year needs (issue 17): duplicate conclusions, search keys, original 关系."""
    sql_step("v0010_centre.sql")(conn)
    # [search] fill the new keys of the rows already there (Python: SQLite has no reverse())
    # [relations] nothing to fill: rows written before keep the standard word only


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
