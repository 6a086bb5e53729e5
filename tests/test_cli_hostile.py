"""The command line against hostile input: odd files, years, paths, read-only and damaged databases, a full disk.

Whatever goes wrong, the user sees a Chinese line saying what is wrong and what to do, and the process ends
with 1 (refused) or 2 (arguments or a file it cannot read) — never a traceback.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from aiddesk.cli import main

# The day of the tests' databases (tests/conftest.py): commands that date what they write do not warn that this
# PC's clock is wrong, whichever day the suite runs on.
ON_THE_DAY = ["--today", "2026-11-26"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``aiddesk args…`` as its own process."""
    return subprocess.run([sys.executable, "-m", "aiddesk", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def assert_told(proc_or_err, code: int | None = None, *needles: str) -> str:
    """A refusal as a user sees it: no traceback, every line of stderr says something, in Chinese."""
    err = proc_or_err if isinstance(proc_or_err, str) else proc_or_err.stderr
    if code is not None and not isinstance(proc_or_err, str):
        assert proc_or_err.returncode == code, (proc_or_err.returncode, err)
    assert "Traceback" not in err and "Error:" not in err, err
    lines = err.splitlines()
    assert lines and all(line.strip() for line in lines), err
    assert all(not line.rstrip().endswith("：") and "：：" not in line for line in lines), err
    assert any(CHINESE.search(line) for line in lines), err
    for needle in needles:
        assert needle in err, (needle, err)
    return err


def rows(path: Path, table: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


@pytest.fixture
def office(db, actor, make_household):
    """The test office with one archive (户主 符海燕), closed again: the commands open it themselves."""
    from aiddesk.services.archive import ArchiveService

    saved = ArchiveService(db, actor).save(make_household(300, name="符海燕"))
    db.close()
    return db.path, saved.archive_no


# ---- password files ----------------------------------------------------------------------------------------


def test_a_gbk_password_file_works_as_notepad_saved_it(office, tmp_path):
    # Notepad on a Chinese Windows saves "ANSI", that is GBK: the password is read as written, not refused.
    import io

    import msoffcrypto

    path, _ = office
    secret = tmp_path / "密码.txt"
    secret.write_bytes("工会2026\r\n".encode("gbk"))
    out = tmp_path / "交换表.xlsx"
    proc = run("--db", str(path), *ON_THE_DAY, "export", str(out), "--year", "2026", "--password-file", str(secret))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    office_file = msoffcrypto.OfficeFile(io.BytesIO(out.read_bytes()))
    office_file.load_key(password="工会2026")  # the recipient types the characters they were told
    office_file.decrypt(io.BytesIO())


def test_a_password_file_that_is_no_text_is_refused_in_chinese(office, tmp_path):
    path, _ = office
    secret = tmp_path / "密码.bin"
    secret.write_bytes(b"\xff\x81\x00\xfe\x9f" * 10)
    out = tmp_path / "交换表.xlsx"
    proc = run("--db", str(path), *ON_THE_DAY, "export", str(out), "--year", "2026", "--password-file", str(secret))
    assert_told(proc, 2, "密码文件", "密码.bin", "UTF-8")
    assert not out.exists()


def test_a_missing_password_file_says_so_in_chinese(office, tmp_path, capsys):
    path, _ = office
    code = main(["--db", str(path), *ON_THE_DAY, "export", str(tmp_path / "x.xlsx"), "--year", "2026",
                 "--password-file", str(tmp_path / "没有这个文件.txt")])
    err = assert_told(capsys.readouterr().err, None, "没有这个文件.txt", "找不到")
    assert code == 2 and "No such file" not in err


# ---- years ----------------------------------------------------------------------------------------------------

YEAR_COMMANDS = [
    ["export", "out.xlsx"],
    ["report", "funds"],
    ["report", "duplicates"],
    ["report", "self-assessment", "--pdf", "自检.pdf"],
    ["evaluate"],
]


@pytest.mark.parametrize("year", ["0", "99999", "99999999999999999999", "-2026", "1999", "2101"])
@pytest.mark.parametrize("command", YEAR_COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_a_year_out_of_range_is_refused_in_chinese(office, tmp_path, monkeypatch, capsys, command, year):
    path, _ = office
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(path), *ON_THE_DAY, *command, "--year", year])
    err = assert_told(capsys.readouterr().err, None, "命令行参数有误", "--year", "2000", "2100")
    assert exit_.value.code == 2 and year in err
    assert not (tmp_path / "out.xlsx").exists() and not (tmp_path / "自检.pdf").exists()


def test_a_year_that_is_no_number_is_refused_in_chinese(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--year", "二〇二六"])
    assert exit_.value.code == 2
    assert_told(capsys.readouterr().err, None, "参数 --year", "“二〇二六”不是年度", "2026")


def test_the_years_a_user_writes_still_work(office, capsys):
    path, _ = office
    for year in ("2000", "2026", "２０２６", "2100"):   # full-width digits as a Chinese input method types them
        assert main(["--db", str(path), "report", "duplicates", "--year", year]) == 0
        assert "年跨单位重复" in capsys.readouterr().out


def test_evaluate_year_zero_in_its_own_process(office):
    path, _ = office
    assert_told(run("--db", str(path), "evaluate", "--year", "0"), 2, "年度", "2000")


# ---- where the database is not -------------------------------------------------------------------------------


def test_a_path_that_cannot_be_a_database(tmp_path):
    proc = run("--db", "/proc/x.db", "check")
    assert_told(proc, 1, "找不到数据库文件", "/proc/x.db")


READING = [
    ["check"],
    ["report", "funds", "--year", "2026"],
    ["report", "duplicates", "--year", "2026"],
    ["evaluate", "--year", "2026"],
    ["print", "archive", "--household", "1", "--out", "o.pdf"],
    ["print", "notice", "--batch", "1", "--out", "o.pdf"],
]


@pytest.mark.parametrize("command", READING, ids=lambda c: " ".join(c[:2]))
def test_a_mistyped_database_path_is_not_created_by_a_reading_command(tmp_path, monkeypatch, capsys, command):
    typo = tmp_path / "offcie.sqlite"
    monkeypatch.chdir(tmp_path)
    assert main(["--db", str(typo), *ON_THE_DAY, *command]) == 1
    assert_told(capsys.readouterr().err, None, "找不到数据库文件", "offcie.sqlite", "--db")
    assert list(tmp_path.iterdir()) == []


def test_a_mistyped_path_for_a_dry_run_import(tmp_path, export_sub_unit, capsys):
    workbook = export_sub_unit("交换表.xlsx", people=("张三",))
    typo = tmp_path / "offcie.sqlite"
    assert main(["--db", str(typo), "import", str(workbook), "--dry-run"]) == 1
    assert_told(capsys.readouterr().err, None, "找不到数据库文件")
    assert not typo.exists()


# ---- a database this user may only read ------------------------------------------------------------------------


@contextmanager
def read_only(path: Path, how: str):
    target = path if how == "file" else path.parent
    mode = target.stat().st_mode
    target.chmod(0o444 if how == "file" else 0o555)
    try:
        yield
    finally:
        target.chmod(mode)


@pytest.fixture(params=["file", "folder"])
def read_only_office(request, office, tmp_path):
    """The office database marked read-only (the file, or its folder), as on a share the user may only read."""
    path, archive_no = office
    folder = tmp_path / "只读"
    folder.mkdir()
    shutil.move(path, folder / path.name)
    moved = folder / path.name
    with read_only(moved, request.param):
        yield moved, archive_no


def test_reading_commands_work_on_a_database_the_user_may_only_read(read_only_office, tmp_path, export_sub_unit,
                                                                     capsys):
    path, archive_no = read_only_office
    workbook = export_sub_unit("交换表.xlsx", people=("张三",))
    before = path.read_bytes()
    for command in (["check"], ["report", "funds", "--year", "2026"], ["report", "duplicates", "--year", "2026"],
                    ["evaluate", "--year", "2026"],
                    ["print", "archive", "--household", archive_no, "--out", str(tmp_path / "登记表.pdf")],
                    ["report", "funds", "--year", "2026", "--pdf", str(tmp_path / "报告.pdf")],
                    ["import", str(workbook), "--dry-run"]):
        assert main(["--db", str(path), *ON_THE_DAY, *command]) == 0, (command, capsys.readouterr().err)
        captured = capsys.readouterr()
        assert "只读" not in captured.err, command
    assert (tmp_path / "登记表.pdf").stat().st_size > 0
    assert path.read_bytes() == before


def test_writing_commands_still_say_the_database_is_read_only(read_only_office, tmp_path, export_sub_unit, capsys):
    path, _ = read_only_office
    workbook = export_sub_unit("交换表.xlsx", people=("张三",))
    for command in (["import", str(workbook)], ["export", str(tmp_path / "x.xlsx"), "--year", "2026"]):
        assert main(["--db", str(path), *ON_THE_DAY, *command]) == 1, command
        assert_told(capsys.readouterr().err, None, "只读")
    assert rows(path, "households") == 1


@contextmanager
def small_disk(tmp_path: Path, size: str, *, read_only_after: Path | None = None):
    """A real filesystem of ``size`` (tmpfs) at tmp_path/disk; skipped where this user may not mount."""
    where = tmp_path / "disk"
    where.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                              capture_output=True)
    except OSError:  # no mount command at all
        done = None
    if done is None or done.returncode != 0:
        pytest.skip("cannot mount a small filesystem here (needs root)")
    try:
        if read_only_after is not None:
            shutil.copyfile(read_only_after, where / read_only_after.name)
            subprocess.run(["mount", "-o", "remount,ro", str(where)], check=True)
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_reading_commands_work_on_a_read_only_disk(office, tmp_path):
    # As a real user sees it (root included): SQLite cannot even make its -shm file beside a WAL database.
    path, archive_no = office
    with small_disk(tmp_path, "8m", read_only_after=path) as disk:
        on_disk = disk / path.name
        for command in (["check"], ["report", "funds", "--year", "2026"],
                        ["print", "archive", "--household", archive_no, "--out", str(tmp_path / "登记表.pdf")]):
            proc = run("--db", str(on_disk), *ON_THE_DAY, *command)
            assert proc.returncode == 0, (command, proc.stderr)
        assert_told(run("--db", str(on_disk), *ON_THE_DAY, "export", str(tmp_path / "x.xlsx"), "--year", "2026"),
                    1, "只读")


# ---- a full disk -----------------------------------------------------------------------------------------------


FORTY = tuple(f"职工{chr(0x4e00 + i)}" for i in range(40))  # enough rows that the file must grow


def full_disk(real_open):
    """open_database on a disk with no room left: PRAGMA max_page_count makes SQLite answer SQLITE_FULL as soon as
    the file would grow (VACUUM first, so no free page inside the file takes the import)."""

    def opened(*args, **kwargs):
        database = real_open(*args, **kwargs)
        database.conn.execute("VACUUM")
        pages = database.conn.execute("PRAGMA page_count").fetchone()[0]
        database.conn.execute(f"PRAGMA max_page_count = {pages}")
        return database

    return opened


def test_a_full_disk_during_an_import(office, export_sub_unit, monkeypatch, capsys):
    # PRAGMA max_page_count makes SQLite answer SQLITE_FULL inside the import's transaction, as a full disk does.
    import aiddesk.db

    path, _ = office
    workbook = export_sub_unit("交换表.xlsx", people=FORTY)

    monkeypatch.setattr(aiddesk.db, "open_database", full_disk(aiddesk.db.open_database))
    before = rows(path, "households"), rows(path, "audit_log")
    assert main(["--db", str(path), *ON_THE_DAY, "import", str(workbook)]) == 1
    captured = capsys.readouterr()
    said = captured.out + captured.err
    assert "Traceback" not in said and "cannot rollback" not in said
    assert "磁盘已满" in said and "没有写入任何内容" in said
    for line in said.splitlines():  # the refusal has no sheet, row or column: no empty part (“错误：：…”)
        assert "：：" not in line and line.strip(), line
    assert (rows(path, "households"), rows(path, "audit_log")) == before


def test_a_full_disk_in_its_own_process(office, export_sub_unit, tmp_path):
    path, _ = office
    workbook = export_sub_unit("交换表.xlsx", people=FORTY)
    with small_disk(tmp_path, "400k") as disk:
        proc = run("--db", str(disk / "新库.sqlite"), *ON_THE_DAY, "import", str(workbook))
        assert_told(proc, 1, "磁盘已满", "没有写入任何内容")
        assert not (disk / "新库.sqlite.creating").exists()


# ---- a damaged database -----------------------------------------------------------------------------------------


def damage(path: Path, table: str) -> None:
    """Garbage over the first page of ``table``, as a failing disk or a cut-off copy leaves it."""
    conn = sqlite3.connect(path)
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
    conn.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size)
        f.write(bytes([0xDE, 0xAD]) * (page_size // 2))


@pytest.mark.parametrize("table", ["settings", "households", "audit_log"])
def test_check_reports_a_damaged_page_in_chinese(office, tmp_path, table):
    path, _ = office
    copy = tmp_path / "副本.sqlite"
    shutil.copyfile(path, copy)
    damage(copy, table)
    proc = run("--db", str(copy), "check")
    said = proc.stdout + proc.stderr
    assert proc.returncode == 1, said
    assert "Traceback" not in said and "malformed" not in proc.stderr
    assert "损坏" in said and "备份" in said


def test_other_commands_on_a_damaged_database_say_so(office, tmp_path):
    path, archive_no = office
    copy = tmp_path / "副本.sqlite"
    shutil.copyfile(path, copy)
    damage(copy, "households")
    proc = run("--db", str(copy), "print", "archive", "--household", archive_no, "--out", str(tmp_path / "x.pdf"))
    assert_told(proc, 1, "已损坏", "check", "备份")
    assert not (tmp_path / "x.pdf").exists()


# ---- output files of the wrong type --------------------------------------------------------------------------


@pytest.mark.parametrize("command, expected", [
    (["report", "funds", "--year", "2026", "--pdf", "报告.xlsx"], ".pdf"),
    (["report", "funds", "--year", "2026", "--xlsx", "报告.pdf"], ".xlsx"),
    (["report", "self-assessment", "--year", "2026", "--docx", "自检.pdf"], ".docx"),
    (["report", "self-assessment", "--year", "2026", "--pdf", "自检.docx"], ".pdf"),
    (["print", "archive", "--household", "1", "--out", "登记表.txt"], ".pdf"),
    (["print", "notice", "--batch", "1", "--out", "公示"], ".pdf"),
    (["export", "交换表.csv", "--year", "2026"], ".xlsx"),
])
def test_an_output_file_of_the_wrong_type_is_refused(office, tmp_path, monkeypatch, capsys, command, expected):
    path, _ = office
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(path), *ON_THE_DAY, *command])
    assert exit_.value.code == 2
    assert_told(capsys.readouterr().err, None, "命令行参数有误", expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["office.sqlite"]


def test_upper_case_suffixes_are_fine(office, tmp_path, capsys):
    path, archive_no = office
    out = tmp_path / "登记表.PDF"
    assert main(["--db", str(path), "print", "archive", "--household", archive_no, "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")


# ---- a very long address --------------------------------------------------------------------------------------


def test_printing_an_archive_with_a_5000_character_address(db, actor, make_household, tmp_path):
    from pypdf import PdfReader

    from aiddesk.services.archive import ArchiveService

    address = ("海南省海口市龙华区金贸街道国贸路" * 400)[:5000]
    saved = ArchiveService(db, actor).save(make_household(1, name="符海燕"))
    db.close()
    # The form refuses such an address now; a record kept from an older version may still hold one.
    conn = sqlite3.connect(db.path)
    conn.execute("UPDATE households SET address = ? WHERE archive_no = ?", (address, saved.archive_no))
    conn.commit()
    conn.close()
    out = tmp_path / "登记表.pdf"
    proc = run("--db", str(db.path), "print", "archive", "--household", saved.archive_no, "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    # Each page's text up to its continuation note and footer, which are drawn last.
    text = "".join(re.split(r"（续页）户主：|海南省职工服务中心打印日期：", re.sub(r"\s+", "", p.extract_text()))[0]
                   for p in PdfReader(out).pages)
    assert text.count("（见附页）") == 1 and text.endswith("附页：登记表中未印完的内容家庭住址：" + address)


# ---- what argparse echoes back ---------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["report"], ["print"]])
def test_report_or_print_without_saying_which_is_an_argument_error(tmp_path, capsys, command):
    # It used to print the help on stdout and end with 0, after creating the database named by --db.
    path = tmp_path / "office.sqlite"
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(path), *command])
    assert exit_.value.code == 2
    assert_told(capsys.readouterr().err, None, "缺少必填的参数：")
    assert not path.exists()


def test_an_empty_or_control_character_argument_still_reads_as_one_line(office, capsys):
    path, _ = office
    for stray in ("", "a\nb", "0\x1e"):
        with pytest.raises(SystemExit):
            main(["--db", str(path), "check", stray])
        err = capsys.readouterr().err
        assert_told(err, None, "不认识的参数")
        assert len(err.removesuffix("\n").split("\n")) == 3, err   # usage, what is wrong, where to look


def test_self_assessment_without_an_output_file_says_which_options(office, capsys):
    path, _ = office
    assert main(["--db", str(path), "report", "self-assessment", "--year", "2026"]) == 2
    assert_told(capsys.readouterr().err, None, "命令行参数有误", "--docx", "--pdf")


def test_every_integrity_check_has_a_name_for_when_it_cannot_finish(db):
    from aiddesk.services import integrity

    assert {c.name for c in integrity.all_checks(db)} == set(integrity._NAMES.values())


@pytest.mark.parametrize("households", ["99999999999999999999", "-5", "一百"])
def test_a_demo_of_impossible_size_is_refused_before_anything_is_made(tmp_path, capsys, households):
    # 10^20 households used to plan for ever (a process that never ends); -5 was refused only after creating the file.
    path = tmp_path / "演示.sqlite"
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(path), "demo", "--households", households])
    assert exit_.value.code == 2
    assert_told(capsys.readouterr().err, None, "--households", households)
    assert list(tmp_path.iterdir()) == []
