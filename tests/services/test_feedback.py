"""满意度: answered 意见反馈表 per batch and in general, and the satisfaction rate per year and per batch."""

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
from aiddesk.services.feedback import FeedbackService, percent
from aiddesk.services.payments import PaymentService
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
LATER = date(2026, 12, 20)   # "today" for recording answers after the December payment
NAMES = ["张三", "李梅", "王五"]


def batch(activity: str = "送温暖", name: str = "2026年两节送温暖") -> Batch:
    return Batch(notice_phone="0898-66123456", name=name, activity=activity, year=2026,
                 unit_code="460000", fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
                 plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
                 plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20))


def approved_batch(db, *, names=None, activity="送温暖", name="2026年两节送温暖") -> int:
    """A batch of every 在档 household (or those the search finds), through review, notice and approval."""
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(batch(activity, name))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=(), text=names or ""))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    return batch_id


@pytest.fixture
def households(db, actor, make_household, receive) -> dict[str, int]:
    receive(db, 2026, "省总工会经费")
    service = ArchiveService(db, actor)
    made = {n: service.save(make_household(i, name=n)).household_id for i, n in enumerate(NAMES, 1)}
    made["赵六"] = service.save(make_household(4, name="赵六", archive_status="临时")).household_id
    return made


@pytest.fixture
def paid(db, households) -> int:
    batch_id = approved_batch(db)
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    return batch_id


# ---- the rate ------------------------------------------------------------------------------------

def test_the_rate_is_satisfied_and_fairly_satisfied_over_all_answers(db, actor, households, paid):
    service = FeedbackService(db, actor)
    assert service.rate(2026) == (0, 0, None) and service.rate(batch_id=paid) == (0, 0, None)
    for name, answer in zip(NAMES, ("满意", "基本满意", "不满意")):
        db.clock.set(LATER)
        service.record(households[name], answered_on=date(2026, 12, 15), answer=answer, batch_id=paid)
    assert service.rate(batch_id=paid) == (2, 3, Decimal("0.6667"))
    assert percent(service.rate(batch_id=paid)[2]) == "66.7%"
    # An answer about the year's work in general counts for the year, not for the batch.
    db.clock.set(LATER)
    service.record(households["赵六"], answered_on=date(2026, 12, 16), answer="满意", comment="希望多组织技能培训")
    assert service.rate(2026) == (3, 4, Decimal("0.75"))
    assert service.rate(batch_id=paid) == (2, 3, Decimal("0.6667"))
    assert service.rate(2026, batch_id=paid) == (2, 3, Decimal("0.6667"))
    assert service.rate() == (3, 4, Decimal("0.75"))
    assert service.rate(2025) == (0, 0, None)
    assert percent(None) == "—"


def test_an_answer_counts_in_the_year_it_was_given(db, actor, households, paid):
    service = FeedbackService(db, actor)
    db.clock.set(LATER)
    service.record(households["张三"], answered_on=date(2026, 12, 18), answer="满意", batch_id=paid)
    db.clock.set(date(2027, 1, 6))
    service.record(households["李梅"], answered_on=date(2027, 1, 6), answer="不满意", batch_id=paid)
    assert service.rate(2026) == (1, 1, Decimal("1"))
    assert service.rate(2027) == (0, 1, Decimal("0"))
    assert service.rate(2027, batch_id=paid) == (0, 1, Decimal("0"))
    assert service.rate(batch_id=paid) == (1, 2, Decimal("0.5"))


def test_answers_list_who_said_what_about_which_batch(db, actor, households, paid):
    service = FeedbackService(db, actor)
    db.clock.set(LATER)
    service.record(households["李梅"], answered_on=date(2026, 12, 15), answer="基本满意", comment=" 到账及时 ",
                   batch_id=paid)
    service.record(households["张三"], answered_on=date(2026, 12, 18), answer="满意")
    newest, older = service.answers(2026)
    assert (newest.name, newest.batch_id, newest.answer) == ("张三", None, "满意")
    assert (older.name, older.batch_name, older.comment, older.recorded_by) == (
        "李梅", "2026年两节送温暖", "到账及时", "测试员")
    assert older.unit_name == "省财贸工会" and older.archive_no
    assert [a.name for a in service.answers(batch_id=paid)] == ["李梅"]
    audit = db.conn.execute("SELECT household_id, new_values FROM audit_log WHERE table_name = 'feedback'"
                            " ORDER BY id").fetchall()
    assert [a["household_id"] for a in audit] == [households["李梅"], households["张三"]]
    assert "基本满意" in audit[0]["new_values"]


# ---- what may be recorded ---------------------------------------------------------------------------

def test_an_answer_needs_a_date_and_an_answer_from_the_code_list(db, actor, households):
    service = FeedbackService(db, actor)
    db.clock.set(LATER)
    with pytest.raises(ValidationError) as err:
        service.record(households["张三"], answered_on=date(2026, 12, 21), answer="非常满意")
    assert set(err.value.problems) == {"answered_on", "answer"}
    assert "满意、基本满意、不满意" in err.value.problems["answer"]
    service.record(households["张三"], answered_on=date(2026, 12, 10), answer="满意")
    with pytest.raises(UserError, match="已经登记过"):
        service.record(households["张三"], answered_on=date(2026, 12, 10), answer="不满意")
    assert service.rate(2026) == (1, 1, Decimal("1"))


def test_an_answer_about_a_batch_comes_from_a_household_paid_in_it(db, actor, households, make_household):
    service = FeedbackService(db, actor)
    batch_id = approved_batch(db, names="张三")
    db.clock.set(LATER)
    with pytest.raises(UserError, match="尚未登记发放"):
        service.record(households["张三"], answered_on=date(2026, 12, 10), answer="满意", batch_id=batch_id)
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 12, 8))
    db.clock.set(LATER)
    with pytest.raises(UserError, match="李梅.*没有有效的帮扶明细"):
        service.record(households["李梅"], answered_on=date(2026, 12, 10), answer="满意", batch_id=batch_id)
    with pytest.raises(UserError, match="早于发放日期 2026-12-08"):
        service.record(households["张三"], answered_on=date(2026, 12, 7), answer="满意", batch_id=batch_id)
    service.record(households["张三"], answered_on=date(2026, 12, 9), answer="满意", batch_id=batch_id)
    with pytest.raises(UserError, match="已经登记过"):
        service.record(households["张三"], answered_on=date(2026, 12, 12), answer="满意", batch_id=batch_id)
    assert service.rate(batch_id=batch_id) == (1, 1, Decimal("1"))


def test_an_approver_does_not_record_answers(db, households):
    db.clock.set(LATER)
    with pytest.raises(UserError, match="没有此权限"):
        FeedbackService(db, APPROVER).record(households["张三"], answered_on=date(2026, 12, 10), answer="满意")


# ---- what the view offers -----------------------------------------------------------------------

def test_paid_batches_and_their_recipients_are_offered_to_answer_about(db, actor, households, paid):
    service = FeedbackService(db, actor)
    unpaid = approved_batch(db, names="张三", activity="其他", name="2026年职工互助慰问")
    (offered,) = service.batches(2026)
    assert (offered.id, offered.name, offered.paid_on) == (paid, "2026年两节送温暖", date(2026, 12, 8))
    assert unpaid != paid and service.batches(2025) == []
    assert [r.name for r in service.recipients(paid)] == NAMES
    assert service.recipients(unpaid) == []
    found = service.find_household(service.recipients(paid)[1].archive_no.lower())
    assert (found.household_id, found.name, found.unit_name) == (households["李梅"], "李梅", "省财贸工会")
    with pytest.raises(UserError, match="找不到档案编号或身份证号为“X-1”"):
        service.find_household("x-1")
