"""Every writer holds the application lock while it writes, and restore refuses while anyone holds it.

The command line's ``import`` and ``demo`` take the lock for as long as they write (released at the end, also on an
error), so a ``restore`` in another process cannot swap the database under them: before, the import reported
success into the file restore had moved aside. Real second processes, as in tests/db/test_app_lock.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from aiddesk.cli import main
from aiddesk.core.clock import SystemClock
from aiddesk.db import app_lock, open_database
from aiddesk.services import backups

ROOT = Path(__file__).resolve().parents[1]
ON_THE_DAY = ["--today", "2026-11-26"]

# A command-line run whose writing step waits at a gate: it prints WRITING once it is writing (the lock taken,
# the database open), then goes on when the gate file appears. ``hook`` names the step to hold up.
GATED = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from aiddesk import cli
    gate, hook, argv = Path(sys.argv[1]), sys.argv[2], sys.argv[3:]

    def held(real):
        def wait(*args, **kwargs):
            print("WRITING", flush=True)
            deadline = time.monotonic() + 60
            while not gate.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
            return real(*args, **kwargs)
        return wait

    if hook == "import":
        from aiddesk.services import backups
        backups.before_import = held(backups.before_import)
    else:
        from aiddesk.services import demo
        demo.build_demo = held(demo.build_demo)
    sys.exit(cli.main(argv))
""")


def _start(gate: Path, hook: str, *argv: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", GATED, str(gate), hook, *argv], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)


@pytest.fixture
def gated(tmp_path):
    children: list[subprocess.Popen] = []
    gate = tmp_path / "gate"

    def start(hook: str, *argv: str) -> subprocess.Popen:
        child = _start(gate, hook, *argv)
        children.append(child)
        line = child.stdout.readline().strip()
        assert line == "WRITING", (line, child.stderr.read() if child.poll() is not None else "")
        return child

    start.gate = gate
    yield start
    gate.touch()
    for child in children:
        try:
            child.wait(60)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)


def count(path: Path, table: str) -> int:
    db = open_database(path, create=False)
    try:
        return db.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
    finally:
        db.close()


def test_restore_is_refused_while_a_command_line_import_writes(db, export_sub_unit, tmp_path, gated, capsys):
    book = export_sub_unit("交换表.xlsx", people=("张三",))
    archive = backups.backup_now(db, None, "手动").archive
    path = db.path
    db.close()
    importer = gated("import", "--db", str(path), *ON_THE_DAY, "import", str(book))

    assert main(["--db", str(path), *ON_THE_DAY, "restore", str(archive)]) == 1
    err = capsys.readouterr().err
    assert "现在不能恢复" in err and "命令行导入" in err and "没有改动" in err
    assert not list(path.parent.glob("*恢复前*"))
    lock = json.loads(app_lock.lock_path_for(path).read_text(encoding="utf-8"))
    assert lock["pid"] == importer.pid and "命令行导入" in lock["display_name"]

    gated.gate.touch()
    out, err = importer.communicate(timeout=120)
    assert importer.returncode == 0, err
    assert "已导入" in out
    assert count(path, "households") == 1  # into the database in place, not into a file moved aside
    assert not list(path.parent.glob("*恢复前*"))
    assert not app_lock.lock_path_for(path).exists()  # given back at the end


def test_restore_is_refused_while_demo_builds(tmp_path, gated, capsys, db):
    archive = backups.backup_now(db, None, "手动").archive
    db.close()
    path = tmp_path / "演示" / "demo.sqlite"  # a folder not there yet: demo makes it, and its lock beside it
    builder = gated("demo", "--db", str(path), *ON_THE_DAY, "demo", "--households", "3")
    assert main(["--db", str(path), *ON_THE_DAY, "restore", str(archive)]) == 1
    assert "命令行生成演示数据" in capsys.readouterr().err
    gated.gate.touch()
    out, err = builder.communicate(timeout=120)
    assert builder.returncode == 0, err
    assert count(path, "households") == 3 and not list(path.parent.glob("*恢复前*"))
    assert not app_lock.lock_path_for(path).exists()


def test_a_second_import_is_refused_while_one_writes(db, export_sub_unit, gated, capsys):
    book = export_sub_unit("交换表.xlsx", people=("张三",))
    path = db.path
    db.close()
    first = gated("import", "--db", str(path), *ON_THE_DAY, "import", str(book))
    assert main(["--db", str(path), *ON_THE_DAY, "import", str(book)]) == 1
    assert "命令行导入" in capsys.readouterr().err
    gated.gate.touch()
    assert first.wait(120) == 0


def test_the_lock_is_given_back_when_the_import_fails(db, export_sub_unit, monkeypatch):
    path = db.path
    db.close()
    from aiddesk.services import exchange_import

    def broken(self, *args, **kwargs):
        assert json.loads(app_lock.lock_path_for(path).read_text(encoding="utf-8"))["pid"] == os.getpid()
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(exchange_import.ExchangeImportService, "import_file", broken)
    try:
        assert main(["--db", str(path), *ON_THE_DAY, "import", str(export_sub_unit())]) != 0
    except RuntimeError:
        pass  # raised or said: either way the lock must be given back
    assert not app_lock.lock_path_for(path).exists()
    assert main(["--db", str(path), *ON_THE_DAY, "import", str(path.with_name("没有这个文件.xlsx"))]) != 0
    assert not app_lock.lock_path_for(path).exists()


def test_a_dry_run_takes_no_lock(db, export_sub_unit, monkeypatch):
    path = db.path
    db.close()
    from aiddesk.services import exchange_import

    real = exchange_import.ExchangeImportService.import_file
    seen = []

    def look(self, *args, **kwargs):
        seen.append(app_lock.lock_path_for(path).exists())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(exchange_import.ExchangeImportService, "import_file", look)
    assert main(["--db", str(path), *ON_THE_DAY, "import", str(export_sub_unit()), "--dry-run"]) == 0
    assert seen == [False]


def test_force_beside_a_window_does_not_take_its_lock(db, export_sub_unit, monkeypatch, capsys):
    """--force goes on beside another holder without taking the lock over: the window keeps it (and stays
    writable), and its lock goes on refusing a restore meanwhile."""
    path = db.path
    db.close()
    window = app_lock.acquire(path, "zhangsan", clock=SystemClock(), host="PC-B")
    try:
        before = app_lock.lock_path_for(path).read_bytes()
        assert main(["--db", str(path), *ON_THE_DAY, "import", str(export_sub_unit()), "--force"]) == 0
        assert app_lock.lock_path_for(path).read_bytes() == before
        assert window.lock.refresh()  # still the window's
    finally:
        window.lock.release()
    assert "警告" in capsys.readouterr().err


def test_force_with_nobody_there_takes_the_lock_like_any_import(db, export_sub_unit, monkeypatch):
    path = db.path
    db.close()
    from aiddesk.services import exchange_import

    real = exchange_import.ExchangeImportService.import_file
    holders = []

    def look(self, *args, **kwargs):
        holders.append(json.loads(app_lock.lock_path_for(path).read_text(encoding="utf-8"))["pid"])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(exchange_import.ExchangeImportService, "import_file", look)
    assert main(["--db", str(path), *ON_THE_DAY, "import", str(export_sub_unit()), "--force"]) == 0
    assert holders == [os.getpid()] and not app_lock.lock_path_for(path).exists()


def test_a_long_write_keeps_its_lock_fresh(db):
    """A window watching the lock takes it over after minutes without a change: the command line beats too."""
    db.close()
    taken = app_lock.acquire(db.path, "zhangsan", clock=SystemClock())
    holding = app_lock.Holding(taken.lock, heartbeat_seconds=0.05)
    try:
        first = json.loads(app_lock.lock_path_for(db.path).read_text(encoding="utf-8"))["beats"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            beats = json.loads(app_lock.lock_path_for(db.path).read_text(encoding="utf-8"))["beats"]
            if beats >= first + 2:
                break
            time.sleep(0.02)
        assert beats >= first + 2
    finally:
        holding.release()
    assert not app_lock.lock_path_for(db.path).exists()
    holding.release()  # twice is harmless
