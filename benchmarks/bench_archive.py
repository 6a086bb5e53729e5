"""Archive-list speed on a big database: count + first page for the default list and each quick search.

Usage::

    .venv/bin/python benchmarks/bench_archive.py [--households 100000] [--db PATH] [--runs 7] [--rebuild]

The database is built once with the demo builder (no attachment files) and
cached at ``benchmarks/.cache/bench-<N>.sqlite``; the build runs in a child
process, so the peak memory reported here is that of the queries alone.
Every case is timed with ``time.perf_counter`` (one warm-up, then the median
of ``--runs``); anything slower than the budget (20 ms, issue 17) is printed
with its ``EXPLAIN QUERY PLAN``. The machine's speed at the moment is printed
first (bench_exchange.calibration): compare runs by it.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.household_list import (HouseholdFilter, count_by_status, find_households,  # noqa: E402
                                      list_households)
from aiddesk.db.units import subtree_codes  # noqa: E402
from bench_exchange import calibration  # noqa: E402

CACHE = ROOT / "benchmarks" / ".cache"
BUDGET_MS = 20.0  # count + first page of every case (issue 17: the centre's 100 000 households)
SEED = 2015


def _args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--households", type=int, default=100_000)
    p.add_argument("--db", type=Path, help="database to use (built there if missing)")
    p.add_argument("--runs", type=int, default=7, help="timed runs per case (median reported)")
    p.add_argument("--rebuild", action="store_true", help="build the database again even if it exists")
    p.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)  # the child process
    return p.parse_args(argv)


# --------------------------------------------------------------------------- building


def _build(path: Path, households: int) -> None:
    """Build into ``<path>.building`` and move it into place whole, so a broken build is never reused."""
    from aiddesk.services.demo import build_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".building")
    for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
        leftover.unlink(missing_ok=True)
    db = open_database(tmp)
    start = time.perf_counter()

    def progress(done: int, total: int) -> None:
        if done % 5000 == 0 or done == total:
            print(f"  built {done}/{total} households, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)

    summary = build_demo(db, households=households, seed=SEED, progress=progress, attachments=False)
    seconds = time.perf_counter() - start
    db.close()  # last connection: checkpoints and removes the WAL
    if tmp.with_name(tmp.name + "-wal").exists():
        raise SystemExit("the write-ahead log is still there after closing; not moving the database")
    os.replace(tmp, path)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"built {summary.households} households ({summary.people} people, {summary.units} units) "
          f"in {seconds:.1f} s, peak RSS {rss:.0f} MB -> {path}", flush=True)


def _ensure_database(path: Path, households: int, rebuild: bool) -> None:
    if path.exists() and not rebuild:
        print(f"reusing {path}")
        return
    if rebuild:
        path.unlink(missing_ok=True)
    print(f"building {households} households into {path} (once; later runs reuse it) …", flush=True)
    subprocess.run([sys.executable, __file__, "--build-only", "--households", str(households), "--db", str(path)],
                   check=True)


# --------------------------------------------------------------------------- measuring


@dataclass
class Case:
    label: str
    flt: HouseholdFilter
    sort: str = "archive_no"
    descending: bool = False
    after_rows: int = 0   # start the page after this many rows (keyset), as scrolling does
    rows: int = 0
    count_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    total_ms: list[float] = field(default_factory=list)

    def median(self, what: str) -> float:
        return statistics.median(getattr(self, what)[1:])  # [0] is the warm-up


def _cases(conn, today: date, households: int) -> list[Case]:
    sample, phone = conn.execute("SELECT id_number, phone FROM households WHERE id = ?",
                                 (households // 2 or 1,)).fetchone()
    tail = sample[-4:]
    # A family member's number (a child's: what a 金秋助学 line names), and an ID ending in X typed as x.
    member = conn.execute("SELECT m.id_number FROM members m JOIN households h ON h.id = m.household_id"
                          " WHERE m.id_number IS NOT NULL AND m.id_number != '' AND h.archive_status = '在档'"
                          " ORDER BY m.id LIMIT 1 OFFSET ?", (households // 2,)).fetchone()  # one the default list shows
    with_x = conn.execute("SELECT id_number FROM households WHERE id_number LIKE '%X' ORDER BY id LIMIT 1").fetchone()
    # An old 15-digit number (born 19xx): the archive keeps the 18-digit one it became.
    old = conn.execute("SELECT id_number FROM households WHERE substr(id_number, 7, 2) = '19' ORDER BY id"
                       " LIMIT 1 OFFSET ?", (households // 3,)).fetchone()
    unit = conn.execute("SELECT code, name FROM units WHERE name = '省财贸工会'").fetchone()
    grassroots = conn.execute("SELECT code, name FROM units WHERE name = '海南电网公司工会'").fetchone()
    f = lambda **kw: HouseholdFilter(today=today, **kw)  # noqa: E731
    return [
        Case("默认列表（在档+临时）", f()),
        Case("全部状态", f(statuses=())),
        Case("姓名“王”（姓名或名字的开头）", f(text="王")),
        Case("姓名“符海”", f(text="符海")),
        Case(f"身份证尾号 {tail}", f(text=tail)),
        Case("完整身份证号", f(text=sample)),
        *([Case("身份证号末位小写x", f(text=with_x[0].lower()))] if with_x else []),
        *([Case("旧15位身份证号", f(text=old[0][:6] + old[0][8:17]))] if old else []),
        *([Case("家庭成员身份证号", f(text=member[0])),
           Case(f"家庭成员身份证尾号 {member[0][-6:]}", f(text=member[0][-6:]))] if member else []),
        *([Case("完整手机号码", f(text=phone)), Case(f"手机尾号 {phone[-4:]}", f(text=phone[-4:]))] if phone else []),
        Case("拼音首字母 zs", f(text="zs")),
        Case("拼音首字母 wjh", f(text="wjh")),
        Case("全拼 wang", f(text="wang")),
        Case("类别 低保户", f(category="低保户")),
        Case("致困原因 患重特大疾病", f(cause="患重特大疾病")),
        Case("农民工", f(migrant=True)),
        Case(f"单位 {unit['name']}（含下级）", f(unit_codes=tuple(subtree_codes(conn, unit["code"])))),
        Case(f"单位 {grassroots['name']}", f(unit_codes=(grassroots["code"],))),
        Case("一年未更新", f(stale=True)),
        Case("资料不全", f(incomplete=True)),
        Case("一年未更新+资料不全+低保户", f(stale=True, incomplete=True, category="低保户")),
        Case("默认列表 按姓名排序", f(), sort="name"),
        Case("默认列表 按人均收入倒序", f(), sort="per_capita", descending=True),
        Case("默认列表 第251页（第50000行之后）", f(), after_rows=50_000),
    ]


def _time(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def _after(conn, case: Case) -> tuple | None:
    """The key of the row a deep page starts after (found once, untimed, as earlier pages would)."""
    if not case.after_rows:
        return None
    rows = list_households(conn, case.flt, sort=case.sort, descending=case.descending, limit=case.after_rows)
    return rows[-1]["sort_key"], rows[-1]["id"]


def _page(conn, case: Case, found, after):
    return list_households(conn, case.flt, found=found, sort=case.sort, descending=case.descending, after=after)


def _measure(conn, case: Case, runs: int) -> None:
    """What the list does on each filter change: find (counts, ids when few), then the first page."""
    after = _after(conn, case)
    for _ in range(runs + 1):
        count_ms, found = _time(lambda: find_households(conn, case.flt))
        case.rows = found.total
        page_ms, _page_rows = _time(lambda: _page(conn, case, found, after))
        case.count_ms.append(count_ms)
        case.page_ms.append(page_ms)
        case.total_ms.append(count_ms + page_ms)


def _statements(conn, fn) -> list[str]:
    """The SQL ``fn`` runs, with its parameters filled in (for EXPLAIN QUERY PLAN)."""
    seen: list[str] = []
    conn.set_trace_callback(seen.append)
    try:
        fn()
    finally:
        conn.set_trace_callback(None)
    return [s for s in seen if s.lstrip().upper().startswith("SELECT")]


def _plan(conn, sql: str) -> list[str]:
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    depth = {0: 0}
    out = []
    for node, parent, _, detail in rows:
        depth[node] = depth.get(parent, 0) + 1
        out.append("  " * depth[node] + detail)
    return out


def main(argv: list[str] | None = None) -> int:
    args = _args(argv)
    path = (args.db or CACHE / f"bench-{args.households}.sqlite").resolve()
    if args.build_only:
        _build(path, args.households)
        return 0
    _ensure_database(path, args.households, args.rebuild)

    db = open_database(path, create=False)
    conn = db.conn
    today = db.clock.today()
    total = conn.execute("SELECT count(*) FROM households").fetchone()[0]
    members = conn.execute("SELECT count(*) FROM members").fetchone()[0]
    size_mb = path.stat().st_size / 2 ** 20
    print(f"\n{path.name}: {total} households, {members} members, {size_mb:.0f} MB; "
          f"median of {args.runs} runs after one warm-up, ms")
    print(f"machine now: a 10-million-step Python loop takes {calibration():.2f} s (compare runs by this: a shared"
          " or throttled machine's speed moves from minute to minute)\n")

    cases = _cases(conn, today, total)
    status_ms = []
    for _ in range(args.runs + 1):
        ms, statuses = _time(lambda: count_by_status(conn, HouseholdFilter(today=today)))
        status_ms.append(ms)
    for case in cases:
        _measure(conn, case, args.runs)

    width = max(len(c.label) for c in cases) + 2
    header = f"{'case':<{width}}{'rows':>8}{'count':>9}{'page':>9}{'total':>9}{'cold':>9}"
    print(header)
    print("-" * (len(header) + 8))
    print(f"{'状态计数 count_by_status':<{width}}{'':>8}{statistics.median(status_ms[1:]):>9.1f}"
          f"{'':>9}{statistics.median(status_ms[1:]):>9.1f}{status_ms[0]:>9.1f}  {dict(statuses)}")
    slow = []
    for c in cases:
        total_ms = c.median("total_ms")
        flag = f"  > {BUDGET_MS:.0f} ms" if total_ms > BUDGET_MS else ""
        print(f"{c.label:<{width}}{c.rows:>8}{c.median('count_ms'):>9.1f}{c.median('page_ms'):>9.1f}"
              f"{total_ms:>9.1f}{c.total_ms[0]:>9.1f}{flag}")
        if flag:
            slow.append(c)
    if statistics.median(status_ms[1:]) > BUDGET_MS:
        print("状态计数 count_by_status is over the budget too")

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS of this process: {rss:.0f} MB")

    for c in slow:
        print(f"\n=== {c.label}: {c.median('total_ms'):.1f} ms (count {c.median('count_ms'):.1f}, "
              f"page {c.median('page_ms'):.1f})")
        found = find_households(conn, c.flt)
        sqls = _statements(conn, lambda: find_households(conn, c.flt)) + _statements(
            conn, lambda: _page(conn, c, found, _after(conn, c)))
        for sql in sqls:
            print(sql)
            print("\n".join(_plan(conn, sql)))
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
