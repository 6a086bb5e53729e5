"""Exports with an opening password: encrypted so Excel/WPS ask for it; the import says the file is encrypted."""

from __future__ import annotations

import io

import msoffcrypto
import pytest
from msoffcrypto.exceptions import InvalidKeyError
from openpyxl import load_workbook

from aiddesk.cli import main
from aiddesk.exchange.export import export_workbook
from aiddesk.exchange.sheet_reader import Unreadable, is_encrypted_ooxml, read_workbook

PASSWORD = "报送-2026-口令"


def decrypted(path, password: str):
    office = msoffcrypto.OfficeFile(open(path, "rb"))
    office.load_key(password=password)
    plain = io.BytesIO()
    office.decrypt(plain)
    plain.seek(0)
    return load_workbook(plain, read_only=True)


@pytest.fixture
def exported(db, actor, receive, tmp_path):
    receive(db, 2026, "省总工会经费", "1000.00")
    out = tmp_path / "交换表.xlsx"
    export_workbook(db, out, year=2026, actor=actor, password=PASSWORD)
    return out


def test_the_workbook_opens_only_with_its_password(exported):
    data = exported.read_bytes()
    assert data[:4] == bytes.fromhex("d0cf11e0") and b"PK" != data[:2]  # no readable zip inside
    assert is_encrypted_ooxml(exported)
    book = decrypted(exported, PASSWORD)
    assert book.sheetnames[0] == "说明" and "资金收支" in book.sheetnames
    with pytest.raises(InvalidKeyError):
        decrypted(exported, "wrong-password")


def test_without_a_password_the_workbook_is_plain(db, actor, tmp_path):
    out = tmp_path / "plain.xlsx"
    export_workbook(db, out, year=2026, actor=actor)
    assert out.read_bytes()[:2] == b"PK" and not is_encrypted_ooxml(out)


def test_reading_an_encrypted_workbook_asks_for_the_password_first(exported):
    with pytest.raises(Unreadable, match="文件已加密，请先输入密码"):
        read_workbook(exported)


def test_cli_export_with_a_password_file_and_import_refusing_it(db, tmp_path, capsys):
    db.close()
    secret = tmp_path / "密码.txt"
    secret.write_text(PASSWORD + "\n", encoding="utf-8")
    out = tmp_path / "cli.xlsx"
    assert main(["--db", str(db.path), "export", str(out), "--year", "2026", "--password-file", str(secret)]) == 0
    assert "已设置打开密码" in capsys.readouterr().out
    assert decrypted(out, PASSWORD).sheetnames[0] == "说明"
    assert main(["--db", str(db.path), "import", str(out)]) == 2
    assert "文件已加密，请先输入密码" in capsys.readouterr().err
    secret.write_text("\n", encoding="utf-8")
    assert main(["--db", str(db.path), "export", str(tmp_path / "x.xlsx"), "--year", "2026",
                 "--password-file", str(secret)]) == 1
    assert "第一行是空的" in capsys.readouterr().err and not (tmp_path / "x.xlsx").exists()


# --- The plaintext never lands beside the target (a USB stick): only the encrypted bytes do ----------------------

NAME = "符𠮷花"  # a name only this test's data has


@pytest.fixture
def with_household(db, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    h = make_household(7, name=NAME)
    ArchiveService(db, actor).save(h)
    return h


def _plaintext_in(folder, needles: list[bytes]) -> list[str]:
    """The files in ``folder`` (hidden ones too) whose bytes, or the unzipped parts of which, hold one of ``needles``."""
    import zipfile

    found = []
    for f in folder.iterdir():
        if not f.is_file():
            continue
        blobs = [f.read_bytes()]
        try:
            with zipfile.ZipFile(f) as z:
                blobs += [z.read(n) for n in z.namelist()]
        except (zipfile.BadZipFile, OSError, EOFError):
            # a workbook cut off mid-write: inflate whatever entries can be read
            import zlib

            data = blobs[0]
            pos = 0
            while (pos := data.find(b"PK\x03\x04", pos)) != -1:
                name_len, extra_len = int.from_bytes(data[pos + 26:pos + 28], "little"), \
                    int.from_bytes(data[pos + 28:pos + 30], "little")
                start = pos + 30 + name_len + extra_len
                try:
                    blobs.append(zlib.decompressobj(-15).decompress(data[start:]))
                except zlib.error:
                    pass
                pos += 4
        if any(n in b for b in blobs for n in needles):
            found.append(f.name)
    return found


def _needles(h) -> list[bytes]:
    return [NAME.encode("utf-8"), h.id_number.encode("ascii")]


def test_the_check_finds_the_name_in_a_plain_workbook(db, actor, with_household, tmp_path):
    """The search below is able to see the plaintext: an unencrypted export shows the name and ID number."""
    out_dir = tmp_path / "U盘"
    out_dir.mkdir()
    export_workbook(db, out_dir / "plain.xlsx", year=2026, actor=actor)
    assert _plaintext_in(out_dir, _needles(with_household)) == ["plain.xlsx"]


def _private_temps(folder) -> list:
    return [p for p in folder.iterdir() if p.name.startswith("aiddesk-")]


def test_an_export_killed_while_encrypting_leaves_no_plaintext_beside_the_target(db, with_household, tmp_path):
    """A child process does the export and is killed (SIGKILL) the moment the encryption begins."""
    import os
    import signal
    import subprocess
    import sys
    import textwrap

    db.close()
    out_dir = tmp_path / "U盘"
    out_dir.mkdir()
    local_temp = tmp_path / "本机临时"
    local_temp.mkdir()
    script = textwrap.dedent(f"""
        import os, signal
        from msoffcrypto.format.ooxml import OOXMLFile
        def killed(self, *args, **kwargs):
            os.kill(os.getpid(), signal.SIGKILL)
        OOXMLFile.encrypt = killed
        from aiddesk.core.clock import FixedClock
        from aiddesk.db import open_database
        from aiddesk.db.audit import Actor
        from aiddesk.exchange.export import export_workbook
        from datetime import date
        db = open_database({str(db.path)!r}, clock=FixedClock(date(2026, 11, 26)))
        export_workbook(db, {str(out_dir / "交换表.xlsx")!r}, year=2026, actor=Actor("测试员", "命令行"),
                        password={PASSWORD!r})
    """)
    env = {**os.environ, "TMPDIR": str(local_temp), "TEMP": str(local_temp), "TMP": str(local_temp)}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, timeout=120)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    assert not (out_dir / "交换表.xlsx").exists()
    assert _plaintext_in(out_dir, _needles(with_household)) == []
    # What the kill left is in this PC's own temporary folder, readable by its owner alone.
    for left in _private_temps(local_temp):
        assert left.is_dir() and (left.stat().st_mode & 0o077) == 0


def test_the_private_temporary_folder_is_removed_after_an_export_and_after_a_failure(
        db, actor, with_household, tmp_path, monkeypatch):
    import tempfile

    from msoffcrypto.format.ooxml import OOXMLFile

    local_temp = tmp_path / "本机临时"
    local_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(local_temp))
    out_dir = tmp_path / "U盘"
    out_dir.mkdir()
    seen = []
    real_encrypt = OOXMLFile.encrypt

    def watching(self, *args, **kwargs):
        # the plain workbook is being read from here just now, in a folder only its owner may open
        seen.extend((p, p.stat().st_mode & 0o777) for p in _private_temps(local_temp))
        return real_encrypt(self, *args, **kwargs)

    monkeypatch.setattr(OOXMLFile, "encrypt", watching)
    export_workbook(db, out_dir / "交换表.xlsx", year=2026, actor=actor, password=PASSWORD)
    [(private, mode)] = seen
    assert mode == 0o700 and not private.exists()  # gone again
    assert _private_temps(local_temp) == [] and [p.name for p in out_dir.iterdir()] == ["交换表.xlsx"]
    assert decrypted(out_dir / "交换表.xlsx", PASSWORD).sheetnames[0] == "说明"

    def failing(self, *args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(OOXMLFile, "encrypt", failing)
    with pytest.raises(OSError):
        export_workbook(db, out_dir / "再来.xlsx", year=2026, actor=actor, password=PASSWORD)
    assert _private_temps(local_temp) == [] and [p.name for p in out_dir.iterdir()] == ["交换表.xlsx"]
