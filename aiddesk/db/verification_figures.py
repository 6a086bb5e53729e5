"""Counts behind the verification figures: paid lines and their SMS and calls, home visits, feedback, problems."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class LineCounts:
    """Valid paid lines and what verification found about them."""

    paid: int = 0
    sms_sent: int = 0       # 短信通知 已发送
    called: int = 0         # lines with at least one call logged, answered or not
    reached: int = 0        # … with a call that got through (a result other than the unreachable ones)
    discrepant: int = 0     # … with a call that found 金额不符 or 本人未收到 (the problem results)


@dataclass(frozen=True)
class BatchCounts:
    id: int
    code: str
    name: str
    activity: str
    status: str
    year: int
    lines: LineCounts
    households: int = 0     # households the paid lines went to
    visited: int = 0        # … visited (入户走访) in the batch's year
    answered: int = 0       # 意见反馈表 answered about this batch
    satisfied: int = 0
    problems: int = 0
    open_problems: int = 0


def _marks(values: Sequence[str]) -> str:
    return ", ".join("?" * len(values)) or "NULL"


def _line_columns(unreachable: Sequence[str], problem: Sequence[str]) -> tuple[str, list]:
    """The per-line counts as aggregate columns over aid_records ``r``, and their parameters."""
    sql = ("count(r.id), coalesce(sum(r.sms_status = '已发送'), 0),"
           " coalesce(sum(EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id)), 0),"
           f" coalesce(sum(EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id"
           f" AND c.result NOT IN ({_marks(unreachable)}))), 0),"
           f" coalesce(sum(EXISTS(SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id"
           f" AND c.result IN ({_marks(problem)}))), 0)")
    return sql, [*unreachable, *problem]


def year_line_counts(conn: sqlite3.Connection, *, year: int, unit_code: str | None, unreachable: Sequence[str],
                     problem: Sequence[str]) -> LineCounts:
    """Valid lines paid in ``year`` by ``unit_code``'s batches (all batches when None), keyed as the paid index is."""
    columns, args = _line_columns(unreachable, problem)
    sql = (f"SELECT {columns} FROM aid_records r JOIN batches b ON b.id = r.batch_id"
           " WHERE r.state = '有效' AND r.paid_on IS NOT NULL AND substr(r.paid_on, 1, 4) = ?")
    args.append(f"{year:04d}")
    if unit_code is not None:
        sql += " AND b.unit_code = ?"
        args.append(unit_code)
    return LineCounts(*conn.execute(sql, args).fetchone())


def batch_counts(conn: sqlite3.Connection, *, unreachable: Sequence[str], problem: Sequence[str],
                 satisfied: Sequence[str], batch_id: int | None = None, year: int | None = None,
                 unit_code: str | None = None) -> list[BatchCounts]:
    """One batch (``batch_id``), or the batches of ``year`` (by ``unit_code``) that have paid lines, oldest first."""
    columns, args = _line_columns(unreachable, problem)
    where, where_args = ["b.status != '已作废'"], []
    if batch_id is not None:
        where, where_args = ["b.id = ?"], [batch_id]
    if year is not None:
        where.append("b.year = ?")
        where_args.append(year)
    if unit_code is not None:
        where.append("b.unit_code = ?")
        where_args.append(unit_code)
    rows = conn.execute(
        f"SELECT b.id, b.code, b.name, b.activity, b.status, b.year, {columns},"
        " count(DISTINCT r.household_id),"
        " count(DISTINCT CASE WHEN EXISTS(SELECT 1 FROM home_visits v WHERE v.household_id = r.household_id"
        " AND substr(v.visited_on, 1, 4) = printf('%04d', b.year)) THEN r.household_id END)"
        " FROM batches b JOIN aid_records r ON r.batch_id = b.id AND r.state = '有效' AND r.paid_on IS NOT NULL"
        f" WHERE {' AND '.join(where)} GROUP BY b.id ORDER BY b.id", [*args, *where_args]).fetchall()
    if not rows and batch_id is not None:
        b = conn.execute("SELECT id, code, name, activity, status, year FROM batches WHERE id = ?",
                         (batch_id,)).fetchone()
        rows = [(*b, 0, 0, 0, 0, 0, 0, 0)] if b else []
    ids = [r[0] for r in rows]
    feedback = _per_batch(conn, ids, f"SELECT batch_id, count(*), coalesce(sum(answer IN ({_marks(satisfied)})), 0)"
                                     " FROM feedback WHERE batch_id IN ({ids}) GROUP BY batch_id", list(satisfied))
    problems = _per_batch(conn, ids, "SELECT batch_id, count(*), coalesce(sum(resolved_on IS NULL), 0)"
                                     " FROM problems WHERE batch_id IN ({ids}) GROUP BY batch_id", [])
    out = []
    for r in rows:
        answered, happy = feedback.get(r[0], (0, 0))
        found, still_open = problems.get(r[0], (0, 0))
        out.append(BatchCounts(*r[:6], lines=LineCounts(*r[6:11]), households=r[11], visited=r[12],
                               answered=answered, satisfied=happy, problems=found, open_problems=still_open))
    return out


def _per_batch(conn: sqlite3.Connection, ids: list[int], sql: str, args: list) -> dict[int, tuple[int, int]]:
    out: dict[int, tuple[int, int]] = {}
    for start in range(0, len(ids), 900):  # SQLite's limit on parameters
        chunk = ids[start:start + 900]
        for row in conn.execute(sql.replace("{ids}", _marks([""] * len(chunk))), [*args, *chunk]):
            out[row[0]] = (row[1], row[2])
    return out


def visited_households(conn: sqlite3.Connection, year: int) -> int:
    """Households visited (入户走访) at least once in ``year``."""
    return conn.execute("SELECT count(DISTINCT household_id) FROM home_visits WHERE substr(visited_on, 1, 4) = ?",
                        (f"{year:04d}",)).fetchone()[0]


def feedback_counts(conn: sqlite3.Connection, year: int, satisfied: Sequence[str]) -> tuple[int, int]:
    """(answered, satisfied) 意见反馈表 of ``year``, about a batch or about the year's work in general."""
    row = conn.execute(f"SELECT count(*), coalesce(sum(answer IN ({_marks(satisfied)})), 0) FROM feedback"
                       " WHERE substr(answered_on, 1, 4) = ?", (*satisfied, f"{year:04d}")).fetchone()
    return row[0], row[1]


def problem_counts(conn: sqlite3.Connection, year: int) -> tuple[int, int]:
    """(found, still open) problems found in ``year``."""
    row = conn.execute("SELECT count(*), coalesce(sum(resolved_on IS NULL), 0) FROM problems"
                       " WHERE substr(opened_on, 1, 4) = ?", (f"{year:04d}",)).fetchone()
    return row[0], row[1]
