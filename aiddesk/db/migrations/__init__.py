"""Step-by-step upgrades of older databases, keyed on ``PRAGMA user_version``.

``STEPS[n]`` upgrades a database of version ``n - 1`` to version ``n``. A step
is a SQL file beside this module (``v0002_….sql``) or a Python function for
changes SQL alone cannot make; keep db_schema.sql at the newest version
(tests/db/test_migrations.py checks that an upgraded database and a new one
have the same schema). Each step runs in its own transaction after the file
has been copied aside.
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


STEPS: dict[int, Step] = {
    2: sql_step("v0002_aid_batches.sql"),
    3: sql_step("v0003_funds.sql"),
    4: sql_step("v0004_verification.sql"),
    5: sql_step("v0005_evaluation.sql"),
    6: sql_step("v0006_exchange.sql"),
    7: _security,
}


def backup_path(path: Path, version: int) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.with_name(f"{path.stem}.v{version}-升级前备份-{stamp}{path.suffix}")


def upgrade(conn: sqlite3.Connection, path: Path, current: int, target: int,
            steps: Mapping[int, Step] = STEPS) -> Path:
    """Copy the file aside, then apply each step from ``current`` to ``target``.

    Returns the backup's path. A failing step rolls back that step; the
    database stays at the last completed version and the backup is kept.
    """
    missing = [v for v in range(current + 1, target + 1) if v not in steps]
    if missing:
        raise RuntimeError(f"no migration step to version {missing[0]}")
    backup = backup_path(path, current)
    target_conn = sqlite3.connect(str(backup))
    try:
        conn.backup(target_conn)
    finally:
        target_conn.close()
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
