"""Importing a workbook that has an opening password: decrypted in memory with the password, refused clearly without."""

from __future__ import annotations

import json
import tempfile

import pytest

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.exchange.export import encrypt_in_place
from aiddesk.exchange.sheet_reader import PasswordRequired, Unreadable, WrongPassword, read_workbook
from aiddesk.services.exchange_import import ExchangeImportService

# The day of the tests' databases (tests/conftest.py), so the command line does not warn that this PC's clock
# is wrong whichever day the suite runs on.
ON_THE_DAY = ["--today", "2026-11-26"]

PASSWORD = "报送-2026-Kl"


def count(db, table: str) -> int:
    return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


@pytest.fixture
def locked(export_sub_unit):
    return export_sub_unit("加密交换表.xlsx", password=PASSWORD)


def test_the_right_password_imports_the_records(db, actor, locked, monkeypatch):
    # Plain personal data must not land on disk, not even in a temporary file: any attempt fails the test.
    def no_temp_files(*_a, **_k):
        raise AssertionError("decrypted workbook written to a temporary file")

    for name in ("NamedTemporaryFile", "TemporaryFile", "mkstemp", "TemporaryDirectory", "mkdtemp"):
        monkeypatch.setattr(tempfile, name, no_temp_files)
    before = sorted(p.name for p in locked.parent.iterdir())
    report = ExchangeImportService(db, actor).check(locked, password=PASSWORD)
    monkeypatch.undo()  # the import's own backup may use temporary files; it copies the database, not the workbook
    assert report.ok, report.errors
    assert sorted(p.name for p in locked.parent.iterdir()) == before  # nothing beside the user's file either
    ExchangeImportService(db, actor).apply(report)
    assert [tuple(r) for r in db.conn.execute("SELECT archive_no, unit_code, name FROM households ORDER BY 1")] == [
        ("CM2026001", "460001", "张三"), ("CM2026002", "460001", "李梅")]
    assert report.imported["困难职工档案"] == 2 and report.checked.path == locked
    logged = " ".join(r[0] or "" for r in db.conn.execute("SELECT new_values FROM audit_log"))
    assert PASSWORD not in logged  # the password is used, never recorded


def test_a_wrong_password_says_so_and_writes_nothing(db, actor, locked):
    with pytest.raises(WrongPassword) as caught:
        ExchangeImportService(db, actor).import_file(locked, password="baosong-2026")
    assert caught.value.message.startswith("密码不对：用这个密码打不开“加密交换表.xlsx”")
    assert "请向发送单位核对密码" in caught.value.message and "baosong" not in caught.value.message
    assert isinstance(caught.value, PasswordRequired)  # the wizard asks again on either
    assert count(db, "households") == 0 and count(db, "exchange_imports") == 0


def test_without_a_password_the_error_tells_the_caller_to_ask_for_one(db, actor, locked):
    for password in (None, ""):
        with pytest.raises(PasswordRequired) as caught:
            ExchangeImportService(db, actor).import_file(locked, password=password)
        assert type(caught.value) is PasswordRequired and isinstance(caught.value, Unreadable)
        assert caught.value.message.startswith("文件已加密，请先输入密码：“加密交换表.xlsx”设置了打开密码")
    assert count(db, "households") == 0


def test_a_password_for_a_plain_workbook_is_ignored(db, actor, export_sub_unit):
    plain = export_sub_unit("交换表.xlsx")
    assert ExchangeImportService(db, actor).import_file(plain, password="whatever").ok
    assert count(db, "households") == 2


def test_a_damaged_encrypted_workbook_is_unreadable_not_a_wrong_password(tmp_path, locked):
    data = bytearray(locked.read_bytes())
    # Past the key's verifier, inside the encrypted package: the password opens it, the content is garbage.
    for i in range(len(data) - 4096, len(data) - 2048):
        data[i] ^= 0x5A
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(bytes(data))
    with pytest.raises(Unreadable) as caught:
        read_workbook(broken, password=PASSWORD)
    assert not isinstance(caught.value, PasswordRequired)
    assert "文件已损坏" in caught.value.message


def test_an_encrypted_legacy_csv_name_is_not_confused(tmp_path):
    """Only OOXML packages are decrypted; a .csv is read as text whatever is passed."""
    csv = tmp_path / "台账.csv"
    csv.write_text("档案编号,姓名\nA1,张三\n", encoding="utf-8")
    with read_workbook(csv, password="x") as book:
        assert book.sheets[0][2]()[1] == ["A1", "张三"]


def test_reading_ahead_works_on_the_decrypted_copy(tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "大表.xlsx"
    wb = Workbook()
    wb.remove(wb.active)
    for name in ("甲", "乙", "丙"):
        ws = wb.create_sheet(name)
        for i in range(300):
            ws.append([f"{name}{i}", i])
    wb.save(path)
    encrypt_in_place(str(path), "pw")
    with read_workbook(path, password="pw") as book:
        book.plan(["丙", "甲", "乙"])
        loads = {name: load() for name, _first, load in book.sheets}
    assert [loads[n][299] for n in ("甲", "乙", "丙")] == [["甲299", 299.0], ["乙299", 299.0], ["丙299", 299.0]]


# ---- aiddesk import FILE --password-file F ------------------------------------------------------------------

def test_cli_imports_with_a_password_file(db, locked, tmp_path, capsys):
    db.close()
    secret = tmp_path / "密码.txt"
    secret.write_text(PASSWORD + "\n第二行不算\n", encoding="utf-8")
    args = ["--db", str(db.path), "import", str(locked), "--password-file", str(secret)]
    assert main(args + ["--dry-run"]) == 0
    assert "检查通过，未写入（--dry-run）：" in capsys.readouterr().out
    office = open_database(db.path)
    try:
        assert count(office, "households") == 0
    finally:
        office.close()
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "已导入：" in out and "困难职工档案 2 行" in out and PASSWORD not in out
    office = open_database(db.path)
    try:
        assert count(office, "households") == 2
    finally:
        office.close()


def test_cli_without_or_with_a_wrong_password(db, locked, tmp_path, capsys):
    db.close()
    assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(locked)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("错误：文件已加密，请先输入密码") and "--password-file" in err
    assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(locked), "--json"]) == 2
    out = json.loads(capsys.readouterr().out)
    assert out["imported"] == {} and "--password-file" in out["errors"][0]["message"]
    wrong = tmp_path / "错.txt"
    wrong.write_text("mima\n", encoding="utf-8")
    assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(locked), "--password-file", str(wrong),
                 "--dry-run"]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("错误：密码不对") and "请向发送单位核对密码" in captured.err
    assert "mima" not in captured.err and "Traceback" not in captured.err
    wrong.write_text("\n", encoding="utf-8")
    assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(locked), "--password-file", str(wrong)]) == 1
    assert "第一行是空的" in capsys.readouterr().err
    office = open_database(db.path)
    try:
        assert count(office, "households") == 0 and count(office, "exchange_imports") == 0
    finally:
        office.close()
