"""Repository of aid batches, their standards, workflow steps and aid records."""

from __future__ import annotations

import sqlite3
from dataclasses import fields
from datetime import date

from ..core.batch import AidRecord, Batch
from ..core.money import from_fen, to_fen
from . import row_digests

_BATCH_DATES = ("plan_approved_on", "notice_start", "notice_end", "second_notice_start", "second_notice_end",
                "approved_on", "paid_on")
_BATCH_PLAIN = ("code", "name", "activity", "year", "unit_code", "plan_text", "plan_approval_kind",
                "plan_approved_by", "status", "clerk", "reviewer", "approver", "notice_days", "notice_phone",
                "second_notice_days", "approval_doc_no", "void_reason", "note")
_RECORD_MONEY = {"amount_fen": "amount", "total_cost_fen": "total_cost", "reimbursed_fen": "reimbursed",
                 "self_paid_fen": "self_paid"}
_RECORD_DATES = ("application_date", "paid_on")
_RECORD_SKIP = {"id", "amount", "total_cost", "reimbursed", "self_paid", *_RECORD_DATES}


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


# ---- batches -----------------------------------------------------------------

def _batch_values(b: Batch, *, updated_at: str) -> dict:
    values = {c: getattr(b, c) for c in _BATCH_PLAIN}
    values.update({c: _iso(getattr(b, c)) for c in _BATCH_DATES})
    values.update(fund_sources="、".join(b.fund_sources), standard_fen=to_fen(b.standard), updated_at=updated_at)
    return values


def insert_batch(conn: sqlite3.Connection, b: Batch, *, now: str) -> int:
    values = {**_batch_values(b, updated_at=now), "created_at": now}
    batch_id = conn.execute(f"INSERT INTO batches ({', '.join(values)}) VALUES ({', '.join(':' + c for c in values)})",
                            values).lastrowid
    _write_standards(conn, batch_id, b)
    row_digests.note(conn, "batches", [batch_id])
    return batch_id


def update_batch(conn: sqlite3.Connection, b: Batch, *, now: str) -> None:
    values = _batch_values(b, updated_at=now)
    conn.execute(f"UPDATE batches SET {', '.join(f'{c} = :{c}' for c in values)} WHERE id = :id", {**values, "id": b.id})
    conn.execute("DELETE FROM batch_standards WHERE batch_id = ?", (b.id,))
    _write_standards(conn, b.id, b)
    row_digests.note(conn, "batches", [b.id])


def _write_standards(conn: sqlite3.Connection, batch_id: int, b: Batch) -> None:
    conn.executemany(
        "INSERT INTO batch_standards (batch_id, education_level, student_kind, amount_fen) VALUES (?, ?, ?, ?)",
        [(batch_id, level, kind, to_fen(amount)) for (level, kind), amount in b.student_standards.items()])


def get_batch(conn: sqlite3.Connection, batch_id: int) -> Batch | None:
    row = conn.execute("SELECT * FROM batches WHERE id = ?", (batch_id,)).fetchone()
    if row is None:
        return None
    b = Batch(id=row["id"], updated_at=row["updated_at"])
    for c in _BATCH_PLAIN:
        setattr(b, c, row[c])
    for c in _BATCH_DATES:
        setattr(b, c, _d(row[c]))
    b.fund_sources = [s for s in row["fund_sources"].split("、") if s]
    b.standard = from_fen(row["standard_fen"])
    b.student_standards = {(r[0], r[1]): from_fen(r[2]) for r in conn.execute(
        "SELECT education_level, student_kind, amount_fen FROM batch_standards WHERE batch_id = ?", (batch_id,))}
    return b


def find_batch_id(conn: sqlite3.Connection, code: str) -> int | None:
    row = conn.execute("SELECT id FROM batches WHERE code = ?", (code,)).fetchone()
    return row[0] if row else None


def list_batches(conn: sqlite3.Connection, *, year: int | None = None) -> list[sqlite3.Row]:
    """Batches with their recipient counts and totals, newest first."""
    where, args = ("WHERE b.year = ?", [year]) if year else ("", [])
    return conn.execute(
        "SELECT b.*, count(r.id) AS recipients, coalesce(sum(r.amount_fen), 0) AS total_fen FROM batches b"
        " LEFT JOIN aid_records r ON r.batch_id = b.id AND r.state = '有效'"
        f" {where} GROUP BY b.id ORDER BY b.year DESC, b.id DESC", args).fetchall()


def record_transition(conn: sqlite3.Connection, batch_id: int, *, from_status: str, to_status: str, user: str,
                      via: str, at: str, reason: str) -> None:
    conn.execute(
        "INSERT INTO batch_transitions (batch_id, from_status, to_status, user, via, at, reason)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)", (batch_id, from_status, to_status, user, via, at, reason))


def transitions(conn: sqlite3.Connection, batch_id: int) -> list[sqlite3.Row]:
    return conn.execute("SELECT * FROM batch_transitions WHERE batch_id = ? ORDER BY id", (batch_id,)).fetchall()


def next_batch_code(conn: sqlite3.Connection, unit_code: str, year: int) -> str:
    """批次编号 as <单位代码>-PC<年>-<3-digit sequence>."""
    prefix = f"{unit_code}-PC{year}-"
    row = conn.execute("SELECT max(CAST(substr(code, ?) AS INTEGER)) FROM batches WHERE substr(code, 1, ?) = ?",
                       (len(prefix) + 1, len(prefix), prefix)).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:03d}"


# ---- aid records -----------------------------------------------------------------

def _record_values(r: AidRecord) -> dict:
    values = {f.name: getattr(r, f.name) for f in fields(AidRecord) if f.name not in _RECORD_SKIP}
    values.update({col: to_fen(getattr(r, attr)) for col, attr in _RECORD_MONEY.items()})
    values.update({c: _iso(getattr(r, c)) for c in _RECORD_DATES})
    return values


def insert_records(conn: sqlite3.Connection, records: list[AidRecord]) -> None:
    """Insert many aid records at once (their ``record_no`` already assigned)."""
    if not records:
        return
    rows = [_record_values(r) for r in records]
    cols = list(rows[0])
    conn.executemany(f"INSERT INTO aid_records ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})", rows)
    row_digests.note_keys(conn, "aid_records", [r.record_no for r in records])


def _record(row: sqlite3.Row) -> AidRecord:
    r = AidRecord(id=row["id"])
    for f in fields(AidRecord):
        if f.name not in _RECORD_SKIP:
            setattr(r, f.name, row[f.name])
    for col, attr in _RECORD_MONEY.items():
        setattr(r, attr, from_fen(row[col]))
    for c in _RECORD_DATES:
        setattr(r, c, _d(row[c]))
    return r


def records_of_batch(conn: sqlite3.Connection, batch_id: int, *, include_removed: bool = False) -> list[AidRecord]:
    state = "" if include_removed else " AND state = '有效'"
    return [_record(r) for r in conn.execute(
        f"SELECT * FROM aid_records WHERE batch_id = ?{state} ORDER BY id", (batch_id,))]


def get_record(conn: sqlite3.Connection, record_id: int) -> AidRecord | None:
    row = conn.execute("SELECT * FROM aid_records WHERE id = ?", (record_id,)).fetchone()
    return _record(row) if row else None


def next_record_numbers(conn: sqlite3.Connection, batch_code: str, count: int) -> list[str]:
    """明细编号 <批次编号>-<5-digit sequence>, ``count`` fresh ones."""
    prefix = f"{batch_code}-"
    row = conn.execute("SELECT max(CAST(substr(record_no, ?) AS INTEGER)) FROM aid_records"
                       " WHERE substr(record_no, 1, ?) = ?", (len(prefix) + 1, len(prefix), prefix)).fetchone()
    start = (row[0] or 0) + 1
    return [f"{prefix}{n:05d}" for n in range(start, start + count)]


def set_record_state(conn: sqlite3.Connection, record_id: int, *, state: str, removed_reason: str) -> None:
    conn.execute("UPDATE aid_records SET state = ?, removed_reason = ? WHERE id = ?", (state, removed_reason, record_id))
    row_digests.note(conn, "aid_records", [record_id])


# ---- facts for the checks ----------------------------------------------------------

def households_in_batch(conn: sqlite3.Connection, batch_id: int) -> set[int]:
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT household_id FROM aid_records WHERE batch_id = ? AND state = '有效'", (batch_id,))}


def yearly_totals(conn: sqlite3.Connection, household_ids: list[int], *, aid_category: str, year: int,
                  exclude_batch: int) -> dict[int, int]:
    """分 of valid aid of a category each household got in other non-void batches of the year."""
    return _per_household(conn, household_ids,
                          "SELECT r.household_id, sum(r.amount_fen) FROM aid_records r JOIN batches b ON b.id = r.batch_id"
                          " WHERE r.household_id IN ({marks}) AND r.state = '有效' AND r.aid_category = ?"
                          " AND b.year = ? AND b.status != '已作废' AND b.id != ? GROUP BY r.household_id",
                          [aid_category, year, exclude_batch])


def households_with_activity(conn: sqlite3.Connection, household_ids: list[int], *, activity: str, year: int,
                             exclude_batch: int) -> set[int]:
    """Households that already got aid from another non-void batch of this activity in the year (送温暖 once a year)."""
    return set(_per_household(conn, household_ids,
                              "SELECT DISTINCT r.household_id, 1 FROM aid_records r JOIN batches b ON b.id = r.batch_id"
                              " WHERE r.household_id IN ({marks}) AND r.state = '有效' AND b.activity = ?"
                              " AND b.year = ? AND b.status != '已作废' AND b.id != ?",
                              [activity, year, exclude_batch]))


def student_aided_in_year(conn: sqlite3.Connection, student_id_number: str, *, year: int, exclude_batch: int) -> bool:
    return conn.execute(
        "SELECT EXISTS(SELECT 1 FROM aid_records r JOIN batches b ON b.id = r.batch_id WHERE r.student_id_number = ?"
        " AND r.state = '有效' AND b.year = ? AND b.status != '已作废' AND b.id != ?)",
        (student_id_number, year, exclude_batch)).fetchone()[0] == 1


def _per_household(conn: sqlite3.Connection, ids: list[int], sql: str, args: list) -> dict[int, int]:
    out: dict[int, int] = {}
    for start in range(0, len(ids), 900):  # stay well under SQLite's limit on parameters
        chunk = ids[start:start + 900]
        marks = ", ".join("?" * len(chunk))
        out.update({r[0]: r[1] for r in conn.execute(sql.format(marks=marks), [*chunk, *args])})
    return out


def line_attachment_kinds(conn: sqlite3.Connection, batch_id: int) -> dict[int, set[str]]:
    """For each valid line of a batch, the kinds of proof attached to it."""
    kinds: dict[int, set[str]] = {}
    for record_id, kind in conn.execute(
            "SELECT a.aid_record_id, a.kind FROM aid_attachments a JOIN aid_records r ON r.id = a.aid_record_id"
            " WHERE r.batch_id = ? AND r.state = '有效'", (batch_id,)):
        kinds.setdefault(record_id, set()).add(kind)
    return kinds
