"""What the records looked like when the program last wrote them: a digest per record, vouched for by the audit log.

The protected records (:data:`PROTECTED`): each household with its members, each aid record (帮扶明细), each
batch and each fund ledger entry. Whenever the program writes one, the record's digest (the first 16 bytes of a
SHA-256 over its protected fields, :func:`digest`) is appended to ``row_states`` — only when it differs from the
record's last one; a deleted record gets a NULL digest. Each appended digest names the audit entry that vouches
for it: the next one written (``entry_id``, the last entry's id + 1 at the time). That entry carries
``rows_hash``, a SHA-256 over the digests it vouches for, as one of its chained fields (:mod:`.audit`), so the
digests are chained into the log, and a log head kept in a backup or printed on a report anchors them.

:func:`findings` (完整性检查) recomputes every protected record's digest and compares it with its last digest,
and each entry's ``rows_hash`` with the digests that name it. It finds a record edited, added or deleted by any
other program (sqlite3, a database browser): the digests are not kept by the database itself (no trigger), so
such an edit leaves them behind; digests rewritten to match break the entries that vouch for them, and a log
rewritten to match differs from the heads kept in backups. It cannot tell an edit by someone who has the file
and this code and appends matching digests (and audit entries) after the last anchored head: nothing unkeyed
can. What it proves is that every record is as the program last wrote it, and that what was written before a
log head kept outside the file (a backup on other media, a printed report) has not been rewritten since — a
later change of such a record can only be a later digest, and comparing with that backup shows it.

Who keeps the digests: the repositories of households, batches and funds (:func:`note` after each write); the
audit log for the record an entry names (a service updating a line with its own SQL, as 发放 does); the exchange
importer, which writes with its own SQL, through :class:`ImportDigests` (what it may have written, noted before
its one audit entry). Not covered: a line's 短信/电话核实 progress, and every other table (budgets, plans, sub-unit
use, checks, units, users, settings).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

_SIZE = 16  # bytes of SHA-256 kept per record: 128 bits, no accidental or contrived match


@dataclass(frozen=True)
class Protected:
    columns: tuple[str, ...]  # the fields the digest covers (id first)
    key: str                  # the column the audit log names the record by (row_key)
    label: str                # what the check calls it
    name: str                 # a column that says whose it is, for the message


PROTECTED: dict[str, Protected] = {
    # Every field of the archive; its members (below) belong to its digest.
    "households": Protected((
        "id", "archive_no", "unit_code", "name", "name_initials", "name_pinyin", "id_number", "gender",
        "birth_date", "ethnicity", "political_status", "health", "disability", "work_status", "is_migrant_worker",
        "phone", "employer", "employer_type", "hukou_type", "marital_status", "housing_type", "address",
        "hukou_area_code", "monthly_income_fen", "other_annual_income_fen", "rigid_expenses_fen",
        "hardship_costs_fen", "annual_income_fen", "household_size", "per_capita_income_fen", "dibao_line_fen",
        "rule_set", "hardship_category", "main_cause", "secondary_causes", "bank_name", "bank_card",
        "archive_status", "created_date", "exit_date", "exit_reason", "exit_note", "created_by", "reviewed_by",
        "union_opinion", "note", "missing_docs", "updated_at"), "archive_no", "困难职工档案", "name"),
    # Every field but the verification progress (短信 status, 电话核实), which has its own records.
    "aid_records": Protected((
        "id", "record_no", "batch_id", "household_id", "recipient_name", "recipient_id_number", "aid_category",
        "fund_source", "amount_fen", "payment_method", "bank_card", "application_date", "paid_on", "student_name",
        "student_id_number", "school", "major", "education_level", "enrollment_year", "student_kind", "hospital",
        "diagnosis", "total_cost_fen", "reimbursed_fen", "self_paid_fen", "override_problems", "override_reason",
        "override_by", "state", "removed_reason", "corrects_id", "correction_reason", "note", "created_by",
        "created_at"), "record_no", "帮扶明细", "recipient_name"),
    "batches": Protected((
        "id", "code", "name", "activity", "year", "unit_code", "fund_sources", "standard_fen", "plan_text",
        "plan_approval_kind", "plan_approved_by", "plan_approved_on", "status", "clerk", "reviewer", "approver",
        "notice_start", "notice_days", "notice_end", "notice_phone", "second_notice_start", "second_notice_days",
        "second_notice_end", "approved_on", "approval_doc_no", "paid_on", "void_reason", "note", "created_at",
        "updated_at"), "code", "帮扶批次", "name"),
    "fund_entries": Protected((
        "id", "entry_no", "unit_code", "year", "entry_date", "fund_source", "kind", "amount_fen", "counterpart_code",
        "doc_no", "memo", "reverses_id", "reason", "created_by", "created_at"), "entry_no", "资金收支分录",
        "fund_source"),
}
# The member fields digested up to version 9; version 10 added relation_as_written (关系 as the book wrote it is
# part of the record), and its upgrade notes the archives that were intact again with it (migrations._centre).
MEMBER_COLUMNS_V9 = ("seq", "name", "relation", "id_number", "gender", "birth_date", "health", "identity",
                     "monthly_income_fen", "employer_or_school")
MEMBER_COLUMNS = (*MEMBER_COLUMNS_V9, "relation_as_written")
_CHUNK = 500  # ids per IN (…) query
_BATCH = 5000  # records digested at a time: a big import's digests never wait all at once in memory
_UNKNOWN = b""  # no digest at all (a digest is never empty)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
# The same encoder's C part, made once: JSONEncoder.encode() makes it anew for each record, which is half the time
# of a digest, and an import digests every record it writes. No circular-reference check: a record's fields are
# flat values. The text is the same to the byte (tests/db/test_row_digests.py).
_C_ENCODE = (json.encoder.c_make_encoder(None, _JSON.default, json.encoder.encode_basestring, None, ":", ",",
                                         False, False, True)
             if json.encoder.c_make_encoder is not None else None)


def _json(data: tuple) -> str:
    return "".join(_C_ENCODE(data, 0)) if _C_ENCODE is not None else _JSON.encode(data)


def digest(table: str, values: tuple, members: Iterable[tuple] = ()) -> bytes:
    """The digest of one record: SHA-256 of the compact JSON array [table, [fields in order]] — a household's
    with a third item, [[each member's fields], …] — cut to 16 bytes."""
    data = (table, values, list(members)) if table == "households" else (table, values)
    return hashlib.sha256(_json(data).encode("utf-8")).digest()[:_SIZE]


def _rows(conn: sqlite3.Connection, table: str, ids: list[int]) -> dict[int, bytes]:
    """The current digests of the records ``ids`` of ``table`` that exist."""
    out: dict[int, bytes] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        out.update(_digests_where(conn, table, f"id IN ({', '.join('?' * len(chunk))})", chunk))
    return out


def _digests_where(conn: sqlite3.Connection, table: str, where: str, args: list) -> dict[int, bytes]:
    """The current digests of the records of ``table`` that ``where`` selects (for households: ``id IN (…)``)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT {', '.join(PROTECTED[table].columns)} FROM {table} WHERE {where}", args).fetchall()
    if table != "households":
        return {row[0]: digest(table, row) for row in rows}
    members: dict[int, list[tuple]] = {}
    for row in cursor.execute(f"SELECT household_id, {', '.join(MEMBER_COLUMNS)} FROM members"
                              f" WHERE household_{where} ORDER BY household_id, seq", args):
        members.setdefault(row[0], []).append(row[1:])
    return {row[0]: digest(table, row, members.get(row[0], ())) for row in rows}


def _last_digests(cursor: sqlite3.Cursor, table: str, ids: list[int]) -> dict[int, bytes | None]:
    """The last digest of each of the records ``ids`` that has one (None: deleted)."""
    out: dict[int, bytes | None] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        for row_id, value in cursor.execute(
                f"SELECT row_id, digest FROM row_states WHERE tbl = ? AND row_id IN ({', '.join('?' * len(chunk))})"
                " ORDER BY seq", (table, *chunk)):
            out[row_id] = value  # in order: the last one stays
    return out


def next_entry_id(conn: sqlite3.Connection) -> int:
    """The id the next audit entry will have: the one that vouches for digests appended now."""
    row = conn.execute("SELECT max(id) FROM audit_log").fetchone()
    return (row[0] or 0) + 1


def note(conn: sqlite3.Connection, table: str, ids: Iterable[int]) -> int:
    """Append the digests of records ``ids`` of ``table`` that changed (or were deleted) since their last one.

    Call it inside the transaction that wrote them, after writing. Returns how many digests were appended.
    """
    ids = list(dict.fromkeys(i for i in ids if i is not None))
    return sum(_append(conn, table, ids[start:start + _BATCH], _rows(conn, table, ids[start:start + _BATCH]))
               for start in range(0, len(ids), _BATCH))


def _append(conn: sqlite3.Connection, table: str, ids: list[int], now: dict[int, bytes]) -> int:
    """Append a digest for each of ``ids`` whose current one (``now``; absent: deleted) differs from its last."""
    cursor = conn.cursor()
    cursor.row_factory = None
    entry = next_entry_id(conn)
    last = _last_digests(cursor, table, ids)
    new = []
    for row_id in ids:
        current = now.get(row_id)
        if current == last.get(row_id, _UNKNOWN if current is not None else None):
            continue  # unchanged, or never seen and not there
        new.append((entry, table, row_id, current))
    cursor.executemany("INSERT INTO row_states (entry_id, tbl, row_id, digest) VALUES (?, ?, ?, ?)", new)
    return len(new)


def note_keys(conn: sqlite3.Connection, table: str, keys: list[str]) -> int:
    """:func:`note` for the records of ``table`` named by their key (档案编号, 明细编号, 批次编号, 流水号)."""
    column = PROTECTED[table].key
    ids = [i for start in range(0, len(keys), _CHUNK) for (i,) in conn.execute(
        f"SELECT id FROM {table} WHERE {column} IN ({', '.join('?' * len(keys[start:start + _CHUNK]))})",
        keys[start:start + _CHUNK])]
    return note(conn, table, ids)


def note_by_key(conn: sqlite3.Connection, table: str, key: str) -> None:
    """The audit log's hook: an entry about ``table``'s record ``key`` (its 档案编号, 明细编号 …) notes that record."""
    if table in PROTECTED and key:
        note_keys(conn, table, [key])


def rows_hash(conn: sqlite3.Connection, entry_id: int) -> str | None:
    """SHA-256 (hex) over the digests that name ``entry_id`` — the newest ones, after every earlier entry's —
    in the order they were appended; None when there are none."""
    found = []
    cursor = conn.cursor()
    cursor.row_factory = None
    for entry, table, row_id, value in cursor.execute(
            "SELECT entry_id, tbl, row_id, digest FROM row_states ORDER BY seq DESC"):
        if entry != entry_id:
            break
        found.append((table, row_id, value))
    if not found:
        return None
    h = hashlib.sha256()
    for table, row_id, value in reversed(found):
        _feed(h, table, row_id, value)
    return h.hexdigest()


def _feed(h, table: str, row_id: int, value: bytes | None) -> None:
    h.update(f"{table}:{row_id}:".encode("ascii"))
    h.update(value.hex().encode("ascii") if value is not None else b"-")
    h.update(b"\n")


# ---- the exchange importer's rows ----------------------------------------------------------------------------

def _ids(conn: sqlite3.Connection, sql: str, args: Iterable = ()) -> list[int]:
    cursor = conn.cursor()
    cursor.row_factory = None
    return [r[0] for r in cursor.execute(sql, tuple(args))]


def _existing(conn: sqlite3.Connection, table: str, ids: list[int]) -> set[int]:
    return {i for start in range(0, len(ids), _CHUNK)
            for i in _ids(conn, f"SELECT id FROM {table} WHERE id IN ({', '.join('?' * len(ids[start:start + _CHUNK]))})",
                          ids[start:start + _CHUNK])}


class ImportDigests:
    """The digests of what an exchange import writes with its own SQL (no repository, one audit entry).

    Made before the import (``ImportDigests(conn, unit, year)``), it notes which records a newer book of
    ``unit``'s ``year`` may delete: that year's batches and their lines, and the unit's ledger entries. After
    it, :meth:`note` notes the archives and batches the workbook names and the lines of those batches, the unit's
    ledger entries, and those of the noted-before records that are gone — every record the import can have
    inserted, changed or deleted, and no more (temporary triggers would list them exactly, but make every
    insert into these many-indexed tables three times as slow). Unchanged records get no new digest.
    """

    def __init__(self, conn: sqlite3.Connection, unit: str, year: int | None):
        self.conn, self.unit = conn, unit
        self.batches = _ids(conn, "SELECT id FROM batches WHERE unit_code = ? AND year = ?", (unit, year))
        self.lines = _ids(conn, "SELECT a.id FROM aid_records a JOIN batches b ON b.id = a.batch_id"
                                " WHERE b.unit_code = ? AND b.year = ?", (unit, year))
        self.entries = _ids(conn, "SELECT id FROM fund_entries WHERE unit_code = ?", (unit,))

    def note(self, *, households: Iterable[int], batches: Iterable[int]) -> int:
        """Note the records written (call it before the import's audit entry, which vouches for them)."""
        conn = self.conn
        written = list(dict.fromkeys(batches))  # the workbook's batches: the only ones given lines
        gone = sorted(set(self.lines) - _existing(conn, "aid_records", self.lines))
        entries = [*self.entries, *_ids(conn, "SELECT id FROM fund_entries WHERE unit_code = ?", (self.unit,))]
        added = note(conn, "households", households) + note(conn, "batches", [*written, *self.batches])
        for start in range(0, len(written), 20):  # their lines, read by batch (not id by id)
            chunk = written[start:start + 20]
            now = _digests_where(conn, "aid_records", f"batch_id IN ({', '.join('?' * len(chunk))})", chunk)
            added += _append(conn, "aid_records", list(now), now)
        return added + note(conn, "aid_records", gone) + note(conn, "fund_entries", entries)


# ---- filling (the version-9 upgrade) and checking ------------------------------------------------------------

def _all_digests(conn: sqlite3.Connection, table: str, member_columns: tuple[str, ...] = MEMBER_COLUMNS
                 ) -> Iterable[tuple[int, bytes, tuple]]:
    """(id, digest, row) of every record of ``table``, in id order; one pass, members merged in (their
    ``member_columns``: an upgrade digests as the version it upgrades from did)."""
    spec = PROTECTED[table]
    cursor = conn.cursor()
    cursor.row_factory = None
    rows = cursor.execute(f"SELECT {', '.join(spec.columns)} FROM {table} ORDER BY id")
    if table != "households":
        for row in rows:
            yield row[0], digest(table, row), row
        return
    members = conn.cursor()
    members.row_factory = None
    member_rows = members.execute(f"SELECT household_id, {', '.join(member_columns)} FROM members"
                                  " ORDER BY household_id, seq")
    pending = next(member_rows, None)
    for row in rows:
        own = []
        while pending is not None and pending[0] <= row[0]:
            if pending[0] == row[0]:
                own.append(pending[1:])
            pending = next(member_rows, None)
        yield row[0], digest(table, row, own), row


def fill(conn: sqlite3.Connection, member_columns: tuple[str, ...] = MEMBER_COLUMNS) -> int:
    """Append a digest for every protected record that has none (an upgraded database: its present state, its
    members' ``member_columns`` as the version being upgraded to has them)."""
    entry = next_entry_id(conn)
    known = {(t, r) for t, r in conn.execute("SELECT DISTINCT tbl, row_id FROM row_states")}
    added = 0
    for table in PROTECTED:
        new = [(entry, table, row_id, value) for row_id, value, _row in _all_digests(conn, table, member_columns)
               if (table, row_id) not in known]
        conn.executemany("INSERT INTO row_states (entry_id, tbl, row_id, digest) VALUES (?, ?, ?, ?)", new)
        added += len(new)
    return added


def intact(conn: sqlite3.Connection, table: str, member_columns: tuple[str, ...] = MEMBER_COLUMNS) -> list[int]:
    """The ids of ``table``'s records that are as the program last wrote them (digest = last digest), digested
    with ``member_columns`` — those the digests were made with, when an upgrade is about to add one. Records
    written since by any other program are left out: an upgrade that notes records again must not vouch for them."""
    cursor = conn.cursor()
    cursor.row_factory = None
    last: dict[int, bytes | None] = {}
    for row_id, value in cursor.execute("SELECT row_id, digest FROM row_states WHERE tbl = ? ORDER BY seq", (table,)):
        last[row_id] = value  # in order: the last one stays
    return [row_id for row_id, value, _row in _all_digests(conn, table, member_columns) if last.get(row_id) == value]


@dataclass(frozen=True)
class Finding:
    kind: str       # changed / added / deleted / history
    table: str
    row_id: int
    text: str       # Chinese, for the check's list


def findings(conn: sqlite3.Connection) -> list[Finding]:
    """Every protected record that is not as the program last wrote it, and every break in the digests' history."""
    out: list[Finding] = []
    last_entry = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0] or 0
    # One pass over the history: each record's last digest, and each entry's hash over the digests naming it.
    last: dict[tuple[str, int], bytes | None] = {}
    per_entry: dict[int, hashlib._Hash] = {}
    cursor = conn.cursor()
    cursor.row_factory = None
    for entry, table, row_id, value in cursor.execute(
            "SELECT entry_id, tbl, row_id, digest FROM row_states ORDER BY seq"):
        last[(table, row_id)] = value
        if entry <= last_entry:  # later ones await the next entry
            h = per_entry.get(entry)
            if h is None:
                h = per_entry[entry] = hashlib.sha256()
            _feed(h, table, row_id, value)
    logged = dict(cursor.execute("SELECT id, rows_hash FROM audit_log WHERE rows_hash IS NOT NULL"))
    for entry_id in sorted(set(per_entry) | set(logged)):
        want, got = logged.get(entry_id), per_entry.get(entry_id)
        if want is None or got is None or got.hexdigest() != want:
            out.append(Finding("history", "audit_log", entry_id,
                               f"操作日志第 {entry_id} 条所登记的记录校验值与校验值记录不符"
                               "（校验值记录被改动、添加或删除过）"))
    for table, spec in PROTECTED.items():
        seen = set()
        for row_id, value, row in _all_digests(conn, table):
            seen.add(row_id)
            known = last.get((table, row_id), _UNKNOWN)
            if known == value:
                continue
            what = _describe(spec, row)
            if known is _UNKNOWN:
                out.append(Finding("added", table, row_id,
                                   f"{what}不是由本程序写入的（校验值记录中没有它）"))
            elif known is None:
                out.append(Finding("added", table, row_id, f"{what}已被本程序删除，却又出现在数据库中"))
            else:
                out.append(Finding("changed", table, row_id,
                                   f"{what}的内容与本程序最后一次写入的不同（被本程序以外的方式改动过）"))
        for (t, row_id), value in last.items():
            if t == table and value is not None and row_id not in seen:
                out.append(Finding("deleted", table, row_id,
                                   f"{spec.label}（内部编号 {row_id}）已从数据库中删除，但不是由本程序删除的"))
    return out


def _describe(spec: Protected, row: tuple) -> str:
    key = row[spec.columns.index(spec.key)]
    name = row[spec.columns.index(spec.name)]
    return f"{spec.label} {key}（{name}）"
