"""A centre takes in a sub-unit's newer book that drops every one of its 100 000 帮扶明细 (issue 16, item 21).

Usage::

    .venv/bin/python benchmarks/bench_replace.py [--households 20000] [--without-index]

The sub-unit's office is bench_exchange.py's (20 000 households, 100 000 lines, cached in benchmarks/.cache/).
Its year is exported, imported into a centre that has the sub-unit under its own unit, then the sub-unit's
lines are taken out and its year exported again, later: importing that newer book replaces the older one and
so deletes the 100 000 lines with everything that points at them. Target: the replacement under 10 s.
``--without-index`` drops the index on aid_records.corrects_id before the replacement, to show what it was
without (each deleted line then scans the table for lines correcting it: quadratic).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_exchange import CACHE, CENTRE, YEAR, build, calibration, database_path  # noqa: E402

from aiddesk.core.clock import FixedClock  # noqa: E402
from aiddesk.db import open_database  # noqa: E402
from aiddesk.db.audit import Actor  # noqa: E402
from aiddesk.db.units import Unit  # noqa: E402
from aiddesk.exchange.export import export_workbook  # noqa: E402
from aiddesk.services import units  # noqa: E402
from aiddesk.services.exchange_import import ExchangeImportService  # noqa: E402

ACTOR = Actor("bench", "命令行")
CENTRE_OF_CENTRE = "BMTOP"  # the provincial centre above the benchmark's office


def books(households: int) -> tuple[Path, Path, int]:
    """The sub-unit's year as exported first, and again later with its lines taken out; how many lines."""
    source = database_path(households)
    if not source.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        build(source, households, households * 7 // 2, households * 5)
    first, second = CACHE / f"replace-{households}-first.xlsx", CACHE / f"replace-{households}-second.xlsx"
    db = open_database(source, clock=FixedClock(datetime(YEAR + 1, 1, 5, 10, 0)))
    lines = db.conn.execute("SELECT count(*) FROM aid_records").fetchone()[0]
    if not first.exists():
        export_workbook(db, first, year=YEAR, actor=ACTOR)
    db.close()
    if not second.exists():
        emptied = CACHE / f"replace-{households}-emptied.sqlite"
        shutil.copyfile(source, emptied)
        db = open_database(emptied, clock=FixedClock(datetime(YEAR + 1, 2, 1, 9, 0)))
        with db.transaction() as conn:  # the sub-unit found its lines were entered under the wrong year
            for table in ("phone_calls", "draw_items", "problems", "aid_attachments", "objections"):
                conn.execute(f"DELETE FROM {table} WHERE aid_record_id IS NOT NULL")
            conn.execute("DELETE FROM aid_records")
        export_workbook(db, second, year=YEAR, actor=ACTOR)
        db.close()
        emptied.unlink()
    return first, second, lines


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--households", type=int, default=20_000)
    p.add_argument("--without-index", action="store_true", help="drop aid_records_corrects before replacing")
    args = p.parse_args()
    first, second, lines = books(args.households)
    print(f"machine now: a 10-million-step Python loop takes {calibration():.2f} s")
    centre_path = CACHE / f"replace-centre-{args.households}.sqlite"
    centre_path.unlink(missing_ok=True)
    centre = open_database(centre_path, clock=FixedClock(datetime(YEAR + 1, 2, 10, 9, 0)))
    units.save_unit(centre, ACTOR, Unit(CENTRE_OF_CENTRE, "基准测试省中心", "省级"), new=True)
    units.save_unit(centre, ACTOR, Unit(CENTRE, "基准测试中心", "地市级", CENTRE_OF_CENTRE), new=True)
    service = ExchangeImportService(centre, ACTOR)
    start = time.perf_counter()
    report = service.import_file(first)
    if report.errors:
        print("first import refused:", [e.as_dict() for e in report.errors[:3]])
        return 1
    print(f"first import: {time.perf_counter() - start:.1f} s, "
          f"{centre.conn.execute('SELECT count(*) FROM aid_records').fetchone()[0]:,} lines")
    if args.without_index:
        centre.conn.execute("DROP INDEX aid_records_corrects")
    start = time.perf_counter()
    report = service.import_file(second)
    seconds = time.perf_counter() - start
    if report.errors:
        print("replacement refused:", [e.as_dict() for e in report.errors[:3]])
        return 1
    left = centre.conn.execute("SELECT count(*) FROM aid_records").fetchone()[0]
    print(f"replacement dropping {lines:,} lines: {seconds:.1f} s (target < 10 s), lines left {left:,}")
    centre.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
