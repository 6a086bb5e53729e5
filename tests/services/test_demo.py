"""The demo office: deterministic, realistic enough to show every part of the archive, refused on real data."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time

import pytest

from aiddesk.core.clock import FixedClock
from aiddesk.core.codes import code_groups
from aiddesk.core.errors import UserError
from aiddesk.core.idcard import parse_id
from aiddesk.core.phone import check_phone
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter, count_by_status, count_households
from aiddesk.services import accounts
from aiddesk.services.archive import ArchiveService
from aiddesk.services.demo import build_demo

TODAY = date(2026, 11, 26)
HOUSEHOLDS = 60


def _clock() -> FixedClock:
    return FixedClock(datetime.combine(TODAY, time(9, 0)))


def _build(path, seed: int = 7):
    db = open_database(path, clock=_clock())
    calls = []
    summary = build_demo(db, households=HOUSEHOLDS, seed=seed, today=TODAY,
                         progress=lambda done, total: calls.append((done, total)))
    return db, summary, calls


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    db, summary, calls = _build(tmp_path_factory.mktemp("demo") / "demo.sqlite")
    yield db, summary, calls
    db.close()


def _archive(db) -> list[tuple]:
    heads = db.conn.execute(
        "SELECT archive_no, name, id_number, hardship_category, archive_status, exit_reason, phone, bank_card"
        " FROM households ORDER BY id").fetchall()
    members = db.conn.execute("SELECT household_id, seq, name, id_number FROM members ORDER BY id").fetchall()
    return [tuple(r) for r in heads] + [tuple(r) for r in members]


def _last_entry(db) -> tuple:
    """The audit log's length and last hash: the same only if everything was recorded alike, times included."""
    return tuple(db.conn.execute("SELECT count(*), (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1)"
                                 " FROM audit_log").fetchone())


def test_same_seed_same_office(demo, tmp_path):
    db, _, _ = demo
    again, _, _ = _build(tmp_path / "again.sqlite")
    other, _, _ = _build(tmp_path / "other.sqlite", seed=8)
    try:
        assert _archive(again) == _archive(db)
        assert _last_entry(again) == _last_entry(db)
        assert _archive(other) != _archive(db)
    finally:
        again.close()
        other.close()


def test_summary_and_progress(demo):
    db, summary, calls = demo
    assert summary.households == HOUSEHOLDS == count_households(db.conn, HouseholdFilter(statuses=(), today=TODAY))
    people = db.conn.execute("SELECT (SELECT count(*) FROM households) + (SELECT count(*) FROM members)").fetchone()[0]
    assert summary.people == people
    assert 3 <= summary.people / summary.households <= 4.5
    assert summary.units == db.conn.execute("SELECT count(*) FROM units").fetchone()[0] > 40
    assert calls[0] == (1, HOUSEHOLDS) and calls[-1] == (HOUSEHOLDS, HOUSEHOLDS) and len(calls) == HOUSEHOLDS


def test_unit_tree_under_the_provincial_centre(demo):
    db, _, _ = demo
    units = {r["code"]: r for r in db.conn.execute("SELECT * FROM units")}
    own = [u for u in units.values() if u["is_own"]]
    assert [u["name"] for u in own] == ["海南省职工服务中心"]
    names = {u["name"] for u in units.values()}
    assert {"省财贸工会", "省旅游工会", "省工交医药工会", "省驻琼工会", "省科文卫体工会", "海南电网公司工会"} <= names
    for unit in units.values():
        if not unit["is_own"]:
            assert unit["parent_code"] in units


def test_every_status_reason_and_old_category(demo):
    db, _, _ = demo
    counts = count_by_status(db.conn, HouseholdFilter(today=TODAY))
    assert set(counts) == {"在档", "临时", "脱困", "注销"}
    assert counts["在档"] > HOUSEHOLDS / 2
    reasons = {r[0] for r in db.conn.execute("SELECT exit_reason FROM households WHERE archive_status = '注销'")}
    assert reasons == set(code_groups("exit_kind")["注销"])
    categories = {r[0] for r in db.conn.execute("SELECT hardship_category FROM households")}
    assert categories == {"低保户", "低保边缘户", "意外致困户"}
    # history kept: closed archives went through change_status, with a dated reason
    closed = db.conn.execute("SELECT count(*) FROM households WHERE archive_status IN ('脱困', '注销')"
                             " AND (exit_date IS NULL OR exit_date < created_date)").fetchone()[0]
    assert closed == 0
    assert db.conn.execute("SELECT count(*) FROM audit_log WHERE action = 'status'").fetchone()[0] > 0


def test_category_mostly_as_suggested(demo):
    db, _, _ = demo
    service = ArchiveService(db, Actor("测试员"))
    ids = [r[0] for r in db.conn.execute("SELECT id FROM households")]
    same = sum(service.suggest(service.get(i)).category == service.get(i).hardship_category
               for i in ids)
    assert same >= 0.8 * len(ids)


def test_valid_unique_numbers(demo):
    db, _, _ = demo
    numbers = [r[0] for r in db.conn.execute("SELECT id_number FROM households UNION ALL"
                                             " SELECT id_number FROM members")]
    assert all(numbers) and len(set(numbers)) == len(numbers)
    for number in numbers:
        assert parse_id(number, today=TODAY).number == number
    for phone, card, bank in db.conn.execute("SELECT phone, bank_card, bank_name FROM households"):
        assert check_phone(phone) == phone and len(phone) == 11
        assert len(card) == 19 and card.isdigit() and bank
    ethnicities = {r[0] for r in db.conn.execute("SELECT ethnicity FROM households")}
    assert "汉族" in ethnicities


def test_accounts_log_in(demo):
    db, summary, _ = demo
    assert [u for u, _, _ in summary.accounts] == ["admin", "jingban", "shenhe", "shenpi"]
    for username, password, roles in summary.accounts:
        assert accounts.login(db, username, password).roles == roles
    clerks = {r[0] for r in db.conn.execute("SELECT created_by FROM households")}
    assert clerks == {"jingban"}


def test_missing_proofs_and_stale_archives(demo):
    db, _, _ = demo
    open_archives = count_households(db.conn, HouseholdFilter(today=TODAY))
    incomplete = count_households(db.conn, HouseholdFilter(statuses=(), incomplete=True, today=TODAY))
    stale = count_households(db.conn, HouseholdFilter(stale=True, today=TODAY))
    assert 0 < incomplete < HOUSEHOLDS / 3
    assert 0 < stale < open_archives / 4


def test_attachments_are_distinct_files(demo):
    db, _, _ = demo
    rows = db.conn.execute("SELECT stored_name, sha256 FROM attachments").fetchall()
    assert len(rows) > 2 * HOUSEHOLDS
    assert len({r["sha256"] for r in rows}) == len(rows)
    for row in rows[:20]:
        data = (db.attachment_dir / row["stored_name"]).read_bytes()
        assert data.startswith(b"\x89PNG") and hashlib.sha256(data).hexdigest() == row["sha256"]


def test_schema_left_as_it_was(demo, tmp_path):
    db, _, _ = demo
    fresh = open_database(tmp_path / "fresh.sqlite")
    try:
        schema = "SELECT type, name FROM sqlite_master ORDER BY name"
        assert db.conn.execute(schema).fetchall() == fresh.conn.execute(schema).fetchall()
    finally:
        fresh.close()


def test_refused_on_a_database_with_data(demo, db):
    built, _, _ = demo
    for target in (built, db):  # the demo itself, and the conftest office with its units
        before = target.conn.execute("SELECT count(*) FROM households").fetchone()[0]
        with pytest.raises(UserError, match="空的数据库"):
            build_demo(target, households=5, seed=1, today=TODAY)
        assert target.conn.execute("SELECT count(*) FROM households").fetchone()[0] == before


def test_no_attachments_option(tmp_path):
    """Without proof files (for benchmarks): the same archive, every proof listed as missing."""
    db = open_database(tmp_path / "bare.sqlite", clock=_clock())
    full = open_database(tmp_path / "full.sqlite", clock=_clock())
    try:
        summary = build_demo(db, households=12, seed=3, today=TODAY, attachments=False)
        assert summary.attachments == 0
        assert db.conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
        assert not db.attachment_dir.exists()
        assert count_households(db.conn, HouseholdFilter(statuses=(), incomplete=True, today=TODAY)) == 12
        assert build_demo(full, households=12, seed=3, today=TODAY).attachments > 0
        assert _archive(full) == _archive(db)
    finally:
        db.close()
        full.close()


def test_demo_has_a_year_of_batches_in_every_state(tmp_path):
    db = open_database(tmp_path / "demo.sqlite", clock=_clock())
    try:
        build_demo(db, households=300, seed=11)  # today: the database clock's
        states = {r[0]: r[1] for r in db.conn.execute(
            "SELECT b.status, count(r.id) FROM batches b LEFT JOIN aid_records r ON r.batch_id = b.id"
            " GROUP BY b.status")}
        assert {"已核查", "已发放", "已审批", "待审批", "公示中", "草稿", "已作废"} <= set(states)
        assert states["已核查"] > 0 and states["已发放"] > 0 and states["已作废"] == 0
        users = {r[0] for r in db.conn.execute("SELECT DISTINCT user FROM batch_transitions")}
        assert users == {"jingban", "shenhe", "shenpi"}
    finally:
        db.close()


def test_the_demo_year_has_a_ledger_that_covers_its_batches(demo):
    from aiddesk.services.fund_report import fund_report
    from aiddesk.services.funds import FundService

    db, _, _ = demo
    report = fund_report(db, TODAY.year)
    paid = db.conn.execute("SELECT coalesce(sum(amount_fen), 0), count(*) FROM aid_records"
                           " WHERE state = '有效' AND substr(paid_on, 1, 4) = ?", (str(TODAY.year),)).fetchone()
    assert report.spending.total.count == paid[1] > 0
    assert report.spending.total.amount * 100 == paid[0]
    # 专款专用: every source covers what was paid from it, something is left to carry over.
    balances = FundService(db, Actor("测试员")).balances(TODAY.year)
    assert all(b.balance >= 0 for b in balances) and sum(b.balance for b in balances) > 0
    assert report.budget > 0 and report.arrival_rate is not None and report.plan
    assert {u.code for u in report.subunits} >= {"HN0100", "HN0200", "HN0300", "HN0500"}
    assert report.subunit_balance > 0
    kinds = {e.kind for e in FundService(db, Actor("测试员")).entries(TODAY.year)}
    assert kinds == {"上年结转", "到账", "直拨下级", "下拨下级"}
    assert any(e.is_reversal for e in FundService(db, Actor("测试员")).entries(TODAY.year))


def test_the_demo_has_verification_records_with_a_few_open_problems(demo):
    from aiddesk.services.problems import ProblemService
    from aiddesk.services.verification_figures import verification_figures

    db, _, _ = demo
    figures = verification_figures(db, TODAY.year)
    assert figures.sms.denominator > 0 and figures.sms.numerator > 0
    assert figures.spot_check.numerator > 0 and figures.home_visits.numerator > 0
    assert figures.satisfaction.numerator > 0
    problems = ProblemService(db, Actor("测试员")).problems()
    assert any(p.is_open for p in problems) and any(not p.is_open for p in problems)
    outcomes = {r[0] for r in db.conn.execute("SELECT DISTINCT outcome FROM home_visits")}
    assert "情况属实" in outcomes and len(outcomes) >= 2
