"""Repository of the 电话抽查 call log: every call made about a paid line, answered or not."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class PhoneCall:
    id: int
    aid_record_id: int
    draw_id: int | None
    called_on: date
    result: str                 # code list phone_check, never 未抽查
    note: str
    called_by: str
    recorded_at: str


def _call(row: sqlite3.Row) -> PhoneCall:
    values = dict(row)
    values["called_on"] = date.fromisoformat(values["called_on"])
    return PhoneCall(**values)


def insert_call(conn: sqlite3.Connection, *, aid_record_id: int, draw_id: int | None, called_on: date, result: str,
                note: str, called_by: str, recorded_at: str) -> int:
    return conn.execute(
        "INSERT INTO phone_calls (aid_record_id, draw_id, called_on, result, note, called_by, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (aid_record_id, draw_id, called_on.isoformat(), result, note, called_by, recorded_at)).lastrowid


def calls_of_record(conn: sqlite3.Connection, record_id: int) -> list[PhoneCall]:
    """A line's calls, first call first."""
    return [_call(r) for r in conn.execute(
        "SELECT * FROM phone_calls WHERE aid_record_id = ? ORDER BY id", (record_id,))]


def last_calls(conn: sqlite3.Connection, record_ids: Sequence[int]) -> dict[int, PhoneCall]:
    """The latest call of each of ``record_ids`` that has been called."""
    out: dict[int, PhoneCall] = {}
    ids = list(record_ids)
    for start in range(0, len(ids), 900):  # stay well under SQLite's limit on parameters
        chunk = ids[start:start + 900]
        rows = conn.execute(
            "SELECT c.* FROM phone_calls c WHERE c.id IN (SELECT max(id) FROM phone_calls"
            f" WHERE aid_record_id IN ({', '.join('?' * len(chunk))}) GROUP BY aid_record_id)", chunk)
        out.update({r["aid_record_id"]: _call(r) for r in rows})
    return out


def _lines(batch_id: int | None, year: int | None) -> tuple[str, list]:
    """Which lines: those of one batch, or those paid in one year (keyed as the paid-lines index is)."""
    if (batch_id is None) == (year is None):
        raise ValueError("give either batch_id or year")
    if batch_id is not None:
        return "r.batch_id = ?", [batch_id]
    return "substr(r.paid_on, 1, 4) = ?", [f"{year:04d}"]


def coverage(conn: sqlite3.Connection, *, unreachable: Sequence[str], batch_id: int | None = None,
             year: int | None = None) -> tuple[int, int, int]:
    """(lines called at least once, lines reached at least once, paid valid lines).

    A call whose result is in ``unreachable`` (未接通, 号码错误) was made but reached nobody.
    """
    where, args = _lines(batch_id, year)
    marks = ", ".join("?" * len(unreachable)) or "NULL"
    row = conn.execute(
        "SELECT count(*),"
        " coalesce(sum(EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id)), 0),"
        f" coalesce(sum(EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id"
        f" AND c.result NOT IN ({marks}))), 0)"
        f" FROM aid_records r WHERE {where} AND r.state = '有效' AND r.paid_on IS NOT NULL",
        [*unreachable, *args]).fetchone()
    return row[1], row[2], row[0]


def lines_with_result(conn: sqlite3.Connection, results: Sequence[str], *, batch_id: int | None = None,
                      year: int | None = None) -> list[int]:
    """Ids of the paid valid lines with at least one call whose result is one of ``results`` (e.g. 金额不符).

    A finding stays found after it is put right: a later 核实一致 does not take it out of the count.
    """
    where, args = _lines(batch_id, year)
    if not results:
        return []
    return [r[0] for r in conn.execute(
        f"SELECT r.id FROM aid_records r WHERE {where} AND r.state = '有效' AND r.paid_on IS NOT NULL"
        " AND EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id"
        f" AND c.result IN ({', '.join('?' * len(results))})) ORDER BY r.id", [*args, *results])]
