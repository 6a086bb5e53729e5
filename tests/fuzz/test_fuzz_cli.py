"""Fuzzing the command line's arguments: ``aiddesk.cli.main`` with generated argument lists, against a real small
database and real files (workbooks, password files in several encodings, folders, read-only copies, paths that
cannot be databases). Whatever the arguments, the exit code is 0, 1 or 2, no exception escapes, and a run that
fails says why on stderr, in Chinese, with no empty line and no traceback.

Example counts are small so tests/fuzz/ runs in well under a minute; ``AIDDESK_FUZZ_EXAMPLES=50`` (a multiplier)
runs fifty times as many for a long session. ``--hypothesis-show-statistics`` prints the exit codes seen.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from aiddesk.cli import main
from aiddesk.services.archive import ArchiveService
from aiddesk.services.printing import BATCH_FORMS

SCALE = max(1, int(os.environ.get("AIDDESK_FUZZ_EXAMPLES", "1")))
CHINESE = re.compile(r"[\u4e00-\u9fff]")
FUZZ = dict(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text as a command line can carry it: no NUL (the OS cannot pass one) and no lone surrogate; no path separator
# either, so a generated name stays a file in the test's folder (the current directory of every run).
NAME = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00/\\"), max_size=12)
TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)


@pytest.fixture
def world(db, actor, make_household, export_sub_unit, tmp_path, monkeypatch):
    """The office database with an archive, and the files a user might name: good, wrong and missing ones."""
    saved = ArchiveService(db, actor).save(make_household(300, name="符海燕"))
    db.close()
    files = tmp_path / "files"
    files.mkdir()
    (files / "密码.txt").write_text("工会2026\n", encoding="utf-8")
    (files / "密码gbk.txt").write_bytes("工会2026\r\n".encode("gbk"))
    (files / "密码bin.txt").write_bytes(b"\xff\x00\xfe" * 20)
    (files / "空.txt").write_bytes(b"")
    (files / "账本.sqlite").write_text("这不是数据库", encoding="utf-8")
    (files / "文件夹.sqlite").mkdir()
    read_only = files / "只读.sqlite"
    shutil.copyfile(db.path, read_only)
    read_only.chmod(0o444)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)  # relative names the runs write land here
    yield {
        "db": [str(db.path), str(db.path), str(files / "新库.sqlite"), str(files / "账本.sqlite"),
               str(files / "文件夹.sqlite"), "/proc/x.db", str(read_only), str(files / "没有.sqlite")],
        "in": [export_sub_unit("交换表.xlsx", people=("张三",)), export_sub_unit("加密.xlsx", password="工会2026"),
               files / "账本.sqlite", files / "文件夹.sqlite", files / "没有.xlsx", files / "密码.txt", "/dev/null",
               "/proc/x.db"],
        "password": [files / "密码.txt", files / "密码gbk.txt", files / "密码bin.txt", files / "空.txt",
                     files / "没有.txt", files / "文件夹.sqlite", "/dev/null"],
        "household": [saved.archive_no, saved.archive_no, "不存在-0001", "460100197503020031"],
    }
    read_only.chmod(0o644)


# Years: half of them ones the records have, so the commands get past their arguments as often as not.
YEARS = st.one_of(st.sampled_from(["2026", "2015"]), st.sampled_from(["2026", "2030", "２０２６"]),
                  st.sampled_from(["2000", "2100", "0", "1999", "2101", "99999", "-2026", "99999999999999999999",
                                   "二〇二六", "", " ", "2026.0", "1e3", "0x7EA"]),
                  st.integers(-10 ** 25, 10 ** 25).map(str), TEXT)
SUFFIXES = st.sampled_from(["", ".pdf", ".PDF", ".xlsx", ".docx", ".txt", ".csv", ".pdf.xlsx"])


def out_file(suffix: str):
    """A file to write: mostly ``suffix``, sometimes another, in the current folder or one that is missing."""
    return st.one_of(
        st.builds(lambda n, s: (n or "输出") + s, NAME, st.one_of(st.just(suffix), SUFFIXES)),
        st.sampled_from([f"没有的文件夹/输出{suffix}", f"/proc/输出{suffix}", "", "."]))


def option(flag: str, values) -> st.SearchStrategy[list[str]]:
    """``[flag, value]``, or nothing: options are left out as often as given."""
    return st.one_of(st.just([]), values.map(lambda v: [flag, str(v)]))


def required(flag: str, values) -> st.SearchStrategy[list[str]]:
    """``[flag, value]``, and now and then nothing (argparse then says what is missing)."""
    given = values.map(lambda v: [flag, str(v)])
    return st.one_of(given, given, given, st.just([]))


def flag(name: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [name]])


@st.composite
def arguments(draw, world) -> list[str]:
    pick = st.sampled_from
    command = draw(pick(["check", "report", "evaluate", "print", "export", "import", "backup", "restore", "demo"]))
    databases = world["db"] if command != "demo" else [d for d in world["db"] if "新库" not in d and "没有" not in d]
    argv = draw(option("--db", pick(databases))) or ["--db", databases[0]]
    today = draw(pick(["the day"] * 3 + ["none", "hostile"]))  # mostly the day of the test's database
    if today == "the day":
        argv += ["--today", "2026-11-26"]
    elif today == "hostile":
        argv += ["--today", draw(st.one_of(pick(["2026-02-30", "2026/11/26", "明天", "1900-01-01"]), TEXT))]
    if command == "report":
        kind = draw(pick(["funds", "duplicates", "self-assessment", "不存在"]))
        argv += ["report", kind] + draw(required("--year", YEARS))
        if kind == "funds":
            argv += draw(option("--unit", st.one_of(pick(["460000", "460001", "999999"]), TEXT)))
            argv += draw(flag("--json")) + draw(option("--pdf", out_file(".pdf"))) + draw(
                option("--xlsx", out_file(".xlsx")))
        elif kind == "duplicates":
            argv += draw(flag("--json"))
        elif kind == "self-assessment":
            argv += draw(option("--docx", out_file(".docx"))) + draw(option("--pdf", out_file(".pdf")))
            argv += draw(option("--template", st.one_of(pick(["national_2020", "无此模板"]), TEXT)))
    elif command == "evaluate":
        argv += ["evaluate"] + draw(required("--year", YEARS)) + draw(flag("--json"))
        argv += draw(option("--template", st.one_of(pick(["national_2020", "无此模板"]), TEXT)))
    elif command == "print":
        form = draw(pick(["archive", *BATCH_FORMS, "不存在"]))
        argv += ["print", form]
        if form == "archive":
            for _ in range(draw(st.sampled_from([1, 1, 2, 0]))):
                argv += ["--household", draw(st.one_of(pick(world["household"]), TEXT))]
        else:
            argv += draw(required("--batch", st.one_of(pick(["1", "PC-2026-001"]), TEXT)))
        argv += draw(required("--out", out_file(".pdf")))
    elif command == "export":
        argv += ["export", draw(out_file(".xlsx"))] + draw(required("--year", YEARS))
        argv += draw(option("--password-file", pick(world["password"])))
    elif command == "import":
        argv += ["import", str(draw(pick(world["in"])))] + draw(flag("--dry-run")) + draw(flag("--json"))
        argv += draw(option("--password-file", pick(world["password"]))) + draw(flag("--force"))
    elif command == "backup":
        argv += ["backup"] + draw(option("--to", st.one_of(NAME.map(lambda n: "备份" + n), pick(["/proc/备份"]))))
    elif command == "restore":
        argv += ["restore", str(draw(pick(world["in"])))]
    elif command == "demo":
        argv += ["demo"] + draw(option("--households", st.one_of(st.integers(-5, 5), TEXT)))
        argv += draw(option("--seed", st.one_of(st.integers(), TEXT))) + draw(flag("--force"))
    else:
        argv.append(command)
    # Now and then something nobody meant: a stray word, a repeated or unknown option.
    if draw(st.integers(0, 4)) == 0:
        argv += draw(st.lists(st.one_of(TEXT, pick(["--json", "--year", "-h", "--db", "--未知"])), min_size=1,
                              max_size=2))
    return argv


def run(argv: list[str]) -> tuple[int, str, str]:
    """``main(argv)`` in this process: its exit code (from a return or from argparse's exit), stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as done:
            code = done.code
    return code, out.getvalue(), err.getvalue()


@settings(max_examples=150 * SCALE, **FUZZ)
@given(data=st.data())
def test_any_arguments_end_in_an_exit_code_and_chinese_words(world, data):
    argv = data.draw(arguments(world), label="argv")
    code, out, err = run(argv)  # an exception escaping main fails the test here, with the arguments that caused it
    event(f"exit {code}")
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, (argv, err)
    assert "程序内部出错" not in err, (argv, err)  # the last-resort message: a bug got as far as the user
    if code == 0:
        return
    told = ("错误：", "命令行参数有误：")
    if "import" in argv and not any(line.startswith(told) for line in err.split("\n")):
        # import tells what it refused on stdout
        if out.startswith("{"):  # --json (or --j…): as EXCHANGE.md says
            errors = json.loads(out)["errors"]
            assert errors and all(CHINESE.search(e["message"]) for e in errors), (argv, out)
            return
        assert code == 1 and out.rstrip().endswith("没有导入任何内容。"), (argv, out)
        err += out
    lines = err.removesuffix("\n").split("\n")  # as a terminal shows them (str.splitlines also breaks at \x1e)
    assert all(line.strip() for line in lines), (argv, err)
    said = [line for line in lines if line.startswith(told)]
    assert said and all(CHINESE.search(line) for line in said), (argv, err)
    assert not any(line.rstrip().endswith("：") for line in lines), (argv, err)  # a part left empty


def test_the_fuzzed_world_has_each_kind_of_outcome(world):
    """The files the fuzzer picks from really lead to a success, a refusal and an argument error."""
    db = world["db"][0]
    assert run(["--db", db, "check"])[0] == 0
    assert run(["--db", db, "print", "archive", "--household", world["household"][0], "--out", "登记表.pdf"])[0] == 0
    assert run(["--db", db, "--today", "2026-11-26", "import", str(world["in"][0]), "--dry-run"])[0] == 0
    assert run(["--db", world["db"][-1], "check"])[0] == 1
    assert run(["--db", db, "evaluate", "--year", "0"])[0] == 2
    assert Path("登记表.pdf").is_file()
