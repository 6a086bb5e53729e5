"""Settings stored in the database: key/value pairs, the 低保 lines and the office's holiday calendar."""

from __future__ import annotations

import sqlite3
from datetime import date

from ..core.money import from_fen, to_fen
from ..core.workdays import Calendar
from decimal import Decimal


def get_setting(conn: sqlite3.Connection, key: str, default: str = "") -> str:
    row = conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
    return row[0] if row else default


def set_setting(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def set_dibao_line(conn: sqlite3.Connection, area_code: str, year: int, line: Decimal) -> None:
    conn.execute(
        "INSERT INTO dibao_lines (area_code, year, line_fen) VALUES (?, ?, ?)"
        " ON CONFLICT(area_code, year) DO UPDATE SET line_fen = excluded.line_fen",
        (area_code, year, to_fen(line)),
    )


def dibao_lines(conn: sqlite3.Connection) -> list[tuple[str, int, Decimal]]:
    return [(r[0], r[1], from_fen(r[2])) for r in
            conn.execute("SELECT area_code, year, line_fen FROM dibao_lines ORDER BY year DESC, area_code")]


def find_dibao_line(conn: sqlite3.Connection, area_code: str, year: int) -> Decimal | None:
    """The line for an area and year: the county's own, else its city's, else its province's.

    A year without a line falls back to the latest earlier year, since lines
    are often published late in the year.
    """
    if not area_code or len(area_code) != 6:
        return None
    candidates = [area_code, area_code[:4] + "00", area_code[:2] + "0000"]
    for code in candidates:
        row = conn.execute(
            "SELECT line_fen FROM dibao_lines WHERE area_code = ? AND year <= ? ORDER BY year DESC LIMIT 1",
            (code, year),
        ).fetchone()
        if row:
            return from_fen(row[0])
    return None


def get_dibao_line(conn: sqlite3.Connection, area_code: str, year: int) -> Decimal | None:
    """The line stored for exactly this area and year (no fallback), or None."""
    row = conn.execute(
        "SELECT line_fen FROM dibao_lines WHERE area_code = ? AND year = ?", (area_code, year)
    ).fetchone()
    return from_fen(row[0]) if row else None


def delete_dibao_line(conn: sqlite3.Connection, area_code: str, year: int) -> None:
    conn.execute("DELETE FROM dibao_lines WHERE area_code = ? AND year = ?", (area_code, year))


def calendar_days(conn: sqlite3.Connection) -> tuple[set, set]:
    """The user's own calendar entries: (days off, working days)."""
    off, work = set(), set()
    for day, kind in conn.execute("SELECT day, kind FROM calendar_days"):
        (off if kind == "休息日" else work).add(date.fromisoformat(day))
    return off, work


def office_calendar(conn: sqlite3.Connection) -> Calendar:
    """The office's calendar: its entered days and the years it marked complete, over the bundled data."""
    off, work = calendar_days(conn)
    return Calendar(extra_holidays=off, extra_workdays=work, complete_years=complete_years(conn))


def list_calendar_days(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    return conn.execute("SELECT day, kind, note FROM calendar_days ORDER BY day").fetchall()


def set_calendar_day(conn: sqlite3.Connection, day: str, kind: str, note: str) -> None:
    conn.execute("INSERT INTO calendar_days (day, kind, note) VALUES (?, ?, ?)"
                 " ON CONFLICT(day) DO UPDATE SET kind = excluded.kind, note = excluded.note", (day, kind, note))


def delete_calendar_day(conn: sqlite3.Connection, day: str) -> None:
    conn.execute("DELETE FROM calendar_days WHERE day = ?", (day,))


def complete_years(conn: sqlite3.Connection) -> frozenset[int]:
    """The years the office marked 已按国务院办公厅通知录入全年."""
    return frozenset(r[0] for r in conn.execute("SELECT year FROM calendar_years"))


def list_calendar_years(conn: sqlite3.Connection) -> list[sqlite3.Row]:
    """The complete years with who marked them and when, earliest year first."""
    return conn.execute("SELECT year, confirmed_by, confirmed_at FROM calendar_years ORDER BY year").fetchall()


def get_calendar_year(conn: sqlite3.Connection, year: int) -> sqlite3.Row | None:
    return conn.execute("SELECT year, confirmed_by, confirmed_at FROM calendar_years WHERE year = ?",
                        (year,)).fetchone()


def set_calendar_year(conn: sqlite3.Connection, year: int, confirmed_by: str, confirmed_at: str) -> None:
    conn.execute("INSERT INTO calendar_years (year, confirmed_by, confirmed_at) VALUES (?, ?, ?)"
                 " ON CONFLICT(year) DO UPDATE SET confirmed_by = excluded.confirmed_by,"
                 " confirmed_at = excluded.confirmed_at", (year, confirmed_by, confirmed_at))


def delete_calendar_year(conn: sqlite3.Connection, year: int) -> None:
    conn.execute("DELETE FROM calendar_years WHERE year = ?", (year,))
