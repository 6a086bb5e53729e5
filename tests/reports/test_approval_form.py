"""The 审批表 (one page per line) and the batch's 审批汇总表: full numbers, amounts, 特批, who signed when."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import AidRecord, Batch
from aiddesk.core.errors import UserError
from aiddesk.db import batches as batch_repo
from aiddesk.db.audit import Actor
from aiddesk.db.units import get_unit
from aiddesk.reports.approval_form import ApprovalItem, write_approval_forms, write_batch_summary
from aiddesk.reports.common import Cancelled, yuan_in_words
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
OFFICE = "海南省职工服务中心"
REASON = "家中突发重病，确需救助"


def _pages(path) -> list[str]:
    # Text extraction splits wrapped cells over lines; compare without whitespace.
    return [re.sub(r"\s+", "", page.extract_text()) for page in PdfReader(path).pages]


@pytest.fixture
def approved(db, actor, make_household, tmp_path):
    """A 生活救助 batch with two fund sources: an overridden line, an ordinary one and a medical one, approved."""
    archive = ArchiveService(db, actor)
    ids = [archive.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅", "王五"], 1)]
    clerk, approver = BatchService(db, CLERK), BatchService(db, APPROVER)
    batch_id = clerk.save_draft(Batch(notice_phone="0898-66123456", name="2026年第四季度生活救助", activity="生活救助", year=2026,
                                      unit_code="460000", fund_sources=["省总工会经费", "中央财政"],
                                      standard=Decimal("9000.00")))
    # 海口 2026: the yearly cap is 700 × 12 = 8,400; 9,000 needs the approver's override.
    approver.add_line(batch_id, AidRecord(household_id=ids[0], amount=Decimal("9000.00")), override_reason=REASON)
    clerk.add_line(batch_id, AidRecord(household_id=ids[1], amount=Decimal("5000.50"), fund_source="中央财政",
                                       payment_method="现金"))
    medical = clerk.add_line(batch_id, AidRecord(household_id=ids[2], aid_category="医疗救助", amount=Decimal("4000.00"),
                                       hospital="海南省人民医院", diagnosis="肺癌", total_cost=Decimal("60000.00"),
                                       reimbursed=Decimal("56000.00"), self_paid=Decimal("4000.00"),
                                       application_date=date(2026, 11, 2)))
    for kind in ("医疗证明", "医疗费用单据"):  # required before review
        scan = tmp_path / f"{kind}.pdf"
        scan.write_bytes(f"%PDF-1.4 {kind}".encode())
        PaymentService(db, CLERK).attach_to_line(medical, kind, scan)
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=approver.actor,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    batch = clerk.get(batch_id)
    items = []
    for r in clerk.records(batch_id):
        h = archive.get(r.household_id)
        items.append(ApprovalItem(r, h, get_unit(db.conn, h.unit_code).name))
    return batch, items, _transitions(db, batch_id)


def _transitions(db, batch_id: int) -> list[tuple[str, str, str, str]]:
    return [(t["from_status"], t["to_status"], t["user"], t["at"]) for t in batch_repo.transitions(db.conn, batch_id)]


def test_one_page_per_line_with_the_full_numbers(approved, tmp_path):
    batch, items, transitions = approved
    out = tmp_path / "审批表.pdf"

    assert write_approval_forms(out, batch=batch, office_name=OFFICE, items=items, transitions=transitions) == 3

    pages = _pages(out)
    assert len(pages) == 3
    for page, item in zip(pages, items):
        r, h = item.record, item.household
        assert "困难职工帮扶救助审批表" in page
        assert r.recipient_name in page and r.recipient_id_number in page   # in full: this form is filed
        assert r.record_no in page and batch.code in page and batch.name in page
        assert item.unit_name in page and h.hardship_category in page and f"{h.household_size}人" in page
        assert h.main_cause in page and "433.33元" in page                 # 月人均收入
        assert "生活救助" in page and "省总工会经费、中央财政" in page       # 活动类型, 资金来源 of the batch
        assert "9,000.00元" in page                                         # 发放标准
        # Three different people, each with the day of their step.
        assert "经办人（签字）：jingban" in page and "日期：2026年" in page
        assert "审核人（签字）：shenhe" in page and "审批人（签字）：shenpi" in page
        assert "（盖章）" in page and "第" in page and f"共{len(pages)}页" in page
    overridden, cash, medical = pages
    assert "9,000.00元" in overridden and "人民币玖仟元整" in overridden
    assert "特批" in overridden and REASON in overridden and "8,400.00" in overridden
    assert "特批人shenpi" in overridden
    assert "特批" not in cash and "特批" not in medical
    assert "5,000.50元" in cash and "人民币伍仟元伍角整" in cash and "中央财政" in cash
    assert "现金发放（实名制签领）" in cash and items[1].household.bank_card not in cash
    assert items[0].household.bank_card in overridden and "会员服务卡" in overridden
    for text in ("医疗救助", "海南省人民医院", "肺癌", "60,000.00元", "56,000.00元", "4,000.00元", "2026年11月2日"):
        assert text in medical, text


def test_signature_dates_come_from_the_workflow(approved, tmp_path):
    batch, items, transitions = approved
    transitions = [(f, t, u, at) for f, t, u, at in transitions]
    dated = {(f, t): f"2026-{m}T09:30:00" for (f, t), m in [
        (("草稿", "审核中"), "11-26"), (("审核中", "公示中"), "11-26"), (("待审批", "已审批"), "12-04")]}
    transitions = [(f, t, u, dated.get((f, t), at)) for f, t, u, at in transitions]
    out = tmp_path / "审批表.pdf"

    write_approval_forms(out, batch=batch, office_name=OFFICE, items=items[:1], transitions=transitions)

    page = _pages(out)[0]
    assert page.count("日期：2026年11月26日") == 2 and "日期：2026年12月4日" in page


def test_a_batch_not_yet_approved_leaves_the_approver_blank(db, actor, make_household, tmp_path):
    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(notice_phone="0898-66123456", name="生活救助", activity="生活救助", year=2026, unit_code="460000",
                                      fund_sources=["省总工会经费"], standard=Decimal("1000.00")))
    clerk.add_line(batch_id, AidRecord(household_id=hid, amount=Decimal("1000.00")))
    db.clock.set(date(2026, 11, 26))
    clerk.transition(batch_id, "审核中")
    h = archive.get(hid)
    out = tmp_path / "审批表.pdf"

    write_approval_forms(out, batch=clerk.get(batch_id), office_name=OFFICE,
                         items=[ApprovalItem(clerk.records(batch_id)[0], h, "省财贸工会")],
                         transitions=_transitions(db, batch_id))

    page = _pages(out)[0]
    assert "经办人（签字）：jingban" in page
    assert "审核人（签字）：审批人" in page          # nothing printed after either: lines to sign by hand
    assert "审批人（签字）：日期" in page


def test_the_summary_totals_each_fund_source(approved, tmp_path):
    batch, items, transitions = approved
    records = [(i.record, i.unit_name, i.household.hardship_category) for i in items]
    out = tmp_path / "汇总表.pdf"

    assert write_batch_summary(out, batch=batch, office_name=OFFICE, records=records,
                               transitions=transitions) == 3

    text = "".join(_pages(out))
    assert "2026年第四季度生活救助审批汇总表" in text
    for r, unit, category in records:
        assert r.recipient_name in text and unit in text and category in text
    # 省总工会经费: 9,000.00 + 4,000.00; 中央财政: 5,000.50
    assert "省总工会经费213,000.00壹万叁仟元整" in text
    assert "中央财政15,000.50伍仟元伍角整" in text
    assert "合计318,000.50壹万捌仟元伍角整" in text
    assert "合计共3人次18,000.50" in text
    assert "特批说明" in text and REASON in text and "1.张三" in text
    for step in ("提交审核", "审核通过并公示", "公示结束提交审批", "审批通过"):
        assert step in text
    assert "经办人（签字）：jingban" in text and "审核人（签字）：shenhe" in text and "审批人（签字）：shenpi" in text
    assert "第1页共" in text


def test_cancel_writes_nothing(approved, tmp_path):
    batch, items, transitions = approved
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "审批表.pdf"
    calls: list[int] = []

    with pytest.raises(Cancelled):
        write_approval_forms(out, batch=batch, office_name=OFFICE, items=items, transitions=transitions,
                             progress=lambda n: calls.append(n) or n < 2)

    assert calls == [1, 2] and list(folder.iterdir()) == []
    with pytest.raises(UserError):
        write_approval_forms(out, batch=batch, office_name=OFFICE, items=[], transitions=transitions)


@pytest.mark.parametrize("amount, words", [
    ("0", "零元整"), ("0.05", "伍分"), ("0.50", "伍角整"), ("1000", "壹仟元整"), ("1005.50", "壹仟零伍元伍角整"),
    ("1010", "壹仟零壹拾元整"), ("100000", "壹拾万元整"), ("100500", "壹拾万零伍佰元整"),
    ("1000.05", "壹仟元零伍分"), ("10001000", "壹仟万壹仟元整"), ("10000100", "壹仟万零壹佰元整"),
    ("200000000.01", "贰亿元零壹分"),
    ("-12.30", "负壹拾贰元叁角整"),
])
def test_amounts_in_capital_numerals(amount, words):
    assert yuan_in_words(Decimal(amount)) == words


def test_a_student_line_shows_the_student(db, actor, make_household, tmp_path):
    archive = ArchiveService(db, actor)
    hid = archive.save(make_household(1)).household_id
    h = archive.get(hid)
    student = h.members[1]
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(notice_phone="0898-66123456", name="2026年金秋助学", activity="金秋助学", year=2026, unit_code="460000",
                                      fund_sources=["省财政"],
                                      student_standards={("本科", "新生"): Decimal("3000.00")}))
    clerk.add_line(batch_id, AidRecord(household_id=hid, aid_category="助学救助", amount=Decimal("3000.00"),
                                       student_name=student.name, student_id_number=student.id_number,
                                       school="海南大学", major="土木工程", education_level="本科",
                                       enrollment_year=2026, student_kind="新生"))
    out = tmp_path / "审批表.pdf"

    write_approval_forms(out, batch=clerk.get(batch_id), office_name=OFFICE,
                         items=[ApprovalItem(clerk.records(batch_id)[0], h, "省财贸工会")], transitions=[])

    page = _pages(out)[0]
    for text in ("助学救助", student.name, student.id_number, "海南大学", "土木工程", "本科", "2026", "新生",
                 "本科新生3,000.00元", "人民币叁仟元整"):
        assert text in page, text
    assert "经办人（签字）：jingban" in page
