"""Batches through the service: drafting, recipients under the checks, three people through the workflow."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError, ValidationError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ALL = HouseholdFilter(statuses=())


@pytest.fixture(autouse=True)
def money(db, receive):
    """The office has received the money these batches pay out: paying beyond it is refused."""
    receive(db, 2026, "省总工会经费")


def song_nuan(**kw) -> Batch:
    values = dict(name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                  fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
                  plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
                  plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20),
                  notice_phone="0898-66123456")
    values.update(kw)
    return Batch(**values)


@pytest.fixture
def households(db, actor, make_household):
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅", "王五"], 1)]
    temporary = service.save(make_household(9, name="赵六", archive_status="临时")).household_id
    return ids, temporary


def test_draft_is_created_by_the_clerk_with_a_code(db):
    service = BatchService(db, CLERK)
    b = service.get(service.save_draft(song_nuan()))
    assert b.code == "460000-PC2026-001" and b.status == "草稿" and b.clerk == "jingban"


def test_draft_problems_are_keyed_by_field(db):
    with pytest.raises(ValidationError) as info:
        BatchService(db, CLERK).save_draft(song_nuan(name=" ", activity="慰问", fund_sources=["天上掉的"]))
    assert set(info.value.problems) == {"name", "activity", "fund_sources"}
    assert "送温暖" in info.value.problems["activity"]


def test_recipients_from_a_filter_only_active_archives(db, households):
    ids, temporary = households
    service = BatchService(db, CLERK)
    batch_id = service.save_draft(song_nuan())
    result = service.add_from_filter(batch_id, ALL)
    assert result.added == 3
    assert {r.household_id for r in service.records(batch_id)} == set(ids)
    assert all(r.amount == Decimal("1000.00") and r.aid_category == "生活救助" for r in service.records(batch_id))
    # the 临时 archive is not among them (the filter asked for every status)
    assert temporary not in {r.household_id for r in service.records(batch_id)}
    again = service.add_from_filter(batch_id, ALL)
    assert again.added == 0 and {p.code for r in again.refused for p in r.problems} == {"duplicate_in_batch"}


def test_song_nuan_twice_a_year_and_the_yearly_cap_are_refused(db, households):
    service = BatchService(db, CLERK)
    first = service.save_draft(song_nuan())
    service.add_from_filter(first, ALL)
    second = service.save_draft(song_nuan(name="2026年再次送温暖"))
    result = service.add_from_filter(second, ALL)
    assert result.added == 0
    assert all("song_nuan_repeat" in {p.code for p in r.problems} for r in result.refused)
    living = service.save_draft(song_nuan(name="生活救助", activity="生活救助", standard=Decimal("8000.00"),
                                          plan_text=""))
    capped = service.add_from_filter(living, ALL)
    # 海口 2026: 700 元/月 × 12 = 8,400; 1,000 already this year + 8,000 is over
    assert capped.added == 0
    message = next(p.message for p in capped.refused[0].problems if p.code == "above_yearly_cap")
    assert "8,400.00" in message and "1,000.00" in message


def test_three_people_take_a_batch_from_draft_to_paid(db, households):
    clerk, reviewer, approver = BatchService(db, CLERK), BatchService(db, REVIEWER), BatchService(db, APPROVER)
    batch_id = clerk.save_draft(song_nuan())
    clerk.add_from_filter(batch_id, ALL)
    db.clock.set(date(2026, 11, 26))
    clerk.transition(batch_id, "审核中")
    with pytest.raises(UserError, match="审核人"):
        BatchService(db, Actor("jingban", "界面", ("经办人", "审核人"))).transition(batch_id, "公示中")
    reviewer.transition(batch_id, "公示中")
    b = clerk.get(batch_id)
    # five working days from Thursday 26 November: 26, 27, 30 Nov, 1, 2 Dec
    assert b.reviewer == "shenhe" and b.notice_start == date(2026, 11, 26) and b.notice_end == date(2026, 12, 2)
    db.clock.set(date(2026, 12, 2))
    with pytest.raises(UserError):
        clerk.transition(batch_id, "待审批")  # the last notice day is not over
    db.clock.set(date(2026, 12, 3))
    clerk.transition(batch_id, "待审批")
    with pytest.raises(UserError, match="审批人"):
        BatchService(db, Actor("shenhe", "界面", ("审核人", "审批人"))).transition(batch_id, "已审批")
    db.clock.set(date(2026, 12, 4))
    approver.transition(batch_id, "已审批")
    with pytest.raises(UserError, match="锁定"):
        clerk.add_from_filter(batch_id, ALL)
    db.clock.set(date(2026, 12, 8))
    with pytest.raises(UserError, match="未登记发放"):
        clerk.transition(batch_id, "已发放")
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    b = clerk.get(batch_id)
    assert (b.status, b.approver, b.approved_on, b.paid_on) == ("已发放", "shenpi", date(2026, 12, 4), date(2026, 12, 8))
    steps = [(r["from_status"], r["to_status"], r["user"]) for r in
             db.conn.execute("SELECT * FROM batch_transitions WHERE batch_id = ? ORDER BY id", (batch_id,))]
    assert steps == [("草稿", "审核中", "jingban"), ("审核中", "公示中", "shenhe"), ("公示中", "待审批", "jingban"),
                     ("待审批", "已审批", "shenpi"), ("已审批", "已发放", "jingban")]


def test_song_nuan_needs_its_approved_plan_before_review(db, households):
    service = BatchService(db, CLERK)
    batch_id = service.save_draft(song_nuan(plan_approved_by="", plan_approved_on=None))
    service.add_from_filter(batch_id, ALL)
    with pytest.raises(UserError, match="活动方案"):
        service.transition(batch_id, "审核中")
    assert service.get(batch_id).status == "草稿"


def test_a_removed_recipient_keeps_the_reason(db, households):
    service = BatchService(db, CLERK)
    batch_id = service.save_draft(song_nuan())
    service.add_from_filter(batch_id, ALL)
    line = service.records(batch_id)[0]
    service.remove_record(line.id, "公示期间群众反映家庭收入已超标，经核实异议成立")
    assert line.id not in {r.id for r in service.records(batch_id)}
    kept = [r for r in service.records(batch_id, include_removed=True) if r.id == line.id][0]
    assert kept.state == "已移除" and "异议成立" in kept.removed_reason


def test_only_clerks_draft_batches(db):
    with pytest.raises(UserError, match="经办人"):
        BatchService(db, REVIEWER).save_draft(song_nuan())


def test_an_approver_overrides_the_yearly_cap_with_a_written_reason(db, households):
    from aiddesk.core.batch import AidRecord

    ids, _ = households
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(song_nuan(name="2026年生活救助", activity="生活救助", standard=Decimal("9000.00"),
                                          plan_text=""))
    big = AidRecord(household_id=ids[0], amount=Decimal("9000.00"))
    with pytest.raises(UserError, match="请审批人填写理由特批"):
        clerk.add_line(batch_id, big)
    with pytest.raises(UserError, match="审批人"):
        clerk.add_line(batch_id, big, override_reason="家中突发重病，确需救助")
    line_id = BatchService(db, APPROVER).add_line(batch_id, big, override_reason="家中突发重病，确需救助")
    line = [r for r in clerk.records(batch_id) if r.id == line_id][0]
    assert line.override_by == "shenpi" and "8,400.00" in line.override_problems
    assert line.recipient_name == "张三" and line.fund_source == "省总工会经费"


def test_medical_aid_may_not_exceed_the_self_paid_share(db, households):
    from aiddesk.core.batch import AidRecord

    ids, _ = households
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(song_nuan(name="医疗救助", activity="医疗救助", standard=None, plan_text=""))
    line = AidRecord(household_id=ids[1], amount=Decimal("5000.00"), hospital="海南省人民医院",
                     diagnosis="肺癌", total_cost=Decimal("60000.00"), reimbursed=Decimal("56000.00"),
                     self_paid=Decimal("4000.00"), application_date=date(2026, 11, 2))
    with pytest.raises(UserError, match="自付"):
        BatchService(db, APPROVER).add_line(batch_id, line, override_reason="特殊情况")
    line.amount = Decimal("4000.00")
    assert clerk.add_line(batch_id, line)


def test_second_notice_holds_payment_until_it_is_over(db, households):
    clerk, reviewer, approver = BatchService(db, CLERK), BatchService(db, REVIEWER), BatchService(db, APPROVER)
    batch_id = clerk.save_draft(song_nuan())
    clerk.add_from_filter(batch_id, ALL)
    db.clock.set(date(2026, 9, 21))
    clerk.transition(batch_id, "审核中")
    reviewer.transition(batch_id, "公示中")
    with pytest.raises(UserError, match="再公示在审批通过后"):
        clerk.start_second_notice(batch_id, start=date(2026, 9, 22))
    # 21–24 September, then 中秋 (25–27 off), then Monday 28: five working days
    assert clerk.get(batch_id).notice_end == date(2026, 9, 28)
    db.clock.set(date(2026, 9, 29))
    clerk.transition(batch_id, "待审批")
    db.clock.set(date(2026, 9, 30))
    approver.transition(batch_id, "已审批")
    clerk.start_second_notice(batch_id, start=date(2026, 9, 30))
    # 30 September, then 国庆 (1–7 October off), 8, 9, Saturday 10 (worked), Monday 12
    assert clerk.get(batch_id).second_notice_end == date(2026, 10, 12)
    db.clock.set(date(2026, 10, 12))
    with pytest.raises(UserError, match="再公示"):
        PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 10, 12))
    db.clock.set(date(2026, 10, 13))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 10, 13))
    assert clerk.get(batch_id).status == "已发放"


def test_an_approved_line_is_corrected_by_a_new_line_never_edited(db, households):
    clerk, reviewer, approver = BatchService(db, CLERK), BatchService(db, REVIEWER), BatchService(db, APPROVER)
    batch_id = clerk.save_draft(song_nuan())
    clerk.add_from_filter(batch_id, ALL)
    db.clock.set(date(2026, 11, 2))
    clerk.transition(batch_id, "审核中")
    reviewer.transition(batch_id, "公示中")
    db.clock.set(date(2026, 11, 9))
    clerk.transition(batch_id, "待审批")
    with pytest.raises(UserError, match="审批后才用更正明细"):
        approver.correct_line(clerk.records(batch_id)[0].id, amount=Decimal("800.00"), reason="按家庭人口调整")
    db.clock.set(date(2026, 11, 10))
    approver.transition(batch_id, "已审批")
    first = clerk.records(batch_id)[0]
    with pytest.raises(UserError, match="审批人"):
        clerk.correct_line(first.id, amount=Decimal("800.00"), reason="按家庭人口调整")
    new_id = approver.correct_line(first.id, amount=Decimal("800.00"), reason="按家庭人口调整为800元")
    lines = {r.id: r for r in clerk.records(batch_id, include_removed=True)}
    assert lines[first.id].amount == Decimal("1000.00") and lines[first.id].state == "已移除"
    assert lines[new_id].amount == Decimal("800.00") and lines[new_id].corrects_id == first.id
    assert sum(r.amount for r in clerk.records(batch_id)) == Decimal("2800.00")


def test_medical_lines_need_their_bills_and_certificate_before_review(db, households, tmp_path):
    from aiddesk.core.batch import AidRecord

    ids, _ = households
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(song_nuan(name="医疗救助", activity="医疗救助", standard=None, plan_text=""))
    with pytest.raises(UserError, match="县级以上医疗机构"):
        clerk.add_line(batch_id, AidRecord(household_id=ids[0], amount=Decimal("1000.00"),
                                           self_paid=Decimal("2000.00"), application_date=date(2026, 11, 2)))
    line_id = clerk.add_line(batch_id, AidRecord(household_id=ids[0], amount=Decimal("1000.00"), hospital="海口市人民医院",
                                                 diagnosis="脑梗死", self_paid=Decimal("2000.00"),
                                                 application_date=date(2026, 11, 2)))
    with pytest.raises(UserError, match="张三缺医疗证明、医疗费用单据"):
        clerk.transition(batch_id, "审核中")
    for kind in ("医疗证明", "医疗费用单据"):
        scan = tmp_path / f"{kind}.jpg"
        scan.write_bytes(kind.encode())
        PaymentService(db, CLERK).attach_to_line(line_id, kind, scan)
    clerk.transition(batch_id, "审核中")
    assert clerk.get(batch_id).status == "审核中"
