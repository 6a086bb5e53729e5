"""Integrity checks of one database: audit chain, SQLite's own checks, status history, attachments, fund balances."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from ..core.fund_report import CARRIED, OUT, PASSED, RECEIVED, ZERO
from ..core.errors import UserError
from ..core.money import format_yuan, from_fen
from ..db import Database
from ..db import row_digests, status_history
from ..db.audit import first_broken_entry
from ..db.backup import BackupInfo, backups_in, file_sha256, read_backup_info
from ..db.funds import paid_sums
from ..db.units import own_unit
from .funds import available
from .stored_files import stored_path

# Tables whose rows name a file in the attachments folder together with its SHA-256.
FILE_TABLES = {"attachments": "档案附件", "aid_attachments": "帮扶明细附件", "evaluation_attachments": "考核佐证材料"}
# A database can hold a great many attachments; list only the first few of each kind of problem.
SHOWN = 10


@dataclass
class Check:
    """One check: its Chinese name and the problems it found (empty: passed)."""

    name: str
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems


def run_checks(db: Database) -> list[str]:
    """Every problem found, in Chinese; an empty list when the database is sound."""
    return [p for check in all_checks(db) for p in check.problems]


class Cancelled(Exception):
    """The user stopped the checks (between two of them); nothing was changed."""


def all_checks(db: Database, progress=None) -> list[Check]:
    """Each check with its outcome, in the order the command line prints them.

    ``progress(done, total)`` is called before each check; its ``False`` stops them with :class:`Cancelled`.
    """
    steps = (audit_chain, audit_against_backups, records_against_log, sqlite_integrity, foreign_keys, status_records,
             attachment_files, fund_balances)
    checks = []
    for done, step in enumerate(steps):
        if progress is not None and progress(done, len(steps)) is False:
            raise Cancelled()
        checks.append(_run(step, db))
    return checks


# Each check's name, for the one it could not finish.
_NAMES = {"audit_chain": "操作日志防篡改校验", "audit_against_backups": "操作日志与备份核对",
          "records_against_log": "档案与帮扶记录核对", "sqlite_integrity": "数据库文件完整性",
          "foreign_keys": "记录之间的关联", "status_records": "档案状态记录核对",
          "attachment_files": "附件文件与登记的校验值", "fund_balances": "资金台账余额"}
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def _run(step, db: Database) -> Check:
    """One check. A page of the file it cannot read is a problem it found, not a crash: the other checks still run."""
    try:
        return step(db)
    except sqlite3.DatabaseError as err:
        name = _NAMES.get(step.__name__, "完整性检查")
        if (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return Check(name, ["数据库文件已损坏，读到损坏的部分，这一项没能查完。请从最近的备份恢复，"
                                "并保留损坏的文件交技术支持查看"])
        return Check(name, [f"读取数据库时出错（{err}），这一项没能查完。请稍后重试；仍出错时请从最近的备份恢复"])


def audit_chain(db: Database) -> Check:
    check = Check("操作日志防篡改校验")
    broken = first_broken_entry(db.conn)
    if broken:
        entry_id, reason = broken
        check.problems.append(f"操作日志第 {entry_id} 条{reason}。请从备份核对该记录之后的操作")
    return check


def records_against_log(db: Database) -> Check:
    """Each household (with its members), aid record, batch and ledger entry is as the program last wrote it.

    The program keeps a digest of each such record whenever it writes one, vouched for by the audit log's next
    entry (:mod:`..db.row_digests`). A record edited, added or deleted by another program (sqlite3, a database
    browser) no longer matches its digest; digests rewritten to match break the log entries that vouch for them.
    Someone with the file and this code could append matching digests and entries after the last log head kept
    outside the file (a backup, a printed report): that only the heads in backups and on paper show.
    """
    check = Check("档案与帮扶记录核对")
    found = row_digests.findings(db.conn)
    check.problems += [f"{f.text}。请用备份核对该记录" for f in found[:SHOWN]]
    if len(found) > SHOWN:
        check.problems.append(f"另有 {len(found) - SHOWN} 条记录与操作日志不符")
    return check


def status_records(db: Database) -> Check:
    """Each archive's status history ends in the status the archive has (the history is what 在档 on a day reads)."""
    check = Check("档案状态记录核对")
    wrong = status_history.mismatches(db.conn)
    for archive_no, what in wrong[:SHOWN]:
        check.problems.append(f"档案 {archive_no}：{what}。请联系技术支持，或从备份恢复")
    if len(wrong) > SHOWN:
        check.problems.append(f"另有 {len(wrong) - SHOWN} 份档案的状态记录不一致")
    return check


def audit_against_backups(db: Database) -> Check:
    """The log still holds, unchanged, the last entry each backup recorded.

    The hash chain alone shows an entry changed in place, but not the newest entries cut off, nor a log
    rewritten and chained afresh by someone who knows how; the heads kept in backups (some on a USB stick
    or shared drive) show both. Backups of a timeline given up by a restore are left out.
    """
    check = Check("操作日志与备份核对")
    abandoned = _abandoned_spans(db)
    for info in _backups(db):
        if info.audit_head is None or any(start < info.created < end for start, end in abandoned):
            continue
        entry_id, digest = info.audit_head
        row = db.conn.execute("SELECT hash FROM audit_log WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            check.problems.append(f"备份“{info.path.name}”中的操作日志第 {entry_id} 条在当前数据库中已不存在"
                                  "（之后的日志被删除了）。请用该备份核对")
        elif row[0] != digest:
            check.problems.append(f"操作日志第 {entry_id} 条与备份“{info.path.name}”中的不同（日志被改写过）。"
                                  "请用该备份核对")
        if len(check.problems) >= SHOWN:
            break
    return check


def _backups(db: Database) -> list[BackupInfo]:
    """This database's backups in its backup folders (manifests only: no hashing), newest first."""
    from .backups import default_folder, second_folder

    second = second_folder(db)
    folders = [default_folder(db)] + ([Path(second)] if second else [])
    found: dict[str, BackupInfo] = {}
    for folder in folders:
        try:
            paths = backups_in(folder, db.path.stem)
        except OSError:
            continue  # an unplugged USB stick: nothing to compare there
        for path in paths:
            try:
                info = read_backup_info(path)
            except UserError:
                continue  # a damaged archive: restoring from it is refused on its own; it anchors nothing
            found.setdefault(path.name, info)  # the second folder holds copies of the same archives
    return sorted(found.values(), key=lambda i: i.created, reverse=True)


def _abandoned_spans(db: Database) -> list[tuple[datetime, datetime]]:
    """For each restore: (when its backup was made, when it was restored) — backups in between are of a log
    the restore gave up, and may hold entries this log never will."""
    spans = []
    for at, new in db.conn.execute("SELECT at, new_values FROM audit_log WHERE table_name = 'backups' "
                                   "AND action = 'restore'"):
        try:
            spans.append((datetime.fromisoformat(json.loads(new)["backup_created"]), datetime.fromisoformat(at)))
        except (TypeError, KeyError, ValueError):
            continue
    return spans


def sqlite_integrity(db: Database) -> Check:
    check = Check("数据库文件完整性")
    rows = [r[0] for r in db.conn.execute("PRAGMA integrity_check")]
    if rows != ["ok"]:
        check.problems += [f"数据库文件损坏：{r}。请从最近的备份恢复" for r in rows[:SHOWN]]
    return check


def foreign_keys(db: Database) -> Check:
    check = Check("记录之间的关联")
    rows = db.conn.execute("PRAGMA foreign_key_check").fetchall()
    for table, rowid, parent, _fk in rows[:SHOWN]:
        check.problems.append(f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在")
    if len(rows) > SHOWN:
        check.problems.append(f"另有 {len(rows) - SHOWN} 处关联缺失")
    return check


def attachment_files(db: Database) -> Check:
    """Every stored file exists and still has the SHA-256 recorded when it was added."""
    check = Check("附件文件与登记的校验值")
    found: list[str] = []
    seen: dict[str, str | None] = {}  # stored_name → problem (files are shared by content)
    for table, label in FILE_TABLES.items():
        for stored_name, sha256, original in db.conn.execute(
                f"SELECT stored_name, sha256, original_name FROM {table} ORDER BY id"):
            if stored_name not in seen:
                seen[stored_name] = _file_problem(db, stored_name, sha256)
            if seen[stored_name]:
                found.append(f"{label}“{original}”（{stored_name}）{seen[stored_name]}")
    check.problems += found[:SHOWN]
    if len(found) > SHOWN:
        check.problems.append(f"另有 {len(found) - SHOWN} 个附件有问题")
    return check


def _file_problem(db: Database, stored_name: str, sha256: str) -> str | None:
    try:
        path = stored_path(db.attachment_dir, stored_name)  # never a file outside the folder
    except UserError:
        return "指向附件文件夹以外的位置（登记的文件名被改动过）"
    if not path.is_file():
        return f"在附件文件夹 {db.attachment_dir.name} 中找不到"
    if file_sha256(path) != sha256.lower():
        return "的内容与登记时不同（文件被替换或损坏）"
    return None


def fund_balances(db: Database) -> Check:
    """Each source's balance of the office's own ledger equals its entries minus what was paid, and is not negative."""
    check = Check("资金台账余额")
    conn = db.conn
    own = own_unit(conn)
    if own is None:
        return check
    years = [r[0] for r in conn.execute("SELECT DISTINCT year FROM fund_entries WHERE unit_code = ? ORDER BY year",
                                        (own.code,))]
    for year in years:
        expected: dict[str, Decimal] = {}
        # Recomputed straight from the entries, independently of the ledger service's sums.
        for kind, source, fen in conn.execute(
                "SELECT kind, fund_source, sum(amount_fen) FROM fund_entries WHERE unit_code = ? AND year = ?"
                " GROUP BY kind, fund_source", (own.code, year)):
            sign = 1 if kind in (CARRIED, RECEIVED) else -1 if kind in (OUT, PASSED) else 0
            expected[source] = expected.get(source, ZERO) + sign * from_fen(fen)
        for (unit, source, _category), (amount, _count) in paid_sums(conn, year).items():
            if unit == own.code:
                expected[source] = expected.get(source, ZERO) - amount
        balances = available(conn, own.code, year)
        for source in sorted(set(expected) | set(balances)):
            shown = balances[source].balance if source in balances else ZERO
            want = expected.get(source, ZERO)
            if shown != want:
                check.problems.append(f"{year}年{source}：显示余额{format_yuan(shown)}元，"
                                      f"按台账逐笔计算为{format_yuan(want)}元")
            if want < 0:
                check.problems.append(f"{year}年{source}余额为负（{format_yuan(want)}元）：支出超过了到账，"
                                      "请核对台账与发放记录")
    return check
