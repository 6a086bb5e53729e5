"""SIGKILL during an import and a batch payment, WAL and DELETE journal: the file is old or new, never half.

A small count of tools/crash_harness.py's runs; the large one is ``.venv/bin/python tools/crash_harness.py``.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tools"))

import crash_harness as harness  # noqa: E402

KILLS = 6  # per kind and journal mode: 24 kills, about half a minute on two cores
SIZE = {"import": 500, "payment": 1500}  # households in the workbook; about how many lines the batch pays


@pytest.fixture(scope="module")
def crashed(tmp_path_factory):
    """Every kind in every journal mode: the prepared case and the runs killed at spread delays."""
    workdir = tmp_path_factory.mktemp("crash")
    rng = random.Random(20261126)
    cases, runs = {}, []
    for kind in harness.KINDS:
        for journal in harness.JOURNALS:
            case = harness.prepare_case(kind, journal, workdir, SIZE[kind])
            cases[kind, journal] = case
            runs += harness.crash_runs(case, KILLS, rng, workdir)
    return workdir, cases, runs


@pytest.mark.parametrize("journal", harness.JOURNALS)
@pytest.mark.parametrize("kind", harness.KINDS)
def test_a_kill_leaves_the_old_or_the_new_state(crashed, kind, journal):
    _, _, runs = crashed
    mine = [r for r in runs if (r.kind, r.journal) == (kind, journal)]
    assert len(mine) == KILLS
    bad = [(round(r.delay, 3), r.leftover, r.outcome, r.detail) for r in mine if r.outcome not in ("old", "new")]
    assert not bad, f"torn, corrupt or unopenable after a kill: {bad}"


def test_the_kills_fall_on_both_sides_of_the_commit(crashed):
    _, _, runs = crashed
    outcomes = [r.outcome for r in runs]
    # Delays spread over the whole write: early kills must find the old state, late ones the new.
    assert "old" in outcomes and "new" in outcomes, outcomes
    assert sum(r.killed for r in runs) > len(runs) // 2, "most runs must really be killed, not finish first"
    for kind in harness.KINDS:
        assert any(r.outcome == "old" and r.killed for r in runs if r.kind == kind), kind


def test_each_operation_is_one_transaction(crashed):
    """Two COMMITs in one import or payment would let a kill between them leave half of it."""
    _, cases, _ = crashed
    assert {key: case.commits for key, case in cases.items()} == {key: 1 for key in cases}
    for case in cases.values():  # the harness aims half its kills here: the COMMIT lies inside the window
        assert 0 < case.commit_at <= case.window


def test_delays_cover_the_window_and_crowd_the_commit():
    points = harness.kill_points(20, random.Random(1), near=0.5)
    delays = [harness.delay_for(p, 1.0, 0.8) for p in points]
    assert len(delays) == 20 and all(0 <= d <= 1.0 for d in delays)
    assert sum(0.7 <= d <= 0.9 for d in delays) >= 10
    assert sum(d < 0.5 for d in delays) >= 4  # the spread half: one in each tenth of the window
    assert harness.delay_for(("commit", 1.0), 1.0, 0.95) == 1.0  # never past the end of the write


def test_old_and_new_states_differ_where_the_operation_writes(crashed):
    _, cases, _ = crashed
    for (kind, journal), case in cases.items():
        changed = {t for t in case.new if case.new[t] != case.old.get(t)}
        expected = {"households", "aid_records", "audit_log"} if kind == "import" else {"aid_records", "batches",
                                                                                        "audit_log"}
        assert expected <= changed, (kind, journal, changed)


def _inspect_damaged(crashed, kind: str, journal: str, name: str, sql: str):
    """A copy of the prepared case with ``sql`` run on it outside the program (foreign keys off), as inspected."""
    workdir, cases, _ = crashed
    case = cases[kind, journal]
    path = harness.fresh_copy(case.base, workdir / name)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql)
    conn.close()
    return harness.inspect(path, journal, case.old, case.new)


def test_half_a_payment_is_reported_as_torn(crashed):
    """The check must be able to fail: half the batch marked paid is neither state."""
    found = _inspect_damaged(crashed, "payment", "wal", "half-paid.sqlite",
                             "UPDATE aid_records SET paid_on = '2026-12-20' WHERE id IN"
                             " (SELECT id FROM aid_records WHERE paid_on IS NULL ORDER BY id LIMIT 100)")
    assert found.outcome == "torn"
    assert "aid_records" in found.detail


def test_a_dangling_reference_is_reported_as_corrupt(crashed):
    # Foreign keys are off in a plain connection, as a broken writer would leave them.
    found = _inspect_damaged(crashed, "import", "delete", "dangling.sqlite",
                             "INSERT INTO members (household_id, seq, name, relation, id_number, gender)"
                             " VALUES (999999, 1, '李四', '配偶', '460100197603020011', '男')")
    assert found.outcome == "corrupt"
    assert "foreign_key_check" in found.detail


def test_the_command_exits_0_and_prints_the_counts(crashed, capsys):
    workdir, _, _ = crashed
    status = harness.main(["--runs", "2", "--kind", "payment", "--journal", "delete", "--seed", "3",
                           "--lines", str(SIZE["payment"]), "--workdir", str(workdir)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "payment  delete      2" in out
    assert "NO torn state (seed 3)" in out


def test_an_edited_audit_entry_is_reported_as_corrupt(crashed):
    """A kill must not break the audit log's hash chain either; the harness verifies it whole."""
    from aiddesk.db import audit

    if not hasattr(audit, "first_broken_entry"):
        pytest.skip("this version keeps no hash chain over the audit log")
    workdir, cases, _ = crashed
    case = cases["payment", "wal"]
    path = harness.fresh_copy(case.base, workdir / "edited-log.sqlite")
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE audit_log SET user = '某人' WHERE id = (SELECT min(id) FROM audit_log)")
    conn.close()
    found = harness.inspect(path, "wal", case.old, case.new)
    assert found.outcome == "corrupt"
    assert "audit chain" in found.detail
