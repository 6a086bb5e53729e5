"""What the database tells about dates, for judging whether this PC's clock can be right."""

from __future__ import annotations

import sqlite3
from datetime import datetime


def newest_record_time(conn: sqlite3.Connection) -> datetime | None:
    """When the newest audit entry — the one written last — was recorded; None for an empty log.

    The last written, not the latest time: one entry stamped years ahead by a PC whose clock was wrong must not
    make every later session look wrong; the next correct session's entries come after it.
    """
    row = conn.execute("SELECT at FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    if row is None:
        return None
    try:
        moment = datetime.fromisoformat(row[0])
    except (TypeError, ValueError):
        return None  # an unreadable time tells nothing about the clock
    return moment.replace(tzinfo=None)
