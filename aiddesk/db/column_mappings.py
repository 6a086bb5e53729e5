"""Remembered column mappings: which header of another program's file (an SMS report, an old ledger) holds which of our fields."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MappingField:
    """One of our fields a file's column may hold: its key, the Chinese label the user sees, whether it must be there."""

    key: str
    label: str
    required: bool = False


def remembered(conn: sqlite3.Connection, kind: str) -> dict[str, str]:
    """header → field of every mapping remembered for files of ``kind``."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT header, field FROM column_mappings WHERE kind = ? ORDER BY header", (kind,))}


def mapping_for(conn: sqlite3.Connection, kind: str, headers: Sequence[str]) -> dict[str, str]:
    """field → header for the remembered headers that this file has (the first, left to right, per field)."""
    known = remembered(conn, kind)
    mapping: dict[str, str] = {}
    for header in headers:
        field = known.get(header.strip())
        if field is not None and field not in mapping:
            mapping[field] = header
    return mapping


def remember(conn: sqlite3.Connection, kind: str, mapping: dict[str, str], headers: Sequence[str]) -> None:
    """Remember the mapping the user confirmed, inside the caller's transaction.

    Headers of this file the user left unmapped are forgotten (they said the header holds none of our
    fields); headers of other files, e.g. a second SMS platform's, are kept.
    """
    conn.executemany("DELETE FROM column_mappings WHERE kind = ? AND header = ?",
                     [(kind, h.strip()) for h in headers])
    conn.executemany("INSERT OR REPLACE INTO column_mappings (kind, header, field) VALUES (?, ?, ?)",
                     [(kind, header.strip(), field) for field, header in mapping.items() if header.strip()])
