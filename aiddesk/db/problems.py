"""Repository of problems found in verification (核查发现的问题): opened by a finding, closed with a reason."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Problem:
    id: int
    source: str                 # 短信 / 电话抽查 / 入户走访 / 满意度调查
    batch_id: int | None
    aid_record_id: int | None
    household_id: int | None
    kind: str                   # what was found, e.g. 金额不符
    description: str
    opened_on: date
    opened_by: str
    resolved_on: date | None
    resolved_by: str | None
    resolution: str
    # for lists: who and which batch it is about
    name: str = ""
    archive_no: str = ""
    batch_code: str = ""
    batch_name: str = ""

    @property
    def is_open(self) -> bool:
        return self.resolved_on is None


_SELECT = ("SELECT p.*, coalesce(r.recipient_name, h.name, '') AS name, coalesce(h.archive_no, '') AS archive_no,"
           " coalesce(b.code, '') AS batch_code, coalesce(b.name, '') AS batch_name FROM problems p"
           " LEFT JOIN aid_records r ON r.id = p.aid_record_id"
           " LEFT JOIN households h ON h.id = coalesce(p.household_id, r.household_id)"
           " LEFT JOIN batches b ON b.id = p.batch_id")


def _problem(row: sqlite3.Row) -> Problem:
    values = dict(row)
    values["opened_on"] = date.fromisoformat(values["opened_on"])
    values["resolved_on"] = date.fromisoformat(values["resolved_on"]) if values["resolved_on"] else None
    return Problem(**values)


def insert_problem(conn: sqlite3.Connection, *, source: str, kind: str, description: str, opened_on: date,
                   opened_by: str, batch_id: int | None = None, aid_record_id: int | None = None,
                   household_id: int | None = None) -> int:
    return conn.execute(
        "INSERT INTO problems (source, batch_id, aid_record_id, household_id, kind, description, opened_on, opened_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (source, batch_id, aid_record_id, household_id, kind, description, opened_on.isoformat(),
         opened_by)).lastrowid


def get_problem(conn: sqlite3.Connection, problem_id: int) -> Problem | None:
    row = conn.execute(f"{_SELECT} WHERE p.id = ?", (problem_id,)).fetchone()
    return _problem(row) if row else None


def list_problems(conn: sqlite3.Connection, *, open_only: bool = False, batch_id: int | None = None,
                  aid_record_id: int | None = None, year: int | None = None) -> list[Problem]:
    """Problems, open ones first, then newest first."""
    sql, args = f"{_SELECT} WHERE 1", []
    if open_only:
        sql += " AND p.resolved_on IS NULL"
    if batch_id is not None:
        sql += " AND p.batch_id = ?"
        args.append(batch_id)
    if aid_record_id is not None:
        sql += " AND p.aid_record_id = ?"
        args.append(aid_record_id)
    if year is not None:
        sql += " AND substr(p.opened_on, 1, 4) = ?"
        args.append(f"{year:04d}")
    sql += " ORDER BY p.resolved_on IS NOT NULL, p.opened_on DESC, p.id DESC"
    return [_problem(r) for r in conn.execute(sql, args)]


def resolve_problem(conn: sqlite3.Connection, problem_id: int, *, resolved_on: date, resolved_by: str,
                    resolution: str) -> None:
    conn.execute("UPDATE problems SET resolved_on = ?, resolved_by = ?, resolution = ? WHERE id = ?",
                 (resolved_on.isoformat(), resolved_by, resolution, problem_id))
