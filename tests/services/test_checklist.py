"""The batch checklist on real records: each item ✓ and ✗, the national tick, waivers, and 核查完成."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.core.checklist import (ARCHIVE_VALID, FAILED, NATIONAL_SYSTEM, NOTICE, PAID_ON_TIME, PASSED,
                                    PAYMENT_METHOD, SEPARATE_PEOPLE, SMS, SPOT_CHECK, WAIVED)
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.db.problems import insert_problem
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.checklist import ChecklistService
from aiddesk.services.payments import PaymentService
from aiddesk.services.problems import ProblemService
from aiddesk.services.settings import save_calendar_day

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ALL = HouseholdFilter(statuses=())
PAID_ON = date(2026, 12, 8)
LATER = date(2026, 12, 20)   # "today" when the checklist is worked through


@pytest.fixture(autouse=True)
def money(db, receive):
    receive(db, 2026, "省总工会经费")


@pytest.fixture
def households(db, actor, make_household):
    service = ArchiveService(db, actor)
    return [service.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅", "王五"], 1)]


def draft(db, **kw) -> int:
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="两节前对在档困难职工每户慰问1000元",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第12次）",
        plan_approved_on=date(2026, 11, 20), **kw))
    clerk.add_from_filter(batch_id, ALL)
    return batch_id


def approve(db, batch_id: int, *, submitter: Actor = CLERK, reviewer: Actor = REVIEWER) -> None:
    """Noticed 26 November – 2 December 2026, approved 4 December."""
    db.clock.set(date(2026, 11, 26))
    BatchService(db, submitter).transition(batch_id, "审核中")
    BatchService(db, reviewer).transition(batch_id, "公示中")
    db.clock.set(date(2026, 12, 3))
    BatchService(db, CLERK).transition(batch_id, "待审批")
    db.clock.set(date(2026, 12, 4))
    BatchService(db, APPROVER).transition(batch_id, "已审批")


def lines(db, batch_id) -> dict[str, int]:
    return {r.recipient_name: r.id for r in BatchService(db, CLERK).records(batch_id)}


def sms(db, batch_id, status="已发送", error="", names=None):
    """What the SMS helpers' import of a delivery report leaves on the lines."""
    with db.transaction() as conn:
        for name, record_id in lines(db, batch_id).items():
            if names is None or name in names:
                conn.execute("UPDATE aid_records SET sms_status = ?, sms_error = ?, sms_at = ? WHERE id = ?",
                             (status, error, "2026-12-09T10:00:00", record_id))


def call(db, record_id, result="核实一致", on=date(2026, 12, 10)) -> int:
    """A logged 电话抽查 call (the call log's own service writes the same row)."""
    with db.transaction() as conn:
        return conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, called_by, recorded_at)"
                            " VALUES (?, ?, ?, 'jingban', ?)", (record_id, on.isoformat(), result,
                                                               f"{on.isoformat()}T15:00:00")).lastrowid


def open_problem(db, batch_id, record_id, kind="金额不符") -> int:
    with db.transaction() as conn:
        return insert_problem(conn, source="电话抽查", kind=kind, description=f"电话核实：{kind}",
                              opened_on=date(2026, 12, 10), opened_by="jingban", batch_id=batch_id,
                              aid_record_id=record_id)


@pytest.fixture
def paid(db, households) -> int:
    batch_id = draft(db)
    approve(db, batch_id)
    db.clock.set(PAID_ON)
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=PAID_ON)
    return batch_id


@pytest.fixture
def verified(db, paid) -> int:
    """Paid, every SMS delivered, one of three lines reached by phone, entered in the national system."""
    sms(db, paid)
    call(db, lines(db, paid)["张三"])
    db.clock.set(LATER)
    ChecklistService(db, CLERK).tick_national(paid, date(2026, 12, 12))
    return paid


def statuses(db, batch_id) -> dict[str, str]:
    return {i.key: i.status for i in ChecklistService(db, CLERK).checklist(batch_id).items}


def audit(db, table="batch_check_marks") -> list[tuple]:
    return [(r["user"], r["action"], json.loads(r["old_values"] or "{}"), json.loads(r["new_values"] or "{}"))
            for r in db.conn.execute("SELECT * FROM audit_log WHERE table_name = ? ORDER BY id", (table,))]


# ---- the whole checklist ------------------------------------------------------------------------

def test_a_verified_batch_passes_every_item_and_becomes_checked(db, verified):
    service = ChecklistService(db, CLERK)
    c = service.checklist(verified)
    assert c.complete, [(i.title, i.evidence) for i in c.items if not i.passed]
    assert c.item(NOTICE).evidence == "公示 2026-11-26 至 2026-12-02（5个工作日，规定至少5个），2026-12-04 审批"
    assert c.item(SEPARATE_PEOPLE).evidence == "经办人 jingban，审核人 shenhe，审批人 shenpi，三人各不相同"
    assert c.item(PAID_ON_TIME).evidence == ("审批（2026-12-04）后30天内、即 2027-01-03 前应发放；3 人均按期发放"
                                             "（最晚 2026-12-08）")
    assert c.item(SPOT_CHECK).evidence.startswith("已接通核实 1/3 人（33.3%），要求至少5%（1 人）")
    db.clock.set(LATER)
    service.complete(verified)
    b = BatchService(db, CLERK).get(verified)
    assert b.status == "已核查"
    assert db.conn.execute("SELECT from_status, to_status, user FROM batch_transitions WHERE batch_id = ?"
                           " ORDER BY id DESC", (verified,)).fetchone()[:] == ("已发放", "已核查", "jingban")
    with pytest.raises(UserError, match="已完成核查"):
        service.untick_national(verified)


def test_checked_is_refused_listing_the_failing_items(db, paid):
    db.clock.set(LATER)
    with pytest.raises(UserError) as info:
        BatchService(db, CLERK).transition(paid, "已核查")
    message = str(info.value)
    assert message.startswith("核查清单还有 3 项不符合")
    assert "短信通知全覆盖（已发送 0/3 人，未发送 3 人）" in message
    assert "电话抽查" in message and "已录入全国工会帮扶管理系统" in message
    assert BatchService(db, CLERK).get(paid).status == "已发放"


# ---- each item turns ✗ when its record changes ------------------------------------------------------

def test_an_archive_closed_before_approval_fails_the_first_item(db, actor, verified, households):
    assert statuses(db, verified)[ARCHIVE_VALID] == PASSED
    # found out afterwards: 王五 had left the archive on 1 December, before the approval on 4 December
    db.clock.set(LATER)
    ArchiveService(db, actor).change_status(households[2], "脱困", on=date(2026, 12, 1), reason="脱困")
    item = ChecklistService(db, CLERK).checklist(verified).item(ARCHIVE_VALID)
    assert item.status == FAILED
    assert [(o.name, o.detail) for o in item.offenders] == [("王五", "审批时档案为“脱困”")]
    # reopened on 20 December: 王五 was still out of the archive on the approval day
    ArchiveService(db, actor).change_status(households[2], "在档")
    assert statuses(db, verified)[ARCHIVE_VALID] == FAILED
    # the exit was a mistake: undone, it never happened; one who left only after the approval was on file then
    archive = ArchiveService(db, actor)
    archive.undo_status_change(households[2], "误操作：重新启用前应撤销误办的脱困")
    archive.undo_status_change(households[2], "王五并未脱困，脱困系误点")
    assert [(p.status, p.valid_to) for p in archive.status_periods(households[2])] == [("在档", None)]
    archive.change_status(households[1], "脱困", on=date(2026, 12, 5), reason="脱困")
    assert ChecklistService(db, CLERK).checklist(verified).item(ARCHIVE_VALID).status == PASSED


def test_a_short_notice_fails(db, households):
    batch_id = draft(db, notice_days=3)
    approve(db, batch_id)
    item = ChecklistService(db, CLERK).checklist(batch_id).item(NOTICE)
    assert item.status == FAILED
    assert item.evidence == "公示 2026-11-26 至 2026-11-30（3个工作日，规定至少5个），2026-12-04 审批：公示天数不足"


def test_a_holiday_entered_later_makes_the_approval_too_early(db, actor, verified):
    for day in ("2026-12-01", "2026-12-02"):
        save_calendar_day(db, actor, date.fromisoformat(day), "休息日", "本地放假")
    item = ChecklistService(db, CLERK).checklist(verified).item(NOTICE)
    assert item.status == FAILED
    assert "按节假日安排应公示至 2026-12-04" in item.evidence and "公示最后一天即审批" in item.evidence


def test_one_person_submitting_and_reviewing_fails_three_people(db, households):
    both = Actor("laowang", "界面", ("管理员", "审核人"))  # the workflow only knows the drafter as 经办人
    batch_id = draft(db)
    approve(db, batch_id, submitter=both, reviewer=both)
    item = ChecklistService(db, CLERK).checklist(batch_id).item(SEPARATE_PEOPLE)
    assert item.status == FAILED
    assert item.evidence == "经办人 jingban、laowang，审核人 laowang，审批人 shenpi：laowang既是经办人又是审核人"


def test_cash_needs_its_signed_list_and_a_card_line_its_number(db, households, tmp_path):
    batch_id = draft(db)
    approve(db, batch_id)
    pay = PaymentService(db, CLERK)
    by_name = lines(db, batch_id)
    pay.set_payment_method(by_name["李梅"], "现金")
    scan = tmp_path / "李梅签领表.jpg"
    scan.write_bytes(b"signed")
    pay.attach_to_line(by_name["李梅"], "实名制签领表", scan)
    db.clock.set(PAID_ON)
    pay.mark_paid(batch_id, paid_on=PAID_ON)
    item = ChecklistService(db, CLERK).checklist(batch_id).item(PAYMENT_METHOD)
    assert item.status == PASSED
    assert item.evidence == "会员服务卡 2 人、现金 1 人；到卡的均有卡号，现金发放均有签字的实名制签领表"
    with db.transaction() as conn:  # e.g. a line brought in from an old ledger without its card number
        conn.execute("UPDATE aid_records SET bank_card = '' WHERE id = ?", (by_name["张三"],))
        conn.execute("DELETE FROM aid_attachments WHERE aid_record_id = ?", (by_name["李梅"],))
    item = ChecklistService(db, CLERK).checklist(batch_id).item(PAYMENT_METHOD)
    assert item.status == FAILED
    assert [(o.name, o.detail) for o in item.offenders] == [("张三", "会员服务卡发放但没有卡号"),
                                                            ("李梅", "现金发放但没有已签字的实名制签领表")]


def test_a_line_paid_late_fails_paid_on_time(db, households, receive):
    receive(db, 2027, "省总工会经费")
    batch_id = draft(db)
    approve(db, batch_id)
    pay = PaymentService(db, CLERK)
    by_name = lines(db, batch_id)
    db.clock.set(PAID_ON)
    pay.mark_paid(batch_id, paid_on=PAID_ON, record_ids=[by_name["张三"], by_name["李梅"]])
    assert statuses(db, batch_id)[PAID_ON_TIME] == FAILED  # 王五 not paid yet
    db.clock.set(date(2027, 1, 6))
    pay.mark_paid(batch_id, paid_on=date(2027, 1, 6))
    item = ChecklistService(db, CLERK).checklist(batch_id).item(PAID_ON_TIME)
    assert item.status == FAILED
    assert [(o.name, o.detail) for o in item.offenders] == [("王五", "2027-01-06 发放，逾期3天")]


def test_an_sms_marked_failed_fails_the_sms_item(db, verified):
    assert statuses(db, verified)[SMS] == PASSED
    sms(db, verified, "发送失败", "号码为空号", names={"李梅"})
    item = ChecklistService(db, CLERK).checklist(verified).item(SMS)
    assert item.status == FAILED and item.evidence == "已发送 2/3 人，发送失败 1 人"
    assert [(o.record_id, o.detail) for o in item.offenders] == [(lines(db, verified)["李梅"], "发送失败：号码为空号")]


def test_only_calls_that_got_through_count_and_an_open_problem_blocks_until_resolved(db, paid):
    sms(db, paid)
    db.clock.set(LATER)
    ChecklistService(db, CLERK).tick_national(paid)
    by_name = lines(db, paid)
    call(db, by_name["张三"], "未接通")
    call(db, by_name["李梅"], "号码错误")
    item = ChecklistService(db, CLERK).checklist(paid).item(SPOT_CHECK)
    assert item.status == FAILED and "已接通核实 0/3 人" in item.evidence and "还差 1 人" in item.evidence
    call(db, by_name["王五"], "金额不符")
    problem = open_problem(db, paid, by_name["王五"])
    item = ChecklistService(db, CLERK).checklist(paid).item(SPOT_CHECK)
    assert item.status == FAILED and "已接通核实 1/3 人" in item.evidence
    assert [(o.name, o.detail) for o in item.offenders] == [("王五", "金额不符（2026-12-10发现，未处理）")]
    with pytest.raises(UserError, match="电话抽查发现的问题 1 个未处理"):
        ChecklistService(db, CLERK).complete(paid)
    ProblemService(db, CLERK).resolve(problem, "已核实：系少发200元，已于12月15日补发", on=date(2026, 12, 15))
    assert ChecklistService(db, CLERK).checklist(paid).complete
    ChecklistService(db, CLERK).complete(paid)
    assert BatchService(db, CLERK).get(paid).status == "已核查"


# ---- the national tick ----------------------------------------------------------------------------------

def test_the_national_tick_keeps_who_and_when_and_can_be_taken_back(db, paid):
    service = ChecklistService(db, CLERK)
    assert statuses(db, paid)[NATIONAL_SYSTEM] == FAILED
    db.clock.set(LATER)
    with pytest.raises(UserError, match="不能早于审批日期 2026-12-04"):
        service.tick_national(paid, date(2026, 12, 1))
    with pytest.raises(UserError, match="不能晚于今天"):
        service.tick_national(paid, date(2026, 12, 21))
    with pytest.raises(UserError, match="没有此权限"):
        ChecklistService(db, APPROVER).tick_national(paid)
    service.tick_national(paid, date(2026, 12, 12))
    c = service.checklist(paid)
    assert (c.national.by, c.national.on) == ("jingban", date(2026, 12, 12))
    assert c.item(NATIONAL_SYSTEM).evidence == "jingban确认已于 2026-12-12 录入"
    with pytest.raises(UserError, match="已由jingban确认于 2026-12-12 录入"):
        service.tick_national(paid)
    ChecklistService(db, REVIEWER).untick_national(paid)
    assert service.checklist(paid).national is None
    assert audit(db) == [
        ("jingban", "insert", {}, {"item": "已录入全国工会帮扶管理系统", "mark": "已完成", "marked_on": "2026-12-12"}),
        ("shenhe", "delete", {"item": "已录入全国工会帮扶管理系统", "mark": "已完成", "marked_on": "2026-12-12",
                              "marked_by": "jingban"}, {}),
    ]


# ---- waivers -----------------------------------------------------------------------------------------

def test_an_approver_waives_a_failing_item_with_a_reason_a_clerk_cannot(db, verified):
    sms(db, verified, "发送失败", "号码已停机", names={"王五"})
    db.clock.set(LATER)
    with pytest.raises(UserError, match="没有此权限"):
        ChecklistService(db, CLERK).waive(verified, SMS, "已上门通知本人")
    approver = ChecklistService(db, APPROVER)
    with pytest.raises(UserError, match="理由"):
        approver.waive(verified, SMS, "无")
    with pytest.raises(UserError, match="已符合，无需豁免"):
        approver.waive(verified, PAID_ON_TIME, "没有什么理由")
    approver.waive(verified, SMS, "号码已停机，已于12月11日上门告知本人")
    item = approver.checklist(verified).item(SMS)
    assert item.status == WAIVED and item.waiver_text() == "审批人shenpi于2026-12-20豁免，理由：号码已停机，已于12月11日上门告知本人"
    assert audit(db)[-1] == ("shenpi", "insert", {}, {"item": "短信通知全覆盖", "mark": "豁免",
                                                      "reason": "号码已停机，已于12月11日上门告知本人",
                                                      "evidence": "已发送 2/3 人，发送失败 1 人"})
    # the waived item turning ✓ later simply shows ✓
    sms(db, verified, names={"王五"})
    assert statuses(db, verified)[SMS] == PASSED
    sms(db, verified, "发送失败", "号码已停机", names={"王五"})
    ChecklistService(db, CLERK).complete(verified)
    assert BatchService(db, CLERK).get(verified).status == "已核查"
    with pytest.raises(UserError, match="已完成核查"):
        approver.unwaive(verified, SMS)


def test_a_withdrawn_waiver_blocks_again(db, verified):
    sms(db, verified, "未发送", names={"张三"})
    approver = ChecklistService(db, APPROVER)
    db.clock.set(LATER)
    approver.waive(verified, SMS, "本人无手机，已当面告知")
    assert approver.checklist(verified).complete
    with pytest.raises(UserError, match="没有此权限"):
        ChecklistService(db, CLERK).unwaive(verified, SMS)
    approver.unwaive(verified, SMS)
    assert statuses(db, verified)[SMS] == FAILED
    assert audit(db)[-1][:2] == ("shenpi", "delete")
    with pytest.raises(UserError, match="短信通知全覆盖"):
        ChecklistService(db, CLERK).complete(verified)


def test_waivers_wait_until_the_batch_is_paid(db, households):
    batch_id = draft(db)
    approve(db, batch_id)
    db.clock.set(LATER)
    with pytest.raises(UserError, match="发放完成"):
        ChecklistService(db, APPROVER).waive(batch_id, SMS, "尚未发放但想先豁免")
