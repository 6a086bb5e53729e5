"""Garbage collection only on the GUI thread: a Qt object freed from a worker thread crashes the process.

Python's cyclic collector runs in whichever thread happens to allocate when a
threshold is reached. If that is a worker (printing, say) and the garbage holds
widgets from the GUI thread, Qt deletes them from the wrong thread and the
process dies (seen: a segfault while a print job loaded its font). As Anki does,
automatic collection is switched off and a timer collects on the GUI thread.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 3000


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject):
        super().__init__(parent)
        gc.disable()
        self.timer = QTimer(self)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.collect)
        self.timer.start()

    def collect(self) -> int:
        return gc.collect()


def install(app: QObject) -> GuiThreadCollector:
    """Once per application; later calls return the collector already installed."""
    existing = app.findChild(GuiThreadCollector)
    return existing or GuiThreadCollector(app)
