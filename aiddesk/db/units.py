"""Repository of units (单位): the office's own unit and its sub-unit tree."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass
class Unit:
    code: str
    name: str
    level: str
    parent_code: str | None = None
    is_own: bool = False


def _unit(row: sqlite3.Row) -> Unit:
    return Unit(row["code"], row["name"], row["level"], row["parent_code"], bool(row["is_own"]))


def all_units(conn: sqlite3.Connection) -> list[Unit]:
    """All units, parents before children within the own unit's tree order by code."""
    return [_unit(r) for r in conn.execute("SELECT * FROM units ORDER BY is_own DESC, code")]


def own_unit(conn: sqlite3.Connection) -> Unit | None:
    row = conn.execute("SELECT * FROM units WHERE is_own = 1").fetchone()
    return _unit(row) if row else None


def get_unit(conn: sqlite3.Connection, code: str) -> Unit | None:
    row = conn.execute("SELECT * FROM units WHERE code = ?", (code,)).fetchone()
    return _unit(row) if row else None


def subtree_codes(conn: sqlite3.Connection, code: str) -> list[str]:
    """The unit and all units below it."""
    rows = conn.execute(
        "WITH RECURSIVE t(code) AS (SELECT ? UNION SELECT u.code FROM units u JOIN t ON u.parent_code = t.code)"
        " SELECT code FROM t", (code,)
    ).fetchall()
    return [r[0] for r in rows]


def insert_unit(conn: sqlite3.Connection, unit: Unit) -> None:
    conn.execute(
        "INSERT INTO units (code, name, parent_code, level, is_own) VALUES (?, ?, ?, ?, ?)",
        (unit.code, unit.name, unit.parent_code, unit.level, int(unit.is_own)),
    )


def update_unit(conn: sqlite3.Connection, unit: Unit) -> None:
    conn.execute(
        "UPDATE units SET name = ?, parent_code = ?, level = ? WHERE code = ?",
        (unit.name, unit.parent_code, unit.level, unit.code),
    )


def unit_in_use(conn: sqlite3.Connection, code: str) -> bool:
    return conn.execute(
        "SELECT EXISTS(SELECT 1 FROM households WHERE unit_code = ?)"
        " OR EXISTS(SELECT 1 FROM units WHERE parent_code = ?)", (code, code)
    ).fetchone()[0] == 1


def delete_unit(conn: sqlite3.Connection, code: str) -> None:
    conn.execute("DELETE FROM units WHERE code = ?", (code,))
