"""Repository of user accounts (passwords only ever as salted hashes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass
class User:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    active: bool
    password_hash: str
    failed_logins: int = 0          # wrong passwords in a row since the last good login
    locked_until: str | None = None  # ISO time the lockout ends (None: not locked)

    def has_role(self, role: str) -> bool:
        return role in self.roles


def _user(row: sqlite3.Row) -> User:
    roles = tuple(r for r in row["roles"].split("、") if r)
    return User(row["id"], row["username"], row["display_name"], roles, bool(row["active"]), row["password_hash"],
                row["failed_logins"], row["locked_until"])


def count_users(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM users").fetchone()[0]


def find_user(conn: sqlite3.Connection, username: str) -> User | None:
    row = conn.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    return _user(row) if row else None


def all_users(conn: sqlite3.Connection) -> list[User]:
    return [_user(r) for r in conn.execute("SELECT * FROM users ORDER BY id")]


def insert_user(conn: sqlite3.Connection, *, username: str, display_name: str, password_hash: str,
                roles: tuple[str, ...], created_at: str) -> int:
    cur = conn.execute(
        "INSERT INTO users (username, display_name, password_hash, roles, created_at) VALUES (?, ?, ?, ?, ?)",
        (username, display_name, password_hash, "、".join(roles), created_at),
    )
    return cur.lastrowid


def update_user(conn: sqlite3.Connection, user_id: int, *, display_name: str, roles: tuple[str, ...],
                active: bool) -> None:
    conn.execute(
        "UPDATE users SET display_name = ?, roles = ?, active = ? WHERE id = ?",
        (display_name, "、".join(roles), int(active), user_id),
    )


def set_password_hash(conn: sqlite3.Connection, user_id: int, password_hash: str) -> None:
    """A new password also lifts a lockout: an administrator's reset is how a locked-out user gets back in."""
    conn.execute("UPDATE users SET password_hash = ?, failed_logins = 0, locked_until = NULL WHERE id = ?",
                 (password_hash, user_id))


def set_login_failures(conn: sqlite3.Connection, user_id: int, failed_logins: int, locked_until: str | None) -> None:
    conn.execute("UPDATE users SET failed_logins = ?, locked_until = ? WHERE id = ?",
                 (failed_logins, locked_until, user_id))
