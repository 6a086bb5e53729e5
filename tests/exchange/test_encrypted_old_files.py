"""Password-protected .xls, .ods and .xlsb made by other programs: asked for their password or told what to do —
never called damaged. The files are real (tests/data/encrypted/README.md says where each comes from)."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest

from aiddesk.exchange import sheet_reader
from aiddesk.exchange.sheet_reader import PasswordRequired, Unreadable, WrongPassword, read_workbook
from aiddesk.services.exchange_import import ExchangeImportService

DATA = Path(__file__).parents[1] / "data" / "encrypted"
RC4_XLS = DATA / "rc4cryptoapi_password.xls"             # password Password1234_
XOR_XLS = DATA / "xor_password_123456789012345.xls"      # password 123456789012345
DEFAULT_XLS = DATA / "issue_385.xls"                     # Excel's default password: opens without asking
ODS = DATA / "pass_protected.ods"
XLSB = DATA / "pass_protected.xlsb"


def sheets(path: Path, password: str | None = None) -> dict[str, list[list[object]]]:
    with read_workbook(path, password=password) as book:
        return {name: load() for name, _start, load in book.sheets}


@pytest.fixture
def no_temp_files(monkeypatch):
    """Plain personal data must not land on disk, not even in a temporary file: any attempt fails the test."""
    def refuse(*_a, **_k):
        raise AssertionError("decrypted workbook written to a temporary file")

    for name in ("NamedTemporaryFile", "TemporaryFile", "SpooledTemporaryFile", "mkstemp", "TemporaryDirectory",
                 "mkdtemp"):
        monkeypatch.setattr(tempfile, name, refuse)


@pytest.mark.parametrize(("path", "password", "first_rows"), [
    (RC4_XLS, "Password1234_", {"Sheet1": [["lorem ipsum", 3.0]]}),
    (XOR_XLS, "123456789012345", {"420": [[1.0] * 26, [2.0] * 26]}),
])
def test_a_password_protected_xls_asks_for_its_password_and_opens_with_it(path, password, first_rows, no_temp_files):
    for missing in (None, ""):
        with pytest.raises(PasswordRequired) as caught:
            sheets(path, missing)
        assert type(caught.value) is PasswordRequired  # the wizard asks for the password on this kind
        assert caught.value.message.startswith(f"文件已加密，请先输入密码：“{path.name}”设置了打开密码")
    with pytest.raises(WrongPassword) as caught:
        sheets(path, "baosong-2026")
    assert caught.value.message.startswith(f"密码不对：用这个密码打不开“{path.name}”") and "baosong" not in str(caught.value)
    read = sheets(path, password)
    assert {name: rows[:len(first_rows[name])] for name, rows in read.items()} == first_rows


def test_an_xls_protected_only_by_excels_default_password_opens_without_asking():
    assert sheets(DEFAULT_XLS) == {"Sheet1": []}
    assert sheets(DEFAULT_XLS, "any password given is not needed") == {"Sheet1": []}


def test_the_import_asks_for_an_xls_password_and_checks_the_opened_book(db, actor):
    service = ExchangeImportService(db, actor)
    with pytest.raises(PasswordRequired):
        service.check(RC4_XLS)
    report = service.check(RC4_XLS, password="Password1234_")
    # Read, and judged as any old ledger is: its one sheet ("lorem ipsum", 3) has no header of a ledger.
    (warning,) = report.warnings
    assert warning.sheet == "Sheet1" and "找不到表头" in warning.message
    assert not report.ok and report.errors[0].message.startswith("文件里没有找到可导入的台账数据")


@pytest.mark.parametrize(("path", "what", "suite"), [
    (ODS, "电子表格（.ods）", "WPS 或 LibreOffice"),
    (XLSB, "二进制格式的 Excel 工作簿（.xlsb）", "Excel 或 WPS"),
])
def test_an_encrypted_ods_or_xlsb_says_it_has_a_password_and_how_to_import_it(path, what, suite):
    for password in (None, "1234"):
        with pytest.raises(Unreadable) as caught:
            sheets(path, password)
        assert not isinstance(caught.value, PasswordRequired)  # no password would help: the program says what will
        message = caught.value.message
        assert message == (f"无法打开“{path.name}”：这个{what}设置了打开密码，本程序不能读取这种加密文件（文件并没有损坏）。"
                           f"请在 {suite} 中打开它（输入密码），用“另存为”保存为不设密码的 .xlsx 文件后再导入")
        assert "已损坏" not in message


def test_calamines_own_password_error_is_a_password_message_not_a_damaged_file(monkeypatch):
    """Should a protected file pass the checks before calamine (a kind they do not know), calamine's PasswordError
    still reads as a password, not as 文件已损坏."""
    monkeypatch.setattr(sheet_reader, "check_file", lambda path, **_k: sheet_reader._Checked("ods"))
    with pytest.raises(Unreadable) as caught:
        sheets(ODS)
    assert "设置了打开密码" in caught.value.message and "已损坏" not in caught.value.message


def test_an_ods_without_encryption_whose_content_is_garbage_is_damaged_not_protected(tmp_path):
    broken = tmp_path / "坏.ods"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
                    '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path='
                    '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
        zf.writestr("content.xml", bytes(range(256)) * 8)
    with pytest.raises(Unreadable) as caught:
        sheets(broken)
    assert "文件已损坏" in caught.value.message and "打开密码" not in caught.value.message
