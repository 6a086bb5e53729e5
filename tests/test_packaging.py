"""What the packaged program relies on: `--version`, and the headless start check `gui --smoke-test`."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from aiddesk import __version__
from aiddesk.cli import main


def _run(*args: str) -> subprocess.CompletedProcess:
    # A separate process, as CI runs the bundle: a real QApplication start, exit code and output.
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return subprocess.run([sys.executable, "-c", "import sys; from aiddesk.cli import main; sys.exit(main())", *args],
                          capture_output=True, text=True, env=env, timeout=120)


def test_version_flag_prints_program_name_and_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"工会帮扶工作台 AidDesk {__version__}"


def test_smoke_test_opens_the_main_window_on_a_demo_database(tmp_path):
    db = tmp_path / "demo.sqlite"
    assert main(["--db", str(db), "demo", "--households", "5"]) == 0
    done = _run("--db", str(db), "gui", "--smoke-test", "0.3")
    assert done.returncode == 0, done.stderr
    assert "界面自检通过" in done.stdout
    assert "demo.sqlite" in done.stdout  # the window title names the open database


def test_smoke_test_fails_clearly_when_the_database_has_no_administrator(tmp_path):
    done = _run("--db", str(tmp_path / "empty.sqlite"), "gui", "--smoke-test", "0.1")
    assert done.returncode == 1
    assert "没有管理员账号" in done.stderr
    assert "Traceback" not in done.stderr


def test_smoke_test_is_hidden_from_help(capsys):
    with pytest.raises(SystemExit):
        main(["gui", "--help"])
    assert "smoke" not in capsys.readouterr().out
