"""Step-by-step upgrades of older databases, keyed on ``PRAGMA user_version``.

``STEPS[n]`` upgrades a database of version ``n - 1`` to version ``n``. Add a
module per step (``v0002_….py``) and register it here; keep db_schema.sql at
the newest version. Each step runs in its own transaction after the file has
been copied aside.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Callable, Mapping

Step = Callable[[sqlite3.Connection], None]

# Version 1 is the first released schema; nothing to upgrade from yet.
STEPS: dict[int, Step] = {}


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
