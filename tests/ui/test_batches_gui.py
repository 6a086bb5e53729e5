"""A 送温暖 batch through the real widgets, by three different people, from 草稿 to 已发放."""

from __future__ import annotations

from datetime import date

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.db.units import all_units
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.ui.batches.batch_dialog import BatchDialog
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


@pytest.fixture(autouse=True)
def money(db, receive):
    """The office has received the money these batches pay out: paying beyond it is refused."""
    receive(db, 2026, "省总工会经费")


def song_nuan_draft(clerk: BatchService) -> int:
    """A 送温暖 draft with its approved plan and objection phone, 1 000 元 a household."""
    from decimal import Decimal

    from aiddesk.core.batch import Batch

    return clerk.save_draft(Batch(name="2026年两节送温暖", activity="送温暖", year=2026, unit_code="460000",
                                  fund_sources=["省总工会经费"], standard=Decimal("1000.00"), plan_text="方案",
                                  plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
                                  plan_approved_on=date(2026, 11, 20), notice_phone="0898-66123456"))


def approve(db, batch_id: int) -> None:
    """Review, a notice from Monday 2 November, and approval, each by the right person."""
    approve_batch(db, batch_id, clerk=CLERK, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 2), ended=date(2026, 11, 9), approved=date(2026, 11, 10))


def dialog_for(db, actor, batch_id=None) -> BatchDialog:
    return BatchDialog(service=BatchService(db, actor), units=all_units(db.conn), batch_id=batch_id)


def test_song_nuan_from_draft_to_paid_with_three_people(app, qtbot, db, actor, make_household, tmp_path, said):
    service = ArchiveService(db, actor)
    for i, name in enumerate(["张三", "李梅", "王五"], start=1):
        service.save(make_household(i, name=name))

    clerk = dialog_for(db, CLERK)
    qtbot.addWidget(clerk)
    clerk.name.setText("2026年两节送温暖")
    clerk.activity.setCurrentText("送温暖")
    clerk.year.setValue(2026)
    clerk.sources.findItems("省总工会经费", Qt.MatchExactly)[0].setCheckState(Qt.Checked)
    clerk.standard.setText("1000")
    clerk.plan_text.setPlainText("两节前对在档困难职工每户慰问1000元")
    clerk.plan_kind.setCurrentText("主席办公会")
    clerk.plan_by.setText("2026年第12次主席办公会")
    clerk.plan_on.setText("2026-11-20")
    clerk.notice_phone.setText("0898-66123456")
    assert clerk.save_details(), clerk.details_error.text()
    assert clerk.header.text().startswith("批次编号：460000-PC2026-001")
    clerk.add_with(HouseholdFilter(), None, None)
    assert "已加入 3 户" in said[-1][1] and clerk.lines.rowCount() == 3
    assert "合计 3,000.00 元" in clerk.lines_summary.text()
    assert list(clerk.action_buttons) == ["提交审核", "作废"]
    clerk.action_buttons["提交审核"].click()
    assert "审核中" in clerk.header.text()

    reviewer = dialog_for(db, REVIEWER, clerk.batch_id)
    qtbot.addWidget(reviewer)
    reviewer.notice_start.setText("2026-11-02")  # posted on the wall that Monday
    reviewer.action_buttons["审核通过并公示"].click()
    assert "公示中" in reviewer.header.text()
    b = reviewer.service.get(clerk.batch_id)
    assert (b.notice_start, b.notice_end) == (date(2026, 11, 2), date(2026, 11, 6))

    same = dialog_for(db, Actor("jingban", "界面", ("经办人", "审批人")), clerk.batch_id)
    qtbot.addWidget(same)
    same.action_buttons["公示结束提交审批"].click()
    assert not same.run_action("已审批", "审批通过")  # the clerk may not approve their own batch
    assert "审批人不能与经办人" in same.workflow_error.text()

    approver = dialog_for(db, APPROVER, clerk.batch_id)
    qtbot.addWidget(approver)
    approver.action_buttons["审批通过"].click()
    assert "已审批" in approver.header.text()
    assert not approver.add_button.isEnabled() and not approver.remove_button.isEnabled()

    clerk.refresh()
    shown = []
    clerk.preview = lambda pdf, title: shown.append((pdf, title))
    clerk.print_form("notice", "公示名单")
    qtbot.waitUntil(lambda: len(shown) == 1 or any(kind == "error" for kind, _ in said), timeout=10000)
    assert shown, said
    text = "".join(page.extract_text() for page in PdfReader(shown[0][0]).pages)
    assert "公示名单" in text and "张三" in text and make_household(1).id_number not in text
    assert clerk.write_bank_file(tmp_path / "代发明细.xlsx")
    assert "已导出 3 条代发明细" in said[-1][1]
    clerk.action_buttons["确认发放"].click()
    assert "已发放" in clerk.header.text()
    assert clerk.steps.rowCount() == 5
    assert [clerk.steps.item(i, 1).text() for i in range(5)] == ["jingban", "shenhe", "jingban", "shenpi", "jingban"]


def test_a_medical_application_is_entered_line_by_line(app, qtbot, db, actor, make_household):
    from decimal import Decimal

    from aiddesk.core.batch import Batch
    from aiddesk.ui.batches.line_dialog import LineDialog

    h = make_household(5, name="林志强", main_cause="患重特大疾病")
    ArchiveService(db, actor).save(h)
    service = BatchService(db, CLERK)
    batch_id = service.save_draft(Batch(name="2026年医疗救助", activity="医疗救助", year=2026, unit_code="460000",
                                        fund_sources=["省总工会经费"], notice_phone="0898-66123456"))
    batch_dialog = dialog_for(db, CLERK, batch_id)
    qtbot.addWidget(batch_dialog)
    assert not batch_dialog.add_button.isEnabled() and batch_dialog.line_button.isEnabled()

    dialog = LineDialog(service=service, archive=ArchiveService(db, CLERK), batch=service.get(batch_id))
    qtbot.addWidget(dialog)
    assert dialog.medical.isVisibleTo(dialog) and not dialog.student.isVisibleTo(dialog)
    dialog.key.setText(h.id_number)
    assert dialog.find_household() and "林志强" in dialog.found.text()
    dialog.amount.setText("5000")
    dialog.hospital.setText("海南省人民医院")
    dialog.diagnosis.setText("肺癌")
    dialog.total_cost.setText("60000")
    dialog.reimbursed.setText("56000")
    dialog.self_paid.setText("4000")
    assert not dialog.try_accept()
    assert "自付" in dialog.error.text()  # aid may not exceed what the family paid itself
    dialog.amount.setText("4000")
    assert dialog.try_accept(), dialog.error.text()
    [line] = service.records(batch_id)
    assert (line.recipient_name, line.amount, line.hospital) == ("林志强", Decimal("4000.00"), "海南省人民医院")


def test_an_objection_during_the_notice_removes_the_person(app, qtbot, db, actor, make_household, said):


    archive = ArchiveService(db, actor)
    for i, name in enumerate(["张三", "李梅"], start=1):
        archive.save(make_household(i, name=name))
    clerk = BatchService(db, CLERK)
    batch_id = song_nuan_draft(clerk)
    clerk.add_from_filter(batch_id, HouseholdFilter())
    clerk.transition(batch_id, "审核中")
    BatchService(db, REVIEWER).transition(batch_id, "公示中")
    dialog = dialog_for(db, CLERK, batch_id)
    qtbot.addWidget(dialog)
    assert dialog.object_button.isEnabled()
    dialog.lines.selectRow(1)
    assert dialog.record_objection("群众反映李梅家已购置商品房", dialog._line_ids[1])
    assert dialog.objections.rowCount() == 1 and dialog.objections.item(0, 1).text() == "李梅"
    assert dialog.resolve_objection(dialog._objections[0].id, "异议成立，移出名单", "经入户核实属实")
    assert dialog.lines.rowCount() == 1 and dialog.lines.item(0, 1).text() == "张三"
    assert dialog.objections.item(0, 3).text().startswith("异议成立")


def test_cash_needs_the_signed_list_attached_before_paying(app, qtbot, db, actor, make_household, said, tmp_path):
    from datetime import date as day

    from aiddesk.services.payments import PaymentService

    ArchiveService(db, actor).save(make_household(1, name="张三"))
    clerk = BatchService(db, CLERK)
    batch_id = song_nuan_draft(clerk)
    clerk.add_from_filter(batch_id, HouseholdFilter())
    PaymentService(db, CLERK).set_payment_method(clerk.records(batch_id)[0].id, "现金")
    approve(db, batch_id)
    dialog = dialog_for(db, CLERK, batch_id)
    qtbot.addWidget(dialog)
    dialog.action_buttons["确认发放"].click()
    assert "实名制签领表" in dialog.workflow_error.text() and "张三" in dialog.workflow_error.text()
    scan = tmp_path / "签领表.pdf"
    scan.write_bytes(b"%PDF-1.4 signed list scan")
    assert dialog.attach("实名制签领表", scan)
    dialog.paid_on.setText("2026-11-12")
    db.clock.set(date(2026, 11, 13))  # the clerk enters yesterday's payment
    dialog.action_buttons["确认发放"].click()
    assert "已发放" in dialog.header.text()
    assert BatchService(db, CLERK).get(batch_id).paid_on == day(2026, 11, 12)


def test_after_approval_only_a_correction_changes_an_amount(app, qtbot, db, actor, make_household, said):


    ArchiveService(db, actor).save(make_household(1, name="张三"))
    clerk = BatchService(db, CLERK)
    batch_id = song_nuan_draft(clerk)
    clerk.add_from_filter(batch_id, HouseholdFilter())
    approve(db, batch_id)
    as_clerk = dialog_for(db, CLERK, batch_id)
    qtbot.addWidget(as_clerk)
    assert not as_clerk.correct(as_clerk._line_ids[0], "800", "按家庭人口调整")
    assert "审批人" in said[-1][1]
    as_approver = dialog_for(db, APPROVER, batch_id)
    qtbot.addWidget(as_approver)
    assert as_approver.correct(as_approver._line_ids[0], "800", "按家庭人口调整为800元")
    assert as_approver.lines.rowCount() == 1
    assert as_approver.lines.item(0, 5).text() == "800.00" and "更正" in as_approver.lines.item(0, 7).text()
    assert as_clerk.set_payment_method(as_approver._line_ids[0], "现金")
    assert as_clerk.lines.item(0, 6).text() == "现金"


def test_lines_are_marked_paid_person_by_person(app, qtbot, db, actor, make_household, said, receive):
    from datetime import date as day
    from decimal import Decimal

    from aiddesk.core.batch import Batch

    for i, name in enumerate(["张三", "李梅"], start=1):
        ArchiveService(db, actor).save(make_household(i, name=name))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(name="2026年生活救助", activity="生活救助", year=2026, unit_code="460000",
                                      fund_sources=["省财政"], standard=Decimal("1000.00"),
                                      notice_phone="0898-66123456"))
    clerk.add_from_filter(batch_id, HouseholdFilter())
    approve(db, batch_id)
    dialog = dialog_for(db, CLERK, batch_id)
    qtbot.addWidget(dialog)
    receive(db, 2026, "省财政", "1500.00")
    db.clock.set(day(2026, 11, 13))
    assert dialog.mark_paid([dialog._line_ids[0]], day(2026, 11, 12))
    assert "还有 1 人未登记" in said[-1][1] and "已审批" in dialog.header.text()
    # 专款专用: the second 1000元 is 500元 beyond what 省财政 has left.
    assert not dialog.mark_paid([dialog._line_ids[1]], day(2026, 11, 13))
    assert said[-1][1].startswith("省财政可用余额不足，缺口0.05万元") and "已审批" in dialog.header.text()
    receive(db, 2026, "省财政", "500.00")
    assert dialog.mark_paid([dialog._line_ids[1]], day(2026, 11, 13))
    assert "批次已全部发放" in said[-1][1] and "已发放" in dialog.header.text()


def test_a_jinqiu_student_is_entered_from_the_family(app, qtbot, db, actor, make_household):
    from decimal import Decimal

    from aiddesk.core.batch import Batch
    from aiddesk.ui.batches.line_dialog import LineDialog

    h = make_household(6, name="符海燕", members=2)  # 李四 (配偶) and 张小明 (子, 学生)
    ArchiveService(db, actor).save(h)
    service = BatchService(db, CLERK)
    batch_id = service.save_draft(Batch(name="2026年金秋助学", activity="金秋助学", year=2026, unit_code="460000",
                                        fund_sources=["省总工会经费"], notice_phone="0898-66123456",
                                        student_standards={("本科", "新生"): Decimal("3000.00")}))
    dialog = LineDialog(service=service, archive=ArchiveService(db, CLERK), batch=service.get(batch_id))
    qtbot.addWidget(dialog)
    assert dialog.student.isVisibleTo(dialog) and not dialog.medical.isVisibleTo(dialog)
    dialog.key.setText(h.archive_no or h.id_number)
    assert dialog.find_household()
    assert [dialog.student_member.itemText(i) for i in range(dialog.student_member.count())] == ["张小明"]
    dialog.amount.setText("3500")
    dialog.school.setText("海南大学")
    dialog.major.setText("会计学")
    dialog.level.setCurrentText("本科")
    dialog.kind.setCurrentText("新生")
    assert not dialog.try_accept() and "标准" in dialog.error.text()  # 3,500 is above the 本科新生 standard
    dialog.amount.setText("3000")
    assert dialog.try_accept(), dialog.error.text()
    [line] = service.records(batch_id)
    assert (line.student_name, line.school, line.student_kind, line.amount) == ("张小明", "海南大学", "新生",
                                                                              Decimal("3000.00"))
