"""The command line on a PC whose clock is wrong: a warning before commands that write dates, and --today."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.db.backup import backup_time
from aiddesk.db.clock_facts import newest_record_time

# The test database's newest record was written on 2026-11-26 (tests/conftest.py's clock).
NEWEST = date(2026, 11, 26)


def _newest(path: Path):
    database = open_database(path, create=False)
    try:
        return newest_record_time(database.conn)
    finally:
        database.close()


@pytest.fixture
def office(db) -> Path:
    db.close()
    assert _newest(db.path).date() == NEWEST
    return db.path


def test_today_names_the_backup_and_stamps_the_record(office, tmp_path, capsys):
    assert main(["--db", str(office), "--today", "2026-12-01", "backup", "--to", str(tmp_path / "备份")]) == 0
    captured = capsys.readouterr()
    archive = Path(captured.out.strip())
    assert backup_time(archive).date() == date(2026, 12, 1)
    assert _newest(office).date() == date(2026, 12, 1)  # the audited backup, by the day given
    assert "警告" not in captured.err


@pytest.mark.parametrize("today, words", [("2026-10-01", "还早56天"), ("2028-06-01", "晚了553天")],
                         ids=["behind", "years-ahead"])
def test_a_clearly_wrong_date_warns_before_writing(office, tmp_path, capsys, today, words):
    assert main(["--db", str(office), "--today", today, "backup", "--to", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert err.startswith(f"警告：本机日期是{date.fromisoformat(today).year}年") and words in err
    assert "请把本机的日期和时间改正确" in err and "--today" in err and today in err


def test_reading_commands_and_a_plausible_date_do_not_warn(office, tmp_path, capsys):
    assert main(["--db", str(office), "--today", "2026-10-01", "check"]) == 0  # reads only
    assert "本机日期" not in capsys.readouterr().err
    assert main(["--db", str(office), "--today", "2026-11-30", "backup", "--to", str(tmp_path)]) == 0
    assert "警告" not in capsys.readouterr().err


def test_a_bad_date_is_refused_in_chinese(office, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--db", str(office), "--today", "2026-13-01", "check"])
    assert exit_.value.code == 2
    assert "参数 --today：“2026-13-01”不是日期，请写成 年-月-日，如 2026-11-26" in capsys.readouterr().err


def test_today_is_for_commands_not_the_window(office, capsys):
    assert main(["--db", str(office), "--today", "2026-12-01"]) == 2
    assert "--today 只用于命令行命令" in capsys.readouterr().err


def test_today_is_documented_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "--today YYYY-MM-DD" in out and "本机日期不对时" in out
