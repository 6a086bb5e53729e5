"""What an old ledger's people already are in the archive: each ID number's household, and the next free numbers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from .connection import plain_cursor

_CHUNK = 500  # ID numbers per query (SQLite's limit on parameters is far above; the statement stays small)
_OPEN = ("在档", "临时")


@dataclass(frozen=True)
class Match:
    """The archive an ID number heads or belongs to."""

    household_id: int
    archive_no: str
    unit_code: str
    status: str
    head: bool           # the number is the head's (else a family member's)
    name: str            # the head's name


def archives_of(conn: sqlite3.Connection, id_numbers: Iterable[str]) -> dict[str, Match]:
    """For each ID number, the household it heads or belongs to: an open archive (在档, 临时) before a closed one,
    the head before a member, the newest archive last — as ``households.find_household_id`` chooses for one."""
    numbers = sorted(set(id_numbers))
    best: dict[str, tuple[tuple, Match]] = {}
    c = plain_cursor(conn)
    for start in range(0, len(numbers), _CHUNK):
        chunk = numbers[start:start + _CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = c.execute(
            f"SELECT id_number, id, archive_no, unit_code, archive_status, 1, name FROM households"
            f" WHERE id_number IN ({marks})"
            f" UNION ALL SELECT m.id_number, h.id, h.archive_no, h.unit_code, h.archive_status, 0, h.name"
            f" FROM members m JOIN households h ON h.id = m.household_id WHERE m.id_number IN ({marks})",
            (*chunk, *chunk))
        for number, hid, archive_no, unit, status, head, name in rows:
            rank = (status in _OPEN, bool(head), hid)
            if number not in best or rank > best[number][0]:
                best[number] = (rank, Match(hid, archive_no, unit, status, bool(head), name))
    return {number: match for number, (_rank, match) in best.items()}


def archive_numbers_taken(conn: sqlite3.Connection, numbers: Iterable[str]) -> set[str]:
    """Which of these 档案编号 the archive already has (any letter case)."""
    wanted = sorted({n for n in numbers if n})
    taken: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        taken.update(r[0].upper() for r in conn.execute(
            f"SELECT archive_no FROM households WHERE archive_no COLLATE NOCASE IN ({', '.join('?' * len(chunk))})",
            chunk))
    return taken


# The 困难职工档案 columns of the exchange format, in its order, as the archive stores them (the export writes them).
HOUSEHOLD_FORMAT_COLUMNS = (
    "archive_no, name, id_number, hardship_category, archive_status, created_date, gender, ethnicity,"
    " political_status, health, disability, work_status, is_migrant_worker, phone, employer, employer_type,"
    " unit_code, hukou_type, marital_status, housing_type, address, hukou_area_code, monthly_income_fen,"
    " other_annual_income_fen, annual_income_fen, household_size, per_capita_income_fen, dibao_line_fen,"
    " main_cause, secondary_causes, bank_name, bank_card, exit_date, exit_reason, created_by, reviewed_by, note")


def household_rows(conn: sqlite3.Connection, household_ids: Iterable[int], headers: tuple[str, ...]
                   ) -> dict[int, tuple[dict[str, object], str]]:
    """Each household as a row of the format's 困难职工档案 (``headers``, in HOUSEHOLD_FORMAT_COLUMNS' order): amounts in
    元, 是否农民工 as 是/否, 次要致困原因 joined by 、 — as a book's cells would say them; with its updated_at."""
    from decimal import Decimal

    ids = sorted(set(household_ids))
    out: dict[int, tuple[dict[str, object], str]] = {}
    c = plain_cursor(conn)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for row in c.execute(f"SELECT id, updated_at, {HOUSEHOLD_FORMAT_COLUMNS} FROM households"
                             f" WHERE id IN ({', '.join('?' * len(chunk))})", chunk):
            values = dict(zip(headers, row[2:]))
            for h, v in values.items():
                if h.endswith("收入") or h == "当地低保标准":
                    values[h] = None if v is None else Decimal(v) / 100
            values["是否农民工"] = "是" if values.get("是否农民工") else "否"
            causes = values.get("次要致困原因") or ""
            values["次要致困原因"] = "、".join(c for c in causes.split("、") if c) or None
            out[row[0]] = (values, row[1] or "")
    return out
