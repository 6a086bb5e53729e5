"""The batch repository on a real database file: round trips, numbering, the facts the checks need."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.db import batches as repo
from aiddesk.services.archive import ArchiveService

NOW = "2026-11-26T10:00:00"


def _batch(db, **kw) -> Batch:
    b = Batch(code=repo.next_batch_code(db.conn, "460000", 2026), name="2026年两节送温暖", activity="送温暖",
              year=2026, unit_code="460000", fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
              clerk="jingban", **kw)
    with db.transaction() as conn:
        b.id = repo.insert_batch(conn, b, now=NOW)
    return b


def _records(db, b: Batch, households: list[int], amount: str = "1000.00") -> None:
    numbers = repo.next_record_numbers(db.conn, b.code, len(households))
    with db.transaction() as conn:
        repo.insert_records(conn, [AidRecord(batch_id=b.id, household_id=h, recipient_name="张三",
                                             recipient_id_number="460100197503020111", aid_category="生活救助",
                                             fund_source="省总工会经费", amount=Decimal(amount), record_no=n,
                                             created_by="jingban", created_at=NOW)
                                   for h, n in zip(households, numbers)])


def test_batch_round_trip_with_student_standards(db):
    b = _batch(db, student_standards={("本科", "新生"): Decimal("3000.00"), ("专科", "在校生"): Decimal("1500.50")},
               notice_start=date(2026, 12, 1), notice_days=5)
    got = repo.get_batch(db.conn, b.id)
    assert got.code == "460000-PC2026-001" and got.fund_sources == ["省总工会经费"]
    assert got.standard == Decimal("1000.00") and got.notice_start == date(2026, 12, 1)
    assert got.student_standards == {("本科", "新生"): Decimal("3000.00"), ("专科", "在校生"): Decimal("1500.50")}
    assert repo.next_batch_code(db.conn, "460000", 2026) == "460000-PC2026-002"
    assert repo.find_batch_id(db.conn, b.code) == b.id


def test_records_numbering_and_listing(db, actor, make_household):
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅"], start=1)]
    b = _batch(db)
    _records(db, b, ids)
    records = repo.records_of_batch(db.conn, b.id)
    assert [r.record_no for r in records] == [f"{b.code}-00001", f"{b.code}-00002"]
    assert records[0].amount == Decimal("1000.00") and isinstance(records[0].amount, Decimal)
    assert repo.next_record_numbers(db.conn, b.code, 2) == [f"{b.code}-00003", f"{b.code}-00004"]
    row = repo.list_batches(db.conn, year=2026)[0]
    assert row["recipients"] == 2 and row["total_fen"] == 200000


def test_facts_for_the_checks_ignore_this_batch_removed_lines_and_void_batches(db, actor, make_household):
    service = ArchiveService(db, actor)
    hid = service.save(make_household(1)).household_id
    first, second = _batch(db), _batch(db)
    _records(db, first, [hid], "800.00")
    assert repo.yearly_totals(db.conn, [hid], aid_category="生活救助", year=2026, exclude_batch=second.id) == {hid: 80000}
    assert repo.yearly_totals(db.conn, [hid], aid_category="生活救助", year=2026, exclude_batch=first.id) == {}
    assert repo.households_with_activity(db.conn, [hid], activity="送温暖", year=2026,
                                         exclude_batch=second.id) == {hid}
    assert repo.households_in_batch(db.conn, first.id) == {hid}
    record = repo.records_of_batch(db.conn, first.id)[0]
    with db.transaction() as conn:
        repo.set_record_state(conn, record.id, state="已移除", removed_reason="异议成立")
    assert repo.yearly_totals(db.conn, [hid], aid_category="生活救助", year=2026, exclude_batch=second.id) == {}
    assert repo.records_of_batch(db.conn, first.id) == []
    assert repo.records_of_batch(db.conn, first.id, include_removed=True)[0].removed_reason == "异议成立"
