"""The 工作台 figures from a real database: balances, spending, batches and their deadlines, archives, to-dos."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db import open_database
from aiddesk.db.aid_record_list import line_key, paid_lines, paid_total
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter, count_households
from aiddesk.services import dashboard as dashboard_module
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.dashboard import (NOTICE_END, OVERDUE, PAYMENT_DUE, SECOND_NOTICE_END, SOON, DeadlineRules,
                                        dashboard, load_deadline_rules, spot_check_problems)
from aiddesk.services.funds import FundService
from aiddesk.services.payments import PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ALL = HouseholdFilter(statuses=())


@pytest.fixture
def households(db, actor, make_household):
    """Three 在档 低保户, one 在档 低保边缘户 and one 临时 低保边缘户 (none has its proofs attached yet)."""
    service = ArchiveService(db, actor)
    ids = [service.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅", "王五"], 1)]
    ids.append(service.save(make_household(4, name="赵六", hardship_category="低保边缘户")).household_id)
    ids.append(service.save(make_household(5, name="钱七", hardship_category="低保边缘户",
                                           archive_status="临时")).household_id)
    return ids


def new_batch(db, name: str, flt: HouseholdFilter, *, activity: str = "送温暖", standard: str = "1000.00") -> int:
    """A draft with the 在档 households ``flt`` finds (add_from_filter takes 在档 only)."""
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        name=name, activity=activity, year=2026, unit_code="460000", fund_sources=["省总工会经费"],
        standard=Decimal(standard), plan_text="两节前慰问", plan_approval_kind="主席办公会",
        plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20),
        notice_phone="0898-66123456"))
    clerk.add_from_filter(batch_id, flt)
    return batch_id


def to_notice(db, batch_id: int, on: date) -> None:
    db.clock.set(on)
    BatchService(db, CLERK).transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")


def approve(db, batch_id: int, *, noticed: date = date(2026, 11, 26), on: date = date(2026, 12, 4)) -> None:
    to_notice(db, batch_id, noticed)
    db.clock.set(on)
    BatchService(db, CLERK).transition(batch_id, "待审批")
    BatchService(db, APPROVER).transition(batch_id, "已审批")


def by_name(d):
    return {b.name: b for b in d.batches}


# ---- money ----------------------------------------------------------------------------


def test_balances_and_spending_follow_the_ledger_and_the_paid_lines(db, actor, households, receive):
    receive(db, 2026, "省总工会经费", "1000000.00")
    receive(db, 2026, "中央财政", "200000.00")
    FundService(db, actor).add_entry(FundEntry(unit_code="", entry_date=date(2026, 3, 1), fund_source="中央财政",
                                               kind="下拨下级", amount=Decimal("50000.00"), counterpart_code="460001"))
    batch_id = new_batch(db, "2026年两节送温暖", HouseholdFilter(statuses=("在档",), category="低保户"))
    approve(db, batch_id)
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))

    d = dashboard(db, today=date(2026, 12, 10))
    assert (d.unit_code, d.unit_name, d.year) == ("460000", "海南省职工服务中心", 2026)
    # in the code list's order: 中央财政 before 省总工会经费
    assert [(b.fund_source, b.income, b.spent, b.count, b.balance) for b in d.balances] == [
        ("中央财政", Decimal("200000.00"), Decimal("0.00"), 0, Decimal("150000.00")),
        ("省总工会经费", Decimal("1000000.00"), Decimal("3000.00"), 3, Decimal("997000.00"))]
    assert d.balances[0].passed == Decimal("50000.00")
    total = d.balance_total
    assert (total.income, total.passed, total.spent, total.count, total.balance) == (
        Decimal("1200000.00"), Decimal("50000.00"), Decimal("3000.00"), 3, Decimal("1147000.00"))
    # the same figures the ledger's balance check uses
    assert list(d.balances) == FundService(db, actor).balances(2026)
    assert [(s.category, s.amount, s.count) for s in d.spending] == [("生活救助", Decimal("3000.00"), 3)]
    assert d.spending_total.amount == Decimal("3000.00")
    # a paid batch is no longer in progress
    assert d.batches == ()

    # the lines behind the figure add up to it
    lines = paid_lines(db.conn, year=2026, unit_code="460000", aid_category="生活救助")
    assert sorted(line.recipient_name for line in lines) == ["张三", "李梅", "王五"]
    assert sum(line.amount for line in lines) == Decimal("3000.00")
    assert {(line.fund_source, line.paid_on, line.batch_id) for line in lines} == {
        ("省总工会经费", date(2026, 12, 8), batch_id)}
    assert paid_total(db.conn, year=2026, unit_code="460000", aid_category="生活救助") == (3, Decimal("3000.00"))
    # read a page at a time, each continuing after the last line of the one before
    first = paid_lines(db.conn, year=2026, unit_code="460000", limit=2)
    rest = paid_lines(db.conn, year=2026, unit_code="460000", after=line_key(first[-1]), limit=2)
    assert [line.record_no for line in first + rest] == sorted(line.record_no for line in lines)
    assert paid_lines(db.conn, year=2026, unit_code="460000", fund_source="中央财政") == []
    assert paid_total(db.conn, year=2026, unit_code="460000", fund_source="中央财政") == (0, Decimal("0.00"))
    assert paid_lines(db.conn, year=2027, unit_code="460000") == []
    assert paid_lines(db.conn, year=2026, unit_code="460001") == []


def test_plans_show_beside_the_spending(db, receive):
    from aiddesk.db.funds import Plan

    FundService(db, CLERK).set_plans(2026, [Plan("医疗救助", 20, Decimal("100000.00"))])
    d = dashboard(db, today=date(2026, 12, 10))
    assert [(s.category, s.amount, s.count, s.planned_amount, s.planned_count) for s in d.spending] == [
        ("医疗救助", Decimal("0.00"), 0, Decimal("100000.00"), 20)]
    assert d.balances == ()  # no money received yet


# ---- batches and their deadlines ---------------------------------------------------------


def test_a_notice_counts_down_in_working_days_then_asks_to_be_submitted(db, households, receive):
    receive(db)
    batch_id = new_batch(db, "2026年两节送温暖", ALL)
    to_notice(db, batch_id, date(2026, 11, 26))  # Thursday; 5 working days → Wednesday 2 December

    b = by_name(dashboard(db, today=date(2026, 11, 26)))["2026年两节送温暖"]
    assert (b.status, b.stage, b.people, b.amount) == ("公示中", "公示中", 4, Decimal("4000.00"))
    assert (b.deadline.what, b.deadline.on, b.deadline.working_days_left) == (NOTICE_END, date(2026, 12, 2), 4)
    assert b.deadline.remaining == "还有4个工作日"
    assert b.urgency == "normal"
    assert not [t for t in dashboard(db, today=date(2026, 11, 26)).todos if t.batch_id == batch_id]

    # Monday 30 November: Tuesday and Wednesday left, within the warning of 2 working days
    d = dashboard(db, today=date(2026, 11, 30))
    assert by_name(d)["2026年两节送温暖"].urgency == SOON
    [todo] = [t for t in d.todos if t.batch_id == batch_id]
    assert (todo.kind, todo.urgency, todo.due) == ("公示即将结束", SOON, date(2026, 12, 2))
    assert todo.text == "2026年两节送温暖：公示12月2日结束（还有2个工作日）"
    assert by_name(dashboard(db, today=date(2026, 12, 2)))["2026年两节送温暖"].deadline.remaining == "今天结束"

    # the notice is over and nobody has submitted it
    d = dashboard(db, today=date(2026, 12, 3))
    [todo] = [t for t in d.todos if t.batch_id == batch_id]
    assert (todo.kind, todo.urgency) == ("公示已结束", OVERDUE)
    assert todo.text == "2026年两节送温暖：公示已于12月2日结束，请提交审批"
    assert d.todos[0] == todo  # the most urgent first


def test_an_approved_batch_is_due_for_payment_within_the_rules_days(db, households, receive):
    receive(db)
    batch_id = new_batch(db, "2026年两节送温暖", ALL)
    approve(db, batch_id, on=date(2026, 12, 4))
    rules = load_deadline_rules()
    assert rules == DeadlineRules(payment_due_days=30, payment_due_warning_days=7, notice_ending_warning_working_days=2)

    b = by_name(dashboard(db, today=date(2026, 12, 4)))["2026年两节送温暖"]
    assert (b.stage, b.deadline.what, b.deadline.on, b.deadline.days_left) == (
        "待发放", PAYMENT_DUE, date(2027, 1, 3), 30)
    assert b.deadline.remaining == "还有30天"

    d = dashboard(db, today=date(2026, 12, 28))
    [todo] = [t for t in d.todos if t.batch_id == batch_id]
    assert (todo.kind, todo.urgency, todo.text) == (PAYMENT_DUE, SOON, "2026年两节送温暖：应于2027年1月3日前发放（还有6天）")

    # two people paid, three still waiting: the batch stays, overdue, and says how far it got
    lines = {r.recipient_name: r.id for r in BatchService(db, CLERK).records(batch_id)}
    db.clock.set(date(2026, 12, 30))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 30),
                                        record_ids=[lines["张三"], lines["李梅"]])
    d = dashboard(db, today=date(2027, 1, 5))
    b = by_name(d)["2026年两节送温暖"]
    assert (b.people, b.paid_people, b.urgency, b.deadline.remaining) == (4, 2, OVERDUE, "已逾期2天")
    [todo] = [t for t in d.todos if t.batch_id == batch_id]
    assert todo.text == "2026年两节送温暖：应于1月3日前发放（已逾期2天，已发放2/4人）"


def test_payment_is_due_counting_from_the_end_of_a_second_notice(db, households, receive):
    receive(db)
    batch_id = new_batch(db, "2026年两节送温暖", ALL)
    approve(db, batch_id, on=date(2026, 12, 4))
    BatchService(db, CLERK).start_second_notice(batch_id, start=date(2026, 12, 7))  # Monday → Friday 11th

    b = by_name(dashboard(db, today=date(2026, 12, 8)))["2026年两节送温暖"]
    assert (b.stage, b.deadline.what, b.deadline.on, b.deadline.working_days_left) == (
        "再公示中", SECOND_NOTICE_END, date(2026, 12, 11), 3)
    d = dashboard(db, today=date(2026, 12, 10))
    assert [t.kind for t in d.todos if t.batch_id == batch_id] == ["再公示即将结束"]

    b = by_name(dashboard(db, today=date(2026, 12, 14)))["2026年两节送温暖"]
    assert (b.stage, b.deadline.what, b.deadline.on) == ("待发放", PAYMENT_DUE, date(2027, 1, 10))


def test_batches_waiting_for_people_and_their_objections(db, households, receive):
    receive(db)
    draft = new_batch(db, "生活救助草稿", HouseholdFilter(category="低保边缘户"), activity="生活救助")
    review = new_batch(db, "待审核的批次", HouseholdFilter(statuses=("在档",), category="低保边缘户"))
    db.clock.set(date(2026, 11, 26))
    BatchService(db, CLERK).transition(review, "审核中")
    noticed = new_batch(db, "公示中的批次", HouseholdFilter(statuses=("在档",), category="低保户"))
    to_notice(db, noticed, date(2026, 11, 26))
    line = BatchService(db, CLERK).records(noticed)[0]
    PaymentService(db, CLERK).record_objection(noticed, received_on=date(2026, 11, 27), content="反映家中有车",
                                               record_id=line.id)
    voided = new_batch(db, "作废的批次", ALL)
    BatchService(db, CLERK).transition(voided, "已作废", reason="误建")

    d = dashboard(db, today=date(2026, 11, 27))
    # dated steps first; then the rest, furthest along first
    assert [(b.name, b.stage, b.people) for b in d.batches] == [
        ("公示中的批次", "公示中", 3), ("待审核的批次", "待审核", 1), ("生活救助草稿", "待提交审核", 1)]
    assert by_name(d)["公示中的批次"].open_objections == 1
    todos = {(t.kind, t.batch_id): t for t in d.todos}
    assert todos[("异议待处理", noticed)].text == "公示中的批次：1条异议尚未处理"
    assert todos[("待审核", review)].text == "待审核的批次：待审核（1人，1,000.00元）"
    assert ("待提交审核", draft) not in todos  # a draft is the clerk's own work in hand, not a to-do

    PaymentService(db, CLERK).resolve_objection(
        PaymentService(db, CLERK).objections(noticed)[0].id, "异议不成立，维持原名单", "经核实车辆已于去年变卖")
    assert by_name(dashboard(db, today=date(2026, 11, 27)))["公示中的批次"].open_objections == 0


# ---- archives and their to-dos --------------------------------------------------------------


def test_archives_by_category_and_status_with_the_filter_behind_each_count(db, households, actor):
    db.clock.set(date(2026, 11, 26))
    ArchiveService(db, actor).change_status(households[1], "脱困", on=date(2026, 11, 20),
                                            reason="脱困")
    a = dashboard(db, today=date(2026, 11, 26)).archives
    assert a.statuses == ("在档", "临时", "脱困", "注销")
    assert a.categories == ("低保户", "低保边缘户")  # categories nobody is in are left out
    assert [a.count("低保户", s) for s in a.statuses] == [2, 0, 1, 0]
    assert [a.count("低保边缘户", s) for s in a.statuses] == [1, 1, 0, 0]
    assert (a.row_total("低保户"), a.column_total("在档"), a.total) == (3, 3, 5)
    for category, status in (("低保户", "在档"), ("低保边缘户", ""), ("", "临时"), ("", "")):
        flt = a.filter_for(category, status)
        expected = a.count(category, status) if category and status else (
            a.row_total(category) if category else a.column_total(status) if status else a.total)
        assert count_households(db.conn, flt) == expected, (category, status)
    assert a.filter_for("低保户", "在档") == HouseholdFilter(statuses=("在档",), category="低保户",
                                                           today=a.filter_for("低保户", "在档").today)


def test_archive_to_dos_stale_and_incomplete(db, households):
    d = dashboard(db, today=date(2026, 11, 26))
    # saved today: nothing stale; none has its proofs attached: all five open ones are incomplete
    assert [t.kind for t in d.todos] == ["资料不全"]
    [incomplete] = d.todos
    assert (incomplete.count, incomplete.text) == (5, "5户档案缺少证明材料，请补齐")
    assert count_households(db.conn, incomplete.archive_filter) == 5

    # a year and more later the four 在档 are stale (临时 is not counted: it is still being filed)
    later = date(2028, 1, 10)
    stale = [t for t in dashboard(db, today=later).todos if t.kind == "一年未更新"][0]
    assert (stale.count, stale.archive_filter.stale, stale.archive_filter.statuses) == (4, True, ("在档",))
    assert stale.text == "4户在档档案超过一年未更新，请核实家庭情况"
    assert count_households(db.conn, stale.archive_filter) == 4


def test_open_verification_problems_and_failed_sms_are_to_dos_until_dealt_with(db, households, receive):
    from aiddesk.db.problems import insert_problem
    from aiddesk.services.problems import ProblemService

    assert spot_check_problems(db, today=date(2026, 11, 26)) == []
    receive(db, 2026, "省总工会经费", "1000000.00")
    batch_id = new_batch(db, "2026年两节送温暖", HouseholdFilter())
    approve(db, batch_id)
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    line, other = BatchService(db, CLERK).records(batch_id)[:2]
    with db.transaction() as conn:
        problem = insert_problem(conn, source="电话抽查", kind="金额不符", description="本人说只收到800元",
                                 opened_on=date(2026, 12, 10), opened_by="jingban", batch_id=batch_id,
                                 aid_record_id=line.id)
        conn.execute("UPDATE aid_records SET sms_status = '发送失败' WHERE id = ?", (other.id,))
    todos = {t.kind: t for t in dashboard(db, today=date(2026, 12, 11)).todos}
    assert todos["核查问题"].batch_id == batch_id and todos["核查问题"].count == 1
    assert todos["核查问题"].text == f"2026年两节送温暖：1个核查问题待处理（{line.recipient_name}：金额不符）"
    assert todos["短信发送失败"].text == "2026年两节送温暖：1人短信发送失败，请核对手机号后重发"
    db.clock.set(date(2026, 12, 12))
    ProblemService(db, CLERK).resolve(problem, "核实系记错金额，本人确认收到1000元", on=date(2026, 12, 12))
    assert "核查问题" not in {t.kind for t in dashboard(db, today=date(2026, 12, 12)).todos}


def test_an_office_without_its_own_unit_still_gets_a_page(tmp_path):
    database = open_database(tmp_path / "empty.sqlite")
    try:
        d = dashboard(database, today=date(2026, 11, 26))
        assert (d.unit_code, d.balances, d.spending, d.batches, d.todos, d.archives.total) == ("", (), (), (), (), 0)
    finally:
        database.close()


# ---- the rules file ------------------------------------------------------------------------------


def test_the_deadline_rules_are_checked(tmp_path, monkeypatch):
    monkeypatch.setattr(dashboard_module, "resource", lambda *parts: tmp_path.joinpath(*parts))
    (tmp_path / "rules").mkdir()
    good = {"payment_due_days": 15, "payment_due_warning_days": 0, "notice_ending_warning_working_days": 1}
    for data, message in ((good, None), ({**good, "payment_due_days": 0}, "应发放天数（payment_due_days）应为正整数"),
                          ({**good, "payment_due_warning_days": "7"}, "payment_due_warning_days"),
                          ({k: v for k, v in good.items() if k != "notice_ending_warning_working_days"},
                           "notice_ending_warning_working_days")):
        (tmp_path / "rules" / "notice.json").write_text(json.dumps(data), encoding="utf-8")
        load_deadline_rules.cache_clear()
        try:
            if message is None:
                assert load_deadline_rules() == DeadlineRules(15, 0, 1)
            else:
                with pytest.raises(UserError, match=message):
                    load_deadline_rules()
        finally:
            load_deadline_rules.cache_clear()
