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
