"""Crash-safety harness: SIGKILL an import or a batch payment at random moments; the file must be old or new, not half.

Usage::

    .venv/bin/python tools/crash_harness.py [--runs 200] [--kind import|payment|both] [--journal wal|delete|both]
                                            [--seed N] [--households 2000] [--lines 5000]
                                            [--near-commit 0.5] [--workdir DIR]

For each kind and journal mode it builds a starting database once (an empty office that imports a sub-unit's
exchange workbook of ``--households`` households; or an office with one approved 送温暖 batch of about ``--lines``
lines), runs the operation uninterrupted twice (its duration and the "new" state; both runs must agree), then
``--runs`` times: copies the starting database, starts tools/crash_child.py on it, waits for the child's WRITE
line (the service call begins), sleeps a delay drawn from [0, uninterrupted duration] (half stratified over the
whole window, half around the moment the uninterrupted run began its COMMIT), SIGKILLs it, opens the file with
aiddesk.db.open_database (which rolls back a hot journal or recovers the WAL) and checks PRAGMA integrity_check,
PRAGMA foreign_key_check and the state fingerprint.

Exit status 1 when any run ended torn (neither old nor new), corrupt or unopenable. The state fingerprint is,
per table, the row count and a hash of every row in a fixed order, leaving out the columns that hold the time of
the write (``at``, ``*_at``) and the audit log's hash chain, which is verified whole instead. SIGKILL loses what
the process had not handed to the OS; it does not test a power cut (the OS cache is kept), which SQLite's fsyncs
at COMMIT (synchronous=FULL, the default) are there for.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiddesk.core.clock import FixedClock  # noqa: E402
from aiddesk.db import connection, open_database  # noqa: E402

CHILD = ROOT / "tools" / "crash_child.py"
KINDS = ("import", "payment")
JOURNALS = ("wal", "delete")
# Outcomes that break the promise "exactly the old or exactly the new state".
BAD = ("torn", "corrupt", "unopenable", "error")
# Columns that hold the wall-clock time of the write, or a hash over it (the audit log's chain): two
# uninterrupted runs differ there and nowhere else. The chain itself is checked whole in inspect().
VOLATILE_SUFFIX = "_at"
VOLATILE_NAMES = {"at"}
VOLATILE_COLUMNS = {"audit_log": {"hash", "prev_hash"}}


class HarnessError(RuntimeError):
    """The harness itself cannot run (a child failed uninterrupted, two clean runs disagree, …)."""


# ---- the starting databases ------------------------------------------------------------------------


@contextmanager
def journal_mode(journal: str) -> Iterator[None]:
    """Open databases in this process in ``journal`` mode (as tools/crash_child.py does in the child)."""
    saved = connection.journal_mode_for
    mode = {"wal": "WAL", "delete": "DELETE"}[journal]
    connection.journal_mode_for = lambda path: mode
    try:
        yield
    finally:
        connection.journal_mode_for = saved


def prepare_import(workdir: Path, households: int) -> tuple[Path, list[str]]:
    """An empty office and a sub-unit's exchange workbook of ``households`` households, built once per workdir."""
    base = workdir / f"import-{households}.sqlite"
    workbook = workdir / f"exchange-{households}.xlsx"
    if not (base.exists() and workbook.exists()):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_exchange import YEAR, build

        from aiddesk.db.audit import Actor
        from aiddesk.exchange.export import export_workbook

        source = workdir / f"source-{households}.sqlite"
        source.unlink(missing_ok=True)
        build(source, households, households * 2, households * 3)
        db = open_database(source)
        export_workbook(db, workbook, year=YEAR, actor=Actor("导出员", "命令行"))
        db.close()
        open_database(base).close()  # a new office: the workbook's unit becomes its own
    return base, ["--workbook", str(workbook)]


def prepare_payment(workdir: Path, households: int) -> tuple[Path, list[str]]:
    """An office of ``households`` households and one approved 送温暖 batch for every 在档 one, built once."""
    base = workdir / f"payment-{households}.sqlite"
    marker = workdir / f"payment-{households}.batch"
    if not (base.exists() and marker.exists()):
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from bench_exchange import CENTRE, build

        from aiddesk.core.batch import Batch
        from aiddesk.core.fund_ledger import FundEntry
        from aiddesk.db.audit import Actor
        from aiddesk.db.household_list import HouseholdFilter
        from aiddesk.db.settings import set_dibao_line
        from aiddesk.services.batches import BatchService
        from aiddesk.services.funds import FundService

        base.unlink(missing_ok=True)
        build(base, households, households, households)
        db = open_database(base, clock=FixedClock(date(2026, 11, 20)))  # the office's days, not the PC's
        source = "省总工会经费"
        with db.transaction() as conn:  # build() puts every household in 海口市龙华区 (460106)
            set_dibao_line(conn, "460106", 2026, Decimal("700"))
        FundService(db, Actor("出纳", "命令行")).add_entry(FundEntry(
            unit_code="", entry_date=date(2026, 1, 10), fund_source=source, kind="到账",
            amount=Decimal(households * 2000)))
        clerk = BatchService(db, Actor("jingban", "界面", ("经办人",)))
        reviewer = BatchService(db, Actor("shenhe", "界面", ("审核人",)))
        approver = BatchService(db, Actor("shenpi", "界面", ("审批人",)))
        batch_id = clerk.save_draft(Batch(
            notice_phone="0898-66123456", name="2026年两节送温暖（断电测试）", activity="送温暖", year=2026,
            unit_code=CENTRE, fund_sources=[source], standard=Decimal("1000.00"),
            plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
            plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20)))
        added = clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
        if not clerk.records(batch_id):
            reasons = {p.message for r in added.refused for p in r.problems}
            raise HarnessError(f"the payment batch got no lines ({len(added.refused)} refused): {sorted(reasons)[:3]}")
        db.clock.set(date(2026, 11, 26))
        clerk.transition(batch_id, "审核中")
        reviewer.transition(batch_id, "公示中")
        db.clock.set(date(2026, 12, 3))
        clerk.transition(batch_id, "待审批")
        db.clock.set(date(2026, 12, 4))
        approver.transition(batch_id, "已审批")
        db.close()
        marker.write_text(str(batch_id), encoding="ascii")
    return base, ["--batch", marker.read_text(encoding="ascii").strip()]


def base_for(journal: str, base: Path) -> Path:
    """A copy of ``base`` already in ``journal`` mode, so a run starts from a file like the office's own."""
    path = base.with_name(f"{base.stem}-{journal}.sqlite")
    if not path.exists():
        shutil.copyfile(base, path)
        with journal_mode(journal):
            open_database(path).close()
    return path


# ---- checking a database ----------------------------------------------------------------------------


def fingerprint(conn) -> dict[str, tuple[int, str]]:
    """Per table: row count and a SHA-256 of all rows in a fixed order, leaving out the write's timestamps."""
    result = {}
    tables = [r[0] for r in conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for table in tables:
        skip = VOLATILE_COLUMNS.get(table, set())
        columns = [r[1] for r in conn.execute(f'PRAGMA table_info("{table}")')
                   if not (r[1] in VOLATILE_NAMES or r[1] in skip or r[1].endswith(VOLATILE_SUFFIX))]
        quoted = ", ".join(f'"{c}"' for c in columns)
        order = ", ".join(str(i) for i in range(1, len(columns) + 1))
        digest = hashlib.sha256()
        count = 0
        cursor = conn.cursor()
        cursor.row_factory = None
        for row in cursor.execute(f'SELECT {quoted} FROM "{table}" ORDER BY {order}'):
            digest.update(repr(row).encode("utf-8"))
            count += 1
        result[table] = (count, digest.hexdigest()[:16])
    return result


@dataclass
class Inspection:
    outcome: str = ""            # old / new / torn / corrupt / unopenable
    detail: str = ""
    prints: dict = field(default_factory=dict)


def inspect(path: Path, journal: str, old: dict | None, new: dict | None) -> Inspection:
    """Open ``path`` as the program would after a crash, check it and say which state it holds."""
    try:
        with journal_mode(journal):
            db = open_database(path, create=False)
    except Exception as err:  # noqa: BLE001 - any refusal to open is the finding
        return Inspection("unopenable", f"{type(err).__name__}: {err}")
    try:
        conn = db.conn
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        broken_chain = audit_chain_break(conn)
        prints = fingerprint(conn)
    finally:
        db.close()
    if integrity != ["ok"]:
        return Inspection("corrupt", f"integrity_check: {integrity[:3]}", prints)
    if foreign:
        return Inspection("corrupt", f"foreign_key_check: {len(foreign)} rows, first {tuple(foreign[0])}", prints)
    if broken_chain:
        return Inspection("corrupt", f"audit chain broken at entry {broken_chain[0]}: {broken_chain[1]}", prints)
    if old is None and new is None:
        return Inspection("sound", "", prints)  # a reference state: nothing to compare it with
    if prints == old:
        return Inspection("old", "", prints)
    if prints == new:
        return Inspection("new", "", prints)
    return Inspection("torn", describe_difference(prints, old, new), prints)


def audit_chain_break(conn) -> tuple[int, str] | None:
    """Where the audit log's hash chain breaks, when this version of the program keeps one."""
    from aiddesk.db import audit

    check = getattr(audit, "first_broken_entry", None)
    return check(conn) if check else None


def describe_difference(got: dict, old: dict | None, new: dict | None) -> str:
    """Which tables match neither the old nor the new state, with their row counts."""
    parts = []
    for table in sorted(set(got) | set(old or {}) | set(new or {})):
        mine = got.get(table)
        if old is not None and new is not None and mine not in (old.get(table), new.get(table)):
            parts.append(f"{table}: {mine and mine[0]} rows (old {old.get(table, (None,))[0]},"
                         f" new {new.get(table, (None,))[0]})")
        elif old is not None and new is not None and mine == old.get(table) != new.get(table):
            parts.append(f"{table}=old")
        elif old is not None and new is not None and mine == new.get(table) != old.get(table):
            parts.append(f"{table}=new")
    return "; ".join(parts)


# ---- running the child -------------------------------------------------------------------------------


@dataclass
class Run:
    kind: str
    journal: str
    delay: float | None          # seconds after WRITE; None: not killed
    killed: bool = False         # False: the child finished before the kill
    leftover: str = ""           # -journal / -wal left beside the file, with its size
    outcome: str = ""
    detail: str = ""
    # Filled when the child finished (not killed): WRITE → database closed, its top-level COMMITs, when the
    # first began (seconds after WRITE).
    seconds: float = 0.0
    commits: int = 0
    commit_at: float = -1.0


def run_child(kind: str, journal: str, db_path: Path, extra: list[str], delay: float | None,
              *, log: Path) -> Run:
    """Run the operation on ``db_path``; SIGKILL it ``delay`` seconds after its WRITE line (None: let it finish)."""
    run = Run(kind, journal, delay)
    cmd = [sys.executable, str(CHILD), "--kind", kind, "--db", str(db_path), "--journal", journal, *extra]
    with open(log, "wb") as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, cwd=ROOT)
        try:
            line = proc.stdout.readline()
            if not line.startswith(b"WRITE"):
                proc.wait()
                raise HarnessError(f"{kind}/{journal}: the child stopped before writing (exit {proc.returncode}):"
                                   f" {log.read_text(encoding='utf-8', errors='replace')[-2000:]}")
            if delay is not None:
                time.sleep(delay)
                if proc.poll() is None:
                    os.kill(proc.pid, signal.SIGKILL)
                    run.killed = True
            proc.wait()
            done = proc.stdout.read().split()
            if done[:1] == [b"DONE"]:  # it finished: its own timing of the write (the interpreter's exit not counted)
                fields = dict(f.decode().split("=") for f in done[2:])
                run.seconds, run.commits, run.commit_at = float(done[1]), int(fields["commits"]), \
                    float(fields["commit_at"])
        finally:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.stdout.close()
    if not run.killed and proc.returncode != 0:
        run.outcome = "error"
        run.detail = f"child exit {proc.returncode}: {log.read_text(encoding='utf-8', errors='replace')[-500:]}"
    leftovers = [p for p in (db_path.with_name(db_path.name + "-journal"), db_path.with_name(db_path.name + "-wal"))
                 if p.exists()]
    run.leftover = " ".join(f"{p.name.rsplit('-', 1)[1]}:{p.stat().st_size // 1024}K" for p in leftovers)
    return run


@dataclass
class Case:
    """One kind in one journal mode: its starting file, the old and new state, and how long the write takes."""

    kind: str
    journal: str
    base: Path
    extra: list[str]
    old: dict
    new: dict
    window: float
    commits: int        # top-level COMMITs of one uninterrupted run: one user action must be exactly one
    commit_at: float    # when that COMMIT begins, seconds into the window


def prepare_case(kind: str, journal: str, workdir: Path, households: int, *, clean_runs: int = 2) -> Case:
    """Build the starting file, fingerprint it, run the operation uninterrupted ``clean_runs`` times."""
    base, extra = (prepare_import if kind == "import" else prepare_payment)(workdir, households)
    base = base_for(journal, base)
    scratch = workdir / f"clean-{kind}-{journal}.sqlite"
    old = fresh_copy(base, scratch)
    old_state = inspect(old, journal, None, None)
    if old_state.outcome == "corrupt" or old_state.outcome == "unopenable":
        raise HarnessError(f"{kind}/{journal}: the starting database is bad: {old_state.detail}")
    news, windows, commits, commit_at = [], [], [], []
    for i in range(clean_runs):
        path = fresh_copy(base, scratch)
        run = run_child(kind, journal, path, extra, None, log=workdir / f"clean-{kind}-{journal}.log")
        if run.outcome == "error":
            raise HarnessError(f"{kind}/{journal}: the uninterrupted run failed: {run.detail}")
        state = inspect(path, journal, None, None)
        if state.outcome in BAD:
            raise HarnessError(f"{kind}/{journal}: the uninterrupted run left a bad database: {state.detail}")
        news.append(state.prints)
        windows.append(run.seconds)
        commits.append(run.commits)
        commit_at.append(run.commit_at)
    if any(n != news[0] for n in news):
        raise HarnessError(f"{kind}/{journal}: two uninterrupted runs disagree (a column holds the time?): "
                           + describe_difference(news[1], news[0], news[0]))
    if news[0] == old_state.prints:
        raise HarnessError(f"{kind}/{journal}: the operation changed nothing")
    return Case(kind, journal, base, extra, old_state.prints, news[0], max(windows), max(commits),
                sum(commit_at) / len(commit_at))


def fresh_copy(base: Path, path: Path) -> Path:
    for p in (path, path.with_name(path.name + "-journal"), path.with_name(path.name + "-wal"),
              path.with_name(path.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(base, path)
    return path


def kill_points(runs: int, rng: random.Random, *, near: float = 0.0) -> list[tuple[str, float]]:
    """``runs`` random moments to kill at, spread so that the whole write is hit.

    ``("window", u)``: u × the write's duration, u one in each of equal slices of [0, 1).
    ``("commit", v)``: the COMMIT's start + v × a tenth of the duration, v spread over [-1, 1): a fraction
    ``near`` of the points. The moment the journal or WAL is written and synced is where a half-written state
    could show, and a uniform draw would seldom land on its few milliseconds.
    """
    close = round(runs * near)
    spread = runs - close
    points = [("window", (i + rng.random()) / spread) for i in range(spread)]
    points += [("commit", 2 * (i + rng.random()) / close - 1) for i in range(close)]
    rng.shuffle(points)
    return points


def delay_for(point: tuple[str, float], window: float, commit_at: float) -> float:
    """The delay in seconds of a kill point, for a write of ``window`` seconds whose COMMIT begins at ``commit_at``."""
    where, x = point
    delay = x * window if where == "window" or commit_at < 0 else commit_at + x * window / 10
    return min(window, max(0.0, delay))


def crash_runs(case: Case, runs: int, rng: random.Random, workdir: Path, *, near: float = 0.5,
               report=None) -> list[Run]:
    """Kill the operation ``runs`` times at spread delays (``near`` of them around the commit); classify each."""
    results = []
    path = workdir / f"run-{case.kind}-{case.journal}.sqlite"
    # The machine is shared: a write can run faster or slower than it did uninterrupted. Each run that finishes
    # before its kill tells how long the write takes now; the delays follow the latest few of them.
    windows, commits = [case.window], [case.commit_at]
    for n, point in enumerate(kill_points(runs, rng, near=near), 1):
        delay = delay_for(point, statistics.median(windows[-5:]), statistics.median(commits[-5:]))
        fresh_copy(case.base, path)
        run = run_child(case.kind, case.journal, path, case.extra, delay,
                        log=workdir / f"run-{case.kind}-{case.journal}.log")
        if not run.killed and run.commit_at >= 0:
            windows.append(run.seconds)
            commits.append(run.commit_at)
        if run.outcome != "error":
            state = inspect(path, case.journal, case.old, case.new)
            run.outcome, run.detail = state.outcome, state.detail
        if run.outcome in BAD:  # keep the evidence
            keep = workdir / f"BAD-{case.kind}-{case.journal}-{n}"
            keep.mkdir(exist_ok=True)
            for p in path.parent.glob(path.name + "*"):
                shutil.copy2(p, keep / p.name)
        results.append(run)
        if report:
            report(n, run)
    return results


def summary(runs: list[Run]) -> dict[tuple[str, str], dict[str, int]]:
    table: dict[tuple[str, str], dict[str, int]] = {}
    for r in runs:
        counts = table.setdefault((r.kind, r.journal), {"old": 0, "new": 0, "torn": 0, "killed": 0, "runs": 0})
        counts["runs"] += 1
        counts["killed"] += r.killed
        key = r.outcome if r.outcome in ("old", "new") else "torn"
        counts[key] += 1
    return table


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=200, help="kills per kind and journal mode (default 200)")
    p.add_argument("--kind", choices=("import", "payment", "both"), default="both")
    p.add_argument("--journal", choices=("wal", "delete", "both"), default="both")
    p.add_argument("--seed", type=int, default=None, help="seed of the delays (default: random, printed)")
    p.add_argument("--households", type=int, default=2000, help="households in the imported workbook")
    p.add_argument("--lines", type=int, default=5000, help="about how many lines the paid batch has (9 in 10 of"
                   " this many households are 在档 and get one)")
    p.add_argument("--near-commit", type=float, default=0.5, metavar="FRACTION",
                   help="share of the kills aimed around the COMMIT (default 0.5; 0: uniform over the write)")
    p.add_argument("--workdir", type=Path, default=None, help="keep the built files here (default: a temp folder)")
    args = p.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="aiddesk-crash-"))
    workdir.mkdir(parents=True, exist_ok=True)
    kinds = KINDS if args.kind == "both" else (args.kind,)
    journals = JOURNALS if args.journal == "both" else (args.journal,)
    print(f"seed {seed}, {args.runs} runs per kind and journal, {args.households} households, files in {workdir}")
    all_runs: list[Run] = []
    for kind in kinds:
        for journal in journals:
            started = time.monotonic()
            case = prepare_case(kind, journal, workdir, args.households if kind == "import" else args.lines)
            print(f"\n{kind}/{journal}: uninterrupted write takes {case.window:.2f} s, its COMMIT begins at "
                  f"{case.commit_at:.3f} s (prepared in {time.monotonic() - started:.0f} s); killing at delays in"
                  f" [0, {case.window:.2f}] s, {args.near_commit:.0%} of them around the COMMIT")
            if case.commits != 1:
                print(f"WARNING: one uninterrupted {kind} issued {case.commits} COMMITs: one user action must be one"
                      " transaction, a kill between them leaves half of it")
            print(f"{'run':>4} {'delay s':>8} {'killed':>6} {'left beside the file':<22} outcome")

            def show(n: int, run: Run) -> None:
                print(f"{n:>4} {run.delay:>8.3f} {'yes' if run.killed else 'no':>6} {run.leftover or '-':<22} "
                      f"{run.outcome}{'  ' + run.detail if run.detail else ''}", flush=True)

            all_runs += crash_runs(case, args.runs, rng, workdir, near=args.near_commit, report=show)
    print(f"\n{'kind':<8} {'journal':<7} {'runs':>5} {'killed':>6} {'old':>5} {'new':>5} {'torn':>5}")
    table = summary(all_runs)
    for (kind, journal), c in table.items():
        print(f"{kind:<8} {journal:<7} {c['runs']:>5} {c['killed']:>6} {c['old']:>5} {c['new']:>5} {c['torn']:>5}")
    torn = sum(c["torn"] for c in table.values())
    print(f"\n{'NO torn state' if not torn else f'{torn} TORN/CORRUPT runs: see BAD-* in ' + str(workdir)}"
          f" (seed {seed})")
    if args.workdir is None and not torn:
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if torn else 0


if __name__ == "__main__":
    sys.exit(main())
