"""The printed 核查清单: the batch header, each item's verdict and evidence, waivers, names, signatures."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import Batch
from aiddesk.core.checklist import SMS, TITLES, BatchFacts, LineFacts, Mark, evaluate
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.reports.checklist_pdf import write_checklist_pdf
from aiddesk.services.accounts import add_user
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.checklist import ChecklistService
from aiddesk.services.payments import PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


def text(path) -> str:
    # Extraction splits wrapped cells over lines; compare without whitespace.
    return "".join(re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages)


@pytest.fixture
def batch(db, actor, make_household, receive) -> int:
    """送温暖 paid to three households; 李梅's SMS failed and was waived, nobody called, not yet in the national system."""
    receive(db, 2026, "省总工会经费")
    add_user(db, actor, username="jingban", display_name="李经办", password="jingban123", roles=("经办人",))
    archive = ArchiveService(db, actor)
    for i, n in enumerate(["张三", "李梅", "王五"], 1):
        archive.save(make_household(i, name=n))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="两节前慰问",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 11, 20)))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    with db.transaction() as conn:
        conn.execute("UPDATE aid_records SET sms_status = CASE recipient_name WHEN '李梅' THEN '发送失败' ELSE '已发送' END,"
                     " sms_error = CASE recipient_name WHEN '李梅' THEN '号码为空号' ELSE '' END")
    db.clock.set(date(2026, 12, 20))
    ChecklistService(db, APPROVER).waive(batch_id, SMS, "号码为空号，已上门告知本人")
    return batch_id


def test_the_printed_checklist(db, batch, tmp_path):
    out = ChecklistService(db, CLERK).write_pdf(batch, tmp_path / "核查清单.pdf", printed_on=date(2026, 12, 21))
    assert len(PdfReader(out).pages) == 1
    t = text(out)
    code = BatchService(db, CLERK).get(batch).code
    assert t.startswith("帮扶批次核查清单填报单位：海南省职工服务中心打印日期：2026年12月21日")
    for expected in (f"批次编号{code}", "批次名称2026年两节送温暖", "活动类型送温暖", "人数3人", "金额3,000.00元",
                     "经办人李经办（jingban）", "审核人shenhe", "审批人shenpi",
                     "公示期2026年11月26日至2026年12月2日", "审批日期2026年12月4日", "发放日期2026年12月8日"):
        assert expected in t, expected
    # every item in order, each with its verdict
    positions = [t.index(title) for title in TITLES.values()]
    assert positions == sorted(positions)
    assert t.count("✓符合") == 5 and t.count("✘不符合") == 2
    assert "1帮扶对象审批时档案有效✓符合3人审批日（2026-12-04）档案均为在档" in t
    assert ("6短信通知全覆盖豁免已发送2/3人，发送失败1人涉及：李梅（发送失败：号码为空号）豁免：审批人shenpi于2026年12月20日豁免。理由：号码为空号，已上门告知本人") in t
    assert "7电话抽查✘不符合已接通核实0/3人" in t
    assert "8已录入全国工会帮扶管理系统✘不符合尚未确认录入全国工会帮扶管理系统" in t
    assert "核查结论：8项中有2项不符合（电话抽查、已录入全国工会帮扶管理系统），整改或经审批人豁免后方可完成核查。" in t
    assert "核查人意见" in t and "负责人意见" in t and f"批次编号{code}第1页共1页" in t


def test_offending_names_are_capped(tmp_path):
    lines = tuple(LineFacts(id=i, record_no=f"R{i}", name=f"职工{i:02d}", bank_card="6222020200112233445",
                            paid_on=date(2026, 12, 8), sms_status="未发送", reached=True) for i in range(1, 16))
    facts = BatchFacts(activity="送温暖", approved_on=date(2026, 12, 4), notice_start=date(2026, 11, 26),
                       notice_days=5, notice_end=date(2026, 12, 2), required_end=date(2026, 12, 2),
                       required_notice_days=5, second_notice_end=None, clerks=("a",), reviewers=("b",),
                       approvers=("c",), payment_due_days=30, spot_check_share=Decimal("0.05"), lines=lines,
                       national=Mark("a", date(2026, 12, 9)))
    checklist = evaluate(1, facts)
    b = Batch(code="460000-PC2026-001", name="2026年两节送温暖", activity="送温暖", year=2026, clerk="a", reviewer="b",
              approver="c", notice_start=date(2026, 11, 26), notice_end=date(2026, 12, 2), status="已发放")
    out = tmp_path / "清单.pdf"
    write_checklist_pdf(out, batch=b, checklist=checklist, office_name="海南省职工服务中心", people=15,
                        amount=Decimal("15000.00"), printed_on=date(2026, 12, 21), max_names=10)
    t = text(out)
    assert "涉及：职工01（未发送）、" in t and "职工10（未发送）等15人/项" in t and "职工11" not in t
    complete = replace(checklist, items=tuple(i if i.key != SMS else replace(i, passed=True) for i in checklist.items))
    write_checklist_pdf(out, batch=b, checklist=complete, office_name="海南省职工服务中心", people=15,
                        amount=Decimal("15000.00"), printed_on=date(2026, 12, 21))
    assert "核查结论：8项全部符合，可以完成核查。" in text(out)
