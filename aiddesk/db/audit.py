"""The audit log: who changed which archive record, when, from what to what."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime


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


def now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


def changed(old: dict | None, new: dict | None) -> tuple[dict | None, dict | None]:
    """Keep only the keys whose values differ, so the log shows what changed."""
    if old is None or new is None:
        return old, new
    keys = [k for k in new if old.get(k) != new.get(k)] + [k for k in old if k not in new]
    return {k: old.get(k) for k in keys}, {k: new.get(k) for k in keys}


def record(conn: sqlite3.Connection, actor: Actor, *, table: str, key: str, action: str,
           old: dict | None = None, new: dict | None = None, household_id: int | None = None) -> None:
    """Write one audit entry, inside the caller's transaction."""
    old, new = changed(old, new)
    if action == "update" and not new:
        return  # nothing actually changed
    conn.execute(
        "INSERT INTO audit_log (at, user, via, table_name, row_key, action, old_values, new_values, household_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (now_text(), actor.username, actor.via, table, key, action,
         None if old is None else json.dumps(old, ensure_ascii=False),
         None if new is None else json.dumps(new, ensure_ascii=False),
         household_id),
    )


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


def household_history(conn: sqlite3.Connection, household_id: int) -> list[AuditEntry]:
    """Every logged change to a household and its members and attachments, newest first."""
    rows = conn.execute(
        "SELECT * FROM audit_log WHERE household_id = ? ORDER BY id DESC", (household_id,)
    ).fetchall()
    return [
        AuditEntry(r["at"], r["user"], r["via"], r["table_name"], r["row_key"], r["action"],
                   json.loads(r["old_values"] or "{}"), json.loads(r["new_values"] or "{}"))
        for r in rows
    ]
