"""A freshly built demo office passes every integrity check, whoever built it (GUI, CLI, tests)."""

from __future__ import annotations

from datetime import date

from aiddesk.cli import main
from aiddesk.db import open_database
from aiddesk.db.audit import first_broken_entry
from aiddesk.services.demo import build_demo
from aiddesk.services.integrity import all_checks


def test_build_demo_seals_the_audit_chain_itself(tmp_path):
    db = open_database(tmp_path / "demo.sqlite")
    try:
        build_demo(db, households=25, seed=5, today=date(2026, 11, 26))
        backdated = db.conn.execute("SELECT count(*) FROM audit_log WHERE at < '2026-11-01'").fetchone()[0]
        assert backdated > 0  # the demo does backdate entries: the chain holds only because it was sealed
        assert first_broken_entry(db.conn) is None
        failed = [(c.name, c.problems) for c in all_checks(db) if not c.passed]
        assert failed == []
    finally:
        db.close()


def test_cli_demo_then_check_passes(tmp_path, capsys):
    path = tmp_path / "cli-demo.sqlite"
    assert main(["--db", str(path), "demo", "--households", "8", "--seed", "3"]) == 0
    assert main(["--db", str(path), "check"]) == 0
    assert "问题" not in capsys.readouterr().out
