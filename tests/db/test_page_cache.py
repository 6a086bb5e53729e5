"""An import into a big database writes with a bigger page cache, and leaves the connection's own size as it was."""

from __future__ import annotations

import pytest

from aiddesk.db import page_cache
from aiddesk.db.page_cache import IMPORT_KIB, import_kib, larger_page_cache
from aiddesk.services.exchange_import import ExchangeImportService


def _cache_kib(conn) -> int:
    size = conn.execute("PRAGMA cache_size").fetchone()[0]
    return -size if size < 0 else size * conn.execute("PRAGMA page_size").fetchone()[0] // 1024


def test_the_cache_is_bigger_inside_the_block_and_its_own_size_again_after(db):
    before = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    with larger_page_cache(db.conn, IMPORT_KIB):
        assert _cache_kib(db.conn) == IMPORT_KIB
    assert db.conn.execute("PRAGMA cache_size").fetchone()[0] == before


def test_the_cache_is_its_own_size_again_after_a_block_that_fails(db):
    before = db.conn.execute("PRAGMA cache_size").fetchone()[0]
    with pytest.raises(ZeroDivisionError), larger_page_cache(db.conn, IMPORT_KIB):
        1 / 0
    assert db.conn.execute("PRAGMA cache_size").fetchone()[0] == before


def test_a_cache_already_bigger_is_not_made_smaller(db):
    db.conn.execute(f"PRAGMA cache_size = {-2 * IMPORT_KIB}")
    with larger_page_cache(db.conn, IMPORT_KIB):
        assert _cache_kib(db.conn) == 2 * IMPORT_KIB
    assert _cache_kib(db.conn) == 2 * IMPORT_KIB


def test_an_import_is_given_a_quarter_of_the_database_at_most_its_cap(db, monkeypatch):
    pages = db.conn.execute("PRAGMA page_count").fetchone()[0]
    page_size = db.conn.execute("PRAGMA page_size").fetchone()[0]
    assert import_kib(db.conn) == pages * page_size // 1024 // 4 > 16
    monkeypatch.setattr(page_cache, "IMPORT_KIB", 16)  # a cap below a quarter of the test office
    assert import_kib(db.conn) == 16


def test_an_import_into_a_small_database_keeps_the_connections_cache(db):
    own = _cache_kib(db.conn)
    assert import_kib(db.conn) < own  # the test office: a few hundred KB
    with larger_page_cache(db.conn):
        assert _cache_kib(db.conn) == own


def test_an_import_leaves_the_connections_cache_as_it_was(db, actor, export_sub_unit):
    db.conn.execute("PRAGMA cache_size = -1000")
    report = ExchangeImportService(db, actor).import_file(export_sub_unit())
    assert report.ok and report.written
    assert db.conn.execute("PRAGMA cache_size").fetchone()[0] == -1000
