"""Repository of 入户走访: the year's draws of 在档 households, what they picked, and the visits recorded."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..core.money import from_fen

KIND = "入户走访"

# The office's own unit and every unit below it: whose archives are drawn.
_OFFICE_UNITS = ("WITH RECURSIVE office(code) AS (SELECT code FROM units WHERE is_own = 1"
                 " UNION SELECT u.code FROM units u JOIN office ON u.parent_code = office.code)")


@dataclass(frozen=True)
class VisitDraw:
    id: int
    year: int
    seed: str
    method: str                         # 比例 / 人数
    amount: str                         # the share asked for ("0.10") or the count ("25")
    population: int
    size: int
    strata: dict[str, tuple[int, int]]  # unit code → (在档 households, drawn)
    drawn_by: str
    drawn_at: str
    visited: int = 0                    # drawn households with a visit recorded against this draw


@dataclass(frozen=True)
class Visit:
    id: int
    household_id: int
    draw_id: int | None
    visited_on: date
    visitors: str
    outcome: str
    note: str
    recorded_by: str
    recorded_at: str
    name: str = ""
    archive_no: str = ""
    unit_name: str = ""


@dataclass(frozen=True)
class PlannedHousehold:
    """A household a draw picked, with what the visitors need to know before they go."""

    position: int
    household_id: int
    archive_no: str
    name: str
    unit_code: str
    unit_name: str
    address: str
    phone: str
    category: str
    household_size: int
    per_capita_income: Decimal
    archive_status: str
    visit: Visit | None          # the visit recorded for this draw (the latest, if several)
    last_visit: date | None      # the household's latest visit before that (or at all, if none yet)


# ---- the population -------------------------------------------------------------------

def in_archive_households(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """id, archive_no and unit_code of the office's households that are 在档 now."""
    return conn.execute(
        f"{_OFFICE_UNITS} SELECT id, archive_no, unit_code FROM households"
        " WHERE archive_status = '在档' AND unit_code IN (SELECT code FROM office) ORDER BY archive_no").fetchall()


# ---- draws ----------------------------------------------------------------------------------

def _draw(row: sqlite3.Row) -> VisitDraw:
    strata = {k: (v[0], v[1]) for k, v in json.loads(row["strata"]).items()}
    return VisitDraw(row["id"], row["year"], row["seed"], row["method"], row["amount"], row["population"],
                     row["size"], strata, row["drawn_by"], row["drawn_at"], row["visited"])


_DRAW_SELECT = ("SELECT d.*, (SELECT count(DISTINCT v.household_id) FROM home_visits v WHERE v.draw_id = d.id)"
                " AS visited FROM draws d")


def list_visit_draws(conn: sqlite3.Connection, year: int) -> list[VisitDraw]:
    """The year's 入户走访 draws, newest first."""
    return [_draw(r) for r in conn.execute(f"{_DRAW_SELECT} WHERE d.kind = ? AND d.year = ? ORDER BY d.id DESC",
                                           (KIND, year))]


def get_visit_draw(conn: sqlite3.Connection, draw_id: int) -> VisitDraw | None:
    row = conn.execute(f"{_DRAW_SELECT} WHERE d.id = ? AND d.kind = ?", (draw_id, KIND)).fetchone()
    return _draw(row) if row else None


def visit_draw_has(conn: sqlite3.Connection, draw_id: int, household_id: int) -> bool:
    return conn.execute("SELECT EXISTS(SELECT 1 FROM draw_items WHERE draw_id = ? AND household_id = ?)",
                        (draw_id, household_id)).fetchone()[0] == 1


def planned_households(conn: sqlite3.Connection, draw_id: int) -> list[PlannedHousehold]:
    """What a draw picked, in drawing order, each with its visit for this draw and the one before."""
    rows = conn.execute(
        "SELECT i.position, h.id, h.archive_no, h.name, h.unit_code, coalesce(u.name, h.unit_code) AS unit_name,"
        " coalesce(h.address, '') AS address, coalesce(h.phone, '') AS phone, h.hardship_category,"
        " h.household_size, h.per_capita_income_fen, h.archive_status"
        " FROM draw_items i JOIN households h ON h.id = i.household_id LEFT JOIN units u ON u.code = h.unit_code"
        " WHERE i.draw_id = ? ORDER BY i.position", (draw_id,)).fetchall()
    visits: dict[int, list[Visit]] = {}
    for v in _visits(conn, "v.household_id IN (SELECT household_id FROM draw_items WHERE draw_id = ?)", [draw_id],
                     order="v.visited_on, v.id"):
        visits.setdefault(v.household_id, []).append(v)
    out = []
    for r in rows:
        history = visits.get(r["id"], [])
        mine = [v for v in history if v.draw_id == draw_id]
        visit = mine[-1] if mine else None
        before = [v.visited_on for v in history
                  if v is not visit and (visit is None or v.visited_on <= visit.visited_on)]
        out.append(PlannedHousehold(
            r["position"], r["id"], r["archive_no"], r["name"], r["unit_code"], r["unit_name"], r["address"],
            r["phone"], r["hardship_category"], r["household_size"], from_fen(r["per_capita_income_fen"]),
            r["archive_status"], visit, max(before) if before else None))
    return out


# ---- visits ---------------------------------------------------------------------------------

def insert_visit(conn: sqlite3.Connection, *, household_id: int, draw_id: int | None, visited_on: date, visitors: str,
                 outcome: str, note: str, recorded_by: str, recorded_at: str) -> int:
    return conn.execute(
        "INSERT INTO home_visits (household_id, draw_id, visited_on, visitors, outcome, note, recorded_by, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (household_id, draw_id, visited_on.isoformat(), visitors, outcome, note, recorded_by, recorded_at)).lastrowid


def _visits(conn: sqlite3.Connection, where: str, args: list, *, order: str) -> list[Visit]:
    rows = conn.execute(
        "SELECT v.*, h.name, h.archive_no, coalesce(u.name, h.unit_code) AS unit_name FROM home_visits v"
        " JOIN households h ON h.id = v.household_id LEFT JOIN units u ON u.code = h.unit_code"
        f" WHERE {where} ORDER BY {order}", args).fetchall()
    return [Visit(r["id"], r["household_id"], r["draw_id"], date.fromisoformat(r["visited_on"]), r["visitors"],
                  r["outcome"], r["note"], r["recorded_by"], r["recorded_at"], r["name"], r["archive_no"],
                  r["unit_name"]) for r in rows]


def list_visits(conn: sqlite3.Connection, year: int) -> list[Visit]:
    """Visits made in ``year``, newest first."""
    return _visits(conn, "substr(v.visited_on, 1, 4) = ?", [f"{year:04d}"], order="v.visited_on DESC, v.id DESC")


def get_visit(conn: sqlite3.Connection, visit_id: int) -> Visit | None:
    found = _visits(conn, "v.id = ?", [visit_id], order="v.id")
    return found[0] if found else None


def visit_on(conn: sqlite3.Connection, household_id: int, visited_on: date) -> Visit | None:
    """A visit already recorded for the household on that day (a form typed in twice)."""
    found = _visits(conn, "v.household_id = ? AND v.visited_on = ?", [household_id, visited_on.isoformat()],
                    order="v.id")
    return found[0] if found else None


def visited_households(conn: sqlite3.Connection, year: int) -> int:
    """Distinct households visited in ``year``."""
    return conn.execute("SELECT count(DISTINCT household_id) FROM home_visits WHERE substr(visited_on, 1, 4) = ?",
                        (f"{year:04d}",)).fetchone()[0]
