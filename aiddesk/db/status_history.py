"""Each archive's status history as periods: written by every status change, read for "在档 on a day".

A period is the status a household held from ``valid_from`` up to, not including, ``valid_to`` (the next
period's start); the open period (``valid_to`` NULL) is the present status, the one ``households.archive_status``
also holds. Dates are business dates (建档日期, 退出日期, the day an archive was opened again), never the time
the change was typed in, which is kept beside them (``recorded_at``). A change and its undoing (撤销误操作) are
both in the audit log; here the undone period is simply gone.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import date
from typing import Iterable, Iterator

CLOSED = ("脱困", "注销")


@dataclass(frozen=True)
class Period:
    """One status an archive held, from its effective date to the next one's."""

    id: int
    household_id: int
    status: str
    valid_from: date
    valid_to: date | None
    reason: str = ""
    note: str = ""
    recorded_at: str | None = None
    recorded_by: str = ""


def _period(r: sqlite3.Row) -> Period:
    return Period(r["id"], r["household_id"], r["status"], date.fromisoformat(r["valid_from"]),
                  date.fromisoformat(r["valid_to"]) if r["valid_to"] else None, r["reason"], r["note"],
                  r["recorded_at"], r["recorded_by"])


def periods_of(conn: sqlite3.Connection, household_id: int) -> list[Period]:
    """A household's periods, oldest first."""
    rows = conn.execute("SELECT * FROM archive_status_periods WHERE household_id = ? ORDER BY valid_from, id",
                        (household_id,)).fetchall()
    return [_period(r) for r in rows]


def current_period(conn: sqlite3.Connection, household_id: int) -> Period | None:
    row = conn.execute("SELECT * FROM archive_status_periods WHERE household_id = ? AND valid_to IS NULL"
                       " ORDER BY id DESC LIMIT 1", (household_id,)).fetchone()
    return _period(row) if row else None


def start(conn: sqlite3.Connection, household_id: int, status: str, valid_from: date, *, recorded_at: str | None,
          recorded_by: str, reason: str = "", note: str = "") -> None:
    """The first period of a new archive (from its 建档日期)."""
    conn.execute("INSERT INTO archive_status_periods (household_id, status, valid_from, reason, note, recorded_at,"
                 " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (household_id, status, valid_from.isoformat(), reason, note, recorded_at, recorded_by))


def start_many(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, date, str | None, str]]) -> None:
    """First periods in bulk (an import): (household_id, status, valid_from, recorded_at, recorded_by)."""
    conn.executemany("INSERT INTO archive_status_periods (household_id, status, valid_from, recorded_at, recorded_by)"
                     " VALUES (?, ?, ?, ?, ?)",
                     [(hid, status, day.isoformat(), at, by) for hid, status, day, at, by in rows])


def change(conn: sqlite3.Connection, household_id: int, status: str, valid_from: date, *, recorded_at: str,
           recorded_by: str, reason: str = "", note: str = "") -> None:
    """End the present period on ``valid_from`` and begin ``status`` there (the caller checked the date's order)."""
    conn.execute("UPDATE archive_status_periods SET valid_to = ? WHERE household_id = ? AND valid_to IS NULL",
                 (valid_from.isoformat(), household_id))
    start(conn, household_id, status, valid_from, recorded_at=recorded_at, recorded_by=recorded_by,
          reason=reason, note=note)


def undo_last(conn: sqlite3.Connection, household_id: int) -> tuple[Period, Period] | None:
    """Take the present period away and make the one before it present again; (removed, restored) or None."""
    periods = periods_of(conn, household_id)
    if len(periods) < 2 or periods[-1].valid_to is not None:
        return None
    removed, before = periods[-1], periods[-2]
    conn.execute("DELETE FROM archive_status_periods WHERE id = ?", (removed.id,))
    conn.execute("UPDATE archive_status_periods SET valid_to = NULL WHERE id = ?", (before.id,))
    return removed, Period(before.id, before.household_id, before.status, before.valid_from, None, before.reason,
                           before.note, before.recorded_at, before.recorded_by)


def move_start(conn: sqlite3.Connection, household_id: int, created: date) -> None:
    """The 建档日期 was corrected: the first period starts there (the caller checked it is not after its end)."""
    conn.execute("UPDATE archive_status_periods SET valid_from = ? WHERE id = (SELECT id FROM archive_status_periods"
                 " WHERE household_id = ? ORDER BY valid_from, id LIMIT 1)", (created.isoformat(), household_id))


def remove_for(conn: sqlite3.Connection, household_ids: list[int]) -> None:
    """The periods of households an import is about to replace."""
    for chunk in _chunks(household_ids):
        conn.execute(f"DELETE FROM archive_status_periods WHERE household_id IN ({', '.join('?' * len(chunk))})",
                     chunk)


@dataclass(frozen=True)
class Imported:
    """An archive as an exchange workbook states it: enough to write or follow its status history."""

    household_id: int
    status: str
    created: str
    exit_date: str | None = None
    exit_reason: str = ""


def follow_import(conn: sqlite3.Connection, new: list[Imported], changed: list[Imported], *, today: date,
                  recorded_at: str, recorded_by: str) -> None:
    """The histories of the archives an import wrote: new ones from their 建档日期 (a closed one 在档 until its
    退出日期); changed ones move their start, and a new status begins on its 退出日期 (an exit) or ``today``
    (an archive opened again: the workbook does not say when), never before the present period began."""
    rows = []
    for h in new:
        if h.status in CLOSED and h.exit_date and h.exit_date > h.created:
            rows += [(h.household_id, "在档", h.created, h.exit_date, "", recorded_at, recorded_by),
                     (h.household_id, h.status, h.exit_date, None, h.exit_reason, recorded_at, recorded_by)]
        else:
            rows.append((h.household_id, h.status, h.created, None, h.exit_reason if h.status in CLOSED else "",
                         recorded_at, recorded_by))
    conn.executemany("INSERT INTO archive_status_periods (household_id, status, valid_from, valid_to, reason,"
                     " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    for h in changed:
        periods = periods_of(conn, h.household_id)
        if not periods:
            follow_import(conn, [h], [], today=today, recorded_at=recorded_at, recorded_by=recorded_by)
            continue
        first_end = periods[0].valid_to
        if h.created != periods[0].valid_from.isoformat() and (first_end is None or h.created <= first_end.isoformat()):
            move_start(conn, h.household_id, date.fromisoformat(h.created))
        present = current_period(conn, h.household_id)
        if present is not None and present.status != h.status:
            since = present.valid_from
            wanted = date.fromisoformat(h.exit_date) if h.status in CLOSED and h.exit_date else today
            change(conn, h.household_id, h.status, max(wanted, since), recorded_at=recorded_at,
                   recorded_by=recorded_by, reason=h.exit_reason if h.status in CLOSED else "")


_HELD_ON = "p.valid_from <= :day AND (p.valid_to IS NULL OR p.valid_to > :day)"


def statuses_on(conn: sqlite3.Connection, day: date, household_ids: list[int]) -> dict[int, str]:
    """The status each of ``household_ids`` held on ``day``; a household not yet filed then is left out."""
    out: dict[int, str] = {}
    for chunk in _chunks(household_ids):
        marks = ", ".join(f":h{i}" for i in range(len(chunk)))
        args = {"day": day.isoformat(), **{f"h{i}": hid for i, hid in enumerate(chunk)}}
        for hid, status in conn.execute(f"SELECT p.household_id, p.status FROM archive_status_periods p"
                                        f" WHERE p.household_id IN ({marks}) AND {_HELD_ON}", args):
            out[hid] = status
    return out


def on_file(conn: sqlite3.Connection, day: date, *, unit_codes: Iterable[str] | None = None) -> tuple[int, int]:
    """Households 在档 on ``day`` and the people in them (of ``unit_codes`` only, when given)."""
    where, args = "", {"day": day.isoformat()}
    if unit_codes is not None:
        codes = list(unit_codes)
        where = f" AND h.unit_code IN ({', '.join(f':u{i}' for i in range(len(codes)))})"
        args.update({f"u{i}": c for i, c in enumerate(codes)})
    row = conn.execute(f"SELECT count(*), coalesce(sum(h.household_size), 0) FROM archive_status_periods p"
                       f" JOIN households h ON h.id = p.household_id"
                       f" WHERE p.status = '在档' AND {_HELD_ON}{where}", args).fetchone()
    return row[0], row[1]


def kept_up(conn: sqlite3.Connection, day: date, since: date) -> tuple[int, int]:
    """(households 在档 on ``day``, those of them changed after ``since`` and by ``day``): 一年内更新过 at a day.

    A change is an audited change of the archive, its members or its attachments recorded in the window; an
    archive written by an import has no entry of its own, so its ``updated_at`` in the window counts too.
    """
    row = conn.execute(
        f"SELECT count(*), coalesce(sum(h.updated_at > :since AND h.updated_at < :after OR EXISTS ("
        f"SELECT 1 FROM audit_log a WHERE a.household_id = p.household_id AND a.at > :since AND a.at < :after)), 0)"
        f" FROM archive_status_periods p JOIN households h ON h.id = p.household_id"
        f" WHERE p.status = '在档' AND {_HELD_ON}",
        {"day": day.isoformat(), "since": since.isoformat(), "after": date.fromordinal(day.toordinal() + 1).isoformat()}
    ).fetchone()
    return row[0], row[1]


def mismatches(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Archives whose present period disagrees with their status (archive_no, what is wrong): the integrity check."""
    rows = conn.execute(
        "SELECT h.archive_no, h.archive_status, (SELECT group_concat(p.status, '、') FROM archive_status_periods p"
        " WHERE p.household_id = h.id AND p.valid_to IS NULL) AS present FROM households h"
        " WHERE present IS NULL OR present != h.archive_status").fetchall()
    return [(r[0], f"档案状态为“{r[1]}”，状态记录中当前为“{r[2] or '（无）'}”") for r in rows]


# ---- filling the history of a database from before version 8 ------------------------------------------

def fill_from_audit_log(conn: sqlite3.Connection) -> int:
    """Write every household's periods as its audit log tells them (the version-8 upgrade); how many were written.

    A change into 脱困/注销 took effect on its 退出日期; any other change (转为在档, reopening) on the day it
    was logged, the only date a version-7 program kept for it. Before its first logged change an archive had the
    status that change left; without one (e.g. imported) it has had its present status all along, except that a
    closed one was 在档 until its 退出日期. Effective dates never run backwards: an exit dated before the
    reopening it follows counts from the reopening.
    """
    filed = _filed(conn)
    changes = _logged_changes(conn)
    rows = []
    for h in conn.execute("SELECT id, archive_status, created_date, exit_date, exit_reason, exit_note FROM households"
                          " ORDER BY id"):
        at, by = filed.get(h["id"], (None, ""))
        periods = _periods_for(h, changes.get(h["id"], []), at, by)
        rows.extend((h["id"], *p) for p in periods)
    conn.executemany("INSERT INTO archive_status_periods (household_id, status, valid_from, valid_to, reason, note,"
                     " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


@dataclass(frozen=True)
class _Logged:
    at: str
    user: str
    old: str
    new: str
    exit_date: str
    reason: str
    note: str


def _filed(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """When and by whom each household was first written, from its insert entry."""
    out: dict[int, tuple[str, str]] = {}
    for hid, at, user in conn.execute("SELECT household_id, at, user FROM audit_log WHERE table_name = 'households'"
                                      " AND action = 'insert' AND household_id IS NOT NULL ORDER BY id"):
        out.setdefault(hid, (at, user))
    return out


def _logged_changes(conn: sqlite3.Connection) -> dict[int, list[_Logged]]:
    out: dict[int, list[_Logged]] = {}
    for hid, at, user, old, new in conn.execute(
            "SELECT household_id, at, user, old_values, new_values FROM audit_log WHERE table_name = 'households'"
            " AND action = 'status' AND household_id IS NOT NULL ORDER BY id"):
        try:
            old, new = json.loads(old or "{}"), json.loads(new or "{}")
        except ValueError:
            continue  # a damaged entry says nothing about the status
        if not isinstance(new, dict) or not new.get("archive_status"):
            continue
        old = old if isinstance(old, dict) else {}
        out.setdefault(hid, []).append(_Logged(
            at or "", user or "", old.get("archive_status") or new["archive_status"], new["archive_status"],
            new.get("exit_date") or "", new.get("exit_reason") or "", new.get("exit_note") or ""))
    return out


def _periods_for(h: sqlite3.Row, logged: list[_Logged], filed_at: str | None,
                 filed_by: str) -> Iterator[tuple[str, str, str | None, str, str, str | None, str]]:
    """(status, valid_from, valid_to, reason, note, recorded_at, recorded_by) of one household, oldest first."""
    created = h["created_date"]
    if not logged:
        if h["archive_status"] in CLOSED and h["exit_date"] and h["exit_date"] > created:
            yield "在档", created, h["exit_date"], "", "", filed_at, filed_by
            yield h["archive_status"], h["exit_date"], None, h["exit_reason"] or "", h["exit_note"] or "", None, ""
        else:
            yield h["archive_status"], created, None, "", "", filed_at, filed_by
        return
    status, since, at, by, reason, note = logged[0].old, created, filed_at, filed_by, "", ""
    for c in logged:
        effective = c.exit_date if c.new in CLOSED and c.exit_date else c.at[:10]
        effective = max(_valid_day(effective, since), since)
        yield status, since, effective, reason, note, at, by
        status, since, at, by = c.new, effective, c.at or None, c.user
        reason, note = (c.reason, c.note) if c.new in CLOSED else ("", "")
    current = h["archive_status"]
    if status != current:  # changed without a log entry (an import replaced it): from its 退出日期, if later
        changed = max(_valid_day(h["exit_date"] or "", since), since) if current in CLOSED else since
        yield status, since, changed, reason, note, at, by
        status, since, at, by = current, changed, None, ""
        reason, note = (h["exit_reason"] or "", h["exit_note"] or "") if current in CLOSED else ("", "")
    yield status, since, None, reason, note, at, by


def _valid_day(text: str, fallback: str) -> str:
    try:
        return date.fromisoformat(text[:10]).isoformat()
    except ValueError:
        return fallback


def _chunks(ids: list[int], size: int = 900) -> Iterator[list[int]]:
    """Pieces under SQLite's limit of bound parameters."""
    for i in range(0, len(ids), size):
        yield ids[i:i + size]
