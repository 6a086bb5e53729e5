"""Files copied into the attachments folder beside the database, named by their SHA-256 (one copy per content).

A stored file's place is made only of safe parts: a record's code when it is a valid one (``HN0100-2026-0001/``,
``批次/HN0100-PC2026-001/`` — the office can find a household's scans by its number), else a fixed word and the
record's integer id (``档案/12/``, ``批次/3/``), a year, and the file's hash with a plain suffix. A code an older
version took unchecked from a workbook (``../../x``, ``//host/share``) once sent ID-card scans outside the folder
(issue 16); such a code now never becomes a folder. Every path, written or read, is checked to resolve inside the
attachments folder; a stored name in an older database that points elsewhere is refused, never followed.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from ..core.errors import UserError
from ..core.record_codes import check_batch_code

HOUSEHOLD_FOLDER = "档案"   # 档案/<household id>/ for a household whose 档案编号 cannot name a folder
BATCH_FOLDER = "批次"       # 批次/<批次编号>/, or 批次/<batch id>/
_SUFFIX = re.compile(r"\.[0-9a-z]{1,10}")


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str   # relative to the attachments folder
    sha256: str
    size: int


def safe_folder_name(name: str) -> bool:
    """True for a name a folder may have: the alphabet of 档案编号 and 批次编号 (letters, digits, Chinese, "-", "_",
    brackets; 1–40; no Windows device name), exactly as given — no path separators, dots, spaces or controls."""
    try:
        return check_batch_code(name) == name
    except UserError:
        return False


def record_folder(code: str, fallback: str) -> str:
    """The folder of a record's files: its code when that is a safe folder name, else ``fallback`` ("档案/12")."""
    return code if safe_folder_name(code) else fallback


def _refuse(stored_name: str) -> UserError:
    return UserError(f"附件位置“{stored_name}”不在附件文件夹之内，已拒绝读写。"
                     "这条记录可能来自被改动过的数据库，请运行“完整性检查”，并联系管理员核实")


def stored_path(attachment_dir: Path, stored_name: str) -> Path:
    """The file a stored name addresses inside ``attachment_dir``; a UserError when it would lie anywhere else.

    Refused: an empty name, an absolute one by POSIX or Windows rules (``/x``, ``\\\\host\\share``, ``C:x``), and
    any name that resolves (through ``..`` or a link) outside the folder.
    """
    if not stored_name or PurePosixPath(stored_name).is_absolute() or PureWindowsPath(stored_name).drive \
            or PureWindowsPath(stored_name).root or "\x00" in stored_name:
        raise _refuse(stored_name)
    root = attachment_dir.resolve()
    resolved = (root / stored_name).resolve()
    if resolved == root or not resolved.is_relative_to(root):
        raise _refuse(stored_name)
    return attachment_dir / stored_name


def store_file(attachment_dir: Path, folder: str, source: str | Path, created: list[Path]) -> StoredFile:
    """Copy ``source`` to ``<folder>/<first 16 of the SHA-256><suffix>`` unless that content is already there.

    ``folder`` is made of safe parts only ("HN0100-2026-0001", "批次/3", "绩效自评/2026", see
    :func:`safe_folder_name`); anything else is refused. A file this call wrote is appended to ``created``, so
    the caller can delete it again if its transaction rolls back.
    """
    if not all(safe_folder_name(part) for part in folder.split("/")):
        raise UserError(f"附件文件夹名“{folder}”含有不能用于文件夹的字符，已拒绝保存")
    source = Path(source)
    if not source.is_file():
        raise UserError(f"找不到文件“{source}”")
    try:
        data = source.read_bytes()
    except OSError as err:
        raise UserError(f"无法读取文件“{source.name}”：{err.strerror or err}") from None
    digest = hashlib.sha256(data).hexdigest()
    suffix = source.suffix.lower()
    stored_name = f"{folder}/{digest[:16]}{suffix if _SUFFIX.fullmatch(suffix) else ''}"
    target = stored_path(attachment_dir, stored_name)  # the folder may hold a link planted to lead elsewhere
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target = stored_path(attachment_dir, stored_name)  # the folders as made: still inside
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)  # exactly the bytes hashed
        tmp.replace(target)
        created.append(target)
    return StoredFile(source.name, stored_name, digest, len(data))
