"""The audit log: who changed which archive record, when, from what to what."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from datetime import date

from . import row_digests


@dataclass(frozen=True)
class Actor:
    """Who is acting: a logged-in user in the app, or the OS user on the command line."""

    username: str
    via: str = "界面"  # 界面 (GUI) or 命令行 (CLI)
    # The logged-in user's roles; None on the command line, which has no login.
    roles: tuple[str, ...] | None = None

    def may(self, *roles: str) -> bool:
        """Whether the user holds one of ``roles`` (the command line always may); views grey out what it may not."""
        return self.roles is None or bool(set(roles) & set(self.roles))

    def require(self, *roles: str) -> None:
        """Refuse unless the user holds one of ``roles`` (the command line always may)."""
        from ..core.errors import UserError

        if not self.may(*roles):
            raise UserError(f"您的账号没有此权限，需要以下角色之一：{'、'.join(roles)}。请联系管理员")


def changed(old: dict | None, new: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose values differ, so the log shows what changed."""
    if old is None or new is None:
        return old, new
    keys = [k for k in new if old.get(k) != new.get(k)] + [k for k in old if k not in new]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def record(conn: sqlite3.Connection, actor: Actor, *, table: str, key: str, action: str,
           old: dict | None = None, new: dict | None = None, household_id: int | None = None,
           effective: date | None = None) -> None:
    """Write one audit entry, chained to the last one by its hash, inside the caller's transaction.

    The entry keeps when it was recorded (the session's clock, ``conn.clock``) and, for an action that has
    one, the business date it takes effect (``effective``: 退出日期, 审批日期, 发放日期 …), which may be earlier.
    """
    old, new = changed(old, new)
    if action == "update" and not new:
        return  # nothing actually changed
    last = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    entry_id = (last[0] + 1) if last else 1
    # The record the entry names, if it is a protected one, gets its digest now (a service may have written it
    # with its own SQL); the entry then vouches for every digest appended since the entry before.
    row_digests.note_by_key(conn, table, key)
    entry = {
        # The id is chosen here (not by SQLite) because it is part of the hashed fields.
        "id": entry_id,
        "at": conn.clock.stamp(), "user": actor.username, "via": actor.via, "table_name": table, "row_key": key,
        "action": action,
        "old_values": None if old is None else json.dumps(old, ensure_ascii=False),
        "new_values": None if new is None else json.dumps(new, ensure_ascii=False),
        "household_id": household_id, "effective_date": effective.isoformat() if effective else None,
        "rows_hash": row_digests.rows_hash(conn, entry_id),
    }
    prev_hash = last[1] if last else ""
    conn.execute(
        "INSERT INTO audit_log (id, at, user, via, table_name, row_key, action, old_values, new_values, household_id,"
        " effective_date, rows_hash, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (*(entry[f] for f in CHAINED_FIELDS), prev_hash, entry_hash(entry, prev_hash)),
    )


# The columns an entry's hash covers; prev_hash ties it to the entry before.
CHAINED_FIELDS = ("id", "at", "user", "via", "table_name", "row_key", "action", "old_values", "new_values",
                  "household_id", "effective_date", "rows_hash")
# Fields added after entries were first chained: they count only when an entry has them.
_LATER_FIELDS = ("effective_date", "rows_hash")


def entry_hash(entry, prev_hash: str) -> str:
    """SHA-256 of a canonical JSON (sorted keys, no spaces) of the entry's fields and the previous hash.

    ``effective_date`` (version 8) and ``rows_hash`` (version 9: the hash over the record digests the entry
    vouches for, :mod:`.row_digests`) count only when the entry has one, so the hashes of entries written
    before they existed stay valid without sealing the chain again.
    """
    data = {f: entry.get(f) for f in CHAINED_FIELDS}
    for later in _LATER_FIELDS:
        if data[later] is None:
            del data[later]
    data["prev_hash"] = prev_hash
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _chained_columns(conn: sqlite3.Connection) -> tuple[str, ...]:
    """The chained fields the log has: the version-7 upgrade seals a log that has no effective_date yet."""
    present = {r[1] for r in conn.execute("PRAGMA table_info(audit_log)")}
    return tuple(f for f in CHAINED_FIELDS if f in present)


def head(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The log's last entry: (id, hash), or None when the log is empty."""
    row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return (row[0], row[1]) if row else None


def head_text(conn: sqlite3.Connection) -> str:
    """The log's head as a line to print (a paper copy anchors the log): its number and the first 16 hex digits of
    its hash, in groups of four — e.g. 操作日志第 2306 条，校验值 3F2A 9C1B 7D4E 0A55."""
    last = head(conn)
    if last is None:
        return "操作日志：尚无记录"
    start = last[1][:16].upper()
    return f"操作日志第 {last[0]} 条，校验值 {' '.join(start[i:i + 4] for i in range(0, 16, 4))}"


def seal_chain(conn: sqlite3.Connection) -> None:
    """Compute every entry's hash afresh in id order (the v7 upgrade fills the chain of older logs so)."""
    prev = ""
    fields = _chained_columns(conn)
    rows = conn.execute(f"SELECT {', '.join(fields)} FROM audit_log ORDER BY id").fetchall()
    for row in rows:
        entry = dict(zip(fields, row))
        digest = entry_hash(entry, prev)
        conn.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE id = ?", (prev, digest, entry["id"]))
        prev = digest


def first_broken_entry(conn: sqlite3.Connection) -> tuple[int, str] | None:
    """The first entry whose hash does not match (id and a Chinese reason), or None when the chain is whole."""
    prev = ""
    fields = _chained_columns(conn)
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: the log may hold hundreds of thousands of entries
    for row in cursor.execute(f"SELECT {', '.join(fields)}, prev_hash, hash FROM audit_log ORDER BY id"):
        entry = dict(zip(fields, row))
        stored_prev, stored_hash = row[-2], row[-1]
        if stored_prev != prev:
            return entry["id"], "与上一条记录的链接不符（前面的记录被删除或改动过）"
        if entry_hash(entry, prev) != stored_hash:
            return entry["id"], "内容与校验值不符（该记录被改动过）"
        prev = stored_hash
    return None


@dataclass(frozen=True)
class AuditEntry:
    at: str
    user: str
    via: str
    table: str
    key: str
    action: str
    old: dict
    new: dict
    effective: date | None = None  # the business date the change took effect, where it has one


def household_history(conn: sqlite3.Connection, household_id: int) -> list[AuditEntry]:
    """Every logged change to a household and its members and attachments, newest first."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE household_id = ? ORDER BY id DESC", (household_id,)
    ).fetchall()
    return [
        AuditEntry(r["at"], r["user"], r["via"], r["table_name"], r["row_key"], r["action"],
                   json.loads(r["old_values"] or "{}"), json.loads(r["new_values"] or "{}"),
                   date.fromisoformat(r["effective_date"]) if r["effective_date"] else None)
        for r in rows
    ]
