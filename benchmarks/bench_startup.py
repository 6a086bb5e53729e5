"""Start-up to a usable window, and memory, on a large database (run: python benchmarks/bench_startup.py DB)."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

CHILD = r"""
import os, resource, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from aiddesk.ui.app import setup_application
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.users import all_users
from aiddesk.ui.main_window import MainWindow
app = setup_application()
db = open_database(sys.argv[1])
user = [u for u in all_users(db.conn) if "管理员" in u.roles][0]   # login itself is the user's typing time
t = time.perf_counter()
window = MainWindow(db=db, user=user, actor=Actor(user.username, "界面"))
window.show()
app.processEvents()
open_ms = (time.perf_counter() - t) * 1000
print("ready", flush=True)
model = window.list_view.model
t = time.perf_counter()
for _ in range(50):                      # scroll through 10 000 rows
    model.fetchMore()
scroll_ms = (time.perf_counter() - t) * 1000
app.processEvents()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"main window (工作台 shown, archive list loaded) opened in {open_ms:.0f} ms; rows={model.rowCount()} total={model.total} "
      f"scroll10k_ms={scroll_ms:.0f} peak_rss_mb={rss:.0f}", flush=True)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("db", help="database built by benchmarks/bench_archive.py")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    times, last = [], ""
    for _ in range(args.runs):
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", CHILD, args.db], stdout=subprocess.PIPE, text=True, env=env)
        line = proc.stdout.readline()
        assert line.strip() == "ready", line
        times.append((time.perf_counter() - start) * 1000)
        last = proc.stdout.readline().strip()
        proc.wait()
    print(f"start-up to usable window (process spawn → list shown): median {statistics.median(times):.0f} ms, "
          f"runs {', '.join(f'{t:.0f}' for t in times)}")
    print(last)


if __name__ == "__main__":
    main()
