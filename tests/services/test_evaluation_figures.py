"""The self-evaluation's automatic indicators, each from small real records (and the seed's 2015 year)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from seed_2015 import build_seed_2015

from aiddesk.core.batch import Batch
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db.audit import Actor
from aiddesk.db.funds import Plan
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.evaluation_figures import evaluation_figures, indicator_keys, indicator_title
from aiddesk.services.feedback import FeedbackService
from aiddesk.services.funds import FundService
from aiddesk.services.payments import SIGNED_LIST, PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
KEYS = {"arrival_rate", "plan_achievement", "plan_achievement_生活救助", "plan_achievement_医疗救助",
        "plan_achievement_助学救助", "card_payment_share", "paid_on_time_share", "notice_before_approval_share",
        "archive_completeness", "archives_updated_share", "sms_coverage", "spot_check_discrepancy_rate",
        "satisfaction_rate", "balance_share", "budget_execution"}
END_2026 = date(2026, 12, 31)


@pytest.fixture
def people(db, actor, make_household):
    return [ArchiveService(db, actor).save(make_household(i, name=n)).household_id
            for i, n in enumerate(["张三", "李梅", "王海", "陈芳"], start=1)]


def paid_batch(db, name: str, flt: HouseholdFilter, *, approved: date, paid: date, unit: str = "460000") -> int:
    """A 2026 batch through the whole workflow: notice from approved − 8 days, approval, payment."""
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name=name, activity="送温暖", year=2026, unit_code=unit,
        fund_sources=["省总工会经费"], standard=Decimal("500.00"), plan_text="两节前慰问",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 11, 1)))
    clerk.add_from_filter(batch_id, flt)
    start = date.fromordinal(approved.toordinal() - 9)
    db.clock.set(start)
    clerk.transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")
    db.clock.set(date.fromordinal(approved.toordinal() - 1))
    clerk.transition(batch_id, "待审批")
    db.clock.set(approved)
    BatchService(db, APPROVER).transition(batch_id, "已审批")
    db.clock.set(paid)
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=paid)
    return batch_id


def test_every_key_is_there_and_says_why_when_there_is_nothing_to_count(db):
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert set(f) == KEYS
    assert all(v.value is None and v.basis for v in f.values())
    assert f["arrival_rate"].basis == "2026年没有录入预算"
    assert f["plan_achievement"].basis == "没有录入2026年计划人次"
    assert f["card_payment_share"].basis == "2026年没有已发放的帮扶明细"
    assert f["satisfaction_rate"].basis == "当年没有收回的意见反馈表"
    assert f["balance_share"].basis.startswith("2026年没有资金收入")
    assert f["archive_completeness"].basis == "没有在档或临时档案"
    assert set(indicator_keys()) >= KEYS and indicator_title("sms_coverage").startswith("短信通知覆盖率")


def test_the_seed_years_money_figures(db, actor, people):
    build_seed_2015(db, actor, people)
    FundService(db, actor).set_plans(2015, [Plan("生活救助", 1385), Plan("医疗救助", 129), Plan("助学救助", 530)])
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2015)
    assert f["arrival_rate"].value == Decimal("1.0000")
    assert f["arrival_rate"].basis == "到位资金447.0716万元 ÷ 预算447.0716万元 = 100.00%"
    assert f["balance_share"].value == Decimal("0.0338")
    assert f["balance_share"].basis == "年末结余14.298655万元 ÷ 年度收入423.0716万元 = 3.38%"
    assert f["budget_execution"].value == Decimal("0.9662")
    assert f["budget_execution"].basis == "支出408.772945万元 ÷ 年度收入423.0716万元 = 96.62%"
    # 人次 as the fund report compares them with the plan: the centre's and its sub-units'.
    assert f["plan_achievement"].value == Decimal("1.1952")
    assert f["plan_achievement"].basis.startswith("实际救助2443人次 ÷ 计划2044人次 = 119.52%")
    assert f["plan_achievement_生活救助"].value == Decimal("1.2989")
    assert f["plan_achievement_医疗救助"].basis == "医疗救助实际救助123人次 ÷ 计划129人次 = 95.35%"
    assert f["plan_achievement_助学救助"].value == Decimal("0.9830")


def test_the_seed_years_batches_were_noticed_approved_and_paid_on_time(db, actor, people):
    """The seed's batches: a 5-working-day 公示 9–13 November, approval on 20 November, paid 15 December."""
    build_seed_2015(db, actor, people)
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2015)
    assert f["card_payment_share"].value == Decimal("1.0000")
    assert f["card_payment_share"].basis == "会员服务卡、银行卡发放2059人次 ÷ 发放2059人次 = 100.00%"
    assert f["paid_on_time_share"].value == Decimal("1.0000")
    assert f["notice_before_approval_share"].value == Decimal("1.0000")
    assert f["notice_before_approval_share"].basis == "公示期满后审批的批次9个 ÷ 当年发放的批次9个 = 100.00%"
    assert f["sms_coverage"].value == Decimal("0.0000")  # the seed year as built has no SMS records


def test_card_payment_on_time_and_notice_over_the_years_paid_lines(db, actor, people, receive, tmp_path):
    receive(db, 2026)
    on_time = paid_batch(db, "2026年两节送温暖", HouseholdFilter(statuses=()), approved=date(2026, 12, 4),
                         paid=date(2026, 12, 8))
    late = BatchService(db, CLERK).save_draft(Batch(
        notice_phone="0898-66123456", name="2026年生活救助", activity="生活救助", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("300.00"), plan_text="生活救助",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会", plan_approved_on=date(2026, 9, 1)))
    clerk = BatchService(db, CLERK)
    clerk.add_from_filter(late, HouseholdFilter(statuses=()))
    approve_batch(db, late, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 9, 14), ended=date(2026, 9, 22), approved=date(2026, 9, 23))
    lines = clerk.records(late)
    PaymentService(db, CLERK).set_payment_method(lines[0].id, "现金")
    signed = tmp_path / "签领表.pdf"
    signed.write_bytes(b"%PDF-1.4 signed")
    PaymentService(db, CLERK).attach_to_line(lines[0].id, SIGNED_LIST, signed)
    db.clock.set(date(2026, 11, 2))
    PaymentService(db, CLERK).mark_paid(late, paid_on=date(2026, 11, 2))   # 40 days after approval
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["card_payment_share"].value == Decimal("0.8750")          # 7 of 8 lines by card
    assert f["paid_on_time_share"].value == Decimal("0.5000")          # the 4 lines of the first batch
    assert f["paid_on_time_share"].basis == "审批（或再公示结束）后30天内发放4人次 ÷ 发放8人次 = 50.00%"
    assert f["notice_before_approval_share"].value == Decimal("1.0000")
    assert f["notice_before_approval_share"].basis == "公示期满后审批的批次2个 ÷ 当年发放的批次2个 = 100.00%"
    # Another year's payments are not this year's.
    assert evaluation_figures(db, 2025)["card_payment_share"].value is None
    assert on_time


def test_a_notice_that_did_not_run_its_days_counts_against_it_as_in_the_checklist(db, actor, people, receive):
    receive(db, 2026)
    first = paid_batch(db, "2026年两节送温暖", HouseholdFilter(statuses=()), approved=date(2026, 12, 4),
                       paid=date(2026, 12, 8))
    # A holiday entered later: the notice recorded to 1 December ran a working day short (the checklist's ✗ too).
    db.conn.execute("INSERT INTO calendar_days (day, kind, note) VALUES ('2026-11-27', '休息日', '调休')")
    db.conn.commit()
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["notice_before_approval_share"].value == Decimal("0.0000")
    assert first


def test_budget_execution_counts_what_was_passed_to_sub_units(db, actor, people, receive):
    receive(db, 2026, amount="100000.00")
    FundService(db, actor).add_entry(FundEntry(unit_code="460000", entry_date=date(2026, 3, 1),
                                               fund_source="省总工会经费", kind="下拨下级", amount=Decimal(20000),
                                               counterpart_code="460001"))
    paid_batch(db, "2026年两节送温暖", HouseholdFilter(statuses=()), approved=date(2026, 12, 4),
               paid=date(2026, 12, 8))                                  # 4 × 500 元
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["budget_execution"].value == Decimal("0.2200")
    assert f["budget_execution"].basis == "支出0.2万元 + 下拨下级2万元 ÷ 年度收入10万元 = 22.00%"
    assert f["balance_share"].value == Decimal("0.7800")
    assert f["arrival_rate"].value is None                             # no budget entered


def test_archive_completeness_and_updates_within_the_year(db, actor, people, tmp_path, make_household):
    archive = ArchiveService(db, actor)
    proof = tmp_path / "证明.pdf"
    proof.write_bytes(b"%PDF-1.4 proof")
    for hid in people[:3]:
        for kind in archive.get(hid).missing_docs:
            archive.add_attachment(hid, kind, proof)
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["archive_completeness"].value == Decimal("0.7500")
    assert f["archive_completeness"].basis == "资料齐全的档案3户 ÷ 在档、临时档案4户 = 75.00%（按当前档案）"
    # 动态管理: an archive filed in mid-2025 and not touched since was not updated within a year of 2026's end.
    db.clock.set(date(2025, 6, 1))
    ArchiveService(db, actor).save(make_household(9, name="林海", created_date=date(2025, 6, 1)))
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["archives_updated_share"].value == Decimal("0.8000")
    assert f["archives_updated_share"].basis == ("截至2026-12-31一年内更新过的在档档案4户 ÷ 当日在档档案5户 = 80.00%")
    # A past year counts the archives 在档 at its end: at the end of 2025, only 林海, then up to date.
    assert evaluation_figures(db, 2025)["archives_updated_share"].basis == (
        "截至2025-12-31一年内更新过的在档档案1户 ÷ 当日在档档案1户 = 100.00%")
    # The year is counted up to today while it runs.
    db.clock.set(date(2026, 12, 10))
    assert evaluation_figures(db, 2026)["archives_updated_share"].basis.startswith("截至2026-12-10一年内更新过")


def test_sms_spot_checks_and_satisfaction_come_from_the_verification_figures(db, actor, people, receive):
    receive(db, 2026)
    batch = paid_batch(db, "2026年两节送温暖", HouseholdFilter(statuses=()), approved=date(2026, 12, 4),
                       paid=date(2026, 12, 8))
    lines = BatchService(db, CLERK).records(batch)
    with db.transaction() as conn:
        for line in lines[:3]:
            conn.execute("UPDATE aid_records SET sms_status = '已发送' WHERE id = ?", (line.id,))
        for line, result in zip(lines, ("核实一致", "金额不符", "未接通", "核实一致")):
            conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, called_by, recorded_at)"
                         " VALUES (?, '2026-12-10', ?, 'jingban', '2026-12-10T15:00:00')", (line.id, result))
    feedback = FeedbackService(db, actor)
    for hid, answer in zip(people, ("满意", "基本满意", "满意", "不满意")):
        db.clock.set(END_2026)
        feedback.record(hid, answered_on=date(2026, 12, 20), answer=answer, batch_id=batch)
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["sms_coverage"].value == Decimal("0.7500")
    assert f["sms_coverage"].basis == "已发送短信3人次 ÷ 发放4人次 = 75.00%"
    assert f["spot_check_discrepancy_rate"].value == Decimal("0.3333")   # 1 of the 3 reached
    assert f["spot_check_discrepancy_rate"].basis == (
        "电话抽查发现金额不符或本人未收到1人次 ÷ 接通核实3人次 = 33.33%")
    assert f["satisfaction_rate"].value == Decimal("0.7500")
    assert f["satisfaction_rate"].basis == "满意、基本满意3份 ÷ 收回意见反馈表4份 = 75.00%"


def test_a_sub_units_own_batches_are_not_the_offices(db, actor, people, receive):
    receive(db, 2026)
    FundService(db, actor).add_entry(FundEntry(unit_code="460000", entry_date=date(2026, 3, 1),
                                               fund_source="省总工会经费", kind="下拨下级", amount=Decimal(20000),
                                               counterpart_code="460001"))
    paid_batch(db, "省财贸工会送温暖", HouseholdFilter(statuses=()), approved=date(2026, 12, 4),
               paid=date(2026, 12, 8), unit="460001")
    db.clock.set(END_2026)
    f = evaluation_figures(db, 2026)
    assert f["card_payment_share"].value is None and f["paid_on_time_share"].value is None

