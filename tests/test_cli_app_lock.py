"""The command line and the application lock: writing commands refuse while the GUI holds it, reading ones warn.

A command-line run cannot watch a lock for the minutes it takes to go stale: every lock counts as held, except one
whose program is gone from this very PC.
"""

from __future__ import annotations

import json

import pytest

from aiddesk.cli import main
from aiddesk.core.clock import SystemClock
from aiddesk.db import app_lock, open_database

# The day of the tests' databases (tests/conftest.py), so the command line does not warn that this PC's clock
# is wrong whichever day the suite runs on.
ON_THE_DAY = ["--today", "2026-11-26"]


class _User:
    username, display_name = "zhangsan", "张三"


def count(path, table: str) -> int:
    db = open_database(path)
    try:
        return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def workbook(export_sub_unit):
    """省财贸工会's 2026 exchange workbook (a sub-unit of the test office)."""
    return export_sub_unit("交换表.xlsx", people=("张三",))


@pytest.fixture
def held(db):
    """张三 has the database open in the GUI on PC-B (another PC: live by its fresh heartbeat)."""
    db.close()
    taken = app_lock.acquire(db.path, _User(), clock=SystemClock(), host="PC-B")
    assert taken.acquired
    yield db.path
    taken.lock.release()


def test_import_is_refused_while_another_pc_has_the_database(held, workbook, capsys):
    assert main(["--db", str(held), *ON_THE_DAY, "import", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("错误：数据库正由 张三（电脑 PC-B，自 ")
    assert "命令行现在不能导入，没有写入任何内容" in err and "请等对方关闭程序或命令执行完毕后再执行" in err and "--force" in err
    assert count(held, "households") == 0 and count(held, "exchange_imports") == 0


def test_force_imports_anyway_with_the_warning(held, workbook, capsys):
    assert main(["--db", str(held), *ON_THE_DAY, "import", str(workbook), "--force"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("警告：数据库正由 张三（电脑 PC-B") and "已导入" in captured.out
    assert count(held, "households") == 1


def test_a_dry_run_only_warns(held, workbook, capsys):
    assert main(["--db", str(held), *ON_THE_DAY, "import", str(workbook), "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("警告：数据库正由 张三") and "检查通过，未写入" in captured.out


def test_reading_commands_warn_and_go_on(held, tmp_path, capsys):
    for args in (["check"], ["report", "funds", "--year", "2026"], ["evaluate", "--year", "2026"],
                 ["export", str(tmp_path / "out.xlsx"), "--year", "2026"]):
        assert main(["--db", str(held), *ON_THE_DAY] + args) == 0, args
        assert capsys.readouterr().err.startswith("警告：数据库正由 张三（电脑 PC-B"), args


def test_backup_neither_warns_nor_refuses(held, tmp_path, capsys):
    assert main(["--db", str(held), *ON_THE_DAY, "backup", "--to", str(tmp_path / "备份")]) == 0
    assert "警告" not in capsys.readouterr().err


def test_demo_is_refused_too(tmp_path, capsys):
    path = tmp_path / "demo.sqlite"
    taken = app_lock.acquire(path, _User(), clock=SystemClock(), host="PC-B")
    try:
        assert main(["--db", str(path), *ON_THE_DAY, "demo", "--households", "3"]) == 1
        err = capsys.readouterr().err
        assert "命令行现在不能生成演示数据" in err and "--force" in err
        assert not path.exists()  # refused before the database is even opened
        assert main(["--db", str(path), *ON_THE_DAY, "demo", "--households", "3", "--force"]) == 0
        assert count(path, "households") == 3
    finally:
        taken.lock.release()


def test_no_holder_or_this_process_no_warning(db, workbook, capsys):
    db.close()
    mine = app_lock.acquire(db.path, _User(), clock=SystemClock())  # this very process: not "another program"
    try:
        assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(workbook)]) == 0
    finally:
        mine.lock.release()
    assert "警告" not in capsys.readouterr().err


def test_force_is_documented_in_chinese(capsys):
    with pytest.raises(SystemExit):
        main(["import", "--help"])
    assert "--force" in (out := capsys.readouterr().out) and "默认拒绝" in out and "--password-file" in out


def test_a_lock_left_by_a_crashed_pc_still_refuses_and_says_what_to_do(db, workbook, tmp_path, capsys):
    """Its times say years ago (by that PC's clock): the command line neither believes nor compares them."""
    db.close()
    lock_file = app_lock.lock_path_for(db.path)
    lock_file.write_text(json.dumps({"username": "wangwu", "display_name": "王五", "host": "PC-坏了", "pid": 99,
                                     "started": "2016-01-04T08:00:00", "heartbeat": "2016-01-04T08:30:00"},
                                    ensure_ascii=False), encoding="utf-8")
    assert main(["--db", str(db.path), *ON_THE_DAY, "import", str(workbook)]) == 1
    err = capsys.readouterr().err
    assert "王五（电脑 PC-坏了，自 2016年1月4日 08:00 起）" in err
    assert "请在本机打开工作台" in err and "自动接管" in err and "--force" in err
    assert count(db.path, "households") == 0
    assert main(["--db", str(db.path), *ON_THE_DAY, "backup", "--to", str(tmp_path)]) == 0
    archive = next(tmp_path.glob("office-备份-*.zip"))
    assert main(["--db", str(db.path), *ON_THE_DAY, "restore", str(archive)]) == 1
    err = capsys.readouterr().err
    assert "现在不能恢复" in err and "从备份恢复" in err and lock_file.exists()
