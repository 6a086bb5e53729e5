"""Backup archives of one database: a zip of an online snapshot, the attachments and a manifest of SHA-256 hashes."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sqlite3
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Callable

from .. import __version__
from ..core.errors import UserError
from ..core.rule_files import read_rules
from .connection import APPLICATION_ID, CURRENT_VERSION, attachment_dir_for, read_only_uri

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


class DamagedDatabaseError(UserError):
    """The database's own check found it damaged: no backup was made (a copy of the damage restores nothing)."""


def _damaged(db_path: Path, detail: str) -> DamagedDatabaseError:
    return DamagedDatabaseError(
        f"数据库“{db_path.name}”已损坏（SQLite 检查结果：{detail[:200]}），这次没有备份：损坏的数据库备份了也不能恢复，"
        "已有的备份都原样保留。请停止录入，尽快从备份恢复（程序中“文件 → 从备份恢复…”）最近一份完好的备份，"
        "或请技术人员修复")


def _snapshot(db_path: Path, dest: Path) -> tuple[int, tuple[int, str] | None]:
    """Copy the database with SQLite's online backup API (consistent even while others write), then check the copy.

    Returns the copy's user_version and its audit head (the last entry's id and hash; None before version 7).
    A copy that fails ``PRAGMA quick_check`` raises :class:`DamagedDatabaseError`: it could never be restored.
    """
    # A connection of our own, so a backup may run on any thread without touching the caller's transaction.
    src = sqlite3.connect(str(db_path))
    try:
        out = sqlite3.connect(str(dest))
        try:
            try:
                src.backup(out)
                # The copy must not stay in WAL mode: a lone file inside a zip has no -wal beside it.
                out.execute("PRAGMA journal_mode = DELETE")
                problems = [r[0] for r in out.execute("PRAGMA quick_check")]
            except sqlite3.OperationalError:
                raise  # locked, busy, disk full: not the database's own damage
            except sqlite3.DatabaseError as err:  # "database disk image is malformed", "file is not a database"
                raise _damaged(db_path, str(err)) from None
            if problems != ["ok"]:
                raise _damaged(db_path, "；".join(problems[:3]))
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

    The archive appears whole or not at all (built under a temporary name, then renamed). Only the last level of
    ``folder`` is created: a missing parent is a drive not there (an unplugged USB stick), not a folder to make.
    A damaged database raises :class:`DamagedDatabaseError` and writes nothing.
    """
    if "-" in reason or "/" in reason or "\\" in reason:
        raise ValueError(f"backup reason may not contain '-' or slashes: {reason!r}")
    folder = Path(folder)
    when = now
    try:
        files = [(DB_MEMBER, None)]
        att = db.attachment_dir
        if att.is_dir():
            files += [(ATTACHMENT_PREFIX + p.relative_to(att).as_posix(), p)
                      for p in sorted(att.rglob("*")) if p.is_file()]
        for name, src in files:  # what restore would refuse must not go into a backup
            if problem := _name_problem(name):
                raise UserError(f"附件文件夹中的文件“{src}”的文件名{problem}，这样的备份在 Windows 上无法恢复，"
                                "这次没有备份。请把它改名或移出附件文件夹后再备份")
        made = not folder.exists()
        folder.mkdir(exist_ok=True)
        try:
            path = _free_name(folder, db.path.stem, when, reason)
            with tempfile.TemporaryDirectory(prefix=".aiddesk-backup-", dir=folder) as work:
                snap = Path(work) / DB_MEMBER
                user_version, head = _snapshot(db.path, snap)
                files[0] = (DB_MEMBER, snap)
                members = {name: {"size": src.stat().st_size, "sha256": file_sha256(src)} for name, src in files}
                manifest = {"format": FORMAT_VERSION, "app_version": __version__,
                            "created": when.isoformat(timespec="seconds"), "user_version": user_version,
                            "reason": reason, "database_name": db.path.name, "members": members}
                if head:  # copies of this manifest kept elsewhere (a USB stick) anchor the log's hash chain
                    manifest["audit_head"] = {"id": head[0], "hash": head[1]}
                part = Path(work) / "archive.zip.part"
                # Level 1: a database compresses nearly as well (8 % larger) in a third of the time, and a backup runs
                # before every import while the user waits.
                with zipfile.ZipFile(part, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1,
                                     allowZip64=True) as zf:
                    zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
                    for name, src in files:
                        zf.write(src, name)
                with open(part, "rb+") as f:  # on disk before the rename makes it visible
                    os.fsync(f.fileno())
                os.replace(part, path)
        except BaseException:
            if made:  # a damaged database, say: no empty backup folder left behind either
                with contextlib.suppress(OSError):
                    folder.rmdir()
            raise
    except OSError as err:
        raise UserError(f"无法在“{folder}”中写入备份（{err.strerror or err}）。"
                        "请确认该文件夹存在、可写且空间足够，或换一个备份位置") from err
    except sqlite3.Error as err:
        raise UserError(f"读取数据库“{db.path.name}”做备份时出错（{err}）。请稍后重试") from err
    return path


# ---- checking an archive before anything is extracted or moved ----------------------------------------------

MB = 1 << 20


@dataclass(frozen=True)
class ArchiveLimits:
    """What checking or restoring one archive may cost at most (resources/rules/backup.json)."""

    max_members: int          # files in the archive
    max_member_bytes: int     # one file unpacked
    max_total_bytes: int      # all files unpacked
    max_ratio: float          # unpacked size / packed size of one file ...
    ratio_from_bytes: int     # ... for files at least this large unpacked (tiny files pack any way they like)
    max_manifest_bytes: int
    spare_bytes: int          # disk space left free after a restore's files are written


def archive_limits() -> ArchiveLimits:
    raw = read_rules("backup.json", "备份规则")
    try:
        limits = ArchiveLimits(
            max_members=int(raw["archive_max_members"]), max_member_bytes=int(raw["archive_max_member_mb"]) * MB,
            max_total_bytes=int(raw["archive_max_total_mb"]) * MB, max_ratio=float(raw["archive_max_ratio"]),
            ratio_from_bytes=int(raw["archive_ratio_from_mb"]) * MB,
            max_manifest_bytes=int(raw["archive_max_manifest_mb"]) * MB, spare_bytes=int(raw["restore_spare_mb"]) * MB)
    except (KeyError, TypeError, ValueError):
        limits = None
    if limits is None or min(limits.max_members, limits.max_member_bytes, limits.max_total_bytes,
                             limits.max_manifest_bytes) <= 0 or limits.max_ratio < 1 or limits.spare_bytes < 0:
        raise UserError("备份规则文件 resources/rules/backup.json 中的备份文件上限（archive_…、restore_spare_mb）"
                        "缺失或不是正数，请重新安装程序")
    return limits


def _bad(archive: Path, what: str) -> UserError:
    return UserError(f"备份文件“{archive.name}”{what}，不能用于恢复。请换一份备份")


def _mb(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} 字节"


def _shown(name: str) -> str:
    """A member name fit for a message: control characters written out, a long name cut."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)
    return text if len(text) <= 80 else text[:77] + "…"


# Names Windows gives to devices, in any folder and with any extension (CON.txt is the console too).
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{dev}{n}" for dev in ("COM", "LPT") for n in "123456789¹²³"}
_NOT_ON_WINDOWS = set('<>:"|?*\\')


def _name_problem(name: str) -> str | None:
    """Why ``name`` may not become a file under the restore folder, on Windows or on POSIX (Chinese); None: safe.

    The stricter of both: a name passing here means the same file under the folder on either system, and so a
    backup made on one restores on the other.
    """
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "含控制字符"
    if bad := sorted(set(name) & _NOT_ON_WINDOWS):
        return f"含 Windows 不允许的字符“{bad[0]}”（盘符、反斜杠、冒号等）"
    posix, windows = PurePosixPath(name), PureWindowsPath(name)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or windows.root or name.startswith("/"):
        return "是绝对路径"
    parts = name.split("/")
    for part in parts:
        if part in ("", ".", ".."):
            return "含空的、“.”或“..”的路径部分"
        if part.endswith((".", " ")):
            return "以点或空格结尾（Windows 不允许）"
        if part.partition(".")[0].rstrip(" ").upper() in _RESERVED:
            return f"含 Windows 的设备保留名“{part}”"
        if len(part.encode("utf-8")) > 255:  # what Linux allows of one name (Windows: 255 UTF-16 units)
            return "过长"
    if posix.parts != tuple(parts) or windows.parts != tuple(parts):  # whatever either system would read otherwise
        return "不是普通的相对路径"
    if name != DB_MEMBER and not (name.startswith(ATTACHMENT_PREFIX) and len(parts) > 1):
        return "不在备份应有的位置"
    return None


def _check_names(archive: Path, names: list[str]) -> None:
    """Every name safe, and no two that are one file on Windows (only the case differs, or a file is a folder)."""
    files: set[str] = set()
    folders: set[str] = set()
    for name in names:
        if problem := _name_problem(name):
            raise _bad(archive, f"中的文件名“{_shown(name)}”{problem}")
        key = name.casefold()
        if key in files:
            raise _bad(archive, f"中的文件名“{_shown(name)}”与另一个只差大小写，在 Windows 上是同一个文件")
        files.add(key)
        parts = key.split("/")
        folders.update("/".join(parts[:i]) for i in range(1, len(parts)))
    if clash := sorted(files & folders):
        raise _bad(archive, f"中的文件名“{_shown(clash[0])}”既是文件又是文件夹")


def _read_limited(zf: zipfile.ZipFile, info: zipfile.ZipInfo, archive: Path, limit: int) -> bytes:
    _check_packing(archive, info)
    with zf.open(info) as src:
        data = src.read(limit + 1)
    if len(data) > limit:
        raise _bad(archive, "的清单（manifest.json）过大")
    return data


def _check_packing(archive: Path, info: zipfile.ZipInfo) -> None:
    """Only what make_backup writes: not encrypted, stored or deflated."""
    if info.flag_bits & 0x1:
        raise _bad(archive, f"中的“{_shown(info.filename)}”是加密的（帮扶工作台的备份从不加密）")
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        raise _bad(archive, f"中的“{_shown(info.filename)}”的压缩方式本程序不认识")


def _read_manifest(zf: zipfile.ZipFile, archive: Path, limits: ArchiveLimits) -> dict:
    """The manifest, checked for shape and size (not yet for versions): read from at most ``max_manifest_bytes``."""
    try:
        info = zf.getinfo(MANIFEST)
    except KeyError:
        raise _bad(archive, "的清单（manifest.json）缺失或内容不完整") from None
    if info.file_size > limits.max_manifest_bytes:
        raise _bad(archive, f"的清单（manifest.json）过大（{_mb(info.file_size)}，上限 "
                            f"{_mb(limits.max_manifest_bytes)}），可能是恶意构造的文件")
    try:
        manifest = json.loads(_read_limited(zf, info, archive, limits.max_manifest_bytes).decode("utf-8"))
    except (ValueError, RecursionError):
        raise _bad(archive, "的清单（manifest.json）无法读取") from None
    if not isinstance(manifest, dict):
        raise _bad(archive, "的清单（manifest.json）无法读取")
    if manifest.get("format") != FORMAT_VERSION:
        raise _bad(archive, f"的格式版本（{_shown(str(manifest.get('format')))}）本程序不认识，"
                            "可能由更新版本的帮扶工作台创建。请先升级本程序")
    members = manifest.get("members")
    if not isinstance(members, dict) or DB_MEMBER not in members:
        raise _bad(archive, "的清单（manifest.json）缺失或内容不完整")
    for entry in members.values():
        size = entry.get("size") if isinstance(entry, dict) else None
        digest = entry.get("sha256") if isinstance(entry, dict) else None
        if type(size) is not int or size < 0 or not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise _bad(archive, "的清单（manifest.json）缺失或内容不完整")
    if not isinstance(manifest.get("created"), str):
        raise _bad(archive, "的清单（manifest.json）缺失或内容不完整")
    try:
        datetime.fromisoformat(manifest["created"])
    except ValueError:
        raise _bad(archive, "的清单（manifest.json）无法读取") from None
    return manifest


_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _version_tuple(text: str) -> tuple[int, ...] | None:
    if not re.fullmatch(r"\d{1,6}(\.\d{1,6}){0,3}", text):
        return None
    return tuple(int(n) for n in text.split("."))


def _check_versions(archive: Path, manifest: dict) -> None:
    """Made by this program's version or an earlier one, holding data of this version or an earlier one."""
    made_by = manifest.get("app_version", "")
    if not isinstance(made_by, str) or (made_by and _version_tuple(made_by) is None):
        raise _bad(archive, "的清单（manifest.json）中的程序版本无法读取")
    ours = _version_tuple(__version__)
    if made_by and ours is not None and _version_tuple(made_by) > ours:
        raise _bad(archive, f"由更新版本的帮扶工作台（{made_by}）创建，本程序是 {__version__}。"
                            f"请先把本程序升级到 {made_by} 或更新的版本，再恢复这份备份")
    data = manifest.get("user_version", 0)
    if type(data) is not int or data < 0:
        raise _bad(archive, "的清单（manifest.json）中的数据版本无法读取")
    if data > CURRENT_VERSION:
        raise _newer_data(archive, data)


def _newer_data(archive: Path, version: int) -> UserError:
    return _bad(archive, f"中的数据库由更新版本的帮扶工作台创建（数据版本 {version}，本程序支持到 {CURRENT_VERSION}）。"
                         "请先升级本程序，再恢复这份备份")


def _check_count(zf: zipfile.ZipFile, archive: Path, limits: ArchiveLimits) -> None:
    """Not more files than the limit, none twice: before even the manifest is read."""
    names = zf.namelist()
    if len(names) > limits.max_members + 1:
        raise _bad(archive, f"含有 {len(names) - 1} 个文件，超过上限 {limits.max_members}，可能是恶意构造的文件")
    if len(set(names)) != len(names):
        seen: set[str] = set()
        twice = next(n for n in names if n in seen or seen.add(n))
        raise _bad(archive, f"中的“{_shown(twice)}”重复出现")


def _check_members(zf: zipfile.ZipFile, archive: Path, manifest: dict, limits: ArchiveLimits
                   ) -> dict[str, zipfile.ZipInfo]:
    """Everything the zip's directory tells, before one byte is unpacked: the members to extract, by name."""
    infos = zf.infolist()
    listed = manifest["members"]
    present = {i.filename: i for i in infos if i.filename != MANIFEST}
    _check_names(archive, [n for n in present if n in listed] + [n for n in listed if n not in present])
    if missing := sorted(set(listed) - set(present)):
        raise _bad(archive, f"缺少清单中的文件“{_shown(missing[0])}”（共缺 {len(missing)} 个）")
    if extra := sorted(set(present) - set(listed)):
        raise _bad(archive, f"含有清单之外的文件“{_shown(extra[0])}”")
    total = 0
    for name, entry in listed.items():
        info = present[name]
        _check_packing(archive, info)
        size = entry["size"]
        if info.file_size != size:
            raise _bad(archive, f"中的“{_shown(name)}”的大小与清单记录的不符（文件已被改动或损坏）")
        if size > limits.max_member_bytes:
            raise _bad(archive, f"中的“{_shown(name)}”解压后有 {_mb(size)}，超过上限 {_mb(limits.max_member_bytes)}")
        if size >= limits.ratio_from_bytes and size > limits.max_ratio * max(info.compress_size, 1):
            raise _bad(archive, f"中的“{_shown(name)}”压缩比异常（{size / max(info.compress_size, 1):,.0f} 倍，"
                                f"上限 {limits.max_ratio:,.0f} 倍），可能是恶意构造的文件")
        total += size
    if total > limits.max_total_bytes:
        raise _bad(archive, f"解压后共 {_mb(total)}，超过上限 {_mb(limits.max_total_bytes)}")
    return present


def _check_space(archive: Path, dest: Path, needed: int, limits: ArchiveLimits) -> None:
    free = shutil.disk_usage(dest).free
    if needed + limits.spare_bytes > free:
        raise UserError(f"磁盘空间不足：解压备份文件“{archive.name}”需要约 {_mb(needed)}，"
                        f"“{dest.parent}”所在的磁盘只剩 {_mb(free)}。没有改动任何文件。请先腾出空间再试")


class _Unwritable(Exception):
    """Writing the unpacked files failed (the disk, not the archive): ``reason`` is the OSError."""

    def __init__(self, reason: OSError):
        super().__init__(reason)
        self.reason = reason


class _Output:
    """Where one member's bytes go: a new file, or nowhere (``target`` None: only hashed)."""

    def __init__(self, target: Path | None):
        self.target, self.file = target, None

    def __enter__(self) -> "_Output":
        if self.target is not None:
            try:
                self.target.parent.mkdir(parents=True, exist_ok=True)
                self.file = open(self.target, "xb")
            except OSError as err:
                raise _Unwritable(err) from err
        return self

    def write(self, chunk: bytes) -> None:
        if self.file is not None:
            try:
                self.file.write(chunk)
            except OSError as err:
                raise _Unwritable(err) from err

    def __exit__(self, *exc) -> None:
        if self.file is not None:
            try:
                self.file.close()
            except OSError as err:
                if exc[0] is None:
                    raise _Unwritable(err) from err


def _extract(zf: zipfile.ZipFile, archive: Path, manifest: dict, present: dict[str, zipfile.ZipInfo], dest: Path,
             attachments: bool) -> None:
    """Unpack (the database, and the attachments when ``attachments``) into ``dest`` while hashing every member;
    refuse at the first difference from the manifest, and as soon as a member unpacks to more than it said."""
    for name, entry in manifest["members"].items():
        what = "数据库" if name == DB_MEMBER else f"附件“{_shown(name[len(ATTACHMENT_PREFIX):])}”"
        target = dest.joinpath(*name.split("/")) if attachments or name == DB_MEMBER else None
        h = hashlib.sha256()
        size, declared = 0, entry["size"]
        with zf.open(present[name]) as src, _Output(target) as out:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if size > declared:
                    raise _bad(archive, f"中的{what}比清单记录的大（文件已被改动或损坏）")
                h.update(chunk)
                out.write(chunk)
        if size != declared or h.hexdigest() != entry["sha256"].lower():
            raise _bad(archive, f"中的{what}与清单记录的校验值不符（文件已被改动或损坏）")


def _check_database(archive: Path, path: Path, manifest: dict) -> None:
    try:
        conn = sqlite3.connect(read_only_uri(path), uri=True)
        try:
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as err:
        raise _bad(archive, f"中的数据库无法打开（{err}）") from None
    if app_id != APPLICATION_ID:
        raise _bad(archive, "中的数据库不是帮扶工作台的数据库")
    if version > CURRENT_VERSION:  # the manifest is not signed: the database itself decides
        raise _newer_data(archive, version)
    if "user_version" in manifest and version != manifest["user_version"]:
        raise _bad(archive, "中的数据库与清单记录的数据版本不符（文件已被改动或损坏）")
    if result != ["ok"]:
        raise _bad(archive, f"中的数据库未通过完整性检查（{result[0]}）")


def _extract_verified(archive: Path, dest: Path, *, attachments: bool = True) -> BackupInfo:
    """Check everything the archive's directory and manifest tell, then unpack into ``dest`` while hashing, then
    check the database; a UserError at the first thing wrong. Only the database is written unless ``attachments``.
    """
    limits = archive_limits()
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_count(zf, archive, limits)
            manifest = _read_manifest(zf, archive, limits)
            _check_versions(archive, manifest)
            present = _check_members(zf, archive, manifest, limits)
            sizes = manifest["members"]
            _check_space(archive, dest, sum(e["size"] for n, e in sizes.items() if attachments or n == DB_MEMBER),
                         limits)
            _extract(zf, archive, manifest, present, dest, attachments)
    except _Unwritable as err:
        raise UserError(f"无法把备份文件“{archive.name}”解压到“{dest.parent}”（{err.reason.strerror or err.reason}）。"
                        "没有改动任何文件。请确认磁盘空间足够、文件夹可写后再试") from err.reason
    except FileNotFoundError:
        raise UserError(f"找不到备份文件“{archive}”。请确认文件位置") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            struct.error, OverflowError):
        raise _bad(archive, "已损坏或不是帮扶工作台的备份文件") from None
    except OSError as err:
        raise UserError(f"无法读取备份文件“{archive.name}”（{err.strerror or err}）") from err
    _check_database(archive, dest / DB_MEMBER, manifest)
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
            return _info(archive, _read_manifest(zf, archive, archive_limits()))
    except (OSError, zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, NotImplementedError, ValueError,
            struct.error, OverflowError):
        raise _bad(archive, "已损坏或不是帮扶工作台的备份文件") from None


def verify_backup(path: str | os.PathLike) -> BackupInfo:
    """Check every hash, the versions, the database's integrity and that it is ours; what the backup holds, or
    UserError. Only the database is written out (to a temporary folder): the attachments are hashed as they stream.
    """
    archive = Path(path)
    with tempfile.TemporaryDirectory(prefix="aiddesk-verify-") as work:
        return _extract_verified(archive, Path(work), attachments=False)


def restore_backup(db_path: str | os.PathLike, archive: str | os.PathLike, *, now: datetime,
                   prepare: Callable[[Path, BackupInfo, Path | None], None] | None = None) -> Path | None:
    """Put the backup's database and attachments in place of the current ones; where the current ones were kept.

    ``now`` names the copy kept aside (``<name>.恢复前-<now>``).

    Every check of the backup runs first, and so does ``prepare(database, info, aside)`` — given the unpacked
    database before it is moved into place (to upgrade it and record the restore in it), what the backup holds and
    where the current database will be kept (None when there is none). Any refusal up to there leaves every file
    as it was. The caller must have closed the database.
    Returns the path the current database was moved to (None when there was none).
    """
    db_path = Path(db_path).absolute()
    archive = Path(archive)
    if not db_path.parent.is_dir():  # a new PC: check the backup before making the folder it goes in
        verify_backup(archive)
        db_path.parent.mkdir(parents=True, exist_ok=True)
    # Extract beside the database, so putting it in place is a rename on the same disk.
    with tempfile.TemporaryDirectory(prefix=f".{db_path.stem}.restoring-", dir=db_path.parent) as work:
        work = Path(work)
        info = _extract_verified(archive, work)
        stamp = now.strftime("%Y%m%d-%H%M%S")
        aside = _unused(lambda n: db_path.with_name(f"{db_path.stem}.恢复前-{stamp}{n}{db_path.suffix}"))
        if prepare is not None:
            prepare(work / DB_MEMBER, info, aside if db_path.exists() else None)
        sidecars = ("", "-wal", "-shm", "-journal")
        att = attachment_dir_for(db_path)
        moves = [(Path(str(db_path) + s), Path(str(aside) + s)) for s in sidecars]
        moves.append((att, attachment_dir_for(aside)))
        done: list[tuple[Path, Path]] = []
        placed: list[Path] = []
        try:
            for src, dst in moves:
                if src.exists():
                    os.replace(src, dst)
                    done.append((src, dst))
            for s in sidecars:  # prepare's connection is closed; a -wal it left goes with its database
                restored = Path(str(work / DB_MEMBER) + s)
                if restored.exists():
                    os.replace(restored, Path(str(db_path) + s))
                    placed.append(Path(str(db_path) + s))
            restored_att = work / ATTACHMENT_PREFIX.rstrip("/")
            if restored_att.is_dir():
                placed.append(att)
                shutil.move(str(restored_att), str(att))
        except OSError as err:
            # Put the current files back so the user is left where they started.
            for path in reversed(placed):
                if path.is_dir():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
            for src, dst in reversed(done):
                try:
                    os.replace(dst, src)
                except OSError:
                    pass
            raise UserError(f"恢复时无法替换数据库“{db_path.name}”（{err.strerror or err}）。"
                            "请关闭所有使用该数据库的程序后重试") from err
        return aside if done and done[0][0] == db_path else None
