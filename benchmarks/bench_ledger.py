"""Old ledgers at the issue's size: a ten-year payments ledger and a 3 000-household roster, checked and imported.

Usage::

    .venv/bin/python benchmarks/bench_ledger.py [--repeat N] [--only dry-run,import,roster,roster-dry-run]
                                                [--profile] [--sheets 10] [--rows 5000] [--households 3000]

Issue 18 ("Speed and size"): a ten-year payments ledger — 10 sheets × 5 000 rows, each sheet with its title,
填报 line, header, a 合计 row and a signature footer, cells in every spelling (tests/exchange/ledger_books.py
``benchmark_ledger``) — dry run under 5 s, import under 10 s, peak memory under 300 MB; a 3 000-household
roster with member rows (``benchmark_roster``: each head's row, their members on it and the rows below) imported
under 3 s.

The books are built once and cached in benchmarks/.cache/ (named by the digest of ledger_books.py, so a changed
builder builds them again), with what they truly hold beside them (households, lines, the sum of the amounts).
The office is a small database made through the services as tests/conftest.py's ``office_file`` makes it (its
own unit 460000 and two 基层 units, 低保 lines), cached while db_schema.sql and the migrations stay the same; each
measurement uses a fresh copy of it, in a fresh process (its own peak memory, nothing warm from another run):

- ``dry-run``: ``ExchangeImportService.check(book, database=True)`` — the dry run with the checks against the
  database, as ``aiddesk import --dry-run`` and the wizard's preview run it (target < 5 s);
- ``import``: ``import_file(book)`` — check, the 导入前 backup, the checks again inside the transaction, and the
  writing (target < 10 s), then the same book again (it must change nothing);
- ``roster``: ``import_file`` of the roster (target < 3 s); ``roster-dry-run`` its dry run (no target).

Each prints its time, its peak RSS (VmHWM) and where the time went, measured by wrapping the pipeline's own
functions (the same calls, timed): reading the workbook (calamine, to Python rows), layout + columns + reading
(ledger/layout.py, columns.py, reading.py), matching the book's ID numbers in the database and build/translate
(ledger/book.py, build.py), the exchange checks of the translated rows (validate.py), the checks against the
database, and for an import the backup, the checks again inside the transaction and the writing (importer.py).
``--profile`` runs each measurement under cProfile as well (slower; the split above is without it) and prints
the functions that take the most time; benchmarks/.cache/ledger-<what>.prof keeps the whole profile.

calibration() (bench_exchange.py) is printed before and after: a shared or throttled machine's speed moves from
minute to minute, and a figure is only comparable with another beside its calibration.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests" / "exchange"))  # ledger_books.py, the test books' builder

from bench_exchange import CACHE, calibration, fresh_copy, in_child, peak_mb, raw_read  # noqa: E402

from aiddesk.core.clock import FixedClock  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402

TODAY = date(2026, 11, 26)   # the tests' day (tests/conftest.py), the office's clock
ACTOR = Actor("bench", "命令行")
TARGETS = {"dry-run": 5.0, "import": 10.0, "roster": 3.0}
PEAK_TARGET = 300.0          # MB, the payments ledger's dry run and import
KINDS = ("dry-run", "import", "roster", "roster-dry-run")


# ---- the books and the office, cached -------------------------------------------------------------------------

def _digest(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        for f in sorted(p.rglob("*.py")) + sorted(p.rglob("*.sql")) if p.is_dir() else [p]:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:10]


def book_paths(sheets: int, rows: int, households: int) -> tuple[Path, Path]:
    """The cached ledger and roster, named by their sizes and the builder's digest."""
    mark = _digest(ROOT / "tests" / "exchange" / "ledger_books.py")
    return (CACHE / f"ledger-{sheets}x{rows}-{mark}.xlsx", CACHE / f"ledger-roster-{households}-{mark}.xlsx")


def _truth(book) -> dict:
    """What a built book truly holds, for the benchmark to check the import against."""
    return {"households": len(book.households), "lines": len(book.payments), "members": book.members,
            "amount": str(sum((p.amount for p in book.payments), Decimal(0))),
            "rows": {s.name: len(s.payments) or len(s.households) for s in book.sheets}}


def prepare_books(sheets: int, rows: int, households: int) -> tuple[Path, Path]:
    from ledger_books import benchmark_ledger, benchmark_roster

    ledger, roster = book_paths(sheets, rows, households)
    for path, build in ((ledger, lambda p: benchmark_ledger(p, sheets=sheets, rows_per_sheet=rows)),
                        (roster, lambda p: benchmark_roster(p, households=households))):
        if path.exists() and path.with_suffix(".json").exists():
            continue
        for old in CACHE.glob(path.name.rsplit("-", 1)[0] + "-*"):  # an older builder's book
            old.unlink()
        start = time.perf_counter()
        book = build(path)
        path.with_suffix(".json").write_text(json.dumps(_truth(book), ensure_ascii=False), encoding="utf-8")
        print(f"built {path.name} in {time.perf_counter() - start:.0f} s ({path.stat().st_size / 1e6:.1f} MB)")
    return ledger, roster


def office_path() -> Path:
    """The small office's cached database, made again whenever the schema or its upgrades change."""
    return CACHE / f"ledger-office-{_digest(ROOT / 'db_schema.sql', ROOT / 'aiddesk' / 'db' / 'migrations')}.sqlite"


def prepare_office() -> Path:
    """The office as tests/conftest.py's ``office_file`` makes it, through the services."""
    from aiddesk.db.settings import set_dibao_line
    from aiddesk.db.units import Unit
    from aiddesk.services import units

    path = office_path()
    if path.exists():
        return path
    for old in CACHE.glob("ledger-office-*"):
        shutil.rmtree(old) if old.is_dir() else old.unlink()
    db = open_database(path, clock=FixedClock(TODAY))
    units.save_unit(db, ACTOR, Unit("460000", "海南省职工服务中心", "省级"), new=True)
    units.save_unit(db, ACTOR, Unit("460001", "省财贸工会", "基层", "460000"), new=True)
    units.save_unit(db, ACTOR, Unit("460002", "省旅游工会", "基层", "460000"), new=True)
    with db.transaction() as conn:
        set_dibao_line(conn, "460100", 2015, Decimal(460))
        set_dibao_line(conn, "460100", 2026, Decimal(700))
        set_dibao_line(conn, "460000", 2026, Decimal(650))
    db.close()  # checkpoints the WAL: the one file holds everything
    return path


# ---- one measurement, in a fresh process ----------------------------------------------------------------------

def rss_mb() -> float:
    """This process's resident memory now (VmRSS): what a stage leaves held, where the peak is the highest."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class _Timers:
    """Wrappers that add each call's time to ``spent[name]`` (measuring only: the same calls); ``first``: the
    moment of the first call kept in ``marks[name]``; ``memory``: the resident memory at the first call's end kept
    in ``held[name]``."""

    def __init__(self):
        self.spent: dict[str, float] = {}
        self.marks: dict[str, float] = {}
        self.held: dict[str, float] = {}

    def wrap(self, name: str, fn, *, first: bool = False, memory: bool = False):
        def run(*args, **kwargs):
            start = time.perf_counter()
            if first:
                self.marks.setdefault(name, start)
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - start
                if memory:
                    self.held.setdefault(name, rss_mb())
        return run


def _install_timers(t: _Timers, service) -> None:
    """Wrap the pipeline's functions where their callers look them up: book.py calls ``lay.detect``,
    ``cols.map_columns`` and its own ``read_sheet`` and ``translate``; validate.py imports ``read_book`` when it
    reads a ledger; the service calls ``check`` and ``apply`` on itself, ``recheck`` by its own name and
    ``importer.apply`` through the module; apply imports ``before_import``. The checks against the database are
    told apart by whether they run in the dry run's check or again inside the import's transaction."""
    from aiddesk.exchange import importer, validate
    from aiddesk.exchange.ledger import book, columns, layout
    from aiddesk.services import backups, exchange_import

    rechecking = [False]
    original_recheck, original_database = exchange_import.recheck, validate.Validator._database_checks
    timed_recheck = t.wrap("recheck", original_recheck)
    timed_database = {True: t.wrap("recheck: database", original_database),
                      False: t.wrap("database checks", original_database)}

    def recheck(*args, **kwargs):
        rechecking[0] = True
        try:
            return timed_recheck(*args, **kwargs)
        finally:
            rechecking[0] = False

    def database_checks(self):
        return timed_database[rechecking[0]](self)

    layout.detect = t.wrap("layout", layout.detect)
    columns.map_columns = t.wrap("columns", columns.map_columns)
    book.read_sheet = t.wrap("reading", book.read_sheet)
    book.translate = t.wrap("translate", book.translate)
    book.read_book = t.wrap("read_book", book.read_book, first=True, memory=True)
    exchange_import.recheck = recheck
    validate.Validator._database_checks = database_checks
    importer.apply = t.wrap("write", importer.apply, memory=True)
    backups.before_import = t.wrap("backup", backups.before_import)
    service.check = t.wrap("check", service.check, first=True)
    service.apply = t.wrap("apply", service.apply)


def _child(kind: str, template: str, book: str, work: str, profile: bool, queue) -> None:
    from aiddesk.services.exchange_import import ExchangeImportService

    fresh_copy(Path(template), Path(work))
    db = open_database(work, clock=FixedClock(TODAY))
    service = ExchangeImportService(db, ACTOR)
    t = _Timers()
    _install_timers(t, service)
    base = peak_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    start = time.perf_counter()
    if kind.endswith("dry-run"):
        report = service.check(book, database=True)
    else:
        report = service.import_file(book)
    seconds = time.perf_counter() - start
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(str(CACHE / f"ledger-{kind}.prof"))
    peak = peak_mb()
    t.held["end"] = rss_mb()
    result = {"kind": kind, "seconds": seconds, "peak": peak, "base": base, "spent": dict(t.spent),
              "held": dict(t.held), "reading": t.marks.get("read_book", start) - t.marks.get("check", start),
              "errors": [e.as_dict() for e in report.errors[:5]], "error_count": len(report.errors),
              "warnings": len(report.warnings), "counts": report.imported or report.checked.counts(),
              "ledger": [(s.sheet, s.read, str(s.total), str(s.imported_total)) for s in report.checked.ledger]}
    if not kind.endswith("dry-run") and report.written:
        # The same book again must change nothing: its time too, and what the database holds after it.
        counts = _table_counts(db)
        again = time.perf_counter()
        second = service.import_file(book)
        result["again"] = (time.perf_counter() - again, _table_counts(db) == counts, len(second.errors))
        result["stored"] = counts
    db.close()
    queue.put(result)


def _table_counts(db) -> dict[str, int]:
    return {t: db.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("households", "members", "batches", "aid_records")}


def measure(kind: str, book: Path, profile: bool = False) -> dict:
    work = CACHE / "ledger-work.sqlite"
    got = in_child(_child, kind, str(office_path()), str(book), str(work), profile)
    got["truth"] = json.loads(book.with_suffix(".json").read_text(encoding="utf-8"))
    return got


# ---- what it prints -------------------------------------------------------------------------------------------

def split(got: dict) -> list[tuple[str, float]]:
    """Where the time went, as the issue's note gives it (parts that add up to the whole)."""
    s = got["spent"]
    pipeline = s.get("layout", 0) + s.get("columns", 0) + s.get("reading", 0)
    read_book = s.get("read_book", 0)
    check = s.get("check", 0)
    database = s.get("database checks", 0)
    parts = [("reading the workbook", got["reading"]),
             ("layout + columns + reading", pipeline),
             ("matching IDs + build/translate", read_book - pipeline),
             ("exchange checks", check - got["reading"] - read_book - database)]
    if database:
        parts.append(("checks against the database", database))
    if "apply" in s:
        parts += [("导入前 backup", s.get("backup", 0)),
                  ("checks again in the transaction", s.get("recheck", 0)),
                  ("writing (importer + commit)", s["apply"] - s.get("backup", 0) - s.get("recheck", 0))]
    return parts


def report(got: dict) -> float:
    kind, seconds = got["kind"], got["seconds"]
    target = TARGETS.get(kind)
    if got["error_count"]:
        print(f"{kind}: REFUSED with {got['error_count']} errors, first: {got['errors']}")
        return float("inf")
    said = f" (target < {target:.0f} s{': MISSED' if seconds >= target else ''})" if target else ""
    peak = f"peak RSS {got['peak']:.0f} MB (before it {got['base']:.0f} MB"
    if kind in ("dry-run", "import"):
        peak += f"; target < {PEAK_TARGET:.0f} MB{': MISSED' if got['peak'] >= PEAK_TARGET else ''})"
    else:
        peak += ")"
    backup = got["spent"].get("backup", 0.0)
    without = f", {seconds - backup:.2f} s without the backup" if backup else ""
    print(f"{kind}: {seconds:.2f} s{said}{without}; {peak}")
    held = got["held"]
    print("  resident memory: " + ", ".join(f"{what} {held[key]:.0f} MB" for key, what in (
        ("read_book", "with the book read and translated"), ("write", "after the writing"), ("end", "at the end"))
        if key in held))
    parts = split(got)
    print("  " + "; ".join(f"{name} {t:.2f} s" for name, t in parts))
    s = got["spent"]
    print(f"  of layout + columns + reading: layout {s.get('layout', 0):.2f} s, columns {s.get('columns', 0):.3f} s,"
          f" reading {s.get('reading', 0):.2f} s; of matching + build: translate {s.get('translate', 0):.2f} s")
    truth, counts = got["truth"], got["counts"]
    read = sum(n for _s, n, _total, _imported in got["ledger"])
    print(f"  {read:,} data rows read → " + ", ".join(f"{sheet} {n:,}" for sheet, n in counts.items() if n)
          + f"; {got['warnings']:,} warnings")
    agree = all(Decimal(total) == Decimal(imported) for _s, _n, total, imported in got["ledger"] if total != "None")
    amount = sum((Decimal(imported) for *_rest, imported in got["ledger"]), Decimal(0))
    problems = []
    if counts.get("困难职工档案") != truth["households"]:
        problems.append(f"困难职工档案 {counts.get('困难职工档案')} ≠ {truth['households']} in the book")
    if truth["lines"] and counts.get("帮扶明细") != truth["lines"]:
        problems.append(f"帮扶明细 {counts.get('帮扶明细')} ≠ {truth['lines']} in the book")
    if not truth["lines"] and counts.get("家庭成员", 0) != truth["members"]:
        problems.append(f"家庭成员 {counts.get('家庭成员', 0)} ≠ {truth['members']} in the book")
    if truth["lines"] and amount != Decimal(truth["amount"]):
        problems.append(f"imported {amount} 元 ≠ {truth['amount']} 元 in the book")
    if not agree:
        problems.append("a sheet's 合计 differs from what was imported")
    sheets, totalled = len(got["ledger"]), sum(1 for _s, _n, total, _i in got["ledger"] if total != "None")
    held_as = f"{sheets} sheet{'s' if sheets != 1 else ''}" + (
        f", the 合计 of {totalled} agree" if totalled else ", no 合计 row") + (f", {amount:,} 元" if truth["lines"] else "")
    print("  " + (f"as the book truly holds: {held_as}" if not problems else
                  "DIFFERS FROM THE BOOK: " + "; ".join(problems)))
    if "again" in got:
        again, same, errors = got["again"]
        print(f"  again, same book: {again:.2f} s, {'unchanged' if same and not errors else 'CHANGED'}"
              f" ({errors} errors); the database holds " + ", ".join(f"{t} {n:,}" for t, n in got["stored"].items()))
    return seconds


def print_profile(kind: str, top: int = 25) -> None:
    import pstats

    path = CACHE / f"ledger-{kind}.prof"
    print(f"  cProfile of {kind} (→ {path.relative_to(ROOT)}), by own time:")
    stats = pstats.Stats(str(path))
    stats.sort_stats("tottime").print_stats(top)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sheets", type=int, default=10)
    p.add_argument("--rows", type=int, default=5000, help="payment rows per sheet")
    p.add_argument("--households", type=int, default=3000, help="households of the roster")
    p.add_argument("--only", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    p.add_argument("--repeat", type=int, default=1, help="run N times and report the best and the median")
    p.add_argument("--profile", action="store_true", help="also run each under cProfile and print the top")
    args = p.parse_args()
    kinds = [k.strip() for k in args.only.split(",") if k.strip()]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        p.error(f"unknown: {', '.join(sorted(unknown))}")
    CACHE.mkdir(parents=True, exist_ok=True)
    ledger, roster = prepare_books(args.sheets, args.rows, args.households)
    prepare_office()
    print(f"{ledger.name}: {ledger.stat().st_size / 1e6:.1f} MB; {roster.name}: {roster.stat().st_size / 1e6:.1f} MB")
    print(f"machine now: a 10-million-step Python loop takes {calibration():.2f} s (compare runs by this: a shared"
          " or throttled machine's speed moves from minute to minute)")
    if "dry-run" in kinds:  # the floor the reading stands on: calamine alone, every sheet to Python lists
        print(f"calamine raw read of {ledger.name}: {raw_read(ledger):.2f} s (fresh process)")
    times: dict[str, list[float]] = {k: [] for k in kinds}
    for _ in range(args.repeat):
        for kind in kinds:
            times[kind].append(report(measure(kind, roster if kind.startswith("roster") else ledger)))
    if args.repeat > 1:  # a shared machine varies by a third from run to run: the best is the cost
        print(f"best of {args.repeat}: " + ", ".join(
            f"{k} {min(t):.2f} s (median {statistics.median(t):.2f} s)" for k, t in times.items()))
    if args.profile:
        for kind in kinds:
            measure(kind, roster if kind.startswith("roster") else ledger, profile=True)
            print_profile(kind)
    print(f"machine after: {calibration():.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
