"""Repository of the fund ledger, budgets, aid plans, sub-units' reported use, and paid aid sums."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.codes import code_list
from ..core.fund_ledger import FundEntry
from ..core.money import from_fen, to_fen
from . import row_digests

# ---- fund sources --------------------------------------------------------------

def fund_sources(conn: sqlite3.Connection) -> list[str]:
    """The default 资金来源 followed by those the office added, in the order added."""
    extras = [r[0] for r in conn.execute("SELECT name FROM fund_sources ORDER BY added_at, name")]
    defaults = code_list("fund_source")
    return defaults + [s for s in extras if s not in defaults]


def added_fund_sources(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM fund_sources ORDER BY added_at, name")]


def insert_fund_source(conn: sqlite3.Connection, name: str, *, by: str, at: str) -> None:
    conn.execute("INSERT INTO fund_sources (name, added_by, added_at) VALUES (?, ?, ?)", (name, by, at))


def delete_fund_source(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("DELETE FROM fund_sources WHERE name = ?", (name,))


def fund_source_in_use(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute(
        "SELECT EXISTS(SELECT 1 FROM fund_entries WHERE fund_source = ?)"
        " OR EXISTS(SELECT 1 FROM aid_records WHERE fund_source = ?)"
        " OR EXISTS(SELECT 1 FROM fund_budgets WHERE fund_source = ?)"
        " OR EXISTS(SELECT 1 FROM subunit_usage WHERE fund_source = ?)"
        " OR EXISTS(SELECT 1 FROM batches WHERE '、' || fund_sources || '、' LIKE '%、' || ? || '、%')",
        (name,) * 5).fetchone()[0] == 1


# ---- ledger entries -------------------------------------------------------------

_ENTRY_SELECT = ("SELECT e.*, r.entry_no AS reversed_by FROM fund_entries e"
                 " LEFT JOIN fund_entries r ON r.reverses_id = e.id")


def _entry(row: sqlite3.Row) -> FundEntry:
    return FundEntry(
        unit_code=row["unit_code"], entry_date=date.fromisoformat(row["entry_date"]),
        fund_source=row["fund_source"], kind=row["kind"], amount=from_fen(row["amount_fen"]),
        counterpart_code=row["counterpart_code"], doc_no=row["doc_no"], memo=row["memo"],
        entry_no=row["entry_no"], reverses_id=row["reverses_id"], reason=row["reason"],
        created_by=row["created_by"], created_at=row["created_at"], id=row["id"],
        reversed_by=row["reversed_by"] or "")


def next_entry_no(conn: sqlite3.Connection, unit_code: str, year: int) -> str:
    """流水号 as <单位代码>-ZJ<年>-<4-digit sequence>."""
    prefix = f"{unit_code}-ZJ{year}-"
    row = conn.execute("SELECT max(CAST(substr(entry_no, ?) AS INTEGER)) FROM fund_entries"
                       " WHERE substr(entry_no, 1, ?) = ?", (len(prefix) + 1, len(prefix), prefix)).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


def insert_entry(conn: sqlite3.Connection, e: FundEntry) -> int:
    entry_id = conn.execute(
        "INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind, amount_fen,"
        " counterpart_code, doc_no, memo, reverses_id, reason, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (e.entry_no, e.unit_code, e.entry_date.year, e.entry_date.isoformat(), e.fund_source, e.kind,
         to_fen(e.amount), e.counterpart_code or None, e.doc_no, e.memo, e.reverses_id, e.reason,
         e.created_by, e.created_at)).lastrowid
    row_digests.note(conn, "fund_entries", [entry_id])
    return entry_id


def get_entry(conn: sqlite3.Connection, entry_id: int) -> FundEntry | None:
    row = conn.execute(f"{_ENTRY_SELECT} WHERE e.id = ?", (entry_id,)).fetchone()
    return _entry(row) if row else None


def find_entry_id(conn: sqlite3.Connection, entry_no: str) -> int | None:
    row = conn.execute("SELECT id FROM fund_entries WHERE entry_no = ?", (entry_no,)).fetchone()
    return row[0] if row else None


def list_entries(conn: sqlite3.Connection, unit_code: str, year: int, *, fund_source: str | None = None,
                 kind: str | None = None) -> list[FundEntry]:
    """A unit's entries of one year in date order, reversals right after the entries they reverse."""
    sql = f"{_ENTRY_SELECT} WHERE e.unit_code = ? AND e.year = ?"
    args: list = [unit_code, year]
    if fund_source:
        sql += " AND e.fund_source = ?"
        args.append(fund_source)
    if kind:
        sql += " AND e.kind = ?"
        args.append(kind)
    return [_entry(r) for r in conn.execute(sql + " ORDER BY e.entry_date, e.id", args)]


def ledger_sums(conn: sqlite3.Connection, unit_code: str, year: int) -> dict[tuple[str, str], Decimal]:
    """(kind, source) → the net sum of a unit's entries in a year (reversals cancel their entries)."""
    rows = conn.execute("SELECT kind, fund_source, sum(amount_fen) FROM fund_entries"
                        " WHERE unit_code = ? AND year = ? GROUP BY kind, fund_source", (unit_code, year))
    return {(k, s): from_fen(fen) for k, s, fen in rows if fen}


def has_ledger(conn: sqlite3.Connection, unit_code: str) -> bool:
    return conn.execute("SELECT EXISTS(SELECT 1 FROM fund_entries WHERE unit_code = ?)",
                        (unit_code,)).fetchone()[0] == 1


def allocations_to(conn: sqlite3.Connection, year: int, *, ledger_unit: str | None = None
                   ) -> dict[tuple[str, str], Decimal]:
    """(sub-unit, source) → 下拨下级 + 直拨下级 to it in a year (from one unit's ledger, or from any)."""
    sql = ("SELECT counterpart_code, fund_source, sum(amount_fen) FROM fund_entries"
           " WHERE year = ? AND kind IN ('下拨下级', '直拨下级') AND counterpart_code IS NOT NULL")
    args: list = [year]
    if ledger_unit is not None:
        sql += " AND unit_code = ?"
        args.append(ledger_unit)
    rows = conn.execute(sql + " GROUP BY counterpart_code, fund_source", args)
    return {(u, s): from_fen(fen) for u, s, fen in rows if fen}


def entry_years(conn: sqlite3.Connection, unit_code: str) -> list[int]:
    return [r[0] for r in conn.execute("SELECT DISTINCT year FROM fund_entries WHERE unit_code = ? ORDER BY year",
                                       (unit_code,))]


# ---- budgets and plans ------------------------------------------------------------

def budgets(conn: sqlite3.Connection, unit_code: str, year: int) -> dict[str, Decimal]:
    return {s: from_fen(fen) for s, fen in conn.execute(
        "SELECT fund_source, amount_fen FROM fund_budgets WHERE unit_code = ? AND year = ?", (unit_code, year))}


def set_budget(conn: sqlite3.Connection, unit_code: str, year: int, source: str, amount: Decimal | None) -> None:
    """Set one source's budget; None removes it."""
    if amount is None:
        conn.execute("DELETE FROM fund_budgets WHERE unit_code = ? AND year = ? AND fund_source = ?",
                     (unit_code, year, source))
        return
    conn.execute("INSERT INTO fund_budgets (unit_code, year, fund_source, amount_fen) VALUES (?, ?, ?, ?)"
                 " ON CONFLICT(unit_code, year, fund_source) DO UPDATE SET amount_fen = excluded.amount_fen",
                 (unit_code, year, source, to_fen(amount)))


@dataclass(frozen=True)
class Plan:
    """计划 for one 救助类别: planned 人次 and, optionally, the planned amount."""

    aid_category: str
    planned_count: int
    planned_amount: Decimal | None = None


def plans(conn: sqlite3.Connection, unit_code: str, year: int) -> dict[str, Plan]:
    return {r[0]: Plan(r[0], r[1], from_fen(r[2])) for r in conn.execute(
        "SELECT aid_category, planned_count, planned_fen FROM aid_plans WHERE unit_code = ? AND year = ?",
        (unit_code, year))}


def set_plan(conn: sqlite3.Connection, unit_code: str, year: int, plan: Plan | None, *, category: str) -> None:
    """Set one category's plan; None removes it."""
    if plan is None:
        conn.execute("DELETE FROM aid_plans WHERE unit_code = ? AND year = ? AND aid_category = ?",
                     (unit_code, year, category))
        return
    conn.execute("INSERT INTO aid_plans (unit_code, year, aid_category, planned_count, planned_fen)"
                 " VALUES (?, ?, ?, ?, ?) ON CONFLICT(unit_code, year, aid_category)"
                 " DO UPDATE SET planned_count = excluded.planned_count, planned_fen = excluded.planned_fen",
                 (unit_code, year, category, plan.planned_count, to_fen(plan.planned_amount)))


# ---- 下级单位使用 ------------------------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    """What one sub-unit reports it spent from one source on one 救助类别 in a year."""

    unit_code: str
    year: int
    fund_source: str
    aid_category: str
    amount: Decimal
    count: int
    note: str = ""


def usage(conn: sqlite3.Connection, year: int, *, unit_code: str | None = None) -> list[Usage]:
    sql = "SELECT * FROM subunit_usage WHERE year = ?"
    args: list = [year]
    if unit_code is not None:
        sql += " AND unit_code = ?"
        args.append(unit_code)
    return [Usage(r["unit_code"], r["year"], r["fund_source"], r["aid_category"], from_fen(r["amount_fen"]),
                  r["count"], r["note"])
            for r in conn.execute(sql + " ORDER BY unit_code, fund_source, aid_category", args)]


def get_usage(conn: sqlite3.Connection, unit_code: str, year: int, source: str, category: str) -> Usage | None:
    rows = [u for u in usage(conn, year, unit_code=unit_code) if (u.fund_source, u.aid_category) == (source, category)]
    return rows[0] if rows else None


def set_usage(conn: sqlite3.Connection, u: Usage) -> None:
    conn.execute("INSERT INTO subunit_usage (unit_code, year, fund_source, aid_category, amount_fen, count, note)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(unit_code, year, fund_source, aid_category)"
                 " DO UPDATE SET amount_fen = excluded.amount_fen, count = excluded.count, note = excluded.note",
                 (u.unit_code, u.year, u.fund_source, u.aid_category, to_fen(u.amount), u.count, u.note))


def delete_usage(conn: sqlite3.Connection, unit_code: str, year: int, source: str, category: str) -> None:
    conn.execute("DELETE FROM subunit_usage WHERE unit_code = ? AND year = ? AND fund_source = ?"
                 " AND aid_category = ?", (unit_code, year, source, category))


# ---- paid aid -------------------------------------------------------------------------------

def paid_sums(conn: sqlite3.Connection, year: int) -> dict[tuple[str, str, str], tuple[Decimal, int]]:
    """(batch's unit, source, category) → (amount, 人次) of the valid aid paid in a year.

    Summed per batch from the partial index ``aid_records_paid`` alone, in its order, then per
    unit in Python, so that a million records are neither sorted nor joined to batches one by one.
    """
    rows = conn.execute(
        "SELECT batch_id, fund_source, aid_category, sum(amount_fen), count(*)"
        " FROM aid_records INDEXED BY aid_records_paid"
        " WHERE state = '有效' AND paid_on IS NOT NULL AND substr(paid_on, 1, 4) = ?"
        " GROUP BY batch_id, fund_source, aid_category", (f"{year:04d}",)).fetchall()
    if not rows:
        return {}
    units = dict(conn.execute("SELECT id, unit_code FROM batches"))
    out: dict[tuple[str, str, str], list] = {}
    for batch_id, source, category, fen, count in rows:
        cell = out.setdefault((units[batch_id], source, category), [0, 0])
        cell[0] += fen
        cell[1] += count
    return {k: (from_fen(fen), count) for k, (fen, count) in out.items()}
