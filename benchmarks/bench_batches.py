"""Adding recipients to a batch from a filter at 100 000 households (run after bench_archive.py built its database).

Usage::

    .venv/bin/python benchmarks/bench_batches.py [--db benchmarks/.cache/bench-100000.sqlite] [--runs 5]

Every run happens inside a transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aiddesk.core.batch import Batch  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402
from aiddesk.db.household_list import HouseholdFilter  # noqa: E402
from aiddesk.services.batches import BatchService  # noqa: E402


class _Rollback(Exception):
    pass


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--db", type=Path, default=ROOT / "benchmarks" / ".cache" / "bench-100000.sqlite")
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    db = open_database(args.db)
    # Units whose open archives add up to about 1 000 households.
    units, total = [], 0
    for code, n in db.conn.execute("SELECT unit_code, count(*) FROM households WHERE archive_status = '在档'"
                                   " GROUP BY unit_code ORDER BY count(*)"):
        units.append(code)
        total += n
        if total >= 1000:
            break
    own = db.conn.execute("SELECT code FROM units WHERE is_own = 1").fetchone()[0]
    service = BatchService(db, Actor("bench", "命令行"))
    times, added = [], 0
    for _ in range(args.runs + 1):
        try:
            with db.transaction():
                batch_id = service.save_draft(Batch(name="基准测试送温暖", activity="送温暖", year=2026, unit_code=own,
                                                    fund_sources=["省总工会经费"], standard=Decimal("1000.00")))
                start = time.perf_counter()
                result = service.add_from_filter(batch_id, HouseholdFilter(unit_codes=tuple(units)))
                times.append((time.perf_counter() - start) * 1000)
                added = result.added
                raise _Rollback
        except _Rollback:
            pass
    print(f"add_from_filter: {added} recipients from {len(units)} units in median {statistics.median(times[1:]):.0f} ms "
          f"(runs: {', '.join(f'{t:.0f}' for t in times[1:])}; first {times[0]:.0f} ms)")
    db.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
