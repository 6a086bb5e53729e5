"""A freshly built demo office passes every integrity check, whoever built it (GUI, CLI, tests)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from aiddesk.cli import main
from aiddesk.core.clock import FixedClock
from aiddesk.core.errors import UserError
from aiddesk.db import open_database
from aiddesk.db.audit import first_broken_entry
from aiddesk.services import demo
from aiddesk.services.demo import build_demo
from aiddesk.services.integrity import all_checks


def test_the_demo_history_is_recorded_as_it_happens_and_its_chain_holds(tmp_path):
    """Years of entries, none rewritten afterwards: the chain holds as the services wrote it."""
    db = open_database(tmp_path / "demo.sqlite", clock=FixedClock(datetime(2026, 11, 26, 9, 0)))
    try:
        build_demo(db, households=25, seed=5)
        first, last = db.conn.execute("SELECT min(at), max(at) FROM audit_log").fetchone()
        assert first < "2013" and last < "2026-11-26"
        assert first_broken_entry(db.conn) is None
        failed = [(c.name, c.problems) for c in all_checks(db) if not c.passed]
        assert failed == []
    finally:
        db.close()


def test_a_failed_build_leaves_the_clock_and_the_database_as_they_were(tmp_path, monkeypatch):
    clock = FixedClock(datetime(2026, 11, 26, 9, 0))
    db = open_database(tmp_path / "demo.sqlite", clock=clock)

    def broken(self, slot):
        raise UserError("演示数据生成失败（测试）")

    monkeypatch.setattr(demo._DemoOffice, "_review", broken)
    try:
        with pytest.raises(UserError, match="测试"):
            build_demo(db, households=25, seed=5)
        assert db.clock is clock and clock.now() == datetime(2026, 11, 26, 9, 0)
        assert db.conn.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 0
        assert not db.attachment_dir.exists()
    finally:
        db.close()


def test_a_demo_cannot_be_dated_before_its_first_archive(tmp_path):
    db = open_database(tmp_path / "demo.sqlite")
    try:
        with pytest.raises(UserError, match="2014"):
            build_demo(db, households=5, today=date(2013, 6, 1))
    finally:
        db.close()


def test_cli_demo_then_check_passes(tmp_path, capsys):
    path = tmp_path / "cli-demo.sqlite"
    assert main(["--db", str(path), "demo", "--households", "8", "--seed", "3"]) == 0
    assert main(["--db", str(path), "check"]) == 0
    assert "问题" not in capsys.readouterr().out
