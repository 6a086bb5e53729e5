"""Two imports at once, in two real processes, never put one ID number in two open archives of a unit (一户一档).

The checks that depend on the database run again inside the import's writing transaction (validate.recheck under
BEGIN IMMEDIATE): whichever import writes second sees the first one's archives and is refused. Before, both
checked, both found nothing, both wrote.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

from test_import_validation import HEAD, book, sheets

from aiddesk.db import open_database

ROOT = Path(__file__).resolve().parents[2]
ONE_HOUSEHOLD_ONE_ARCHIVE = ("一人不能属于两户", "已在数据库的在档档案")


def the_other_book(tmp_path):
    """460001's book with another archive for 王芳 (HEAD): alone it is fine, beside the base book it is not."""
    header, first, _second = sheets()["困难职工档案"]
    row = list(first)
    row[0] = "CB2015009"
    return book(tmp_path / "other.xlsx", {"困难职工档案": [header, row]})


def open_archives_of(path, id_number: str) -> list[str]:
    db = open_database(path)
    try:
        return [r[0] for r in db.conn.execute(
            "SELECT archive_no FROM households WHERE id_number = ? AND archive_status IN ('在档', '临时')",
            (id_number,))]
    finally:
        db.close()


def check_then_import(db_path: str, book_path: str, barrier, results) -> None:
    """One process: check the book, wait until the other process has checked its own, then import."""
    from datetime import date

    from aiddesk.core.clock import FixedClock
    from aiddesk.core.errors import UserError
    from aiddesk.db.audit import Actor
    from aiddesk.services.exchange_import import ExchangeImportService

    db = open_database(db_path, clock=FixedClock(date(2026, 11, 26)))
    try:
        service = ExchangeImportService(db, Actor(f"进程{os.getpid()}", "命令行"))
        report = service.check(Path(book_path))
        checked = report.ok
        barrier.wait(timeout=120)   # both checked, neither has written: the moment the old import missed
        if not checked:
            results.put((book_path, "check failed", [e.as_dict() for e in report.errors]))
            return
        try:
            service.apply(report)
            results.put((book_path, "imported", []))
        except UserError as err:
            results.put((book_path, "refused", [e.as_dict() for e in report.errors] or [err.message]))
    finally:
        db.close()


def test_two_processes_checking_then_importing_at_once_leave_one_open_archive(db, tmp_path):
    db.close()
    books = [str(book(tmp_path / "base.xlsx")), str(the_other_book(tmp_path))]
    ctx = multiprocessing.get_context("spawn")   # fresh interpreters: nothing of this test process shared
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=check_then_import, args=(str(db.path), path, barrier, results)) for path in books]
    for w in workers:
        w.start()
    outcomes = sorted((results.get(timeout=180) for _w in workers), key=lambda o: o[1])
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert [o[1] for o in outcomes] == ["imported", "refused"], outcomes
    refusal = outcomes[1][2]
    assert any(e["sheet"] == "困难职工档案" and e["column"] == "身份证号" and e["value"] == HEAD
               and any(words in e["message"] for words in ONE_HOUSEHOLD_ONE_ARCHIVE) for e in refusal), refusal
    assert len(open_archives_of(db.path, HEAD)) == 1


def test_two_first_imports_into_a_new_database_at_once_make_one_own_unit(tmp_path):
    """Both checked a database without an own unit; the second to write finds the first one's unit made own."""
    path = tmp_path / "new.sqlite"
    open_database(path).close()
    header, _first, second = sheets()["困难职工档案"]
    row = list(second)
    row[0], row[6] = "LY2015001", "460002"
    books = [str(book(tmp_path / "base.xlsx")),
             str(book(tmp_path / "tourism.xlsx", {"单位": [["单位代码", "单位名称", "上级单位代码", "层级"],
                                                         ["460002", "省旅游工会", "460000", "基层"]],
                                                 "困难职工档案": [header, row]}, unit="460002", name="省旅游工会"))]
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    workers = [ctx.Process(target=check_then_import, args=(str(path), b, barrier, results)) for b in books]
    for w in workers:
        w.start()
    outcomes = sorted((results.get(timeout=180) for _w in workers), key=lambda o: o[1])
    for w in workers:
        w.join(timeout=60)
    assert [o[1] for o in outcomes] == ["imported", "refused"], outcomes
    assert any(e["sheet"] == "说明" and e["column"] == "单位代码" and "不是本单位" in e["message"]
               for e in outcomes[1][2]), outcomes[1][2]
    db = open_database(path)
    try:
        assert db.conn.execute("SELECT count(*) FROM units WHERE is_own = 1").fetchone()[0] == 1
    finally:
        db.close()


def test_two_command_line_imports_started_together_leave_one_open_archive(db, tmp_path):
    db.close()
    books = [book(tmp_path / "base.xlsx"), the_other_book(tmp_path)]
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    runs = [subprocess.Popen([sys.executable, "-m", "aiddesk", "--db", str(db.path), "--today", "2026-11-26",
                              "import", str(path), "--force", "--json"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=ROOT)
            for path in books]
    done = [(run.wait(timeout=180), run.stdout.read(), run.stderr.read()) for run in runs]
    for run in runs:
        run.stdout.close()
        run.stderr.close()
    assert sorted(code for code, _out, _err in done) == [0, 1], done
    refused = json.loads(next(out for code, out, _err in done if code == 1))
    assert any(e["column"] == "身份证号" and e["value"] == HEAD
               and any(words in e["message"] for words in ONE_HOUSEHOLD_ONE_ARCHIVE) for e in refused["errors"])
    assert len(open_archives_of(db.path, HEAD)) == 1
