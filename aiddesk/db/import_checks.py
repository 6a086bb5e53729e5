"""What an import asks the database: who holds a workbook's codes already, what a replacement removes, and the stored
rows the importer compares a workbook's with.

The check (exchange/validate.py) runs these once when a workbook is read and again inside the import's
writing transaction, so what it finds holds for the moment the rows are written. Every lookup takes the
workbook's keys, however many, and looks each up by its index: a centre's database of every unit's years is
never read whole (only one no bigger than a few times the workbook, where that is quicker: ``holdings``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from .connection import plain_cursor

_CHUNK = 500  # keys to a query: well below SQLite's limit of variables, few queries for a big workbook


def _keyed(conn: sqlite3.Connection, keys: Iterable[str], sql: str) -> list[tuple]:
    """The rows of ``sql`` for ``keys``: its ``{keys}`` becomes ``(?, ?, …)``, asked 500 keys at a time (each an
    indexed lookup; no temporary table, whose rows outside a transaction would each be a write of their own).
    ``{keys}`` may stand more than once (a UNION over two tables): each takes the same keys."""
    wanted = list(dict.fromkeys(k for k in keys if k is not None))
    cursor = plain_cursor(conn)
    times = sql.count("{keys}")
    out: list[tuple] = []
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        out.extend(cursor.execute(sql.format(keys=f"({', '.join('?' * len(chunk))})"), chunk * times))
    return out


@dataclass(frozen=True)
class Archive:
    id: int
    unit_code: str
    status: str


def archives(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, Archive]:
    """档案编号 → the stored archive of that number, for the numbers that have one."""
    return {no: Archive(i, unit, status) for no, i, unit, status in _keyed(
        conn, numbers, "SELECT archive_no, id, unit_code, archive_status FROM households WHERE archive_no IN {keys}")}


class Holding(NamedTuple):
    """A stored archive that an ID number heads or belongs to (一户一档), in whatever status."""

    id_number: str
    archive_no: str
    unit_code: str
    status: str
    is_head: int


_HOLDINGS = ("SELECT h.id_number, h.archive_no, h.unit_code, h.archive_status, 1 FROM households h{heads}"
             " UNION ALL SELECT m.id_number, h.archive_no, h.unit_code, h.archive_status, 0"
             " FROM members m JOIN households h ON h.id = m.household_id{members}")


def holdings(conn: sqlite3.Connection, id_numbers: Iterable[str]) -> list[Holding]:
    """Every stored archive, open or closed, whose head or a member holds one of ``id_numbers``.

    Closed ones too: a workbook may reopen an archive whose stored members it leaves as they are. A database
    holding not many more people than the workbook names (a new office, a unit's year imported again) is read
    whole, which is quicker than looking each number up; a centre's is asked number by number."""
    wanted = set(id_numbers)
    stored = sum(conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("households", "members"))
    if stored <= 3 * len(wanted):
        # No condition on the members' numbers: one would send SQLite through their index, a row fetch each.
        rows = plain_cursor(conn).execute(_HOLDINGS.format(heads="", members=""))
        return [Holding._make(r) for r in rows if r[0] in wanted]
    return list(map(Holding._make, _keyed(conn, wanted, _HOLDINGS.format(
        heads=" WHERE h.id_number IN {keys}", members=" WHERE m.id_number IN {keys}"))))


def unit_names(conn: sqlite3.Connection, codes: Iterable[str]) -> dict[str, str]:
    """单位代码 → 单位名称, for the codes stored."""
    return dict(_keyed(conn, codes, "SELECT code, name FROM units WHERE code IN {keys}"))


def batch_units(conn: sqlite3.Connection, codes: Iterable[str]) -> dict[str, str]:
    """批次编号 → the unit whose batch it is, for the codes stored."""
    return dict(_keyed(conn, codes, "SELECT code, unit_code FROM batches WHERE code IN {keys}"))


def aid_record_units(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, str]:
    """明细编号 → the unit of the batch the stored line belongs to."""
    return dict(_keyed(conn, numbers, "SELECT a.record_no, b.unit_code FROM aid_records a"
                                      " JOIN batches b ON b.id = a.batch_id WHERE a.record_no IN {keys}"))


# The stored columns of a fund entry that an import compares (importer._ENTRY_COLUMNS).
ENTRY_COLUMNS = ("unit_code", "year", "entry_date", "fund_source", "kind", "amount_fen", "counterpart_code",
                 "doc_no", "memo")


def fund_entries(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, tuple]:
    """流水号 → the stored entry's ENTRY_COLUMNS, for the numbers stored."""
    rows = _keyed(conn, numbers, f"SELECT entry_no, {', '.join(ENTRY_COLUMNS)} FROM fund_entries"
                                 " WHERE entry_no IN {keys}")
    return {r[0]: r[1:] for r in rows}


def members_of(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """档案编号 → its stored members as (name, ID number), in their order."""
    out: dict[str, list[tuple[str, str]]] = {}
    for no, name, idn in _keyed(conn, numbers, "SELECT h.archive_no, m.name, m.id_number FROM households h"
                                               " JOIN members m ON m.household_id = h.id WHERE h.archive_no IN {keys}"
                                               " ORDER BY h.archive_no, m.seq"):
        out.setdefault(no, []).append((name, idn))
    return out


@dataclass
class YearRows:
    """A unit's rows bound to one year: what a newer export of that year replaces."""

    entries: list[str] = field(default_factory=list)               # 流水号
    budgets: list[tuple[int, str]] = field(default_factory=list)   # (年度, 资金来源)
    plans: list[tuple[int, str]] = field(default_factory=list)     # (年度, 救助类别)
    batches: dict[str, int] = field(default_factory=dict)          # 批次编号 → id
    records: dict[str, tuple[int, str]] = field(default_factory=dict)  # 明细编号 → (id, 批次编号)
    usage: list[tuple[str, int, str, str]] = field(default_factory=list)  # 单位代码, 年度, 资金来源, 救助类别


def year_rows(conn: sqlite3.Connection, unit: str, year: int, below: Iterable[str]) -> YearRows:
    """``unit``'s rows of ``year`` (ledger, budgets, plans, batches and their lines), and the reported use of
    ``year`` by the units ``below`` it."""
    c = plain_cursor(conn)
    rows = YearRows()
    rows.entries = [r[0] for r in c.execute("SELECT entry_no FROM fund_entries WHERE unit_code = ? AND year = ?"
                                            " ORDER BY entry_no", (unit, year))]
    rows.budgets = [tuple(r) for r in c.execute("SELECT year, fund_source FROM fund_budgets WHERE unit_code = ?"
                                                " AND year = ? ORDER BY fund_source", (unit, year))]
    rows.plans = [tuple(r) for r in c.execute("SELECT year, aid_category FROM aid_plans WHERE unit_code = ?"
                                              " AND year = ? ORDER BY aid_category", (unit, year))]
    rows.batches = dict(c.execute("SELECT code, id FROM batches WHERE unit_code = ? AND year = ? ORDER BY code",
                                  (unit, year)))
    rows.records = {no: (i, code) for no, i, code in c.execute(
        "SELECT a.record_no, a.id, b.code FROM aid_records a JOIN batches b ON b.id = a.batch_id"
        " WHERE b.unit_code = ? AND b.year = ? ORDER BY a.record_no", (unit, year))}
    below = set(below)
    rows.usage = [tuple(r) for r in c.execute(
        "SELECT unit_code, year, fund_source, aid_category FROM subunit_usage WHERE year = ?"
        " ORDER BY unit_code, fund_source, aid_category", (year,)) if r[0] in below]
    return rows


# What goes with a removed aid line or batch (importer._RECORD_DEPENDENTS, _BATCH_DEPENDENTS), as the user calls it.
_WITH_A_LINE = (("phone_calls", "aid_record_id", "电话抽查记录"), ("draw_items", "aid_record_id", "抽查名单中的记录"),
                ("problems", "aid_record_id", "问题记录"), ("aid_attachments", "aid_record_id", "附件"),
                ("objections", "aid_record_id", "公示异议"))
_WITH_A_BATCH = (("batch_transitions", "batch_id", "批次办理记录"), ("batch_check_marks", "batch_id", "核查清单标记"),
                 ("feedback", "batch_id", "满意度调查记录"), ("problems", "batch_id", "问题记录"),
                 ("aid_attachments", "batch_id", "附件"), ("objections", "batch_id", "公示异议"),
                 ("draws", "batch_id", "抽查"))


def dependents(conn: sqlite3.Connection, record_ids: Iterable[int], batch_ids: Iterable[int]) -> dict[str, int]:
    """The rows that would go with these aid lines and batches, counted by what they are (only those with some).

    A row pointing at both a removed line and its removed batch is counted once."""
    # One savepoint around the temporary rows: outside a transaction (the check) each would be a write of its own.
    conn.execute("SAVEPOINT x_dependents")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS x_gone_records (id INTEGER PRIMARY KEY)")
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS x_gone_batches (id INTEGER PRIMARY KEY)")
    try:
        conn.executemany("INSERT OR IGNORE INTO temp.x_gone_records VALUES (?)", ((i,) for i in record_ids))
        conn.executemany("INSERT OR IGNORE INTO temp.x_gone_batches VALUES (?)", ((i,) for i in batch_ids))
        counts: dict[str, int] = {}
        tables = {table for table, _c, _l in _WITH_A_LINE + _WITH_A_BATCH}
        labels = {table: label for table, _c, label in _WITH_A_LINE + _WITH_A_BATCH}
        for table in sorted(tables, key=lambda t: list(labels).index(t)):
            tests = [f"{column} IN (SELECT id FROM temp.x_gone_records)" for t, column, _l in _WITH_A_LINE
                     if t == table]
            tests += [f"{column} IN (SELECT id FROM temp.x_gone_batches)" for t, column, _l in _WITH_A_BATCH
                      if t == table]
            n = conn.execute(f"SELECT count(*) FROM {table} WHERE {' OR '.join(tests)}").fetchone()[0]
            if n:
                counts[labels[table]] = counts.get(labels[table], 0) + n
        return counts
    finally:
        conn.execute("DELETE FROM temp.x_gone_records")
        conn.execute("DELETE FROM temp.x_gone_batches")
        conn.execute("RELEASE x_dependents")


def book_rows(conn: sqlite3.Connection, batch_codes_like: str) -> YearRows:
    """The batches (and their lines) an old ledger's earlier import brought: those whose code is of that book
    (exchange/ledger/build.py book_batches_like) — what a corrected version of the book replaces."""
    c = plain_cursor(conn)
    rows = YearRows()
    rows.batches = dict(c.execute("SELECT code, id FROM batches WHERE code LIKE ? ORDER BY code", (batch_codes_like,)))
    rows.records = {no: (i, code) for no, i, code in c.execute(
        "SELECT a.record_no, a.id, b.code FROM aid_records a JOIN batches b ON b.id = a.batch_id"
        " WHERE b.code LIKE ? ORDER BY a.record_no", (batch_codes_like,))}
    return rows


# ---- what the import looks up as it writes (exchange/importer.py) ----------------------------------------------

def stored_households(conn: sqlite3.Connection, numbers: Iterable[str], columns: Sequence[str]) -> dict[str, tuple]:
    """档案编号 → (id, *columns) of the stored archives among ``numbers`` (``columns`` starts with archive_no)."""
    return {r[1]: r for r in _keyed(conn, numbers, f"SELECT id, {', '.join(columns)} FROM households"
                                                   " WHERE archive_no IN {keys}")}


def household_ids(conn: sqlite3.Connection, numbers: Iterable[str]) -> dict[str, int]:
    """档案编号 → id of the stored archives among ``numbers``."""
    return dict(_keyed(conn, numbers, "SELECT archive_no, id FROM households WHERE archive_no IN {keys}"))


def stored_records(conn: sqlite3.Connection, numbers: Iterable[str], columns: Sequence[str]) -> dict[str, tuple]:
    """明细编号 → (id, record_no, *columns) of the stored lines among ``numbers``, whatever their unit."""
    return {r[1]: r for r in _keyed(conn, numbers, f"SELECT id, record_no, {', '.join(columns)} FROM aid_records"
                                                   " WHERE record_no IN {keys}")}


def replaced_rows(conn: sqlite3.Connection, *, unit: str | None = None, year: int | None = None,
                  batch_codes_like: str | None = None) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """(lines, batches) as (id, 明细编号 or 批次编号) that a newer book replaces: a sub-unit's year (``unit``,
    ``year``), or what an old ledger's earlier import brought (``batch_codes_like``, ledger/build.py)."""
    if batch_codes_like is not None:
        where, args = "b.code LIKE ?", (batch_codes_like,)
    else:
        where, args = "b.unit_code = ? AND b.year = ?", (unit, year)
    c = plain_cursor(conn)
    lines = c.execute(f"SELECT a.id, a.record_no FROM aid_records a JOIN batches b ON b.id = a.batch_id"
                      f" WHERE {where}", args).fetchall()
    batches = c.execute(f"SELECT b.id, b.code FROM batches b WHERE {where}", args).fetchall()
    return lines, batches
