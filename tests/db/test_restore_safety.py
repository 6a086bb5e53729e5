"""Restoring from a backup: every check runs before the first byte is moved, a refusal leaves every file as it was.

Backups made by a newer program, member names that are harmless on Linux but escape the folder on Windows
(``attachments/C:/x`` becomes ``C:x``), zip bombs and lying sizes are all refused before anything is extracted
beside the database, and nothing of the current database is moved aside.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from aiddesk import __version__
from aiddesk.core.errors import UserError
from aiddesk.db import backup
from aiddesk.db.audit import Actor
from aiddesk.db.backup import DB_MEMBER, MANIFEST, make_backup, restore_backup, verify_backup
from aiddesk.db.connection import CURRENT_VERSION
from aiddesk.services import backups

ADMIN = Actor("管理员甲", "命令行", ("管理员",))
WHEN = datetime(2026, 11, 26, 10, 30)


def state(folder: Path, *, skip: Path) -> dict[str, str]:
    """Every file under ``folder`` (but ``skip``) and the SHA-256 of its content: what a refusal must not change."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and skip not in p.parents}


@pytest.fixture
def setup(db, tmp_path):
    """A closed database with two attachments, its good backup (in ``archives/``) and the folder's state."""
    att = db.attachment_dir
    (att / "户1").mkdir(parents=True)
    (att / "户1" / "证明.pdf").write_bytes(b"%PDF-1.4 proof\n" * 100)
    (att / "照片.jpg").write_bytes(bytes(range(256)) * 10)
    archives = tmp_path / "archives"
    archive = make_backup(db, archives, reason="手动", now=db.clock.now())
    db.close()
    return db.path, archive, archives


def read_members(archive: Path) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(archive) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    return json.loads(members.pop(MANIFEST)), members


def write_archive(archive: Path, manifest: dict, members: dict[str, bytes], *, rehash: bool = True,
                  compression: int = zipfile.ZIP_DEFLATED) -> Path:
    """Write ``members`` with a manifest listing each (sizes and hashes made to match, unless not ``rehash``)."""
    if rehash:
        manifest["members"] = {n: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in members.items()}
    with zipfile.ZipFile(archive, "w", compression) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest, ensure_ascii=False))
        for name, data in members.items():
            zf.writestr(name, data)
    return archive


def refused(path: Path, archive: Path, words: str) -> UserError:
    """Both verify and restore (service and db level) refuse with ``words``; nothing beside the database changes."""
    folder = path.parent
    before = state(folder, skip=archive.parent)
    with pytest.raises(UserError, match=words):
        verify_backup(archive)
    with pytest.raises(UserError, match=words) as caught:
        backups.restore(path, archive, ADMIN, _clock())
    with pytest.raises(UserError, match=words):
        restore_backup(path, archive, now=WHEN)
    assert state(folder, skip=archive.parent) == before
    assert not list(folder.glob("*恢复前*")) and not list(folder.glob(".*restoring*"))
    return caught.value


def _clock():
    from aiddesk.core.clock import FixedClock

    return FixedClock(WHEN)


def with_user_version(data: bytes, version: int, tmp_path: Path) -> bytes:
    scratch = tmp_path / "scratch.sqlite"
    scratch.write_bytes(data)
    conn = sqlite3.connect(scratch)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    return scratch.read_bytes()


# ---- a backup from a newer program --------------------------------------------------------------------------


def test_a_backup_of_a_newer_data_version_is_refused_before_anything_is_moved(setup, tmp_path):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    members[DB_MEMBER] = with_user_version(members[DB_MEMBER], CURRENT_VERSION + 1, tmp_path)
    manifest["user_version"] = CURRENT_VERSION + 1
    write_archive(archive, manifest, members)
    err = refused(path, archive, "更新版本")
    assert f"数据版本 {CURRENT_VERSION + 1}" in err.message and "升级" in err.message


def test_a_database_newer_than_its_manifest_says_is_refused_too(setup, tmp_path):
    """The manifest is not signed: the database's own user_version decides."""
    path, archive, _ = setup
    manifest, members = read_members(archive)
    members[DB_MEMBER] = with_user_version(members[DB_MEMBER], CURRENT_VERSION + 1, tmp_path)
    write_archive(archive, manifest, members)
    refused(path, archive, "更新版本")


def test_a_backup_made_by_a_newer_program_version_is_refused(setup):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    manifest["app_version"] = "99.0.0"
    write_archive(archive, manifest, members)
    err = refused(path, archive, "更新版本")
    assert "99.0.0" in err.message and __version__ in err.message


def test_a_good_backup_still_restores_and_audits_in_the_restored_database(setup):
    path, archive, _ = setup
    aside = backups.restore(path, archive, ADMIN, _clock())
    assert aside.name == "office.恢复前-20261126-103000.sqlite" and aside.exists()
    conn = sqlite3.connect(path)
    try:
        (action, kept), = conn.execute("SELECT action, new_values FROM audit_log WHERE table_name = 'backups'")
    finally:
        conn.close()
    assert action == "restore" and str(aside) in kept
    assert (path.with_name("office_附件") / "户1" / "证明.pdf").read_bytes() == b"%PDF-1.4 proof\n" * 100
    assert not path.with_name(path.name + "-wal").exists() or path.with_name(path.name + "-wal").stat().st_size == 0


# ---- member names: both POSIX and Windows rules, checked before extracting anything -------------------------

UNSAFE_NAMES = [
    "attachments/C:/x.pdf",          # the reported one: becomes C:x on Windows
    "attachments/C:x.pdf",
    "attachments/c:\\x.pdf",
    "attachments/..\\..\\x.pdf",
    "attachments/户1\\x.pdf",
    "attachments//server/share/x.pdf",
    "attachments/./x.pdf",
    "attachments/../x.pdf",
    "/etc/x.pdf",
    "C:/x.pdf",
    "attachments/CON",
    "attachments/con.txt",
    "attachments/户1/NUL.pdf",
    "attachments/aux",
    "attachments/PRN.jpg",
    "attachments/COM1",
    "attachments/lpt9.pdf",
    "attachments/CON .pdf",
    "attachments/x.pdf.",
    "attachments/x.pdf ",
    "attachments/目录./x.pdf",
    "attachments/a\x01b.pdf",
    "attachments/a\x1fb.pdf",
    "attachments/a:b.pdf",           # an NTFS alternate data stream
    "attachments/a<b.pdf",
    "attachments/a>b.pdf",
    'attachments/a"b.pdf',
    "attachments/a|b.pdf",
    "attachments/a?b.pdf",
    "attachments/a*b.pdf",
    "attachments/" + "长" * 256 + ".pdf",
    "other/x.pdf",
]


@pytest.fixture
def opened(monkeypatch):
    """The names of the members read out of any zip (``opened.clear()`` before the step watched): nothing but the
    manifest may be read before every check has passed."""
    names: list[str] = []
    real = zipfile.ZipFile.open

    def spy(self, name, *args, **kwargs):
        names.append(name.filename if isinstance(name, zipfile.ZipInfo) else name)
        return real(self, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy)
    return names


@pytest.mark.parametrize("bad", UNSAFE_NAMES, ids=lambda n: n.encode("unicode_escape").decode()[:40])
def test_an_unsafe_member_name_is_refused_before_anything_is_extracted(setup, bad, opened):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    members[bad] = b"harmless on Linux"  # listed in the manifest with the right hash: only the name is wrong
    write_archive(archive, manifest, members)
    opened.clear()
    err = refused(path, archive, "文件名")
    assert "不能用于恢复" in err.message
    assert set(opened) <= {MANIFEST}, opened


@pytest.mark.parametrize("names", [
    ("attachments/户1/A.pdf", "attachments/户1/a.pdf"),     # one file on Windows
    ("attachments/x", "attachments/x/y.pdf"),               # a file and a folder of the same name
])
def test_names_that_would_collide_on_windows_are_refused(setup, names, opened):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    for name in names:
        members[name] = name.encode()
    write_archive(archive, manifest, members)
    opened.clear()
    refused(path, archive, "文件名")
    assert set(opened) <= {MANIFEST}


def test_a_zip_with_one_name_twice_is_refused(setup):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    write_archive(archive, manifest, members)
    with zipfile.ZipFile(archive, "a") as zf, pytest.warns(UserWarning):
        zf.writestr("attachments/照片.jpg", b"the second one wins on extraction")
    refused(path, archive, "重复")


# ---- what a hostile archive may cost ------------------------------------------------------------------------


def test_the_limits_come_from_the_rules_file():
    raw = json.loads((Path(backup.__file__).parents[2] / "resources" / "rules" / "backup.json").read_text("utf-8"))
    limits = backup.archive_limits()
    assert limits.max_members == raw["archive_max_members"]
    assert limits.max_member_bytes == raw["archive_max_member_mb"] << 20
    assert limits.max_total_bytes == raw["archive_max_total_mb"] << 20
    assert limits.max_ratio == raw["archive_max_ratio"]
    assert limits.max_manifest_bytes == raw["archive_max_manifest_mb"] << 20


def test_a_zip_bomb_is_refused_by_its_compression_ratio_before_extracting(setup, opened):
    """8 MB of zeros packed into a few kilobytes: refused from the zip's directory alone."""
    path, archive, _ = setup
    manifest, members = read_members(archive)
    members["attachments/户1/扫描.pdf"] = bytes(8 << 20)
    write_archive(archive, manifest, members)
    opened.clear()
    err = refused(path, archive, "压缩比")
    assert "倍" in err.message
    assert set(opened) <= {MANIFEST}


def small_limits(**changes) -> backup.ArchiveLimits:
    values = dict(max_members=100, max_member_bytes=1 << 20, max_total_bytes=4 << 20, max_ratio=200,
                  ratio_from_bytes=1 << 20, max_manifest_bytes=1 << 20, spare_bytes=0)
    values.update(changes)
    return backup.ArchiveLimits(**values)


def test_too_many_members_are_refused_before_extracting(setup, monkeypatch, opened):
    path, archive, _ = setup
    monkeypatch.setattr(backup, "archive_limits", lambda: small_limits(max_members=5))
    manifest, members = read_members(archive)
    for i in range(6):
        members[f"attachments/多/{i}.pdf"] = b"x"
    write_archive(archive, manifest, members)
    opened.clear()
    err = refused(path, archive, "个文件")
    assert "上限 5" in err.message and opened == []


def test_a_member_or_a_total_beyond_the_limits_is_refused_before_extracting(setup, monkeypatch, opened):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    monkeypatch.setattr(backup, "archive_limits", lambda: small_limits(
        max_member_bytes=len(members[DB_MEMBER]) + 10, max_total_bytes=len(members[DB_MEMBER]) + 100))
    members["attachments/大.pdf"] = bytes(range(256)) * 200  # within one member's limit, not within the total
    write_archive(archive, manifest, members)
    opened.clear()
    refused(path, archive, "超过上限")
    members["attachments/大.pdf"] = bytes(range(256)) * ((len(members[DB_MEMBER]) + 256) // 256)
    write_archive(archive, manifest, members)
    opened.clear()
    refused(path, archive, "超过上限")
    assert set(opened) <= {MANIFEST}


def test_a_manifest_too_big_is_refused_without_reading_it(setup, monkeypatch, opened):
    path, archive, _ = setup
    monkeypatch.setattr(backup, "archive_limits", lambda: small_limits(max_manifest_bytes=100))
    opened.clear()
    refused(path, archive, "清单")
    assert opened == []


def test_not_enough_disk_space_is_said_before_extracting(setup, monkeypatch, opened):
    import shutil
    from collections import namedtuple

    path, archive, _ = setup
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda where: usage(1 << 30, (1 << 30) - 4096, 4096))
    opened.clear()
    err = refused(path, archive, "磁盘空间不足")
    assert "腾出空间" in err.message
    assert set(opened) <= {MANIFEST}


def patch_entry(archive: Path, name: str, *, size: int | None = None, flags: int = 0) -> None:
    """Change a member's uncompressed ``size`` and set ``flags`` in both its local header and the central directory,
    as a hand-made (or hostile) archive would have them."""
    data = bytearray(archive.read_bytes())
    with zipfile.ZipFile(archive) as zf:
        info, central = zf.getinfo(name), zf.start_dir
    at = central
    while data[at:at + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + name_len].decode("utf-8") == name:
            for header, flag_at, size_at in ((info.header_offset, 6, 22), (at, 8, 24)):
                old_flags = struct.unpack_from("<H", data, header + flag_at)[0]
                struct.pack_into("<H", data, header + flag_at, old_flags | flags)
                if size is not None:
                    struct.pack_into("<I", data, header + size_at, size)
        at += 46 + name_len + extra_len + comment_len
    archive.write_bytes(bytes(data))


def test_a_member_larger_than_its_stated_size_is_refused(setup, opened):
    """The zip says (and the manifest agrees) that a member is smaller than what its stream unpacks to."""
    path, archive, _ = setup
    manifest, members = read_members(archive)
    real = members["attachments/照片.jpg"]
    manifest["members"] = {n: {"size": len(d), "sha256": hashlib.sha256(d).hexdigest()} for n, d in members.items()}
    manifest["members"]["attachments/照片.jpg"] = {"size": 100, "sha256": hashlib.sha256(real[:100]).hexdigest()}
    write_archive(archive, manifest, members, rehash=False)
    patch_entry(archive, "attachments/照片.jpg", size=100)
    opened.clear()
    refused(path, archive, "不能用于恢复")


def test_an_encrypted_member_is_refused_in_chinese(setup):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    write_archive(archive, manifest, members)
    patch_entry(archive, "attachments/照片.jpg", flags=0x1)
    refused(path, archive, "加密")


def test_another_compression_method_is_refused(setup):
    path, archive, _ = setup
    manifest, members = read_members(archive)
    write_archive(archive, manifest, members, compression=zipfile.ZIP_LZMA)
    refused(path, archive, "压缩方式")


def test_verify_writes_only_the_database_to_the_temporary_folder(setup, monkeypatch, tmp_path):
    """Checking a backup of gigabytes of scans hashes them as they stream by; only the database is written out."""
    path, archive, _ = setup
    written = []
    real = backup._check_database

    def look(archive_path, db_file, *args, **kwargs):
        written.extend(p.relative_to(db_file.parent).as_posix() for p in db_file.parent.rglob("*") if p.is_file())
        return real(archive_path, db_file, *args, **kwargs)

    monkeypatch.setattr(backup, "_check_database", look)
    verify_backup(archive)
    assert written == [DB_MEMBER]


def test_restore_into_a_folder_not_there_yet_checks_before_creating_it(setup, tmp_path):
    _, archive, _ = setup
    manifest, members = read_members(archive)
    members[DB_MEMBER] = b"not a database"
    write_archive(archive, manifest, members)
    target = tmp_path / "新电脑" / "AidDesk" / "office.sqlite"
    with pytest.raises(UserError, match="不能用于恢复"):
        restore_backup(target, archive, now=WHEN)
    assert not (tmp_path / "新电脑").exists()
