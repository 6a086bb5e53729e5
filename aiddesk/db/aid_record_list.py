"""Aid records as lists: paid lines behind a spending figure, batches in progress with their lines, open objections."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.money import from_fen


@dataclass(frozen=True)
class PaidLine:
    """One paid 帮扶明细 with the batch it was paid in."""

    id: int
    record_no: str
    recipient_name: str
    aid_category: str
    fund_source: str
    amount: Decimal
    paid_on: date
    batch_id: int
    batch_code: str
    batch_name: str


def _paid_where(year: int, unit_code: str, aid_category: str, fund_source: str) -> tuple[str, list]:
    where = (" FROM aid_records r INDEXED BY aid_records_paid JOIN batches b ON b.id = r.batch_id"
             " WHERE r.state = '有效' AND r.paid_on IS NOT NULL AND substr(r.paid_on, 1, 4) = ?"
             " AND b.unit_code = ?")
    args: list = [f"{year:04d}", unit_code]
    if aid_category:
        where += " AND r.aid_category = ?"
        args.append(aid_category)
    if fund_source:
        where += " AND r.fund_source = ?"
        args.append(fund_source)
    return where, args


def paid_lines(conn: sqlite3.Connection, *, year: int, unit_code: str, aid_category: str = "",
               fund_source: str = "", after: tuple[str, str] | None = None,
               limit: int | None = None) -> list[PaidLine]:
    """The valid lines paid in ``year`` by ``unit_code``'s batches, by payment date and number.

    The same lines, by the same rules, as :func:`aiddesk.db.funds.paid_sums` adds up, so the list
    behind a figure always sums to the figure ("" for category or source: all of them). A page of
    ``limit`` lines continues after ``after`` = :func:`line_key` of the last line of the one before.
    """
    where, args = _paid_where(year, unit_code, aid_category, fund_source)
    if after is not None:
        where += " AND (r.paid_on, r.record_no) > (?, ?)"
        args += list(after)
    sql = ("SELECT r.id, r.record_no, r.recipient_name, r.aid_category, r.fund_source, r.amount_fen, r.paid_on,"
           " b.id AS batch_id, b.code AS batch_code, b.name AS batch_name" + where + " ORDER BY r.paid_on, r.record_no")
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [PaidLine(r["id"], r["record_no"], r["recipient_name"], r["aid_category"], r["fund_source"],
                     from_fen(r["amount_fen"]), date.fromisoformat(r["paid_on"]), r["batch_id"], r["batch_code"],
                     r["batch_name"])
            for r in conn.execute(sql, args)]


def line_key(line: PaidLine) -> tuple[str, str]:
    """Where the next page of :func:`paid_lines` starts."""
    return line.paid_on.isoformat(), line.record_no


def paid_total(conn: sqlite3.Connection, *, year: int, unit_code: str, aid_category: str = "",
               fund_source: str = "") -> tuple[int, Decimal]:
    """How many lines :func:`paid_lines` lists and their sum, from the index alone."""
    where, args = _paid_where(year, unit_code, aid_category, fund_source)
    count, fen = conn.execute("SELECT count(*), coalesce(sum(r.amount_fen), 0)" + where, args).fetchone()
    return count, from_fen(fen)


def batches_in_progress(conn: sqlite3.Connection, statuses: tuple[str, ...]) -> list[sqlite3.Row]:
    """Batches in ``statuses`` with their valid lines' count, total (分) and how many are paid, oldest first.

    Starts from the few batches still being worked on, so the sums never touch the lines of the
    years already closed.
    """
    if not statuses:
        return []
    return conn.execute(
        "SELECT b.*, count(r.id) AS recipients, coalesce(sum(r.amount_fen), 0) AS total_fen,"
        " count(r.paid_on) AS paid FROM batches b"
        " LEFT JOIN aid_records r ON r.batch_id = b.id AND r.state = '有效'"
        f" WHERE b.status IN ({', '.join('?' * len(statuses))}) GROUP BY b.id ORDER BY b.year, b.id",
        statuses).fetchall()


def open_objections(conn: sqlite3.Connection) -> dict[int, int]:
    """batch id → objections (异议) received and not yet handled."""
    return dict(conn.execute("SELECT batch_id, count(*) FROM objections WHERE outcome = '' GROUP BY batch_id"))
