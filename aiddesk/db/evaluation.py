"""The self-evaluation's stored parts: the office's template copies, a year's manual scores and 不适用 marks,
and the evidence files kept for a score."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class StoredTemplate:
    name: str
    data: dict              # the template's JSON form (core.evaluation.template_to_data)
    based_on: str
    updated_by: str
    updated_at: str


@dataclass(frozen=True)
class ScoreEntry:
    """A year's entry for one row: a manual score with its evidence, and/or 不适用 with its reason."""

    row_key: str
    score: Decimal | None
    evidence: str
    not_applicable: bool
    updated_by: str
    updated_at: str


@dataclass(frozen=True)
class EvidenceFile:
    id: int
    year: int
    template: str
    row_key: str
    original_name: str
    stored_name: str
    sha256: str
    size: int
    added_at: str
    added_by: str


# ---- templates ---------------------------------------------------------------------------------

def _template(row: sqlite3.Row) -> StoredTemplate:
    return StoredTemplate(row["name"], json.loads(row["data"]), row["based_on"], row["updated_by"],
                          row["updated_at"])


def list_templates(conn: sqlite3.Connection) -> list[StoredTemplate]:
    return [_template(r) for r in conn.execute("SELECT * FROM evaluation_templates ORDER BY name")]


def get_template(conn: sqlite3.Connection, name: str) -> StoredTemplate | None:
    row = conn.execute("SELECT * FROM evaluation_templates WHERE name = ?", (name,)).fetchone()
    return _template(row) if row else None


def put_template(conn: sqlite3.Connection, name: str, data: dict, *, based_on: str, user: str, now: str) -> None:
    """Insert or replace a template copy (``based_on`` is kept from the first save)."""
    conn.execute(
        "INSERT INTO evaluation_templates (name, data, based_on, updated_by, updated_at) VALUES (?, ?, ?, ?, ?)"
        " ON CONFLICT(name) DO UPDATE SET data = excluded.data, updated_by = excluded.updated_by,"
        " updated_at = excluded.updated_at",
        (name, json.dumps(data, ensure_ascii=False), based_on, user, now))


def delete_template(conn: sqlite3.Connection, name: str) -> None:
    conn.execute("DELETE FROM evaluation_templates WHERE name = ?", (name,))


def template_in_use(conn: sqlite3.Connection, name: str) -> list[int]:
    """The years with a score, a 不适用 mark or an evidence file entered under the template."""
    return [r[0] for r in conn.execute(
        "SELECT year FROM evaluation_scores WHERE template = ?"
        " UNION SELECT year FROM evaluation_attachments WHERE template = ? ORDER BY 1", (name, name))]


# ---- scores -------------------------------------------------------------------------------------

def _entry(row: sqlite3.Row) -> ScoreEntry:
    return ScoreEntry(row["row_key"], Decimal(row["score"]) if row["score"] is not None else None,
                      row["evidence"], bool(row["not_applicable"]), row["updated_by"], row["updated_at"])


def scores(conn: sqlite3.Connection, year: int, template: str) -> dict[str, ScoreEntry]:
    """row key → entry, for one year under one template."""
    return {r["row_key"]: _entry(r) for r in conn.execute(
        "SELECT * FROM evaluation_scores WHERE year = ? AND template = ?", (year, template))}


def get_score(conn: sqlite3.Connection, year: int, template: str, row_key: str) -> ScoreEntry | None:
    row = conn.execute("SELECT * FROM evaluation_scores WHERE year = ? AND template = ? AND row_key = ?",
                       (year, template, row_key)).fetchone()
    return _entry(row) if row else None


def put_score(conn: sqlite3.Connection, year: int, template: str, row_key: str, *, score: Decimal | None,
              evidence: str, not_applicable: bool, user: str, now: str) -> None:
    """Write the row's whole entry; an entry with nothing in it is removed."""
    if score is None and not evidence and not not_applicable:
        conn.execute("DELETE FROM evaluation_scores WHERE year = ? AND template = ? AND row_key = ?",
                     (year, template, row_key))
        return
    conn.execute(
        "INSERT INTO evaluation_scores (year, template, row_key, score, evidence, not_applicable, updated_by,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(year, template, row_key) DO UPDATE SET"
        " score = excluded.score, evidence = excluded.evidence, not_applicable = excluded.not_applicable,"
        " updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        (year, template, row_key, None if score is None else f"{score:f}", evidence, int(not_applicable), user, now))


# ---- evidence files ----------------------------------------------------------------------------

def _file(row: sqlite3.Row) -> EvidenceFile:
    return EvidenceFile(**dict(row))


def attachments(conn: sqlite3.Connection, year: int, template: str, row_key: str | None = None) -> list[EvidenceFile]:
    sql, args = "SELECT * FROM evaluation_attachments WHERE year = ? AND template = ?", [year, template]
    if row_key is not None:
        sql += " AND row_key = ?"
        args.append(row_key)
    return [_file(r) for r in conn.execute(sql + " ORDER BY id", args)]


def get_attachment(conn: sqlite3.Connection, attachment_id: int) -> EvidenceFile | None:
    row = conn.execute("SELECT * FROM evaluation_attachments WHERE id = ?", (attachment_id,)).fetchone()
    return _file(row) if row else None


def insert_attachment(conn: sqlite3.Connection, *, year: int, template: str, row_key: str, original_name: str,
                      stored_name: str, sha256: str, size: int, added_at: str, added_by: str) -> int:
    return conn.execute(
        "INSERT INTO evaluation_attachments (year, template, row_key, original_name, stored_name, sha256, size,"
        " added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (year, template, row_key, original_name, stored_name, sha256, size, added_at, added_by)).lastrowid


def delete_attachment(conn: sqlite3.Connection, attachment_id: int) -> None:
    conn.execute("DELETE FROM evaluation_attachments WHERE id = ?", (attachment_id,))


def stored_name_in_use(conn: sqlite3.Connection, stored_name: str) -> bool:
    return conn.execute("SELECT 1 FROM evaluation_attachments WHERE stored_name = ? LIMIT 1",
                        (stored_name,)).fetchone() is not None
