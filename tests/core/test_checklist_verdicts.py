"""The checklist's verdicts from plain facts: each item ✓ and ✗, waivers, and the archive status on a day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.checklist import (ARCHIVE_VALID, FAILED, ITEMS, NATIONAL_SYSTEM, NOTICE, PAID_ON_TIME, PASSED,
                                    PAYMENT_METHOD, SEPARATE_PEOPLE, SMS, SPOT_CHECK, TITLES, WAIVED, BatchFacts,
                                    LineFacts, Mark, OpenProblem, evaluate,
                                    payment_deadline, spot_check_needed)

APPROVED = date(2026, 12, 4)


def line(i: int, name: str, **kw) -> LineFacts:
    values = dict(id=i, record_no=f"PC-{i:05d}", name=name, bank_card="6222020200112233445",
                  paid_on=date(2026, 12, 8), sms_status="已发送", archive_status="在档", reached=False)
    values.update(kw)
    return LineFacts(**values)


def facts(**kw) -> BatchFacts:
    """A batch that passes every item: 20 lines, one of them reached by phone (5% of 20 is 1)."""
    lines = tuple(line(i, f"职工{i}", reached=i == 1) for i in range(1, 21))
    values = dict(activity="送温暖", approved_on=APPROVED, notice_start=date(2026, 11, 26), notice_days=5,
                  notice_end=date(2026, 12, 2), required_end=date(2026, 12, 2), required_notice_days=5,
                  second_notice_end=None, clerks=("jingban",), reviewers=("shenhe",), approvers=("shenpi",),
                  payment_due_days=30, spot_check_share=Decimal("0.05"), lines=lines,
                  national=Mark("jingban", date(2026, 12, 10)), display_names={"jingban": "李经办"})
    values.update(kw)
    return BatchFacts(**values)


def verdict(key: str, **kw):
    return evaluate(7, facts(**kw)).item(key)


def test_a_clean_batch_passes_every_item_in_order():
    c = evaluate(7, facts())
    assert [i.key for i in c.items] == list(ITEMS)
    assert [i.title for i in c.items] == ["帮扶对象审批时档案有效", "公示期满后审批", "经办、审核、审批三人分设", "发放方式合规",
                                          "按期发放", "短信通知全覆盖", "电话抽查", "已录入全国工会帮扶管理系统"]
    assert all(i.status == PASSED for i in c.items), [(i.title, i.evidence) for i in c.items if not i.passed]
    assert c.complete and c.refusal() == ""
    assert c.item(NATIONAL_SYSTEM).evidence == "李经办（jingban）确认已于 2026-12-10 录入"
    assert c.item(SEPARATE_PEOPLE).evidence == "经办人 李经办（jingban），审核人 shenhe，审批人 shenpi，三人各不相同"
    assert c.item(NOTICE).evidence == "公示 2026-11-26 至 2026-12-02（5个工作日，规定至少5个），2026-12-04 审批"


def test_archive_not_on_file_at_approval_fails_with_the_offending_line():
    lines = facts().lines
    bad = (replace(lines[0], archive_status="脱困"), replace(lines[1], archive_status=None), *lines[2:])
    item = verdict(ARCHIVE_VALID, lines=bad)
    assert item.status == FAILED
    assert [(o.record_id, o.name, o.detail) for o in item.offenders] == [
        (1, "职工1", "审批时档案为“脱困”"), (2, "职工2", "审批时尚未建档")]
    assert item.evidence == "2 人审批日（2026-12-04）档案不是在档状态"


def test_a_temporary_archive_counts_only_for_temporary_aid():
    lines = (replace(facts().lines[0], archive_status="临时"), *facts().lines[1:])
    assert verdict(ARCHIVE_VALID, lines=lines).status == FAILED
    assert verdict(ARCHIVE_VALID, lines=lines, activity="临时救助").status == PASSED


@pytest.mark.parametrize("change, problem", [
    (dict(approved_on=date(2026, 12, 2)), "公示最后一天即审批"),
    (dict(approved_on=date(2026, 11, 30)), "审批早于公示期满"),
    (dict(notice_days=3, notice_end=date(2026, 11, 30), required_end=date(2026, 12, 2)), "公示天数不足"),
    (dict(required_end=date(2026, 12, 7)), "按节假日安排应公示至 2026-12-07"),
    (dict(notice_start=None, notice_end=None), "没有公示记录"),
])
def test_approval_before_the_notice_ran_its_days_fails(change, problem):
    item = verdict(NOTICE, **change)
    assert item.status == FAILED and problem in item.evidence


def test_one_person_in_two_roles_fails():
    item = verdict(SEPARATE_PEOPLE, reviewers=("shenhe", "jingban"))
    assert item.status == FAILED and "李经办（jingban）既是经办人又是审核人" in item.evidence
    assert verdict(SEPARATE_PEOPLE, approvers=()).evidence.endswith("尚无审批人")


def test_cards_need_a_number_and_cash_a_signed_list():
    lines = facts().lines
    bad = (replace(lines[0], payment_method="现金", bank_card=""), replace(lines[1], bank_card=""),
           replace(lines[2], payment_method="现金", signed=True), *lines[3:])
    item = verdict(PAYMENT_METHOD, lines=bad)
    assert item.status == FAILED
    assert [(o.name, o.detail) for o in item.offenders] == [("职工1", "现金发放但没有已签字的实名制签领表"),
                                                            ("职工2", "会员服务卡发放但没有卡号")]
    assert item.evidence == "会员服务卡 18 人、现金 2 人；2 人不合规"
    assert verdict(PAYMENT_METHOD).evidence.endswith("无现金发放，不需实名制签领表")


def test_payment_is_due_within_the_days_after_approval_or_the_second_notice():
    assert payment_deadline(APPROVED, None, 30) == date(2027, 1, 3)
    assert payment_deadline(APPROVED, date(2026, 12, 11), 30) == date(2027, 1, 10)
    lines = facts().lines
    late = (replace(lines[0], paid_on=date(2027, 1, 5)), replace(lines[1], paid_on=None), *lines[2:])
    item = verdict(PAID_ON_TIME, lines=late)
    assert item.status == FAILED
    assert [(o.name, o.detail) for o in item.offenders] == [("职工1", "2027-01-05 发放，逾期2天"), ("职工2", "尚未发放")]
    assert "审批（2026-12-04）后30天内、即 2027-01-03 前应发放" in item.evidence
    # counted from the end of a 再公示 the same payment is in time
    assert verdict(PAID_ON_TIME, lines=(late[0], *lines[1:]), second_notice_end=date(2026, 12, 11)).passed


def test_sms_lists_failures_and_unsent():
    lines = facts().lines
    bad = (replace(lines[0], sms_status="发送失败", sms_error="空号"), replace(lines[1], sms_status="未发送"), *lines[2:])
    item = verdict(SMS, lines=bad)
    assert item.status == FAILED and item.evidence == "已发送 18/20 人，发送失败 1 人，未发送 1 人"
    assert [o.detail for o in item.offenders] == ["发送失败：空号", "未发送"]
    assert item.record_ids == [1, 2]


def test_spot_check_needs_the_share_reached_and_no_open_problem():
    assert spot_check_needed(20, Decimal("0.05")) == 1 and spot_check_needed(21, Decimal("0.05")) == 2
    none_reached = tuple(replace(r, reached=False) for r in facts().lines)
    item = verdict(SPOT_CHECK, lines=none_reached)
    assert item.status == FAILED and "还差 1 人" in item.evidence and "未接通、号码错误的不计" in item.evidence
    problem = OpenProblem(5, 3, "职工3", "金额不符", date(2026, 12, 9))
    item = verdict(SPOT_CHECK, open_spot_problems=(problem,))
    assert item.status == FAILED and "电话抽查发现的问题 1 个未处理" in item.evidence
    assert [(o.record_id, o.detail) for o in item.offenders] == [(3, "金额不符（2026-12-09发现，未处理）")]
    assert verdict(SPOT_CHECK).evidence.startswith("已接通核实 1/20 人（5.0%），要求至少5%（1 人）")


def test_national_system_needs_the_tick():
    assert verdict(NATIONAL_SYSTEM, national=None).status == FAILED


def test_a_waiver_lets_a_failing_item_through_and_disappears_when_it_passes():
    waiver = Mark("shenpi", date(2026, 12, 20), "该户已搬迁，已电话通知本人")
    lines = facts().lines
    unsent = (replace(lines[0], sms_status="未发送"), *lines[1:])
    c = evaluate(7, facts(lines=unsent, waivers={SMS: waiver}))
    assert c.item(SMS).status == WAIVED and c.item(SMS).ok and c.complete
    assert c.item(SMS).waiver_text() == "审批人shenpi于2026-12-20豁免，理由：该户已搬迁，已电话通知本人"
    # once the SMS went out the item is simply ✓
    assert evaluate(7, facts(waivers={SMS: waiver})).item(SMS).status == PASSED


def test_refusal_lists_every_failing_item():
    c = evaluate(7, facts(national=None, approvers=()))
    assert not c.complete
    assert [i.key for i in c.failing] == [SEPARATE_PEOPLE, NATIONAL_SYSTEM]
    assert c.refusal().startswith("核查清单还有 2 项不符合，不能完成核查：经办、审核、审批三人分设（")
    assert TITLES[NATIONAL_SYSTEM] in c.refusal() and "审批人写明理由后豁免" in c.refusal()
