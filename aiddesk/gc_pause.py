"""Pausing Python's cyclic garbage collector while bulk work builds hundreds of thousands of objects.

An import or export makes a few million tuples, lists and rows, none of them in a cycle. The collector
still walks them again and again as they pile up: measured on the issue's workbook, a fifth of the
import check's time. Reference counting frees everything as usual meanwhile; only cycles wait until the
pause ends. (The GUI already collects on its own timer, see ui/gc_guard.py: the pause then changes nothing.)
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
