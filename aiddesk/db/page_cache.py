"""A bigger SQLite page cache for one big write into a big database (an import at a centre), then its own again."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

# An import writes into the archive's two dozen indexes, the members' and the lines'. In a centre's database of
# many units these are far bigger than SQLite's default cache (2 MB): their pages leave memory and come back every
# few rows. With up to 64 MB, writing a unit's year into a centre of 80 000 households took 6.6 s instead of
# 12.9 s; 128 MB gave little more (6.2 s). Into a new or small database it makes no difference, so the cache is
# a quarter of the database at most: an office's first import keeps its memory (benchmarks/bench_consolidation.py).
IMPORT_KIB = 64 * 1024
SHARE = 4


def import_kib(conn: sqlite3.Connection) -> int:
    """The cache an import into ``conn``'s database is given: a quarter of the database, at most IMPORT_KIB (KiB)."""
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return min(IMPORT_KIB, pages * page_size // 1024 // SHARE)


def _kib(conn: sqlite3.Connection, size: int) -> int:
    """PRAGMA cache_size in KiB (negative: KiB already; positive: pages)."""
    return -size if size < 0 else size * conn.execute("PRAGMA page_size").fetchone()[0] // 1024


@contextmanager
def larger_page_cache(conn: sqlite3.Connection, kib: int | None = None) -> Iterator[None]:
    """Let ``conn`` keep up to ``kib`` KiB of pages (default :func:`import_kib`) while the block runs — never less
    than it had — then its own size again: the memory goes back as the pages do, the connection is as it was."""
    before = conn.execute("PRAGMA cache_size").fetchone()[0]
    kib = import_kib(conn) if kib is None else kib
    if _kib(conn, before) >= kib:
        yield
        return
    conn.execute(f"PRAGMA cache_size = {-int(kib)}")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA cache_size = {int(before)}")
