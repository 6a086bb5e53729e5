"""The annual fund report over 1 000 000 paid aid records (the issue asks for under 1 s).

Usage::

    .venv/bin/python benchmarks/bench_fund_report.py [--records 1000000] [--runs 5]

Builds (once, cached in benchmarks/.cache/) a centre with 40 sub-units, 5 000 households,
2 000 batches and the given number of aid records all paid in the report's year, spread over
every fund source and 救助类别, a quarter of them in sub-units' batches; plus a ledger and
sub-units' reported use. Then times ``fund_report`` + ``to_json`` (what ``aiddesk report funds
--json`` does) and ``available`` (the balance check run on every payment), cold and warm.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiddesk.core.codes import code_list  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.services.fund_report import fund_report  # noqa: E402
from aiddesk.services.funds import available  # noqa: E402

YEAR = 2025
CENTRE = "BM0000"


def build(path: Path, records: int) -> None:
    rng = random.Random(4)
    db = open_database(path)
    conn = db.conn
    sources = code_list("fund_source")
    categories = code_list("aid_category")
    subunits = [f"BM{i:02d}00" for i in range(1, 41)]
    with db.transaction():
        conn.execute("INSERT INTO units (code, name, level, is_own) VALUES (?, '基准测试中心', '省级', 1)", (CENTRE,))
        conn.executemany("INSERT INTO units (code, name, parent_code, level) VALUES (?, ?, ?, '地市级')",
                         [(c, f"基准下级{c}", CENTRE) for c in subunits])
        conn.executemany(
            "INSERT INTO households (archive_no, unit_code, name, name_initials, name_pinyin, id_number,"
            " hardship_category, archive_status, created_date, updated_at) VALUES (?, ?, ?, 'zs', 'zhangsan', ?,"
            " '低保户', '在档', '2020-01-01', '2020-01-01T00:00:00')",
            [(f"DA{i:06d}", rng.choice(subunits), "张三", f"46010019750101{i:04d}") for i in range(5000)])
        batches = []
        for i in range(2000):
            unit = CENTRE if i % 4 else rng.choice(subunits)
            batches.append((f"PC{YEAR}-{i:04d}", f"批次{i}", "生活救助", YEAR, unit, "已发放", "bench", "x", "x"))
        conn.executemany("INSERT INTO batches (code, name, activity, year, unit_code, status, clerk, created_at,"
                         " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", batches)
        chunk = 100_000
        for start in range(0, records, chunk):
            rows = []
            for n in range(start, min(records, start + chunk)):
                month, day = rng.randrange(1, 13), rng.randrange(1, 29)
                rows.append((f"MX{n:08d}", rng.randrange(1, 2001), rng.randrange(1, 5001), "张三",
                             "460100197501010000", rng.choice(categories), rng.choice(sources),
                             rng.randrange(50_000, 500_000), f"{YEAR}-{month:02d}-{day:02d}", "bench", "x"))
            conn.executemany(
                "INSERT INTO aid_records (record_no, batch_id, household_id, recipient_name, recipient_id_number,"
                " aid_category, fund_source, amount_fen, paid_on, created_by, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        entries = []
        for i, source in enumerate(sources):
            entries.append((f"{CENTRE}-ZJ{YEAR}-{i:04d}", CENTRE, YEAR, f"{YEAR}-01-10", source, "到账",
                            records * 30_000, None))
            for j, unit in enumerate(subunits):
                entries.append((f"{CENTRE}-ZJ{YEAR}-{1000 + i * 100 + j:04d}", CENTRE, YEAR, f"{YEAR}-02-01", source,
                                "直拨下级", 1_000_000, unit))
        conn.executemany("INSERT INTO fund_entries (entry_no, unit_code, year, entry_date, fund_source, kind,"
                         " amount_fen, counterpart_code, created_by, created_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'bench', 'x')", entries)
        conn.executemany("INSERT INTO subunit_usage (unit_code, year, fund_source, aid_category, amount_fen, count)"
                         " VALUES (?, ?, ?, ?, ?, ?)",
                         [(u, YEAR, s, c, 100_000, 3) for u in subunits for s in sources[:3] for c in categories])
    conn.execute("ANALYZE")
    db.close()


def timed(fn, runs: int) -> tuple[float, list[float]]:
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times[0], times[1:]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--records", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    path = ROOT / "benchmarks" / ".cache" / f"bench-funds-{args.records}.sqlite"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        build(path, args.records)
        print(f"built {path.name} in {time.perf_counter() - start:.0f} s ({path.stat().st_size / 1e6:.0f} MB)")
    db = open_database(path)
    total = db.conn.execute("SELECT count(*) FROM aid_records").fetchone()[0]
    report = fund_report(db, YEAR)
    assert report.overall().total.count >= total, "every record counts in the year"
    first, warm = timed(lambda: fund_report(db, YEAR).to_json(), args.runs)
    print(f"fund report + JSON over {total:,} aid records: first {first:.0f} ms, then median "
          f"{statistics.median(warm):.0f} ms (runs: {', '.join(f'{t:.0f}' for t in warm)})")
    first, warm = timed(lambda: available(db.conn, CENTRE, YEAR), args.runs)
    print(f"balance check (available) before a payment: first {first:.0f} ms, then median "
          f"{statistics.median(warm):.0f} ms")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
