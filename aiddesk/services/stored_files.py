"""Files copied into the attachments folder beside the database, named by their SHA-256 (one copy per content)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import UserError


@dataclass(frozen=True)
class StoredFile:
    original_name: str
    stored_name: str   # relative to the attachments folder
    sha256: str
    size: int


def store_file(attachment_dir: Path, folder: str, source: str | Path, created: list[Path]) -> StoredFile:
    """Copy ``source`` to ``<folder>/<hash prefix><suffix>`` unless that content is already there.

    A file this call wrote is appended to ``created``, so the caller can delete it again if its
    transaction rolls back.
    """
    source = Path(source)
    if not source.is_file():
        raise UserError(f"找不到文件“{source}”")
    try:
        data = source.read_bytes()
    except OSError as err:
        raise UserError(f"无法读取文件“{source.name}”：{err.strerror or err}") from None
    digest = hashlib.sha256(data).hexdigest()
    stored_name = f"{folder}/{digest[:16]}{source.suffix.lower()}"
    target = attachment_dir / stored_name
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)  # exactly the bytes hashed
        tmp.replace(target)
        created.append(target)
    return StoredFile(source.name, stored_name, digest, len(data))
