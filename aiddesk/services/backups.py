"""Backups as the user sees them: where they go, when they are due, how many are kept, and restoring one."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..core.clock import Clock
from ..core.errors import UserError
from ..core.rule_files import read_rules
from ..db import audit
from ..db.backup import (BackupInfo, DamagedDatabaseError, backups_in, folder_beside, make_backup, restore_backup,
                         verify_backup)
from ..db.settings import get_setting

log = logging.getLogger(__name__)

SECOND_FOLDER_KEY = "backup_second_folder"
KEEP_KEYS = {"daily": "backup_keep_daily", "weekly": "backup_keep_weekly", "monthly": "backup_keep_monthly"}
SYSTEM = audit.Actor("系统", via="自动")  # automatic backups are made by the program, not by a user


@dataclass
class BackupResult:
    """Where a backup went, and what did not work (in Chinese) when the second folder failed."""

    archive: Path
    second: Path | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def message(self) -> str:
        text = f"已备份到“{self.archive}”。"
        if self.second:
            text += f"\n另存一份到“{self.second}”。"
        return "\n".join([text, *self.warnings])


def default_folder(db) -> Path:
    """The backup folder beside the database: ``<db stem>_备份``."""
    return folder_beside(db.path)


def _defaults() -> dict[str, int]:
    data = read_rules("backup.json", "备份规则")
    try:
        return {k: int(data[f"keep_{k}"]) for k in KEEP_KEYS}
    except (ValueError, KeyError, TypeError):
        raise UserError("备份规则文件 resources/rules/backup.json 中的保留份数缺失或不是整数，请重新安装程序") from None


def keep_counts(conn) -> dict[str, int]:
    """How many daily/weekly/monthly backups to keep: the settings table, else resources/rules/backup.json."""
    counts = _defaults()
    for kind, key in KEEP_KEYS.items():
        value = get_setting(conn, key).strip()
        if value:
            try:
                counts[kind] = max(0, int(value))
            except ValueError:
                log.warning("setting %s=%r is not a number; using %s", key, value, counts[kind])
    return counts


def to_keep(times: list[datetime], *, now: datetime, daily: int, weekly: int, monthly: int) -> set[datetime]:
    """Grandfather-father-son: the newest backup of each of the last ``daily`` days, ``weekly`` weeks and
    ``monthly`` months.

    Days, weeks and months count only those that have a backup, so a PC left off for a month loses nothing.
    Every backup of the newest day is kept: the morning's 导入前 backup is the way back from a bad import that day.

    ``now``: when the backup this rotation follows was made (the session's clock). Backups named after it were
    made by a PC whose clock was ahead (a shared folder), or before this PC's clock was put back. They are
    rotated among themselves by the same rule, never deleted all: one named ten years ahead neither becomes
    "the newest day" (which would thin today's backups to one) nor takes a day's, week's or month's place
    from the good backups.
    """
    ahead = [t for t in times if t > now]
    behind = [t for t in times if t <= now]
    return _grandfather(behind, daily, weekly, monthly) | _grandfather(ahead, daily, weekly, monthly)


def _grandfather(times: list[datetime], daily: int, weekly: int, monthly: int) -> set[datetime]:
    if not times:
        return set()
    newest_day = max(times).date()
    kept: set[datetime] = {t for t in times if t.date() == newest_day}
    for count, bucket in ((daily, lambda t: t.date()), (weekly, lambda t: t.isocalendar()[:2]),
                          (monthly, lambda t: (t.year, t.month))):
        seen: list = []
        for t in sorted(times, reverse=True):
            b = bucket(t)
            if b not in seen:
                if len(seen) >= count:
                    break
                seen.append(b)
                kept.add(t)
    return kept


def rotate(folder: Path, stem: str, counts: dict[str, int], *, now: datetime) -> list[Path]:
    """Delete the backups of database ``stem`` in ``folder`` that the rotation does not keep; the ones deleted.

    Judged by the times in the backups' names (``now``: the backup just made), never by the files' own times,
    which on a shared drive come from the file server's clock.
    """
    found = backups_in(folder, stem)
    keep = to_keep(list(found.values()), now=now, **counts)
    deleted = []
    for path, t in found.items():
        if t not in keep:
            try:
                path.unlink()
                deleted.append(path)
            except OSError as err:  # a file someone has open: try again next time
                log.warning("could not delete old backup %s: %s", path, err)
    return deleted


def _copy_to(archive: Path, folder: Path) -> Path:
    # Only the last level is created: a missing parent is a USB stick not plugged in (or a drive not mounted),
    # and its folders must not be made on the local disk instead.
    folder.mkdir(exist_ok=True)
    target = folder / archive.name
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{archive.name}.", suffix=".part")
    os.close(fd)
    try:
        shutil.copyfile(archive, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def _backup(db, reason: str, to: Path | None = None) -> BackupResult:
    counts = keep_counts(db.conn)
    first = Path(to) if to else default_folder(db)
    if to and not first.is_dir() and not first.absolute().parent.is_dir():
        # As for the second folder: only the last level is made. A missing parent is a USB stick not plugged in
        # (or a share not connected), whose folders must not be made on the local disk instead.
        raise UserError(f"备份位置“{first}”的上一级文件夹“{first.absolute().parent}”不存在"
                        "（U盘未插入、共享盘未连接，或路径写错了），没有备份。请插好U盘或连上共享盘后重试，或换一个备份位置")
    now = db.clock.now()
    result = BackupResult(make_backup(db, first, reason=reason, now=now))
    if not to:  # a folder the user named for this one backup is theirs to tidy
        rotate(first, db.path.stem, counts, now=now)
    second = second_folder(db)
    if second and not to:
        folder = Path(second)
        try:
            if not folder.anchor or not Path(folder.anchor).exists():
                raise FileNotFoundError(second)  # an unplugged USB stick: do not create its folder on C:
            result.second = _copy_to(result.archive, folder)
            rotate(folder, db.path.stem, counts, now=now)
        except OSError as err:
            log.warning("second backup folder %s failed: %s", second, err)
            result.warnings.append(f"第二备份位置“{second}”无法写入（U盘未插入、共享盘未连接或没有写权限），"
                                   "这次只备份到了第一个位置。请检查后在设置中修改。")
    return result


def backup_now(db, actor: audit.Actor | None = None, reason: str = "手动", *, to: str | os.PathLike | None = None
               ) -> BackupResult:
    """Make a backup now: by a user (管理员 or 经办人, audited) or, with no actor, automatically by the program."""
    if actor is not None:
        actor.require("管理员", "经办人")
    result = _backup(db, reason, Path(to) if to else None)
    if actor is not None and not getattr(db, "read_only", False):  # a read-only session may back up, not write
        with db.transaction() as conn:
            audit.record(conn, actor, table="backups", key=result.archive.name, action="backup",
                         new={"reason": reason, "folder": str(result.archive.parent),
                              "second": str(result.second) if result.second else ""})
    return result


def backup_due(db) -> bool:
    """Whether the daily backup is due: the default folder has no backup from today (never on a read-only session).

    Today and now are the session's clock (confirmed at login if the PC's was clearly wrong). A backup named
    later than now cannot have been made yet today: a PC whose clock is ahead made it, and it does not count.
    """
    if getattr(db, "read_only", False):
        return False  # the PC holding the lock makes the automatic backups
    now = db.clock.now()
    return not any(t.date() == now.date() and t <= now
                   for t in backups_in(default_folder(db), db.path.stem).values())


def backup_if_due(db) -> BackupResult | None:
    """The daily backup at the first start of a day: made only if the default folder has none from today."""
    if not backup_due(db):
        return None
    return backup_now(db, None, "每日")


def backup_on_exit(db) -> BackupResult | None:
    if getattr(db, "read_only", False):
        return None
    return backup_now(db, None, "退出")


def second_folder(db) -> str:
    return get_setting(db.conn, SECOND_FOLDER_KEY).strip()


def save_settings(db, actor: audit.Actor, *, second: str, keep: dict[str, int] | None = None) -> None:
    """The second backup folder ("" for none) and how many backups to keep; 管理员 only, one audited change."""
    from ..db.settings import set_setting

    actor.require("管理员")
    second = second.strip()
    if second and not Path(second).is_absolute():
        raise UserError(f"第二备份位置“{second}”不是完整路径。请用“浏览…”选择文件夹，例如 E:\\工会备份")
    values = {SECOND_FOLDER_KEY: second}
    current = keep_counts(db.conn)
    for kind, count in (keep or {}).items():
        if not 0 <= count <= 999:
            raise UserError(f"保留份数应在0到999之间（现在是{count}）")
        if count != current[kind]:  # the default from backup.json stays a default until someone changes it
            values[KEEP_KEYS[kind]] = str(count)
    with db.transaction() as conn:
        for key, value in values.items():
            old = get_setting(conn, key)
            if old == value:
                continue
            set_setting(conn, key, value)
            audit.record(conn, actor, table="settings", key=key, action="update",
                         old={"value": old}, new={"value": value})


def before_import(db) -> BackupResult:
    return backup_now(db, None, "导入前")


def inspect(archive: str | os.PathLike) -> BackupInfo:
    """Verify a backup and say what it holds (for the confirmation before a restore)."""
    return verify_backup(archive)


def restore(db_path: str | os.PathLike, archive: str | os.PathLike, actor: audit.Actor, clock: Clock) -> Path | None:
    """Replace the (closed) database with a verified backup, keeping the current one aside; the aside path.

    The restore is audited in the restored database, which is the one the office goes on with.
    """
    from ..db.connection import open_database

    actor.require("管理员")

    def record(unpacked: Path, info: BackupInfo, aside: Path | None) -> None:
        # The unpacked database, before it is moved into place: opening it upgrades an older one, and a refusal
        # here (or a failed upgrade) still leaves the current database where it is.
        db = open_database(unpacked, create=False, clock=clock)
        try:
            with db.transaction() as conn:
                audit.record(conn, actor, table="backups", key=Path(archive).name, action="restore",
                             new={"backup_created": info.created.isoformat(), "reason": info.reason,
                                  "kept_aside": str(aside) if aside else ""})
        finally:
            db.close()

    # Verifies first and runs ``record`` before anything is moved: a bad or newer backup touches nothing.
    return restore_backup(db_path, archive, now=clock.now(), prepare=record)


__all__ = ["BackupResult", "DamagedDatabaseError", "backup_due", "backup_if_due", "backup_now", "backup_on_exit",
           "before_import", "default_folder", "inspect", "keep_counts", "restore", "rotate", "save_settings",
           "second_folder", "to_keep"]
