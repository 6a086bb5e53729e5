"""The printed 入户走访登记表 and 意见反馈表: what they say, one per page, cancelling leaves no file."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.core.household import Member
from aiddesk.core.idcard import make_id
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.reports.common import Cancelled
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.feedback import print_feedback_forms
from aiddesk.services.home_visits import print_visit_forms
from aiddesk.services.payments import PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
OUTCOME_BOXES = ("□情况属实", "□情况变化", "□建议脱困", "□建议注销")


def pages(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def flat(text: str) -> str:
    """Extracted text without the line breaks a wrapped cell puts in."""
    return "".join(text.split())


@pytest.fixture
def households(db, actor, make_household) -> list[int]:
    service = ArchiveService(db, actor)
    first = make_household(1, name="张三", address="海口市美兰区海府路88号3栋2单元501房",
                           secondary_causes=["患重特大疾病"])
    second = make_household(2, name="李梅", members=0, unit_code="460002", phone="13698765432",
                            hardship_category="低保边缘户", main_cause="子女上学")
    return [service.save(h).household_id for h in (first, second)]


# ---- 入户走访登记表 ---------------------------------------------------------------------------------

def test_a_visit_form_per_household_pre_filled_from_the_archive(db, households, tmp_path):
    out = tmp_path / "走访登记表.pdf"
    done = []
    db.clock.set(date(2026, 11, 26))
    assert print_visit_forms(db, households, out, progress=lambda n: done.append(n)) == 2
    assert done[-1] == 2
    first, second = pages(out)
    text = flat(first)
    assert "困难职工入户走访登记表" in text
    # Full ID numbers: the form goes in the file, not on a wall.
    for value in ("张三", make_id("460100", date(1975, 3, 2), 3), "省财贸工会", "海口市美兰区海府路88号3栋2单元501房",
                  "13812345678", "低保户", "3人", "月人均收入", "下岗失业、患重特大疾病", "李四", "配偶", "张小明",
                  make_id("460100", date(2001, 5, 3), 5)):
        assert value in text, value
    for blank in ("走访时间", "走访人", "家庭现状（收入、就业、健康、住房变化）", "收入变化", "住房变化",
                  "被走访人（签字）", "走访人（签字）", *OUTCOME_BOXES):
        assert blank in text, blank
    assert "李梅" not in text
    other = flat(second)
    assert "李梅" in other and "省旅游工会" in other and "低保边缘户" in other and "张三" not in other
    assert "海南省职工服务中心" in other and "第1页共1页" in other


def test_a_household_with_many_members_continues_on_a_numbered_page(db, actor, make_household, tmp_path):
    h = make_household(5, name="王大家", members=0)
    h.members = [Member(name=f"成员{i}", relation="子", id_number=make_id("460100", date(2000, 1, i), 40 + i),
                        monthly_income=Decimal("0.00"), identity="学生", employer_or_school="海南大学附属中学")
                 for i in range(1, 13)]
    h.household_size = 13
    household_id = ArchiveService(db, actor).save(h).household_id
    out = tmp_path / "大家庭.pdf"
    db.clock.set(date(2026, 11, 26))
    print_visit_forms(db, [household_id], out)
    texts = [flat(t) for t in pages(out)]
    assert len(texts) == 2
    assert "第1页共2页" in texts[0] and "第2页共2页" in texts[1]
    assert "（续页）户主：王大家" in texts[1] and "□建议注销" in "".join(texts)


def test_cancelling_a_visit_print_leaves_no_file(db, households, tmp_path):
    out = tmp_path / "走访登记表.pdf"
    with pytest.raises(Cancelled):
        print_visit_forms(db, households, out, progress=lambda n: False)
    assert not list(tmp_path.glob("*.pdf*"))
    with pytest.raises(UserError, match="没有选中任何走访户"):
        print_visit_forms(db, [], out)


# ---- 意见反馈表 ------------------------------------------------------------------------------------

def test_blank_feedback_forms_carry_the_questions_and_no_one(db, tmp_path):
    out = tmp_path / "反馈表.pdf"
    db.clock.set(date(2026, 11, 26))
    assert print_feedback_forms(db, None, out, copies=3) == 3
    texts = [flat(t) for t in pages(out)]
    assert len(texts) == 3
    text = texts[0]
    assert "工会困难职工帮扶资金管理使用意见反馈表" in text and "（2026年度）" in text
    for value in ("是否收到帮扶资金", "□是", "□否", "金额是否相符", "□相符", "□不相符", "对帮扶工作是否满意",
                  "□满意", "□基本满意", "□不满意", "意见和建议", "反馈人（签字）", "调查人（签字）"):
        assert value in text, value
    assert "张三" not in text and "元" in text
    with pytest.raises(UserError, match="份数"):
        print_feedback_forms(db, None, out, copies=0)


def test_feedback_forms_pre_filled_with_what_a_household_received(db, households, receive, tmp_path):
    receive(db, 2026, "省总工会经费")
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="两节前对在档困难职工每户慰问1000元",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 11, 20)))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=(), text="张三"))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))

    out = tmp_path / "反馈表.pdf"
    assert print_feedback_forms(db, households[:1], out, batch_id=batch_id, copies=2) == 2
    first, second = (flat(t) for t in pages(out))
    assert first == second
    for value in ("张三", "省财贸工会", "13812345678", "2026年两节送温暖", "1,000.00元", "2026年12月8日", "会员服务卡",
                  "□基本满意"):
        assert value in first, value
    assert make_id("460100", date(1975, 3, 2), 3) not in first  # a questionnaire needs no ID number
    with pytest.raises(UserError, match="李梅.*没有有效的帮扶明细"):
        print_feedback_forms(db, households, tmp_path / "两户.pdf", batch_id=batch_id)
    assert not (tmp_path / "两户.pdf").exists()
    # Without a batch, a household's form is pre-filled with who they are only.
    print_feedback_forms(db, households[1:], out)
    (only,) = (flat(t) for t in pages(out))
    assert "李梅" in only and "省旅游工会" in only and "两节送温暖" not in only
