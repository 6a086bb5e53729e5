"""Queries for cross-unit duplicates: one ID number open in two units' archives, or aided by two units."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from .connection import plain_cursor


def repeated_id_numbers(conn: sqlite3.Connection) -> list[str]:
    """ID numbers held by two or more people-entries (heads or members) of any household, in any status.

    The candidates for 在档重复, counted from the two ID-number indexes alone (no table rows are
    read): at 100 000 households and 300 000 members this is faster than grouping in SQL, which
    sorts the union in a temporary b-tree.
    """
    seen: set[str] = set()
    repeated: set[str] = set()
    for (number,) in plain_cursor(conn).execute("SELECT id_number FROM households UNION ALL"
                                          " SELECT id_number FROM members WHERE id_number > ''"):
        if number in seen:
            repeated.add(number)
        else:
            seen.add(number)
    return sorted(repeated)


def open_holders(conn: sqlite3.Connection, id_numbers: Iterable[str]) -> list[sqlite3.Row]:
    """Every open household holding one of the ID numbers: as head (relation 户主) or as a member, with its unit
    and 建档日期."""
    numbers = list(id_numbers)
    out: list[sqlite3.Row] = []
    for start in range(0, len(numbers), 400):  # within SQLite's limit of bound parameters
        chunk = numbers[start:start + 400]
        marks = ", ".join("?" * len(chunk))
        out += conn.execute(
            f"SELECT h.id_number AS id_number, h.id AS household_id, h.archive_no, h.unit_code, u.name AS unit_name,"
            f" h.name AS person, '户主' AS relation, h.name AS head, h.archive_status, h.hardship_category,"
            f" h.created_date"
            f" FROM households h JOIN units u ON u.code = h.unit_code"
            f" WHERE h.id_number IN ({marks}) AND +h.archive_status IN ('在档', '临时')"
            f" UNION ALL"
            f" SELECT m.id_number, h.id, h.archive_no, h.unit_code, u.name, m.name, m.relation, h.name,"
            f" h.archive_status, h.hardship_category, h.created_date"
            f" FROM members m JOIN households h ON h.id = m.household_id JOIN units u ON u.code = h.unit_code"
            f" WHERE m.id_number IN ({marks}) AND +h.archive_status IN ('在档', '临时')",
            (*chunk, *chunk)).fetchall()
    return out


def aided_by_several_units(conn: sqlite3.Connection, year: int) -> list[tuple[str, str, list[int]]]:
    """(ID number, 救助类别, record ids) for each recipient whose valid aid paid in ``year`` in that
    category came from batches of two or more units.

    Read through the partial index ``aid_records_paid`` (the year's paid rows only), so a year is
    found without scanning the records of every other year; grouped in SQL so that only the
    duplicates come back to Python.
    """
    rows = plain_cursor(conn).execute(
        "SELECT r.recipient_id_number, r.aid_category, group_concat(r.id) FROM aid_records r"
        " INDEXED BY aid_records_paid JOIN batches b ON b.id = r.batch_id"
        " WHERE r.state = '有效' AND r.paid_on IS NOT NULL AND substr(r.paid_on, 1, 4) = ?"
        " GROUP BY r.recipient_id_number, r.aid_category HAVING min(b.unit_code) <> max(b.unit_code)",
        (f"{year:04d}",)).fetchall()
    return [(number, category, [int(i) for i in ids.split(",")]) for number, category, ids in rows]


def aid_lines(conn: sqlite3.Connection, record_ids: Iterable[int]) -> list[sqlite3.Row]:
    """The aid records with their batch, unit and household, for the duplicates' entries."""
    ids = list(record_ids)
    out: list[sqlite3.Row] = []
    for start in range(0, len(ids), 800):
        chunk = ids[start:start + 800]
        marks = ", ".join("?" * len(chunk))
        out += conn.execute(
            f"SELECT r.id AS record_id, r.record_no, r.recipient_id_number AS id_number, r.recipient_name,"
            f" r.aid_category, r.fund_source, r.amount_fen, r.paid_on, r.household_id, h.archive_no,"
            f" b.id AS batch_id, b.code AS batch_code, b.name AS batch_name, b.unit_code, u.name AS unit_name"
            f" FROM aid_records r JOIN batches b ON b.id = r.batch_id JOIN units u ON u.code = b.unit_code"
            f" JOIN households h ON h.id = r.household_id WHERE r.id IN ({marks})", chunk).fetchall()
    return out
