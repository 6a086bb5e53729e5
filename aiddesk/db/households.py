"""Repository of households (困难职工档案) with their members: rows in, rows out."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from ..core.household import Household, Member
from ..core.money import from_fen, to_fen
from . import row_digests
from ..core.record_codes import normalise_archive_no
from .search_keys import id_number_forms, prefix_range, reverse_tail, tail_key

# Columns stored 1:1 from Household attributes of the same name.
_PLAIN = (
    "archive_no", "unit_code", "name", "id_number", "gender", "ethnicity", "political_status", "health",
    "disability", "work_status", "phone", "employer", "employer_type", "hukou_type", "marital_status",
    "housing_type", "address", "hukou_area_code", "household_size", "rule_set", "hardship_category",
    "main_cause", "bank_name", "bank_card", "archive_status", "exit_reason", "exit_note", "created_by",
    "reviewed_by", "union_opinion", "note",
)
_MONEY = {
    "monthly_income_fen": "monthly_income", "other_annual_income_fen": "other_annual_income",
    "rigid_expenses_fen": "rigid_expenses", "hardship_costs_fen": "hardship_costs",
    "annual_income_fen": "annual_income", "per_capita_income_fen": "per_capita_income",
    "dibao_line_fen": "dibao_line",
}
_DATES = ("birth_date", "created_date", "exit_date")


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _row_values(h: Household, *, initials: str, pinyin: str, updated_at: str) -> dict:
    values = {c: getattr(h, c) for c in _PLAIN}
    values.update({col: to_fen(getattr(h, attr)) for col, attr in _MONEY.items()})
    values.update({c: (getattr(h, c).isoformat() if getattr(h, c) else None) for c in _DATES})
    values.update(
        # Search keys start with their separator, so the list can match " zs" or "、下岗失业、"
        # with one instr per row (see household_list._where).
        is_migrant_worker=int(h.is_migrant_worker),
        secondary_causes=f"、{'、'.join(h.secondary_causes)}、" if h.secondary_causes else "",
        missing_docs="、".join(h.missing_docs), name_initials=f" {initials}", name_pinyin=f" {pinyin}",
        updated_at=updated_at,
    )
    for col in ("monthly_income_fen", "other_annual_income_fen", "rigid_expenses_fen",
                "hardship_costs_fen", "annual_income_fen", "per_capita_income_fen"):
        values[col] = values[col] or 0
    return values


def _household(row: sqlite3.Row, members: list[Member]) -> Household:
    h = Household(id=row["id"], members=members, updated_at=row["updated_at"])
    for c in _PLAIN:
        setattr(h, c, row[c] if row[c] is not None else ("" if c != "household_size" else 1))
    for col, attr in _MONEY.items():
        setattr(h, attr, from_fen(row[col]))
    for c in _DATES:
        setattr(h, c, _d(row[c]))
    h.is_migrant_worker = bool(row["is_migrant_worker"])
    h.secondary_causes = [c for c in row["secondary_causes"].split("、") if c]
    h.missing_docs = [c for c in row["missing_docs"].split("、") if c]
    return h


def _member(row: sqlite3.Row) -> Member:
    return Member(
        id=row["id"], name=row["name"], relation=row["relation"], id_number=row["id_number"] or "",
        gender=row["gender"] or "", birth_date=_d(row["birth_date"]), health=row["health"] or "",
        identity=row["identity"] or "", monthly_income=from_fen(row["monthly_income_fen"]),
        employer_or_school=row["employer_or_school"] or "", relation_as_written=row["relation_as_written"] or "",
    )


def get_household(conn: sqlite3.Connection, household_id: int) -> Household | None:
    row = conn.execute("SELECT * FROM households WHERE id = ?", (household_id,)).fetchone()
    if row is None:
        return None
    members = [_member(m) for m in conn.execute(
        "SELECT * FROM members WHERE household_id = ? ORDER BY seq", (household_id,))]
    return _household(row, members)


def find_household_id(conn: sqlite3.Connection, key: str) -> int | None:
    """A household by 档案编号, or by the 身份证号 of its head or of a family member — an open archive first, then the
    head before a member — typed in any width and case (an old 15-digit number also as the 18-digit it became)."""
    key = normalise_archive_no(key)  # also an ID number's: half-width, x → X
    row = conn.execute("SELECT id FROM households WHERE archive_no = ?", (key,)).fetchone()
    if row is None and key:
        row = _holder_of_id_number(conn, key)
    if row is None:  # a 档案编号 an older version stored as typed ("hn0100-…"): NOCASE folds ASCII only, as the key
        row = conn.execute("SELECT id FROM households WHERE archive_no COLLATE NOCASE = ? LIMIT 1", (key,)).fetchone()
    return row[0] if row else None


def _holder_of_id_number(conn: sqlite3.Connection, number: str) -> sqlite3.Row | None:
    """The household whose head or member has this ID number (an open archive first, the head before a member).

    Looked up by the number's reversed tail (db/search_keys.py), as the search box does: one index range each,
    and an x an older version kept as typed is an X.
    """
    key = tail_key("id_number", check_digit=True)
    forms = id_number_forms(number)
    tails = " OR ".join(f"({key} = ? AND upper(id_number) = ?)" for _ in forms)
    args = [a for form in forms for a in (reverse_tail(form), form)]
    return conn.execute(
        f"SELECT id FROM (SELECT id, archive_status, 0 AS member FROM households WHERE {tails}"
        f" UNION ALL SELECT h.id, h.archive_status, 1 FROM households h WHERE h.id IN"
        f" (SELECT household_id FROM members WHERE {tails}))"
        " ORDER BY archive_status IN ('在档', '临时') DESC, member, id DESC LIMIT 1", (*args, *args)
    ).fetchone()


def archive_no_of(conn: sqlite3.Connection, household_id: int) -> str | None:
    """The 档案编号 stored for a household (None when there is no such household)."""
    row = conn.execute("SELECT archive_no FROM households WHERE id = ?", (household_id,)).fetchone()
    return row[0] if row else None


def upper_case_archive_numbers(conn: sqlite3.Connection) -> list[str]:
    """档案编号 an older version stored with lower-case letters, written as the program now writes them (version 9);
    the numbers left as they were because their upper-case form is another archive's."""
    taken = {r[0] for r in conn.execute("SELECT archive_no FROM households")}
    kept = []
    for household_id, number in conn.execute(
            "SELECT id, archive_no FROM households WHERE archive_no != upper(archive_no) ORDER BY id").fetchall():
        upper = number.upper() if number.isascii() else conn.execute("SELECT upper(?)", (number,)).fetchone()[0]
        if upper in taken:
            kept.append(number)
            continue
        conn.execute("UPDATE households SET archive_no = ? WHERE id = ?", (upper, household_id))
        taken.add(upper)
    return kept


def rekey_names(conn: sqlite3.Connection) -> list[int]:
    """Every archive's pinyin search keys (name_initials, name_pinyin) computed again by the present reading rules
    (core/pinyin.py: surname readings, compound surnames), as saving it would write them; the ids whose keys
    changed. Members have no stored keys."""
    from ..core.pinyin import pinyin_keys

    changed = []
    for household_id, name, initials, full in conn.execute(
            "SELECT id, name, name_initials, name_pinyin FROM households ORDER BY id").fetchall():
        new_initials, new_full = pinyin_keys(name or "")
        keys = (f" {new_initials}", f" {new_full}")  # with their leading separator, as _row_values stores them
        if keys != (initials, full):
            changed.append((*keys, household_id))
    conn.executemany("UPDATE households SET name_initials = ?, name_pinyin = ? WHERE id = ?", changed)
    return [household_id for *_keys, household_id in changed]


def standardise_relations(conn: sqlite3.Connection) -> list[int]:
    """Members' 关系 an older version stored as a word that is no standard name (兄弟, 姐妹, 孙子女 were in its list)
    written as the standard name, the word kept in relation_as_written (core/relations.py); the households changed.
    A word that names no relation is left as it was, for the clerk to correct in the form."""
    from ..core.errors import UserError
    from ..core.idcard import birth_and_gender, is_valid
    from ..core.relations import relation_of

    changed: dict[int, None] = {}
    rows = conn.execute("SELECT id, household_id, relation, gender, id_number FROM members"
                        " WHERE relation_as_written IS NULL ORDER BY id").fetchall()
    for member_id, household_id, relation, gender, id_number in rows:
        if not gender and id_number and is_valid(id_number, "99991231"):  # any birth day: checked when written
            gender = birth_and_gender(id_number)[1]
        try:
            found = relation_of(relation, gender=gender or "")
        except UserError:
            continue
        if found.as_written is not None:
            conn.execute("UPDATE members SET relation = ?, relation_as_written = ? WHERE id = ?",
                         (found.name, found.as_written, member_id))
            changed[household_id] = None
    return list(changed)


def archive_no_holder(conn: sqlite3.Connection, archive_no: str, *, exclude_id: int | None) -> Holder | None:
    """The household (other than ``exclude_id``) that already has this 档案编号, in any letter case, if any.

    ``COLLATE NOCASE`` (ASCII letters only, as upper() and the stored numbers) reads households_archive_no: every
    save asks, and a centre has 100 000 archives.
    """
    row = conn.execute("SELECT id, archive_no, name FROM households WHERE archive_no COLLATE NOCASE = ? AND id != ?",
                       (normalise_archive_no(archive_no), exclude_id if exclude_id is not None else -1)).fetchone()
    return Holder(row[0], row[1], row[2], "户主") if row else None


def insert_household(conn: sqlite3.Connection, h: Household, *, initials: str, pinyin: str, updated_at: str) -> int:
    values = _row_values(h, initials=initials, pinyin=pinyin, updated_at=updated_at)
    cols = ", ".join(values)
    marks = ", ".join(f":{c}" for c in values)
    household_id = conn.execute(f"INSERT INTO households ({cols}) VALUES ({marks})", values).lastrowid
    _write_members(conn, household_id, h.members)
    row_digests.note(conn, "households", [household_id])
    return household_id


def update_household(conn: sqlite3.Connection, h: Household, *, initials: str, pinyin: str, updated_at: str) -> None:
    values = _row_values(h, initials=initials, pinyin=pinyin, updated_at=updated_at)
    sets = ", ".join(f"{c} = :{c}" for c in values)
    conn.execute(f"UPDATE households SET {sets} WHERE id = :id", {**values, "id": h.id})
    conn.execute("DELETE FROM members WHERE household_id = ?", (h.id,))
    _write_members(conn, h.id, h.members)
    row_digests.note(conn, "households", [h.id])


def _write_members(conn: sqlite3.Connection, household_id: int, members: list[Member]) -> None:
    conn.executemany(
        "INSERT INTO members (household_id, seq, name, relation, id_number, gender, birth_date, health,"
        " identity, monthly_income_fen, employer_or_school, relation_as_written)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(household_id, i + 1, m.name, m.relation, m.id_number or None, m.gender,
          m.birth_date.isoformat() if m.birth_date else None, m.health, m.identity,
          to_fen(m.monthly_income) or 0, m.employer_or_school, m.relation_as_written or None)
         for i, m in enumerate(members)],
    )


def set_status(conn: sqlite3.Connection, household_id: int, *, status: str, exit_date: date | None,
               exit_reason: str, exit_note: str, updated_at: str) -> None:
    conn.execute(
        "UPDATE households SET archive_status = ?, exit_date = ?, exit_reason = ?, exit_note = ?, updated_at = ?"
        " WHERE id = ?",
        (status, exit_date.isoformat() if exit_date else None, exit_reason, exit_note, updated_at, household_id),
    )
    row_digests.note(conn, "households", [household_id])


def set_missing_docs(conn: sqlite3.Connection, household_id: int, missing: list[str]) -> None:
    conn.execute("UPDATE households SET missing_docs = ? WHERE id = ?", ("、".join(missing), household_id))
    row_digests.note(conn, "households", [household_id])


def next_archive_no(conn: sqlite3.Connection, unit_code: str, year: int) -> str:
    """档案编号 as <单位代码>-<年>-<4-digit sequence>, the next free one (normalised: ASCII letters upper-case)."""
    prefix = normalise_archive_no(f"{unit_code}-{year}-")
    # The numbers that begin so in any letter case: a range on households_archive_no (NOCASE compares as lower case).
    low, high = prefix_range(prefix, nocase=True)
    row = conn.execute(
        "SELECT max(CAST(substr(archive_no, ?) AS INTEGER)) FROM households"
        " WHERE archive_no COLLATE NOCASE >= ? AND archive_no COLLATE NOCASE < ?",
        (len(prefix) + 1, low, high),
    ).fetchone()
    return f"{prefix}{(row[0] or 0) + 1:04d}"


@dataclass(frozen=True)
class Holder:
    """An open archive in which an ID number, card or phone already appears."""

    household_id: int
    archive_no: str
    name: str
    role: str  # 户主 or the member's relation


def open_archives_with(conn: sqlite3.Connection, column: str, value: str, *, exclude_id: int | None) -> list[Holder]:
    """Open archives sharing a bank card or phone number with the one being saved."""
    assert column in ("bank_card", "phone")
    if not value:
        return []
    rows = conn.execute(
        f"SELECT id, archive_no, name FROM households WHERE {column} = ?"
        f" AND +archive_status IN ('在档', '临时') AND id != ?", (value, exclude_id if exclude_id is not None else -1)
    ).fetchall()
    return [Holder(r[0], r[1], r[2], "户主") for r in rows]


def analyze_if_needed(conn: sqlite3.Connection) -> bool:
    """Refresh the query planner's statistics when the archive has grown or shrunk a lot.

    Without them SQLite sorts the whole archive for every page instead of
    walking the sort column's index (a 100 000-row list: 250 ms instead of 3 ms).
    """
    rows = conn.execute("SELECT count(*) FROM households").fetchone()[0]
    if rows < 1000:
        return False
    has_stats = conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()
    known = None
    if has_stats:
        stat = conn.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'households' LIMIT 1").fetchone()
        known = int(stat[0].split()[0]) if stat else None
    if known and known / 2 <= rows <= known * 2:
        return False
    conn.execute("ANALYZE")
    return True

