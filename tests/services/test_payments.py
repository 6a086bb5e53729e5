"""Paying a batch: signed lists for cash, marking lines paid, the bank's file, objections, roles."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from aiddesk.core.batch import Batch
from aiddesk.core.errors import UserError
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import BANK_HEADERS, BANK_SHEET, PaymentService

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ALL = HouseholdFilter(statuses=())


@pytest.fixture(autouse=True)
def money(db, receive):
    """The office has received the money these batches pay out: paying beyond it is refused."""
    receive(db, 2026, "省总工会经费")


def song_nuan() -> Batch:
    return Batch(notice_phone="0898-66123456", name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                 fund_sources=["省总工会经费"], standard=Decimal("1000.00"),
                 plan_text="两节前对在档困难职工每户慰问1000元", plan_approval_kind="主席办公会",
                 plan_approved_by="主席办公会（2026年第12次）", plan_approved_on=date(2026, 11, 20))


@pytest.fixture
def households(db, actor, make_household):
    service = ArchiveService(db, actor)
    return [service.save(make_household(i, name=n)).household_id for i, n in enumerate(["张三", "李梅", "王五"], 1)]


@pytest.fixture
def noticed(db, households) -> int:
    """A batch of three households in its 公示 (26 November – 2 December 2026)."""
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(song_nuan())
    clerk.add_from_filter(batch_id, ALL)
    db.clock.set(date(2026, 11, 26))
    clerk.transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")
    return batch_id


def approve(db, batch_id: int) -> None:
    db.clock.set(date(2026, 12, 3))
    BatchService(db, CLERK).transition(batch_id, "待审批")
    db.clock.set(date(2026, 12, 4))
    BatchService(db, APPROVER).transition(batch_id, "已审批")


@pytest.fixture
def approved(db, noticed) -> int:
    approve(db, noticed)
    return noticed


def lines(db, batch_id):
    return {r.recipient_name: r for r in BatchService(db, CLERK).records(batch_id, include_removed=True)}


def scan(tmp_path, name: str, data: bytes = b"signed list scan") -> object:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# ---- paying --------------------------------------------------------------------------


def test_cash_is_paid_only_against_a_signed_list(db, approved, tmp_path):
    pay = PaymentService(db, CLERK)
    cash = lines(db, approved)["李梅"]
    pay.set_payment_method(cash.id, "现金")
    db.clock.set(date(2026, 12, 8))
    with pytest.raises(UserError, match="李梅") as info:
        pay.mark_paid(approved, paid_on=date(2026, 12, 8))
    assert "实名制签领表" in str(info.value) and "张三" not in str(info.value)
    # refused as a whole: nobody was marked paid, the batch is still approved
    assert all(r.paid_on is None for r in lines(db, approved).values())
    assert BatchService(db, CLERK).get(approved).status == "已审批"

    data = b"%PDF signed by every recipient"
    att_id = pay.attach_to_batch(approved, "实名制签领表", scan(tmp_path, "签领表.PDF", data))
    att = pay.attachments(approved)[0]
    code = BatchService(db, CLERK).get(approved).code
    digest = hashlib.sha256(data).hexdigest()
    assert (att.id, att.aid_record_id, att.sha256, att.size) == (att_id, None, digest, len(data))
    assert att.stored_name == f"批次/{code}/{digest[:16]}.pdf"
    assert pay.attachment_path(att) == db.attachment_dir / "批次" / code / f"{digest[:16]}.pdf"
    assert pay.attachment_path(att).read_bytes() == data

    result = pay.mark_paid(approved, paid_on=date(2026, 12, 8))
    assert (result.marked, result.remaining, result.finished) == (3, 0, True)
    b = BatchService(db, CLERK).get(approved)
    assert (b.status, b.paid_on) == ("已发放", date(2026, 12, 8))
    assert {r.paid_on for r in lines(db, approved).values()} == {date(2026, 12, 8)}


def test_lines_paid_in_turn_finish_the_batch_with_the_last(db, approved, tmp_path):
    pay = PaymentService(db, CLERK)
    by_name = lines(db, approved)
    pay.set_payment_method(by_name["王五"].id, "现金")
    db.clock.set(date(2026, 12, 7))
    first = pay.mark_paid(approved, paid_on=date(2026, 12, 7), record_ids=[by_name["张三"].id])
    assert (first.marked, first.remaining, first.finished) == (1, 2, False)
    assert BatchService(db, CLERK).get(approved).status == "已审批"
    db.clock.set(date(2026, 12, 8))
    with pytest.raises(UserError, match="已登记发放"):
        pay.mark_paid(approved, paid_on=date(2026, 12, 8), record_ids=[by_name["张三"].id])
    with pytest.raises(UserError, match="王五"):
        pay.mark_paid(approved, paid_on=date(2026, 12, 8))
    # the signed list of this one person, on their own line, is enough for them
    pay.attach_to_line(by_name["王五"].id, "实名制签领表", scan(tmp_path, "王五签领.jpg"))
    assert [a.aid_record_id for a in pay.attachments(approved, record_id=by_name["王五"].id)] == [by_name["王五"].id]
    db.clock.set(date(2026, 12, 9))
    last = pay.mark_paid(approved, paid_on=date(2026, 12, 9))
    assert (last.marked, last.finished) == (2, True)
    b = BatchService(db, CLERK).get(approved)
    assert (b.status, b.paid_on) == ("已发放", date(2026, 12, 9))
    paid = {name: r.paid_on for name, r in lines(db, approved).items()}
    assert paid == {"张三": date(2026, 12, 7), "李梅": date(2026, 12, 9), "王五": date(2026, 12, 9)}
    with pytest.raises(UserError, match="已.*发放"):
        pay.set_payment_method(by_name["李梅"].id, "现金")
    db.clock.set(date(2026, 12, 10))
    with pytest.raises(UserError, match="全部发放"):
        pay.mark_paid(approved, paid_on=date(2026, 12, 10))


def test_nothing_is_paid_before_approval_or_dated_before_it(db, noticed):
    pay = PaymentService(db, CLERK)
    db.clock.set(date(2026, 12, 8))
    with pytest.raises(UserError, match="审批通过后"):
        pay.mark_paid(noticed, paid_on=date(2026, 12, 8))
    approve(db, noticed)
    db.clock.set(date(2026, 12, 1))
    with pytest.raises(UserError, match="早于审批日期"):
        pay.mark_paid(noticed, paid_on=date(2026, 12, 1))


def test_payment_method_needs_a_card_unless_cash(db, approved):
    pay = PaymentService(db, CLERK)
    line = lines(db, approved)["张三"]
    with pytest.raises(UserError, match="12–19位"):
        pay.set_payment_method(line.id, "银行卡", "6222 0202")
    with pytest.raises(UserError, match="代码表"):
        pay.set_payment_method(line.id, "支付宝")
    pay.set_payment_method(line.id, "银行卡", "６２２８ ４８００ １２３４ ５６７８ ９０１")
    changed = lines(db, approved)["张三"]
    assert (changed.payment_method, changed.bank_card) == ("银行卡", "6228480012345678901")
    entry = db.conn.execute("SELECT * FROM audit_log WHERE table_name = 'aid_records' AND row_key = ?"
                            " ORDER BY id DESC", (line.record_no,)).fetchone()
    assert entry["user"] == "jingban" and "6228480012345678901" in entry["new_values"]


# ---- attachments --------------------------------------------------------------------------


def test_attachment_kinds_come_from_the_code_list(db, approved, tmp_path):
    pay = PaymentService(db, CLERK)
    with pytest.raises(UserError, match="录取通知书"):
        pay.attach_to_batch(approved, "身份证/户口本", scan(tmp_path, "a.jpg"))
    with pytest.raises(UserError, match="找不到文件"):
        pay.attach_to_batch(approved, "其他", tmp_path / "missing.jpg")


def test_a_failed_attachment_leaves_no_file(db, approved, tmp_path, monkeypatch):
    from aiddesk.services import payments

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(payments, "record", broken)
    with pytest.raises(RuntimeError):
        PaymentService(db, CLERK).attach_to_batch(approved, "实名制签领表", scan(tmp_path, "签领表.pdf"))
    assert not [p for p in db.attachment_dir.rglob("*") if p.is_file()]
    assert PaymentService(db, CLERK).attachments(approved) == []


# ---- the bank's file ------------------------------------------------------------------------


def test_bank_file_lists_the_card_lines_as_text(db, noticed, tmp_path):
    pay = PaymentService(db, CLERK)
    out = tmp_path / "代发.xlsx"
    with pytest.raises(UserError, match="审批通过后"):
        pay.bank_file(noticed, out)
    assert not out.exists()
    approve(db, noticed)
    by_name = lines(db, noticed)
    pay.set_payment_method(by_name["李梅"].id, "现金")

    assert pay.bank_file(noticed, out) == 2

    ws = load_workbook(out)[BANK_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == BANK_HEADERS
    body = rows[1:-1]
    assert [r[1] for r in body] == ["张三", "王五"]              # the cash line is absent
    for r, name in zip(body, ["张三", "王五"]):
        assert r[2] == by_name[name].recipient_id_number and isinstance(r[2], str)
        assert r[3] == "6222020200112233445" and isinstance(r[3], str)
        assert Decimal(str(r[4])) == Decimal("1000.00")
    for row in range(2, 4):
        for col in (3, 4):
            assert ws.cell(row, col).data_type == "s" and ws.cell(row, col).number_format == "@"
        assert ws.cell(row, 5).number_format == "#,##0.00"
    total = rows[-1]
    assert total[0] == "合计" and total[1] == 2 and Decimal(str(total[4])) == Decimal("2000.00")
    assert ws.cell(ws.max_row, 5).number_format == "#,##0.00"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []
    # full ID and card numbers left the program: who did it, and where to, is on record
    [entry] = db.conn.execute("SELECT user, new_values FROM audit_log WHERE action = 'export'").fetchall()
    assert entry[0] == CLERK.username and "代发.xlsx" in entry[1] and '"lines": 2' in entry[1]


def test_bank_file_refused_when_everyone_is_paid_in_cash(db, approved, tmp_path):
    pay = PaymentService(db, CLERK)
    for line in lines(db, approved).values():
        pay.set_payment_method(line.id, "现金")
    with pytest.raises(UserError, match="全部为现金"):
        pay.bank_file(approved, tmp_path / "代发.xlsx")


# ---- objections -------------------------------------------------------------------------------


def test_an_upheld_objection_removes_the_line_with_its_reason(db, noticed):
    pay = PaymentService(db, CLERK)
    target = lines(db, noticed)["王五"]
    objection_id = PaymentService(db, REVIEWER).record_objection(
        noticed, received_on=date(2026, 11, 27), content="群众反映王五家庭已购置商品房，收入超标", record_id=target.id)
    pay.resolve_objection(objection_id, "异议成立，移出名单", "经入户核实，家庭月人均收入已超过低保标准")
    removed = lines(db, noticed)["王五"]
    assert removed.state == "已移除"
    assert "收入超标" in removed.removed_reason and "经入户核实" in removed.removed_reason
    assert target.id not in {r.id for r in BatchService(db, CLERK).records(noticed)}
    o = pay.objections(noticed)[0]
    assert (o.outcome, o.recorded_by, o.received_on, o.notice) == ("异议成立，移出名单", "shenhe", date(2026, 11, 27), "公示")
    with pytest.raises(UserError, match="已处理"):
        pay.resolve_objection(objection_id, "异议不成立，维持原名单", "重复处理")


def test_a_rejected_objection_keeps_the_line(db, noticed):
    pay = PaymentService(db, CLERK)
    target = lines(db, noticed)["张三"]
    objection_id = pay.record_objection(noticed, received_on=date(2026, 11, 30), content="反映张三有车",
                                        record_id=target.id)
    pay.resolve_objection(objection_id, "异议不成立，维持原名单", "车辆为单位公车，不属家庭财产")
    assert lines(db, noticed)["张三"].state == "有效"
    assert pay.objections(noticed)[0].outcome_note == "车辆为单位公车，不属家庭财产"


def test_an_objection_naming_nobody_cannot_remove_anyone(db, noticed):
    pay = PaymentService(db, CLERK)
    objection_id = pay.record_objection(noticed, received_on=date(2026, 11, 30), content="反映名单不公")
    with pytest.raises(UserError, match="没有指明"):
        pay.resolve_objection(objection_id, "异议成立，移出名单", "核实")
    with pytest.raises(UserError, match="代码表"):
        pay.resolve_objection(objection_id, "待定", "核实")
    assert pay.objections(noticed)[0].outcome == ""


def test_objections_only_during_the_notice(db, households, noticed):
    pay = PaymentService(db, CLERK)
    draft = BatchService(db, CLERK).save_draft(song_nuan())
    with pytest.raises(UserError, match="公示期间"):
        pay.record_objection(draft, received_on=date(2026, 11, 27), content="反映情况")
    with pytest.raises(UserError, match="早于公示开始日期"):
        pay.record_objection(noticed, received_on=date(2026, 11, 20), content="反映情况")
    with pytest.raises(UserError, match="再公示"):
        pay.record_objection(noticed, received_on=date(2026, 11, 27), content="反映情况", notice="再公示")
    open_one = pay.record_objection(noticed, received_on=date(2026, 12, 1), content="反映情况")
    # Unanswered, it would stay open for ever once the notice is over: the batch waits for the answer.
    with pytest.raises(UserError, match="异议还有 1 条未处理"):
        approve(db, noticed)
    pay.resolve_objection(open_one, "异议不成立，维持原名单", "核实不属实")
    approve(db, noticed)
    with pytest.raises(UserError, match="已审批"):
        pay.record_objection(noticed, received_on=date(2026, 12, 5), content="反映情况")


def test_objections_during_the_second_notice_and_payment_after_it(db, approved):
    pay = PaymentService(db, CLERK)
    BatchService(db, CLERK).start_second_notice(approved, start=date(2026, 12, 7))
    end = BatchService(db, CLERK).get(approved).second_notice_end
    db.clock.set(end)
    with pytest.raises(UserError, match="再公示"):
        pay.mark_paid(approved, paid_on=end)
    with pytest.raises(UserError, match="按“再公示”"):
        pay.record_objection(approved, received_on=date(2026, 12, 8), content="反映情况")
    target = lines(db, approved)["李梅"]
    upheld = pay.record_objection(approved, received_on=date(2026, 12, 8), content="反映李梅已再就业",
                                  record_id=target.id, notice="再公示")
    # the approved list is locked: an upheld objection cannot quietly drop a line
    with pytest.raises(UserError, match="锁定"):
        pay.resolve_objection(upheld, "异议成立，移出名单", "核实属实")
    db.clock.set(date(2026, 12, 31))
    with pytest.raises(UserError, match="再公示期间收到的异议还有 1 条未处理"):
        pay.mark_paid(approved, paid_on=date(2026, 12, 31))
    pay.resolve_objection(upheld, "异议不成立，维持原名单", "再就业为临时工作，收入仍低于标准")
    assert [o.notice for o in pay.objections(approved)] == ["再公示"]
    assert pay.mark_paid(approved, paid_on=date(2026, 12, 31)).finished


# ---- roles --------------------------------------------------------------------------------------


def test_roles(db, noticed, tmp_path):
    reviewer, approver = PaymentService(db, REVIEWER), PaymentService(db, APPROVER)
    line = lines(db, noticed)["张三"]
    objection_id = reviewer.record_objection(noticed, received_on=date(2026, 11, 27), content="反映情况",
                                             record_id=line.id)
    with pytest.raises(UserError, match="权限"):
        approver.record_objection(noticed, received_on=date(2026, 11, 27), content="反映情况")
    with pytest.raises(UserError, match="权限"):
        reviewer.resolve_objection(objection_id, "异议成立，移出名单", "核实属实")
    PaymentService(db, CLERK).resolve_objection(objection_id, "异议不成立，维持原名单", "核实不属实")
    approve(db, noticed)
    for service in (reviewer, approver):
        with pytest.raises(UserError, match="权限"):
            service.attach_to_line(line.id, "实名制签领表", scan(tmp_path, "a.jpg"))
        with pytest.raises(UserError, match="权限"):
            service.set_payment_method(line.id, "现金")
        service.db.clock.set(date(2026, 12, 8))
        with pytest.raises(UserError, match="权限"):
            service.mark_paid(noticed, paid_on=date(2026, 12, 8))
        with pytest.raises(UserError, match="权限"):
            service.bank_file(noticed, tmp_path / "代发.xlsx")
    admin = PaymentService(db, Actor("admin", "界面", ("管理员",)))
    db.clock.set(date(2026, 12, 8))
    assert admin.mark_paid(noticed, paid_on=date(2026, 12, 8)).finished
