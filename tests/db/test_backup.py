"""Backup archives: a real database and attachments round-trip; tampered archives are refused touching nothing."""

from __future__ import annotations

import json
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.backup import DB_MEMBER, MANIFEST, make_backup, restore_backup, verify_backup
from aiddesk.db.units import Unit
from aiddesk.services import units


def _units(path: Path) -> list[tuple]:
    database = open_database(path, create=False)
    try:
        return [tuple(r) for r in database.conn.execute("SELECT code, name FROM units ORDER BY code")]
    finally:
        database.close()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def backed_up(db, actor, tmp_path):
    """A database with attachments (one in a sub-folder, one with a rare-character name) and its backup."""
    att = db.attachment_dir
    (att / "户1").mkdir(parents=True)
    (att / "户1" / "证明.pdf").write_bytes(b"%PDF-1.4 proof\n" * 100)
    (att / "𠮷照片.jpg").write_bytes(bytes(range(256)) * 10)
    archive = make_backup(db, tmp_path / "backups", reason="手动", now=db.clock.now())
    return db, archive


def test_backup_name_manifest_and_verify(backed_up):
    db, archive = backed_up
    assert archive.name == "office-备份-20261126-090000-手动.zip"  # named by the database's clock
    with zipfile.ZipFile(archive) as zf:
        manifest = json.loads(zf.read(MANIFEST))
        names = set(zf.namelist())
    assert names == {MANIFEST, DB_MEMBER, "attachments/户1/证明.pdf", "attachments/𠮷照片.jpg"}
    assert manifest["reason"] == "手动" and manifest["user_version"] > 0
    assert manifest["members"]["attachments/户1/证明.pdf"]["size"] == 1500
    info = verify_backup(archive)
    assert info.reason == "手动" and info.attachment_count == 2 and info.size == archive.stat().st_size
    assert not list(archive.parent.glob(".*"))  # no temporary left behind


def test_restore_brings_back_rows_and_attachments(backed_up, actor):
    db, archive = backed_up
    before_rows = [tuple(r) for r in db.conn.execute("SELECT code, name FROM units ORDER BY code")]
    before_files = _files(db.attachment_dir)
    # Change things after the backup: a new unit (in the WAL, not yet checkpointed), a changed and a new file.
    units.save_unit(db, actor, Unit("460003", "省建设工会", "基层", "460000"), new=True)
    (db.attachment_dir / "户1" / "证明.pdf").write_bytes(b"changed")
    (db.attachment_dir / "新的.txt").write_text("new")
    path = db.path
    db.close()
    aside = restore_backup(path, archive, now=datetime(2026, 11, 26, 10, 30))
    assert _units(path) == before_rows
    assert _files(path.with_name("office_附件")) == before_files
    # The current state was kept aside whole: opening it shows the unit added after the backup.
    assert aside.name == "office.恢复前-20261126-103000.sqlite"
    assert ("460003", "省建设工会") in _units(aside)
    assert (aside.with_name(aside.stem + "_附件") / "新的.txt").read_text() == "new"


def _rewrite(archive: Path, change) -> None:
    """Rebuild the zip with ``change(members: dict)`` applied (as someone editing it by hand would)."""
    with zipfile.ZipFile(archive) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    change(members)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)


def _flip_db_byte(m):
    data = bytearray(m[DB_MEMBER])
    data[len(data) // 2] ^= 0x01
    m[DB_MEMBER] = bytes(data)


def _remove_attachment(m):
    del m["attachments/户1/证明.pdf"]


def _change_manifest_hash(m):
    manifest = json.loads(m[MANIFEST])
    manifest["members"]["attachments/𠮷照片.jpg"]["sha256"] = "0" * 64
    m[MANIFEST] = json.dumps(manifest).encode()


@pytest.mark.parametrize("change, words", [
    (_flip_db_byte, "数据库与清单记录的校验值不符"),
    (_remove_attachment, "缺少清单中的文件“attachments/户1/证明.pdf”"),
    (_change_manifest_hash, "附件“𠮷照片.jpg”与清单记录的校验值不符"),
])
def test_tampered_backup_is_refused_and_nothing_touched(backed_up, change, words):
    db, archive = backed_up
    _rewrite(archive, change)
    path = db.path
    db.close()
    before_db = path.read_bytes()
    before_files = _files(path.with_name("office_附件"))
    before_listing = sorted(p.name for p in path.parent.iterdir())
    with pytest.raises(UserError, match=words):
        verify_backup(archive)
    with pytest.raises(UserError, match="不能用于恢复"):
        restore_backup(path, archive, now=datetime(2026, 11, 26, 10, 30))
    assert path.read_bytes() == before_db
    assert _files(path.with_name("office_附件")) == before_files
    assert sorted(p.name for p in path.parent.iterdir()) == before_listing


def test_not_a_zip_and_missing_file_are_clear(tmp_path):
    junk = tmp_path / "x.zip"
    junk.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(UserError, match="已损坏或不是帮扶工作台的备份文件"):
        verify_backup(junk)
    with pytest.raises(UserError, match="找不到备份文件"):
        verify_backup(tmp_path / "none.zip")


def test_consistent_hash_but_damaged_database_fails_integrity(backed_up):
    """A database member re-hashed into the manifest still has to pass the integrity check and be ours."""
    import hashlib

    db, archive = backed_up

    def foreign(m):
        m[DB_MEMBER] = b"SQLite format 3\x00" + b"\x00" * 84  # an SQLite header and nothing usable
        manifest = json.loads(m[MANIFEST])
        manifest["members"][DB_MEMBER] = {"size": 100, "sha256": hashlib.sha256(m[DB_MEMBER]).hexdigest()}
        m[MANIFEST] = json.dumps(manifest).encode()

    _rewrite(archive, foreign)
    with pytest.raises(UserError, match="中的数据库"):
        verify_backup(archive)


def test_unwritable_folder_is_a_clear_message(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="无法在.*中写入备份"):
        make_backup(db, blocker / "sub", reason="手动", now=db.clock.now())


@pytest.mark.parametrize("name", ["aux.pdf", "a:b.pdf", "说明.txt.", "CON"])
def test_an_attachment_no_restore_could_extract_stops_the_backup_with_its_name(db, tmp_path, name):
    """A file put by hand into the attachments folder under a name Windows cannot hold: the backup would never
    restore there, so none is made and the message names the file (issue 16, item 15)."""
    (db.attachment_dir / "户1").mkdir(parents=True)
    (db.attachment_dir / "户1" / name).write_bytes(b"x")
    with pytest.raises(UserError, match="改名或移出附件文件夹") as caught:
        make_backup(db, tmp_path / "backups", reason="手动", now=db.clock.now())
    assert name.rstrip(".") in caught.value.message
    assert not list((tmp_path / "backups").glob("*.zip"))
