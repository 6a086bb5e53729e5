"""Queries for cross-unit duplicates: one ID number open in two units' archives, or aided by two units."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

OPEN = ("在档", "临时")


def open_ids_in_several_units(conn: sqlite3.Connection) -> list[str]:
    """ID numbers that head or belong to open (在档/临时) households of two or more units."""
    rows = conn.execute(
        "SELECT num FROM ("
        " SELECT id_number AS num, unit_code AS unit FROM households WHERE archive_status IN ('在档', '临时')"
        " UNION ALL"
        " SELECT m.id_number, h.unit_code FROM members m JOIN households h ON h.id = m.household_id"
        " WHERE m.id_number IS NOT NULL AND m.id_number <> '' AND h.archive_status IN ('在档', '临时'))"
        " GROUP BY num HAVING count(DISTINCT unit) > 1 ORDER BY num")
    return [r[0] for r in rows]


def open_holders(conn: sqlite3.Connection, id_numbers: Iterable[str]) -> list[sqlite3.Row]:
    """Every open household holding one of the ID numbers: as head (relation 户主) or as a member."""
    numbers = list(id_numbers)
    out: list[sqlite3.Row] = []
    for start in range(0, len(numbers), 400):  # within SQLite's limit of bound parameters
        chunk = numbers[start:start + 400]
        marks = ", ".join("?" * len(chunk))
        out += conn.execute(
            f"SELECT h.id_number AS id_number, h.id AS household_id, h.archive_no, h.unit_code, u.name AS unit_name,"
            f" h.name AS person, '户主' AS relation, h.name AS head, h.archive_status, h.hardship_category"
            f" FROM households h JOIN units u ON u.code = h.unit_code"
            f" WHERE h.id_number IN ({marks}) AND +h.archive_status IN ('在档', '临时')"
            f" UNION ALL"
            f" SELECT m.id_number, h.id, h.archive_no, h.unit_code, u.name, m.name, m.relation, h.name,"
            f" h.archive_status, h.hardship_category"
            f" FROM members m JOIN households h ON h.id = m.household_id JOIN units u ON u.code = h.unit_code"
            f" WHERE m.id_number IN ({marks}) AND +h.archive_status IN ('在档', '临时')",
            (*chunk, *chunk)).fetchall()
    return out


def paid_recipients(conn: sqlite3.Connection, year: int) -> list[tuple[int, str, str, str]]:
    """(record id, recipient's ID number, 救助类别, batch's unit) of every valid aid paid in ``year``.

    Read through the partial index ``aid_records_paid`` (the year's paid rows only), so a year is
    found without scanning every record ever kept; batches are joined in Python.
    """
    rows = conn.execute(
        "SELECT id, recipient_id_number, aid_category, batch_id FROM aid_records INDEXED BY aid_records_paid"
        " WHERE state = '有效' AND paid_on IS NOT NULL AND substr(paid_on, 1, 4) = ?", (f"{year:04d}",)).fetchall()
    if not rows:
        return []
    units = dict(conn.execute("SELECT id, unit_code FROM batches"))
    return [(r[0], r[1], r[2], units[r[3]]) for r in rows]


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
