"""Repository of attachment records (the files themselves sit in a folder beside the database)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True)
class Attachment:
    id: int
    household_id: int
    kind: str
    original_name: str
    stored_name: str
    sha256: str
    size: int
    added_at: str
    added_by: str


def for_household(conn: sqlite3.Connection, household_id: int) -> list[Attachment]:
    return [Attachment(**dict(r)) for r in conn.execute(
        "SELECT * FROM attachments WHERE household_id = ? ORDER BY id", (household_id,))]


def insert(conn: sqlite3.Connection, **values) -> int:
    cols = ", ".join(values)
    marks = ", ".join("?" * len(values))
    return conn.execute(f"INSERT INTO attachments ({cols}) VALUES ({marks})", tuple(values.values())).lastrowid
