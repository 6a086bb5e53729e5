"""The archive list: filters, counts and pages that stay fast at 100 000 households.

How a filter is answered (measured in benchmarks/bench_archive.py):
1. A search-box text: one pass over a covering index
   ``households_search`` collects the ids and statuses of the matches,
   stopping at ``SCAN_LIMIT``; the per-status counts and the ids come from
   that pass. Otherwise (or past the limit) one GROUP BY over the same index
   counts them, and a second, status-limited pass fetches the ids if few.
2. A page of few matches is read by id and sorted; a page of many walks the
   sort column's index and stops after ``limit`` rows — the filter is written
   with unary ``+`` there, so SQLite cannot pick a filter index and sort
   everything instead.
Pages continue from the last row's key (keyset paging), never by OFFSET.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..core.text import search_text

SCAN_LIMIT = 4_000     # matches collected in the first pass before counting instead (measured best)
FEW = 2_000            # at most this many matches: pages are read by id


@dataclass
class HouseholdFilter:
    """What the archive list shows; every field narrows the list."""

    statuses: tuple[str, ...] = ("在档", "临时")
    unit_codes: tuple[str, ...] = ()
    category: str = ""
    cause: str = ""
    migrant: bool | None = None
    text: str = ""
    stale: bool = False          # 一年未更新
    incomplete: bool = False     # 资料不全
    today: date | None = None    # the day "一年未更新" counts back from (needed with ``stale``)


SORT_COLUMNS = {
    "archive_no": "h.archive_no", "name": "h.name_pinyin", "id_number": "h.id_number",
    "unit": "h.unit_code", "category": "h.hardship_category", "status": "h.archive_status",
    "cause": "h.main_cause", "per_capita": "h.per_capita_income_fen", "size": "h.household_size",
    "updated_at": "h.updated_at", "created_date": "h.created_date", "phone": "h.phone",
    "gender": "h.gender", "missing": "h.missing_docs",
}

LIST_COLUMNS = (
    "h.id, h.archive_no, h.name, h.gender, h.id_number, h.unit_code, u.name AS unit_name, h.hardship_category,"
    " h.archive_status, h.main_cause, h.per_capita_income_fen, h.household_size, h.phone, h.is_migrant_worker,"
    " h.missing_docs, h.updated_at, h.created_date, h.exit_date, h.exit_reason"
)

_DIGITS = re.compile(r"^[0-9]+[Xx]?$")
_LETTERS = re.compile(r"^[A-Za-z]+$")


def _where(flt: HouseholdFilter, *, no_index: bool = False) -> tuple[str, list]:
    """WHERE clause and arguments; ``no_index`` keeps SQLite off the filter columns' indexes."""
    p = "+" if no_index else ""
    clauses, args = [], []
    if flt.statuses:
        clauses.append(f"{p}h.archive_status IN ({', '.join('?' * len(flt.statuses))})")
        args += flt.statuses
    if flt.unit_codes:
        clauses.append(f"{p}h.unit_code IN ({', '.join('?' * len(flt.unit_codes))})")
        args += flt.unit_codes
    if flt.category:
        clauses.append(f"{p}h.hardship_category = ?")
        args.append(flt.category)
    if flt.cause:
        clauses.append(f"({p}h.main_cause = ? OR instr(h.secondary_causes, ?) > 0)")
        args += [flt.cause, f"、{flt.cause}、"]
    if flt.migrant is not None:
        clauses.append("h.is_migrant_worker = ?")
        args.append(int(flt.migrant))
    if flt.stale:
        if flt.today is None:
            raise ValueError("a 一年未更新 filter needs the day it counts back from (HouseholdFilter.today)")
        clauses.append(f"{p}h.updated_at < ?")
        args.append((flt.today - timedelta(days=365)).isoformat())
    if flt.incomplete:
        clauses.append("h.missing_docs != ''")
    text = search_text(flt.text)
    if text:
        if _DIGITS.match(text):
            # whole ID number, its last digits, a phone number or an archive number
            text = text.upper()
            clauses.append("(h.id_number LIKE '%' || ? OR instr(h.phone, ?) > 0 OR instr(h.archive_no, ?) = 1"
                           " OR h.id IN (SELECT household_id FROM members WHERE id_number = ?))")
            args += [text, text, text, text]
        elif _LETTERS.match(text):
            # pinyin initials (zs → 张三) or the start of the full pinyin (zhang)
            text = text.lower()
            clauses.append("(instr(h.name_initials, ?) > 0 OR instr(h.name_pinyin, ?) > 0)")
            args += [f" {text}", f" {text}"]
        else:
            # LIKE beats instr on Chinese text here (measured); escape the user's % and _. LIKE ignores the case
            # of ASCII letters: "hn0100" finds HN0100-…, and a number an older version stored as typed.
            pattern = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("(h.name LIKE ? ESCAPE '\\' OR h.archive_no LIKE ? ESCAPE '\\')")
            args += [f"%{pattern}%", f"{pattern}%"]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


@dataclass(frozen=True)
class Found:
    """What a filter matches: counts per 档案状态, and the matching ids when they are few."""

    by_status: dict[str, int]
    total: int                          # matches within the filter's statuses
    ids: tuple[int, ...] | None         # those matches, when there are at most FEW


def _source(flt: HouseholdFilter) -> str:
    """The index a counting pass reads: the narrowest that covers the filter.

    A search-box query alone reads ``households_text`` (half the width of
    ``households_search``, so twice as fast to scan); a unit filter lets SQLite
    start from the unit index.
    """
    if flt.unit_codes:
        return "households h"
    others = (flt.category, flt.cause, flt.migrant is not None, flt.stale, flt.incomplete)
    if search_text(flt.text) and not any(others):
        return "households h INDEXED BY households_text"
    return "households h INDEXED BY households_search"


def find_households(conn: sqlite3.Connection, flt: HouseholdFilter) -> Found:
    wanted = set(flt.statuses)
    if search_text(flt.text):
        # A search box query matches few rows as a rule: collect them in one pass.
        where, args = _where(replace(flt, statuses=()))
        rows = conn.execute(f"SELECT h.id, h.archive_status FROM {_source(flt)}{where} LIMIT {SCAN_LIMIT + 1}",
                            args).fetchall()
        if len(rows) <= SCAN_LIMIT:
            by_status: dict[str, int] = {}
            for _, status in rows:
                by_status[status] = by_status.get(status, 0) + 1
            ids = tuple(i for i, status in rows if not wanted or status in wanted)
            return Found(by_status, len(ids), ids if len(ids) <= FEW else None)
    by_status = count_by_status(conn, flt)
    total = sum(n for s, n in by_status.items() if not wanted or s in wanted)
    ids = None
    if total <= FEW:  # few matches, or a rare status (注销库) among many
        where, args = _where(flt)
        ids = tuple(r[0] for r in conn.execute(f"SELECT h.id FROM {_source(flt)}{where}", args))
    return Found(by_status, total, ids)


def list_households(conn: sqlite3.Connection, flt: HouseholdFilter, *, found: Found | None = None,
                    sort: str = "archive_no", descending: bool = False, after: tuple | None = None,
                    limit: int = 200) -> list[sqlite3.Row]:
    """One page of the list, sorted; ``after=page_key(last row)`` gives the next page.

    With ``found`` from :func:`find_households` the page is read the fast way
    for how many matches there are.
    """
    if found is not None and found.ids is not None:
        if not found.ids:
            return []
        where, args = f" WHERE h.id IN ({', '.join('?' * len(found.ids))})", list(found.ids)
    else:
        where, args = _where(flt, no_index=found is not None)
    column = SORT_COLUMNS.get(sort, "h.archive_no")
    direction = "DESC" if descending else "ASC"
    if after is not None:
        where += (" AND " if where else " WHERE ") + f"({column}, h.id) {'<' if descending else '>'} (?, ?)"
        args = [*args, *after]
    return conn.execute(
        f"SELECT {LIST_COLUMNS}, {column} AS sort_key FROM households h"
        f" LEFT JOIN units u ON u.code = h.unit_code{where}"
        f" ORDER BY {column} {direction}, h.id {direction} LIMIT ?", (*args, limit)
    ).fetchall()


def page_key(row: sqlite3.Row) -> tuple:
    """Where the next page starts: the last row's sort key and id."""
    return row["sort_key"], row["id"]


def count_households(conn: sqlite3.Connection, flt: HouseholdFilter) -> int:
    where, args = _where(flt)
    return conn.execute(f"SELECT count(*) FROM households h{where}", args).fetchone()[0]


def count_by_status(conn: sqlite3.Connection, flt: HouseholdFilter) -> dict[str, int]:
    """Counts per 档案状态 of what the filter would show with every status allowed."""
    where, args = _where(replace(flt, statuses=()))
    return {r[0]: r[1] for r in conn.execute(
        f"SELECT h.archive_status, count(*) FROM {_source(flt)}{where} GROUP BY h.archive_status", args)}
