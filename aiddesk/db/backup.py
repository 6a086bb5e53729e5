"""Backup archives of one database: a zip of an online snapshot, the attachments and a manifest of SHA-256 hashes."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Callable

from .. import __version__
from ..core.errors import UserError
from .connection import APPLICATION_ID, attachment_dir_for, read_only_uri

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = "database.sqlite"
ATTACHMENT_PREFIX = "attachments/"
_CHUNK = 1 << 20
# <stem>-备份-YYYYMMDD-HHMMSS[-n][-reason].zip; the optional -n only when two backups fall in the same second.
_NAME = re.compile(r"^(?P<stem>.+)-备份-(?P<day>\d{8})-(?P<time>\d{6})(?:-\d+)?(?:-(?P<reason>[^-]+))?\.zip$")


@dataclass(frozen=True)
class BackupInfo:
    """What a verified backup holds."""

    path: Path
    created: datetime
    reason: str
    size: int                 # bytes of the archive file
    user_version: int
    app_version: str
    attachment_count: int
    # The audit log's last entry in the backup (id, hash): a later log must still hold it unchanged.
    audit_head: tuple[int, str] | None = None


def folder_beside(db_path: Path) -> Path:
    """The backup folder beside a database: ``<db stem>_备份``."""
    return db_path.with_name(db_path.stem + "_备份")


def backup_time(path: Path, stem: str | None = None) -> datetime | None:
    """When a backup file was made, read from its name; None for a file that is not a backup (of ``stem``)."""
    m = _NAME.match(path.name)
    if not m or (stem is not None and m["stem"] != stem):
        return None
    try:
        return datetime.strptime(m["day"] + m["time"], "%Y%m%d%H%M%S")
    except ValueError:
        return None


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's content, read in chunks (attachments may be large scans)."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _snapshot(db_path: Path, dest: Path) -> tuple[int, tuple[int, str] | None]:
    """Copy the database with SQLite's online backup API (consistent even while others write).

    Returns the copy's user_version and its audit head (the last entry's id and hash; None before version 7).
    """
    # A connection of our own, so a backup may run on any thread without touching the caller's transaction.
    src = sqlite3.connect(str(db_path))
    try:
        out = sqlite3.connect(str(dest))
        try:
            src.backup(out)
            # The copy must not stay in WAL mode: a lone file inside a zip has no -wal beside it.
            out.execute("PRAGMA journal_mode = DELETE")
            version = out.execute("PRAGMA user_version").fetchone()[0]
            head = None
            if version >= 7:  # the hash chain came with version 7
                row = out.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
                head = (row[0], row[1]) if row else None
            return version, head
        finally:
            out.close()
    finally:
        src.close()


def _unused(name: Callable[[str], Path]) -> Path:
    """``name("")``, or ``name("-2")``, ``name("-3")`` … : the first that does not exist yet."""
    path, n = name(""), 2
    while path.exists():
        path, n = name(f"-{n}"), n + 1
    return path


def _free_name(folder: Path, stem: str, when: datetime, reason: str) -> Path:
    tail = f"-{reason}" if reason else ""
    return _unused(lambda n: folder / f"{stem}-备份-{when:%Y%m%d-%H%M%S}{n}{tail}.zip")


def backups_in(folder: Path, stem: str) -> dict[Path, datetime]:
    """The backups of database ``stem`` in ``folder`` and when each was made (from its name); {} without the folder."""
    if not folder.is_dir():
        return {}
    return {p: t for p in folder.glob("*.zip") if (t := backup_time(p, stem))}


def make_backup(db, folder: str | os.PathLike, *, reason: str = "", now: datetime) -> Path:
    """Write one backup archive of ``db`` (an open Database) into ``folder``, named by ``now``; its path.

    The archive appears whole or not at all (built under a temporary name, then renamed).
    """
    if "-" in reason or "/" in reason or "\\" in reason:
        raise ValueError(f"backup reason may not contain '-' or slashes: {reason!r}")
    folder = Path(folder)
    when = now
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = _free_name(folder, db.path.stem, when, reason)
        with tempfile.TemporaryDirectory(prefix=".aiddesk-backup-", dir=folder) as work:
            snap = Path(work) / DB_MEMBER
            user_version, head = _snapshot(db.path, snap)
            files = [(DB_MEMBER, snap)]
            att = db.attachment_dir
            if att.is_dir():
                files += [(ATTACHMENT_PREFIX + p.relative_to(att).as_posix(), p)
                          for p in sorted(att.rglob("*")) if p.is_file()]
            members = {name: {"size": src.stat().st_size, "sha256": file_sha256(src)} for name, src in files}
            manifest = {"format": FORMAT_VERSION, "app_version": __version__,
                        "created": when.isoformat(timespec="seconds"), "user_version": user_version,
                        "reason": reason, "database_name": db.path.name, "members": members}
            if head:  # copies of this manifest kept elsewhere (a USB stick) anchor the log's hash chain
                manifest["audit_head"] = {"id": head[0], "hash": head[1]}
            part = Path(work) / "archive.zip.part"
            with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as zf:
                zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
                for name, src in files:
                    zf.write(src, name)
            with open(part, "rb+") as f:  # on disk before the rename makes it visible
                os.fsync(f.fileno())
            os.replace(part, path)
    except OSError as err:
        raise UserError(f"无法在“{folder}”中写入备份（{err.strerror or err}）。"
                        "请确认该文件夹存在、可写且空间足够，或换一个备份位置") from err
    except sqlite3.Error as err:
        raise UserError(f"读取数据库“{db.path.name}”做备份时出错（{err}）。请稍后重试") from err
    return path


def _bad(archive: Path, what: str) -> UserError:
    return UserError(f"备份文件“{archive.name}”{what}，不能用于恢复。请换一份备份")


def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    if p.is_absolute() or ".." in p.parts or "\\" in name:
        return False
    return name == DB_MEMBER or (name.startswith(ATTACHMENT_PREFIX) and len(p.parts) > 1)


def _read_manifest(zf: zipfile.ZipFile, archive: Path) -> dict:
    try:
        manifest = json.loads(zf.read(MANIFEST).decode("utf-8"))
        members = manifest["members"]
        if not isinstance(members, dict) or DB_MEMBER not in members:
            raise KeyError(DB_MEMBER)
        for name, entry in members.items():
            if not _safe_member(name):
                raise KeyError(name)
            int(entry["size"]), str(entry["sha256"])
        datetime.fromisoformat(manifest["created"])
    except KeyError:
        raise _bad(archive, "的清单（manifest.json）缺失或内容不完整") from None
    except (ValueError, TypeError, AttributeError):
        raise _bad(archive, "的清单（manifest.json）无法读取") from None
    if manifest.get("format") != FORMAT_VERSION:
        raise _bad(archive, f"的格式版本（{manifest.get('format')}）本程序不认识，可能由更新版本的帮扶工作台创建")
    return manifest


def _check_members(zf: zipfile.ZipFile, archive: Path, manifest: dict, dest: Path) -> None:
    """Extract every member into ``dest`` while hashing it; refuse at the first difference from the manifest."""
    listed = set(manifest["members"])
    present = set(zf.namelist()) - {MANIFEST}
    if missing := sorted(listed - present):
        raise _bad(archive, f"缺少清单中的文件“{missing[0]}”（共缺 {len(missing)} 个）")
    if extra := sorted(present - listed):
        raise _bad(archive, f"含有清单之外的文件“{extra[0]}”")
    for name, entry in manifest["members"].items():
        target = dest.joinpath(*PurePosixPath(name).parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        h = hashlib.sha256()
        size = 0
        with zf.open(name) as src, open(target, "wb") as out:
            while chunk := src.read(_CHUNK):
                h.update(chunk)
                size += len(chunk)
                out.write(chunk)
        if size != int(entry["size"]) or h.hexdigest() != str(entry["sha256"]).lower():
            what = "数据库" if name == DB_MEMBER else f"附件“{name[len(ATTACHMENT_PREFIX):]}”"
            raise _bad(archive, f"中的{what}与清单记录的校验值不符（文件已被改动或损坏）")


def _check_database(archive: Path, path: Path) -> None:
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise _bad(archive, f"中的数据库无法打开（{err}）") from None
    if app_id != APPLICATION_ID:
        raise _bad(archive, "中的数据库不是帮扶工作台的数据库")
    if result != ["ok"]:
        raise _bad(archive, f"中的数据库未通过完整性检查（{result[0]}）")


def _extract_verified(archive: Path, dest: Path) -> BackupInfo:
    try:
        with zipfile.ZipFile(archive) as zf:
            manifest = _read_manifest(zf, archive)
            _check_members(zf, archive, manifest, dest)
    except FileNotFoundError:
        raise UserError(f"找不到备份文件“{archive}”。请确认文件位置") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError):
        raise _bad(archive, "已损坏或不是帮扶工作台的备份文件") from None
    except OSError as err:
        raise UserError(f"无法读取备份文件“{archive.name}”（{err.strerror or err}）") from err
    _check_database(archive, dest / DB_MEMBER)
    return _info(archive, manifest)


def _info(archive: Path, manifest: dict) -> BackupInfo:
    head = manifest.get("audit_head")
    try:
        audit_head = (int(head["id"]), str(head["hash"])) if head else None
    except (TypeError, KeyError, ValueError):
        audit_head = None  # an unreadable anchor anchors nothing; the archive's own hashes are checked apart
    return BackupInfo(path=archive, created=datetime.fromisoformat(manifest["created"]), audit_head=audit_head,
                      reason=str(manifest.get("reason", "")), size=archive.stat().st_size,
                      user_version=int(manifest.get("user_version", 0)),
                      app_version=str(manifest.get("app_version", "")),
                      attachment_count=len(manifest["members"]) - 1)


def read_backup_info(path: str | os.PathLike) -> BackupInfo:
    """What a backup says it holds, from its manifest alone (no hashing): for logs after it was verified."""
    archive = Path(path)
    try:
        with zipfile.ZipFile(archive) as zf:
            return _info(archive, _read_manifest(zf, archive))
    except (OSError, zipfile.BadZipFile):
        raise _bad(archive, "已损坏或不是帮扶工作台的备份文件") from None


def verify_backup(path: str | os.PathLike) -> BackupInfo:
    """Check every hash, the database's integrity and that it is ours; what the backup holds, or UserError."""
    archive = Path(path)
    with tempfile.TemporaryDirectory(prefix="aiddesk-verify-") as work:
        return _extract_verified(archive, Path(work))


def restore_backup(db_path: str | os.PathLike, archive: str | os.PathLike, *, now: datetime) -> Path | None:
    """Put the backup's database and attachments in place of the current ones; where the current ones were kept.

    ``now`` names the copy kept aside (``<name>.恢复前-<now>``).

    The backup is verified first and nothing is touched if it fails. The caller must have closed the database.
    Returns the path the current database was moved to (None when there was none).
    """
    db_path = Path(db_path).absolute()
    archive = Path(archive)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    # Extract beside the database, so putting it in place is a rename on the same disk.
    with tempfile.TemporaryDirectory(prefix=f".{db_path.stem}.restoring-", dir=db_path.parent) as work:
        work = Path(work)
        _extract_verified(archive, work)
        stamp = now.strftime("%Y%m%d-%H%M%S")
        aside = _unused(lambda n: db_path.with_name(f"{db_path.stem}.恢复前-{stamp}{n}{db_path.suffix}"))
        att = attachment_dir_for(db_path)
        moves = [(Path(str(db_path) + s), Path(str(aside) + s)) for s in ("", "-wal", "-shm", "-journal")]
        moves.append((att, attachment_dir_for(aside)))
        done: list[tuple[Path, Path]] = []
        try:
            for src, dst in moves:
                if src.exists():
                    os.replace(src, dst)
                    done.append((src, dst))
            os.replace(work / DB_MEMBER, db_path)
            restored_att = work / ATTACHMENT_PREFIX.rstrip("/")
            if restored_att.is_dir():
                shutil.move(str(restored_att), str(att))
        except OSError as err:
            # Put the current files back so the user is left where they started.
            if att.exists() and any(src == att for src, _ in done):
                shutil.rmtree(att, ignore_errors=True)
            for src, dst in reversed(done):
                try:
                    if src.exists() and src == db_path:
                        src.unlink()
                    os.replace(dst, src)
                except OSError:
                    pass
            raise UserError(f"恢复时无法替换数据库“{db_path.name}”（{err.strerror or err}）。"
                            "请关闭所有使用该数据库的程序后重试") from err
        return aside if done and done[0][0] == db_path else None
