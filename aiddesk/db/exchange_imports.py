"""The log of imported exchange workbooks and ledgers: which unit's year came from which file, when, by whom."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class ImportedYear:
    """The latest import of one unit's year."""

    file_name: str
    checksum: str        # the workbook's 校验码 ('' for an old ledger)
    exported_at: str     # as its 说明 says
    imported_at: str
    imported_by: str


def last_import(conn: sqlite3.Connection, unit_code: str, year: int) -> ImportedYear | None:
    row = conn.execute("SELECT file_name, checksum, exported_at, imported_at, imported_by FROM exchange_imports"
                       " WHERE unit_code = ? AND year = ? ORDER BY id DESC LIMIT 1", (unit_code, year)).fetchone()
    return ImportedYear(*row) if row else None
