"""The centre's conclusions on cross-unit duplicates, stored by the case's stable key (never by row ids)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

# A case's key: (kind, 身份证号, unit codes sorted, 救助类别 or '', year or 0) — what a replacement import keeps.
Key = tuple[str, str, tuple[str, ...], str, int]

_COLUMNS = "case_kind, id_number, units, aid_category, year, conclusion, unit_code, side, note, concluded_by," \
           " concluded_at"


@dataclass(frozen=True)
class StoredConclusion:
    key: Key
    kind: str
    unit: str
    side: str
    note: str
    by: str
    at: str


def _units_text(units: Sequence[str]) -> str:
    # JSON, not a joined string: a 单位代码 is free text and may itself hold a comma.
    return json.dumps(sorted(units), ensure_ascii=False, separators=(",", ":"))


def _where(key: Key) -> tuple[str, tuple]:
    kind, number, units, category, year = key
    return ("case_kind = ? AND id_number = ? AND units = ? AND aid_category = ? AND year = ?",
            (kind, number, _units_text(units), category, year))


def _stored(row: tuple) -> StoredConclusion:
    kind, number, units, category, year, conclusion, unit, side, note, by, at = row
    return StoredConclusion((kind, number, tuple(json.loads(units)), category, year), conclusion, unit, side, note,
                            by, at)


def for_year(conn: sqlite3.Connection, year: int) -> dict[Key, StoredConclusion]:
    """The conclusions that may apply to ``year``'s cases: those bound to it (重复救助) and the unbound (在档重复)."""
    rows = conn.execute(f"SELECT {_COLUMNS} FROM duplicate_conclusions WHERE year IN (0, ?)", (year,)).fetchall()
    return {c.key: c for c in map(_stored, rows)}


def get(conn: sqlite3.Connection, key: Key) -> StoredConclusion | None:
    where, args = _where(key)
    row = conn.execute(f"SELECT {_COLUMNS} FROM duplicate_conclusions WHERE {where}", args).fetchone()
    return _stored(row) if row else None


def save(conn: sqlite3.Connection, key: Key, *, kind: str, unit: str, side: str, note: str, by: str,
         at: str) -> None:
    """Record the case's conclusion, replacing the one it had."""
    case_kind, number, units, category, year = key
    conn.execute(
        f"INSERT INTO duplicate_conclusions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (case_kind, id_number, units, aid_category, year) DO UPDATE SET conclusion = excluded.conclusion,"
        " unit_code = excluded.unit_code, side = excluded.side, note = excluded.note,"
        " concluded_by = excluded.concluded_by, concluded_at = excluded.concluded_at",
        (case_kind, number, _units_text(units), category, year, kind, unit, side, note, by, at))


def delete(conn: sqlite3.Connection, key: Key) -> None:
    where, args = _where(key)
    conn.execute(f"DELETE FROM duplicate_conclusions WHERE {where}", args)
