"""The Qt binding itself: a long session must not crash the program (PySide6 6.12.0 aborted after ~4 500 calls)."""

from __future__ import annotations

import os
import subprocess
import sys

LOOP = """
import sys
from PySide6.QtWidgets import QApplication, QLabel
app = QApplication([])
label = QLabel()
before = sys.getrefcount(None)
for _ in range(20000):
    label.setText("张三")   # a method returning nothing, as most widget calls do
    label.setEnabled(True)
print(sys.getrefcount(None) - before)
"""


def test_forty_thousand_widget_calls_leave_none_alone():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", LOOP], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-500:]
    assert abs(int(done.stdout.strip().splitlines()[-1])) < 100
