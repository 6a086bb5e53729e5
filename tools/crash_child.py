"""One operation for the crash harness, run in a fresh interpreter that the harness may SIGKILL at any moment.

Usage (the harness calls it; by hand only to time it)::

    .venv/bin/python tools/crash_child.py --kind import|payment --db FILE --journal wal|delete [--workbook X|--batch N]

Prints ``WRITE <monotonic>`` the instant before the writing service call starts (the harness times its kill
from that line), then ``DONE <seconds> commits=<n> commit_at=<seconds>`` after it returned and the database was
closed: how many top-level COMMITs the call issued (one user action must be one transaction) and when the first
began, counted from WRITE (the harness aims part of its kills at that moment).
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The day the harness's batch is paid: after its second notice (see crash_harness.prepare_payment).
PAID_ON = date(2026, 12, 20)


def force_journal_mode(journal: str) -> None:
    """Open databases in ``journal`` mode whatever the drive: DELETE is what a network drive gets.

    Only this process is patched; aiddesk/db/connection.py decides the mode by the path in real use.
    """
    from aiddesk.db import connection

    mode = {"wal": "WAL", "delete": "DELETE"}[journal]
    connection.journal_mode_for = lambda path: mode


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--kind", choices=("import", "payment"), required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--journal", choices=("wal", "delete"), required=True)
    p.add_argument("--workbook", help="the exchange workbook to import (kind import)")
    p.add_argument("--batch", type=int, help="the approved batch to pay (kind payment)")
    args = p.parse_args()
    force_journal_mode(args.journal)

    from aiddesk.core.clock import FixedClock
    from aiddesk.db import open_database
    from aiddesk.db.audit import Actor

    db = open_database(args.db, clock=FixedClock(PAID_ON))  # the payment is registered on the day it was made
    commits: list[float] = []

    def watch(statement: str) -> None:
        # Called by SQLite before each statement; the services' transactions end with a plain COMMIT.
        if statement.lstrip()[:6].upper() == "COMMIT":
            commits.append(time.monotonic())

    db.conn.set_trace_callback(watch)
    if args.kind == "import":
        from aiddesk.services.exchange_import import ExchangeImportService

        service = ExchangeImportService(db, Actor("导入员", "命令行"))
        report = service.check(args.workbook)  # reads only: a kill here trivially leaves the old state
        if not report.ok:
            print(f"workbook refused: {[i.as_dict() for i in report.errors[:3]]}", file=sys.stderr)
            return 2
        start = time.monotonic()
        print(f"WRITE {start}", flush=True)
        service.apply(report)
    else:
        from aiddesk.services.payments import PaymentService

        service = PaymentService(db, Actor("jingban", "界面", ("经办人",)))
        start = time.monotonic()
        print(f"WRITE {start}", flush=True)
        result = service.mark_paid(args.batch, paid_on=PAID_ON)
        if not result.finished:
            print(f"batch not finished: {result}", file=sys.stderr)
            return 2
    db.close()  # in WAL mode this checkpoints: a kill here is part of what is tested
    first = commits[0] - start if commits else -1.0
    print(f"DONE {time.monotonic() - start:.4f} commits={len(commits)} commit_at={first:.4f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
