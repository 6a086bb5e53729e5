"""The demo tells a coherent story: built on any day, every date and time in it is one an office could have written.

Each ``today`` below is a hard case for the plan: December (a full year behind it), inside the Spring Festival
of a year whose holidays are computed, the first Sunday of a year after 元旦, a Sunday in the middle of a
computed year, and the first Monday of a year (little of the new year can be done yet).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import pytest

from aiddesk.core.checklist import (
    ARCHIVE_VALID,
    NOTICE,
    PAID_ON_TIME,
    PAYMENT_METHOD,
    SEPARATE_PEOPLE,
)
from aiddesk.core.clock import FixedClock
from aiddesk.core.workdays import notice_end
from aiddesk.db import open_database
from aiddesk.db.audit import Actor
from aiddesk.db.settings import office_calendar
from aiddesk.services.checklist import build_checklist
from aiddesk.services.demo import build_demo
from aiddesk.services.funds import FundService
from aiddesk.services.integrity import all_checks
from aiddesk.services.problems import ProblemService

TODAYS = (date(2026, 12, 7), date(2027, 2, 8), date(2027, 1, 3), date(2031, 6, 15), date(2026, 1, 5))
HOUSEHOLDS = 30
# The office's hours, as the brief for the demo states them.
OFFICE_HOURS = ((time(8, 30), time(11, 50)), (time(14, 30), time(17, 30)))
# 正月初一 of the years above: the 春节送温暖 is paid before it.
NEW_YEAR = {2026: date(2026, 2, 17), 2027: date(2027, 2, 6), 2031: date(2031, 1, 23)}
LATE_DAYS = 21  # "a few days", "about a week" — at most three weeks even across a long holiday

# Every column that records when something was typed in.
RECORDED = (("audit_log", "at"), ("batch_transitions", "at"), ("users", "created_at"),
            ("households", "updated_at"), ("attachments", "added_at"), ("batches", "created_at"),
            ("batches", "updated_at"), ("aid_records", "created_at"), ("aid_records", "sms_at"),
            ("aid_attachments", "added_at"), ("fund_entries", "created_at"), ("draws", "drawn_at"),
            ("phone_calls", "recorded_at"), ("home_visits", "recorded_at"), ("feedback", "recorded_at"),
            ("archive_status_periods", "recorded_at"), ("objections", "recorded_at"), ("fund_sources", "added_at"),
            ("sms_templates", "updated_at"))
# Business dates of office work: each a working day.
WORKED_ON = (("households", "created_date"), ("batches", "plan_approved_on"), ("batches", "notice_start"),
             ("batches", "approved_on"), ("batches", "paid_on"), ("aid_records", "paid_on"),
             ("aid_records", "application_date"), ("phone_calls", "called_on"), ("home_visits", "visited_on"),
             ("feedback", "answered_on"), ("problems", "opened_on"), ("problems", "resolved_on"),
             ("batch_check_marks", "marked_on"))


@pytest.fixture(scope="module", params=TODAYS, ids=str)
def story(request, tmp_path_factory):
    """A small demo built on each ``today``, taken from the database's clock as the program would."""
    today = request.param
    clock = FixedClock(datetime.combine(today, time(7, 45)))
    db = open_database(tmp_path_factory.mktemp("story") / "demo.sqlite", clock=clock)
    build_demo(db, households=HOUSEHOLDS, seed=29)
    yield db, today, clock
    db.close()


def _values(db, table: str, column: str) -> list[str]:
    return [r[0] for r in db.conn.execute(f"SELECT {column} FROM {table} WHERE {column} IS NOT NULL")]


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _office_hours(t: time) -> bool:
    return any(start <= t <= end for start, end in OFFICE_HOURS)


def test_the_build_gives_the_clock_back(story):
    db, today, clock = story
    assert db.clock is clock and clock.now() == datetime.combine(today, time(7, 45))


def test_every_recorded_time_is_office_hours_on_a_working_day_before_today(story):
    db, today, _ = story
    cal = office_calendar(db.conn)
    wrong = []
    for table, column in RECORDED:
        for text in _values(db, table, column):
            at = _moment(text)
            if not (at.date() < today and cal.is_workday(at.date()) and _office_hours(at.time())):
                wrong.append(f"{table}.{column} = {text}")
    assert wrong == []
    assert len(_values(db, "audit_log", "at")) > 200


def test_business_dates_are_working_days_before_today(story):
    db, today, _ = story
    cal = office_calendar(db.conn)
    wrong = [f"{table}.{column} = {d}" for table, column in WORKED_ON for d in _values(db, table, column)
             if not (date.fromisoformat(d) < today and cal.is_workday(date.fromisoformat(d)))]
    assert wrong == []
    for table, column in (("households", "exit_date"), ("fund_entries", "entry_date")):  # any day, none ahead
        assert all(date.fromisoformat(d) < today for d in _values(db, table, column))


def test_the_log_reads_in_the_order_things_happened(story):
    db, _, _ = story
    for table in ("audit_log", "batch_transitions"):
        times = [r[0] for r in db.conn.execute(f"SELECT at FROM {table} ORDER BY id")]
        assert times == sorted(times), table


def test_each_batch_went_step_by_step_on_its_own_dates(story):
    db, _, _ = story
    cal = office_calendar(db.conn)
    people = {"审核中": "jingban", "公示中": "shenhe", "已审批": "shenpi"}
    for b in db.conn.execute("SELECT * FROM batches ORDER BY id").fetchall():
        steps = db.conn.execute("SELECT * FROM batch_transitions WHERE batch_id = ? ORDER BY id", (b["id"],)).fetchall()
        status, last = "草稿", b["created_at"]
        day = {}
        for t in steps:
            assert t["from_status"] == status and t["at"] >= last, (b["name"], t["to_status"])
            assert t["user"] == people.get(t["to_status"], t["user"])
            status, last = t["to_status"], t["at"]
            day[status] = date.fromisoformat(t["at"][:10])
        assert status == b["status"], b["name"]
        if "公示中" in day:
            start = date.fromisoformat(b["notice_start"])
            assert day["公示中"] == start and cal.is_workday(start)
            assert b["notice_end"] == notice_end(start, b["notice_days"], cal).isoformat()
        if "待审批" in day:
            assert day["待审批"].isoformat() > b["notice_end"]
        if "已审批" in day:
            assert b["approved_on"] == day["已审批"].isoformat() > b["notice_end"]
        if "已发放" in day:
            assert b["paid_on"] == day["已发放"].isoformat() >= b["approved_on"]
            paid = {r[0] for r in db.conn.execute(
                "SELECT paid_on FROM aid_records WHERE batch_id = ? AND state = '有效'", (b["id"],))}
            assert paid == {b["paid_on"]}
        if "已核查" in day:
            assert day["已核查"].isoformat() > b["paid_on"]
        if b["plan_approved_on"]:
            assert b["plan_approved_on"] < b["created_at"][:10]


def test_the_checks_come_after_the_payment(story):
    db, _, _ = story
    late = db.conn.execute(
        "SELECT count(*) FROM aid_records r JOIN batches b ON b.id = r.batch_id WHERE"
        " r.sms_at < b.paid_on"
        " OR EXISTS (SELECT 1 FROM phone_calls c WHERE c.aid_record_id = r.id AND c.called_on < b.paid_on)"
        " OR EXISTS (SELECT 1 FROM feedback f WHERE f.batch_id = b.id AND f.answered_on <= b.paid_on)"
        " OR EXISTS (SELECT 1 FROM draws d WHERE d.batch_id = b.id AND d.drawn_at < b.paid_on)").fetchone()[0]
    assert late == 0


def test_paid_batches_were_run_by_the_book(story):
    """Whatever is still to be checked, what led to the payment was right; long-paid batches are 已核查, but for
    one still waiting for the bank about a spot-check finding."""
    db, today, _ = story
    by_the_book = (ARCHIVE_VALID, NOTICE, SEPARATE_PEOPLE, PAYMENT_METHOD, PAID_ON_TIME)
    paid = db.conn.execute("SELECT * FROM batches WHERE status IN ('已发放', '已核查')").fetchall()
    assert paid
    for b in paid:
        checklist = build_checklist(db, b["id"])
        assert [checklist.item(k).evidence for k in by_the_book if not checklist.item(k).passed] == [], b["name"]
        assert checklist.complete or b["status"] == "已发放"
        if b["status"] == "已发放" and date.fromisoformat(b["paid_on"]) < today - timedelta(days=90):
            assert any(p.is_open for p in ProblemService(db, Actor("测试员")).problems() if p.batch_id == b["id"])


def test_archive_histories_agree_with_the_log(story):
    db, _, _ = story
    conn = db.conn
    for h in conn.execute("SELECT * FROM households").fetchall():
        periods = conn.execute("SELECT * FROM archive_status_periods WHERE household_id = ? ORDER BY valid_from, id",
                               (h["id"],)).fetchall()
        log = conn.execute("SELECT * FROM audit_log WHERE household_id = ? AND table_name = 'households'"
                           " AND action IN ('insert', 'status') ORDER BY id", (h["id"],)).fetchall()
        assert [p["recorded_at"] for p in periods] == [e["at"] for e in log], h["archive_no"]
        filed = log[0]
        assert filed["action"] == "insert" and filed["at"][:10] == h["created_date"] == periods[0]["valid_from"]
        for period, entry in zip(periods[1:], log[1:]):
            assert json.loads(entry["new_values"])["archive_status"] == period["status"]
            assert entry["effective_date"] == period["valid_from"] <= entry["at"][:10]
        for before, after in pairwise(periods):
            assert before["valid_to"] == after["valid_from"]
        assert periods[-1]["valid_to"] is None and periods[-1]["status"] == h["archive_status"]
        # Recorded a few working days after it took effect; approved about a week after filing (a Spring
        # Festival in between makes either take longer: 2020's lasted ten days).
        if h["archive_status"] in ("脱困", "注销"):
            recorded = date.fromisoformat(periods[-1]["recorded_at"][:10])
            assert 0 < (recorded - date.fromisoformat(h["exit_date"])).days <= LATE_DAYS
        if [p["status"] for p in periods][:2] == ["临时", "在档"]:
            approved = date.fromisoformat(periods[1]["valid_from"])
            assert 5 <= (approved - date.fromisoformat(h["created_date"])).days <= LATE_DAYS


def test_the_batches_sit_in_todays_year(story):
    db, today, _ = story
    batches = db.conn.execute("SELECT * FROM batches").fetchall()
    years = {b["year"] for b in batches}
    assert years <= {today.year - 1, today.year}
    states = {b["status"] for b in batches}
    assert {"公示中", "待审批", "已审批", "草稿", "已作废"} <= states and states & {"已发放", "已核查"}
    spring = [b for b in batches if b["name"] == f"{today.year}年春节送温暖"]
    if today > NEW_YEAR[today.year]:
        assert spring and spring[0]["paid_on"] < NEW_YEAR[today.year].isoformat()
    paid_this_year = [b for b in batches if b["paid_on"] and b["paid_on"][:4] == str(today.year)]
    if not paid_this_year:  # early in the year: last year's December batches show the checking work
        assert any(b["paid_on"] and b["paid_on"][:7] in (f"{today.year - 1}-11", f"{today.year - 1}-12")
                   for b in batches)
    else:
        assert years == {today.year}


def test_the_demo_passes_the_integrity_check(story):
    db, _, _ = story
    failed = [(c.name, c.problems) for c in all_checks(db) if not c.passed]
    assert failed == []


def test_the_ledger_opens_each_year_with_the_last_ones_balance(story):
    """Where last year's money is in the demo too, the new year's 上年结转 is its 年终结转, to the cent; the money
    for every payment was in before it was paid."""
    db, today, _ = story
    funds = FundService(db, Actor("测试员"))
    years = sorted({r[0] for r in db.conn.execute("SELECT DISTINCT year FROM fund_entries")})
    assert years and years[-1] <= today.year
    for year in years[1:]:
        carried = {e.fund_source: e.amount for e in funds.entries(year, kind="上年结转")}
        left = {b.fund_source: b.balance for b in funds.balances(year - 1) if b.balance > 0}
        assert carried == left
    first_money = {r[0]: r[1] for r in db.conn.execute(
        "SELECT year, min(created_at) FROM fund_entries WHERE kind = '到账' GROUP BY year")}
    for (paid_on,) in db.conn.execute("SELECT DISTINCT paid_on FROM aid_records WHERE paid_on IS NOT NULL"):
        assert first_money[int(paid_on[:4])][:10] < paid_on
