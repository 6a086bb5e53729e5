"""One clock: nothing in the program asks the operating system for the date or time but ``core/clock.py``.

Every "today" and "now" comes from the clock the database was opened with, so the program gives the same
answer whichever day it runs (and a test can say which day it is). Elapsed time for timeouts and heartbeats
(``time.monotonic``, ``time.perf_counter``) is not a date and stays allowed.
"""

from __future__ import annotations

import ast
from pathlib import Path

import aiddesk

PACKAGE = Path(aiddesk.__file__).parent
CLOCK_MODULE = PACKAGE / "core" / "clock.py"

# (object, attribute) calls that read the wall clock.
FORBIDDEN = {
    ("date", "today"), ("datetime", "now"), ("datetime", "today"), ("datetime", "utcnow"),
    ("time", "time"), ("time", "time_ns"), ("time", "localtime"), ("time", "gmtime"), ("time", "ctime"),
    ("time", "strftime"), ("QDate", "currentDate"), ("QDateTime", "currentDateTime"),
    ("QDateTime", "currentDateTimeUtc"), ("QTime", "currentTime"), ("QDateTime", "currentSecsSinceEpoch"),
    ("QDateTime", "currentMSecsSinceEpoch"),
}
# Reading a file's modification time and comparing it with this PC's clock is the fault the clock rule is
# about: a shared drive's times come from the file server.
FORBIDDEN_ATTRIBUTES = {"st_mtime", "st_mtime_ns", "st_ctime", "st_atime", "getmtime", "getctime"}


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):  # datetime.datetime.now, time.time
        return node.attr
    return None


def wall_clock_reads(source: str) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = _name(node.func.value)
            if (owner, node.func.attr) in FORBIDDEN:
                found.append((node.lineno, f"{owner}.{node.func.attr}()"))
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            found.append((node.lineno, f".{node.attr}"))
    return found


def test_only_the_clock_module_reads_the_wall_clock():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == CLOCK_MODULE:
            continue
        for line, what in wall_clock_reads(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {what}")
    assert offenders == [], "read the date and time from Database.clock (aiddesk/core/clock.py):\n" + "\n".join(
        offenders)


def test_the_check_finds_each_way_of_reading_the_clock():
    source = "\n".join([
        "from datetime import date, datetime", "import time", "import datetime as dt",
        "a = date.today()", "b = datetime.now()", "c = dt.datetime.now()", "d = time.time()",
        "e = QDate.currentDate()", "f = path.stat().st_mtime", "g = os.path.getmtime(p)",
        "h = time.monotonic()", "i = clock.today()",
    ])
    assert [line for line, _ in wall_clock_reads(source)] == [4, 5, 6, 7, 8, 9, 10]
