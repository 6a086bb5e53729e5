"""The archive list: filters, counts and pages that stay fast at 100 000 households.

How a filter is answered (measured in benchmarks/bench_archive.py):
1. A search-box text is a few ranges on indexes (:func:`_text_matches`), never a pass over the archive: the start
   of a name (王…) or of its given name (…小单), of a pinyin reading (zs, wang), of a phone or 档案编号, and the
   tail of an ID or phone number — a family member's too — as the start of a reversed key (db/search_keys.py).
   Alone, the counts per status come from those indexes themselves; with other filters the matches are read by id.
2. Other filters: one GROUP BY over the covering index ``households_search`` counts them, and a second,
   status-limited pass fetches the ids if few.
3. A page of few matches is read by id and sorted; a page of many walks the sort column's index and stops after
   ``limit`` rows — the filter is written with unary ``+`` there, so SQLite cannot pick a filter index and sort
   everything instead.
Pages continue from the last row's key (keyset paging), never by OFFSET.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, replace
from datetime import date, timedelta

from ..core.text import search_text
from .search_keys import (READINGS, TAIL, has_reading, id_number_forms, prefix_range, readings_from, reverse_tail,
                          tail_key)

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
# Every 档案状态 (the CHECK of households.archive_status): a range on an index led by the status is one per status.
ALL_STATUSES = ("在档", "临时", "脱困", "注销")
MIN_TAIL = 3          # digits typed before they are also read as the end of an ID or phone number
MIN_PHONE_START = 7   # … and as the start of a phone number (139 1234 …): fewer would be most of the archive


def _range(expression: str, start: str) -> tuple[str, list]:
    """``expression`` begins with ``start``: a range SQLite reads from an index on exactly that expression."""
    low, high = prefix_range(start)
    return f"{expression} >= ? AND {expression} < ?", [low, high]


def _archive_no_start(start: str) -> tuple[str, list]:
    """The 档案编号 begins with ``start`` in any letter case (hn0100 finds HN0100-…; an older version kept some as
    typed): a range on ``households_archive_no``, whose NOCASE compares ASCII letters as lower case."""
    low, high = prefix_range(start, nocase=True)
    return "archive_no COLLATE NOCASE >= ? AND archive_no COLLATE NOCASE < ?", [low, high]


def _tail(column: str, tail: str, *, id_number: bool) -> tuple[str, list]:
    """``column`` ends with ``tail``: the start of its reversed key, and for a tail longer than the key the rest."""
    key = tail_key(column, check_digit=id_number)
    sql, args = _range(key, reverse_tail(tail))
    if len(tail) > TAIL:  # the key holds the last TAIL characters: the rows it finds are checked whole
        sql += f" AND {'upper' if id_number else ''}(substr({column}, -{len(tail)})) = ?"
        args.append(tail)
    return sql, args


def _text_matches(text: str) -> tuple[str, list] | None:
    """``SELECT id, archive_status`` of the households a search-box text finds, each once (None: no text).

    Each part is a range on an index of its own; those that may match many rows carry the status, so counting
    reads no row.
    """
    text = search_text(text)
    if not text:
        return None
    parts: list[tuple[str, list]] = []

    def households(where: tuple[str, list]) -> None:
        parts.append((f"SELECT id, archive_status FROM households WHERE {where[0]}", where[1]))

    if _DIGITS.match(text):
        # The whole ID number or its last digits, of the head or of a family member (an old 15-digit number
        # also as the 18-digit one it became); a phone number's end, or its start; a 档案编号's start.
        text = text.upper()
        if len(text) >= MIN_TAIL:
            for tail in id_number_forms(text):
                sql, args = _tail("id_number", tail, id_number=True)  # the same in members_id_tail
                households((sql, args))
                households((f"id IN (SELECT household_id FROM members WHERE {sql})", args))
            households(_tail("phone", text, id_number=False))
        if len(text) >= MIN_PHONE_START:
            households(_range("phone", text))
        households(_archive_no_start(text))
    elif _LETTERS.match(text):
        # Pinyin initials (zs → 张三) or the start of the full pinyin (zhang), of any of the name's readings:
        # the first is the column's start, the next ones each have an index of their own (db/search_keys.py).
        text = text.lower()
        households(_range("name_initials", f" {text}"))
        sql, args = _range("name_pinyin", f" {text}")  # households_status: (archive_status, name_pinyin)
        households((f"archive_status IN ({', '.join('?' * len(ALL_STATUSES))}) AND {sql}", [*ALL_STATUSES, *args]))
        for column in ("name_initials", "name_pinyin"):
            for k in range(2, READINGS + 1):
                sql, args = _range(readings_from(column, k), text)
                households((f"{has_reading(column, k)} AND {sql}", args))
    else:
        # The start of the name or of the given name (王, 符海, 小单), or of a 档案编号 (460002-2026, hn0100).
        households(_range("name", text))
        households(_range("substr(name, 2)", text))
        households(_archive_no_start(text))
    return " UNION ".join(sql for sql, _ in parts), [a for _, args in parts for a in args]


def _only_text(flt: HouseholdFilter) -> bool:
    """Whether the filter is a search-box text and statuses alone (the indexes of the text count it)."""
    return bool(search_text(flt.text)) and not (
        flt.unit_codes or flt.category or flt.cause or flt.migrant is not None or flt.stale or flt.incomplete)


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
    if flt.incomplete:  # proofs missing, or a 困难类别 an old ledger did not give (ledger/build.py: 待核定)
        clauses.append("(h.missing_docs != '' OR h.hardship_category = '待核定')")
    matches = _text_matches(flt.text)
    if matches is not None:
        clauses.append(f"{p}h.id IN (SELECT id FROM ({matches[0]}))")
        args += matches[1]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


@dataclass(frozen=True)
class Found:
    """What a filter matches: counts per 档案状态, and the matching ids when they are few."""

    by_status: dict[str, int]
    total: int                          # matches within the filter's statuses
    ids: tuple[int, ...] | None         # those matches, when there are at most FEW


def _source(flt: HouseholdFilter) -> str:
    """The index a counting pass reads: the narrowest that covers the filter.

    A unit filter lets SQLite start from the unit index, a search-box text from the matches' ids; statuses alone
    are counted on ``households_status`` (the narrowest that starts with the status); other filters read
    ``households_search``, which covers them all.
    """
    if flt.unit_codes or search_text(flt.text):
        return "households h"
    if not (flt.category or flt.cause or flt.migrant is not None or flt.stale or flt.incomplete):
        return "households h INDEXED BY households_status"
    return "households h INDEXED BY households_search"


def find_households(conn: sqlite3.Connection, flt: HouseholdFilter) -> Found:
    wanted = set(flt.statuses)
    if _only_text(flt):
        by_status = count_by_status(conn, flt)
        total = sum(n for s, n in by_status.items() if not wanted or s in wanted)
        ids = None
        if total <= FEW:
            sql, args = _text_matches(flt.text)
            ids = tuple(i for i, status in conn.execute(sql, args) if not wanted or status in wanted)
        return Found(by_status, total, ids)
    if search_text(flt.text):
        # A search box query with other filters matches few rows as a rule: collect them in one pass.
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
    if _only_text(flt):  # from the indexes the text is searched on, without reading a row
        sql, args = _text_matches(flt.text)
        return {r[0]: r[1] for r in conn.execute(
            f"SELECT archive_status, count(*) FROM ({sql}) GROUP BY archive_status", args)}
    where, args = _where(replace(flt, statuses=()))
    return {r[0]: r[1] for r in conn.execute(
        f"SELECT h.archive_status, count(*) FROM {_source(flt)}{where} GROUP BY h.archive_status", args)}
