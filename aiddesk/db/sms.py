"""Repository of SMS notices: the office's edited templates and each aid line's 短信通知 status."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


def get_template(conn: sqlite3.Connection, activity: str) -> str | None:
    row = conn.execute("SELECT template FROM sms_templates WHERE activity = ?", (activity,)).fetchone()
    return row[0] if row else None


def save_template(conn: sqlite3.Connection, activity: str, template: str, *, by: str, at: str) -> None:
    conn.execute("INSERT INTO sms_templates (activity, template, updated_by, updated_at) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT (activity) DO UPDATE SET template = excluded.template,"
                 " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                 (activity, template, by, at))


def delete_template(conn: sqlite3.Connection, activity: str) -> None:
    conn.execute("DELETE FROM sms_templates WHERE activity = ?", (activity,))


_LINES = ("SELECT r.id, r.record_no, r.batch_id, r.household_id, r.recipient_name, r.amount_fen, r.payment_method,"
          " r.paid_on, r.sms_status, r.sms_at, r.sms_error, h.archive_no, h.phone, h.unit_code,"
          " b.code AS batch_code, b.name AS batch_name, b.year"
          " FROM aid_records r JOIN households h ON h.id = r.household_id JOIN batches b ON b.id = r.batch_id")


def batch_lines(conn: sqlite3.Connection, batch_id: int) -> list[sqlite3.Row]:
    """The valid lines of a batch with the phone on file of their household, in list order."""
    return conn.execute(f"{_LINES} WHERE r.batch_id = ? AND r.state = '有效' ORDER BY r.id", (batch_id,)).fetchall()


def first_line(conn: sqlite3.Connection, batch_id: int) -> sqlite3.Row | None:
    return conn.execute(f"{_LINES} WHERE r.batch_id = ? AND r.state = '有效' ORDER BY r.id LIMIT 1",
                        (batch_id,)).fetchone()


def set_statuses(conn: sqlite3.Connection, updates: Iterable[tuple[int, str, str]], *, at: str) -> None:
    """Set (record id, 短信通知 status, failure reason) of many lines, stamped ``at``."""
    conn.executemany("UPDATE aid_records SET sms_status = ?, sms_error = ?, sms_at = ? WHERE id = ?",
                     [(status, error, at, record_id) for record_id, status, error in updates])


def status_counts(conn: sqlite3.Connection, batch_id: int) -> dict[str, int]:
    """短信通知 status → number of valid lines of the batch."""
    return {r[0]: r[1] for r in conn.execute(
        "SELECT sms_status, count(*) FROM aid_records WHERE batch_id = ? AND state = '有效' GROUP BY sms_status",
        (batch_id,))}


def failed_lines(conn: sqlite3.Connection, *, year: int | None = None,
                 batch_id: int | None = None) -> list[sqlite3.Row]:
    """Valid lines whose SMS failed, of batches that are not void; newest batch first."""
    sql = (f"{_LINES} WHERE r.sms_status = '发送失败' AND r.state = '有效' AND b.status != '已作废'")
    args: list = []
    if year is not None:
        sql += " AND b.year = ?"
        args.append(year)
    if batch_id is not None:
        sql += " AND r.batch_id = ?"
        args.append(batch_id)
    return conn.execute(sql + " ORDER BY b.year DESC, b.id DESC, r.id", args).fetchall()


def latest_notice_phone(conn: sqlite3.Connection, activity: str) -> str:
    """The 咨询电话 the office gave last, for previewing a template before any batch of it is paid."""
    row = conn.execute("SELECT notice_phone FROM batches WHERE notice_phone != ''"
                       " ORDER BY activity = ? DESC, id DESC LIMIT 1", (activity,)).fetchone()
    return row[0] if row else ""
