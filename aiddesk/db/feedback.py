"""Repository of 满意度: the answered 意见反馈表, about a batch's aid or the year's work in general."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Feedback:
    id: int
    household_id: int
    batch_id: int | None
    answered_on: date
    answer: str                 # 满意 / 基本满意 / 不满意
    comment: str
    recorded_by: str
    recorded_at: str
    name: str = ""
    archive_no: str = ""
    unit_name: str = ""
    batch_code: str = ""
    batch_name: str = ""


_SELECT = ("SELECT f.*, h.name, h.archive_no, coalesce(u.name, h.unit_code) AS unit_name,"
           " coalesce(b.code, '') AS batch_code, coalesce(b.name, '') AS batch_name FROM feedback f"
           " JOIN households h ON h.id = f.household_id LEFT JOIN units u ON u.code = h.unit_code"
           " LEFT JOIN batches b ON b.id = f.batch_id")


def _where(year: int | None, batch_id: int | None) -> tuple[str, list]:
    """An answer counts in the year it was given, as the year figures count it (verification_figures)."""
    clauses, args = ["1"], []
    if year is not None:
        clauses.append("substr(f.answered_on, 1, 4) = ?")
        args.append(f"{year:04d}")
    if batch_id is not None:
        clauses.append("f.batch_id = ?")
        args.append(batch_id)
    return " AND ".join(clauses), args


def _feedback(row: sqlite3.Row) -> Feedback:
    values = dict(row)
    values["answered_on"] = date.fromisoformat(values["answered_on"])
    return Feedback(**values)


def insert_feedback(conn: sqlite3.Connection, *, household_id: int, batch_id: int | None, answered_on: date,
                    answer: str, comment: str, recorded_by: str, recorded_at: str) -> int:
    return conn.execute(
        "INSERT INTO feedback (household_id, batch_id, answered_on, answer, comment, recorded_by, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (household_id, batch_id, answered_on.isoformat(), answer, comment, recorded_by, recorded_at)).lastrowid


def list_feedback(conn: sqlite3.Connection, *, year: int | None = None, batch_id: int | None = None) -> list[Feedback]:
    """Answers, newest first."""
    where, args = _where(year, batch_id)
    return [_feedback(r) for r in conn.execute(f"{_SELECT} WHERE {where} ORDER BY f.answered_on DESC, f.id DESC",
                                                args)]


def get_feedback(conn: sqlite3.Connection, feedback_id: int) -> Feedback | None:
    row = conn.execute(f"{_SELECT} WHERE f.id = ?", (feedback_id,)).fetchone()
    return _feedback(row) if row else None


def earlier_answer(conn: sqlite3.Connection, household_id: int, *, batch_id: int | None,
                   answered_on: date) -> Feedback | None:
    """The household's answer already recorded about this batch (or, without one, given that same day)."""
    if batch_id is not None:
        row = conn.execute(f"{_SELECT} WHERE f.household_id = ? AND f.batch_id = ? ORDER BY f.id LIMIT 1",
                           (household_id, batch_id)).fetchone()
    else:
        row = conn.execute(f"{_SELECT} WHERE f.household_id = ? AND f.batch_id IS NULL AND f.answered_on = ?"
                           " ORDER BY f.id LIMIT 1", (household_id, answered_on.isoformat())).fetchone()
    return _feedback(row) if row else None


def count_answers(conn: sqlite3.Connection, *, satisfied: Sequence[str], year: int | None = None,
                  batch_id: int | None = None) -> tuple[int, int]:
    """(answers among ``satisfied``, all answers)."""
    where, args = _where(year, batch_id)
    marks = ", ".join("?" * len(satisfied)) or "NULL"
    row = conn.execute(f"SELECT coalesce(sum(f.answer IN ({marks})), 0), count(*) FROM feedback f WHERE {where}",
                       [*satisfied, *args]).fetchone()
    return row[0], row[1]


def paid_batches(conn: sqlite3.Connection, year: int) -> list[sqlite3.Row]:
    """id, code, name, activity and paid_on of the year's batches with any paid valid line, newest first."""
    return conn.execute(
        "SELECT b.id, b.code, b.name, b.activity, b.paid_on FROM batches b WHERE b.year = ? AND b.status != '已作废'"
        " AND EXISTS(SELECT 1 FROM aid_records r WHERE r.batch_id = b.id AND r.state = '有效'"
        " AND r.paid_on IS NOT NULL)"
        " ORDER BY b.id DESC", (year,)).fetchall()


def household_lines(conn: sqlite3.Connection, batch_id: int, household_id: int | None = None) -> list[sqlite3.Row]:
    """The batch's valid lines (of one household, or all), with the household's archive no, name and unit."""
    sql = ("SELECT r.id, r.household_id, r.recipient_name, r.amount_fen, r.paid_on, r.payment_method,"
           " h.name, h.archive_no, coalesce(u.name, h.unit_code) AS unit_name FROM aid_records r"
           " JOIN households h ON h.id = r.household_id LEFT JOIN units u ON u.code = h.unit_code"
           " WHERE r.batch_id = ? AND r.state = '有效'")
    args: list = [batch_id]
    if household_id is not None:
        sql += " AND r.household_id = ?"
        args.append(household_id)
    return conn.execute(sql + " ORDER BY r.id", args).fetchall()
