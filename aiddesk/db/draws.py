"""Repository of random draws (电话抽查 of a batch's lines, 入户走访 of archived households) and what each picked."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.money import from_fen

PHONE = "电话抽查"
VISIT = "入户走访"


@dataclass(frozen=True)
class StoredDraw:
    """One draw as kept: enough to repeat it (seed, method, amount) and to show what came of it."""

    id: int
    kind: str                                  # 电话抽查 / 入户走访
    batch_id: int | None                       # 电话抽查 only
    year: int
    seed: str
    method: str                                # 比例 / 人数
    amount: str                                # the share ("0.10") or the count ("30") asked for
    population: int
    size: int
    strata: dict[str, tuple[int, int]]         # unit code → (population, drawn)
    drawn_by: str
    drawn_at: str                              # ISO date and time
    round_no: int = 0                          # 1 for the first draw of its batch (or kind and year), 2 …

    @property
    def drawn_on(self) -> date:
        return date.fromisoformat(self.drawn_at[:10])


@dataclass(frozen=True)
class DrawItem:
    """One pick, with the household and (电话抽查) the line called about; line fields are None for 入户走访."""

    draw_id: int
    position: int                              # 1, 2, … in the order drawn
    household_id: int
    aid_record_id: int | None
    unit_code: str                             # the stratum it was drawn in
    unit_name: str
    name: str                                  # the line's recipient, else the household's head
    archive_no: str
    phone: str                                 # in full: the working sheet is for calling, never posted
    address: str
    archive_status: str
    hardship_category: str
    record_no: str | None = None
    amount: Decimal | None = None
    paid_on: date | None = None
    payment_method: str | None = None
    phone_check: str | None = None             # the line's current 电话核实 status
    line_state: str | None = None              # 有效, or 已移除 if the line left the list since


def insert_draw(conn: sqlite3.Connection, *, kind: str, year: int, seed: str, method: str, amount: str,
                population: int, strata: dict[str, tuple[int, int]], drawn_by: str, drawn_at: str,
                items: Sequence[tuple[int, int | None, str]], batch_id: int | None = None) -> int:
    """Store a draw and its picks ``(household_id, aid_record_id or None, unit_code)`` in drawing order."""
    draw_id = conn.execute(
        "INSERT INTO draws (kind, batch_id, year, seed, method, amount, population, size, strata, drawn_by, drawn_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (kind, batch_id, year, seed, method, amount, population, len(items),
         json.dumps({code: list(pair) for code, pair in sorted(strata.items())}, ensure_ascii=False),
         drawn_by, drawn_at)).lastrowid
    conn.executemany(
        "INSERT INTO draw_items (draw_id, position, household_id, aid_record_id, unit_code) VALUES (?, ?, ?, ?, ?)",
        [(draw_id, position, household_id, record_id, unit_code)
         for position, (household_id, record_id, unit_code) in enumerate(items, start=1)])
    return draw_id


# The round counts earlier draws of the same batch (电话抽查) or of the same kind and year (入户走访).
_SELECT = ("SELECT d.*, (SELECT count(*) FROM draws e WHERE e.kind = d.kind AND e.id <= d.id"
           " AND (CASE WHEN d.batch_id IS NULL THEN e.batch_id IS NULL AND e.year = d.year"
           " ELSE e.batch_id = d.batch_id END)) AS round_no FROM draws d")


def _draw(row: sqlite3.Row) -> StoredDraw:
    values = dict(row)
    values["strata"] = {code: (pair[0], pair[1]) for code, pair in json.loads(values["strata"]).items()}
    return StoredDraw(**values)


def get_draw(conn: sqlite3.Connection, draw_id: int) -> StoredDraw | None:
    row = conn.execute(f"{_SELECT} WHERE d.id = ?", (draw_id,)).fetchone()
    return _draw(row) if row else None


def list_draws(conn: sqlite3.Connection, *, kind: str | None = None, batch_id: int | None = None,
               year: int | None = None) -> list[StoredDraw]:
    """Draws in the order they were made (first round first)."""
    sql, args = f"{_SELECT} WHERE 1", []
    for column, value in (("kind", kind), ("batch_id", batch_id), ("year", year)):
        if value is not None:
            sql += f" AND d.{column} = ?"
            args.append(value)
    return [_draw(r) for r in conn.execute(sql + " ORDER BY d.id", args)]


def draw_items(conn: sqlite3.Connection, draw_id: int) -> list[DrawItem]:
    """What a draw picked, in drawing order, with the household's and the line's details as they are now."""
    rows = conn.execute(
        "SELECT i.draw_id, i.position, i.household_id, i.aid_record_id, i.unit_code,"
        " coalesce(u.name, i.unit_code) AS unit_name, coalesce(r.recipient_name, h.name) AS name, h.archive_no,"
        " coalesce(h.phone, '') AS phone, coalesce(h.address, '') AS address, h.archive_status,"
        " h.hardship_category, r.record_no, r.amount_fen, r.paid_on, r.payment_method, r.phone_check,"
        " r.state AS line_state"
        " FROM draw_items i JOIN households h ON h.id = i.household_id"
        " LEFT JOIN aid_records r ON r.id = i.aid_record_id"
        " LEFT JOIN units u ON u.code = i.unit_code"
        " WHERE i.draw_id = ? ORDER BY i.position", (draw_id,))
    items = []
    for row in rows:
        values = dict(row)
        values["amount"] = from_fen(values.pop("amount_fen"))
        values["paid_on"] = date.fromisoformat(values["paid_on"]) if values["paid_on"] else None
        items.append(DrawItem(**values))
    return items


def draw_picked_record(conn: sqlite3.Connection, draw_id: int, aid_record_id: int) -> bool:
    """Whether the draw picked this line (one index lookup: a call is recorded against a draw of thousands)."""
    return conn.execute("SELECT 1 FROM draw_items WHERE aid_record_id = ? AND draw_id = ?",
                        (aid_record_id, draw_id)).fetchone() is not None


def drawn_households(conn: sqlite3.Connection, *, kind: str, year: int) -> set[int]:
    """Households any draw of ``kind`` in ``year`` picked (e.g. to see who is still to be visited)."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT i.household_id FROM draw_items i JOIN draws d ON d.id = i.draw_id"
        " WHERE d.kind = ? AND d.year = ?", (kind, year))}


def drawn_records(conn: sqlite3.Connection, batch_id: int) -> set[int]:
    """Lines of a batch that any of its 电话抽查 draws picked."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT i.aid_record_id FROM draw_items i JOIN draws d ON d.id = i.draw_id"
        " WHERE d.batch_id = ? AND i.aid_record_id IS NOT NULL", (batch_id,))}


def paid_lines(conn: sqlite3.Connection, batch_id: int) -> list[tuple[int, str, int, str]]:
    """What a 电话抽查 of a batch draws from: its paid valid lines as (id, 明细编号, household, household's unit)."""
    return [(r[0], r[1], r[2], r[3]) for r in conn.execute(
        "SELECT r.id, r.record_no, r.household_id, h.unit_code FROM aid_records r"
        " JOIN households h ON h.id = r.household_id"
        " WHERE r.batch_id = ? AND r.state = '有效' AND r.paid_on IS NOT NULL ORDER BY r.record_no", (batch_id,))]
