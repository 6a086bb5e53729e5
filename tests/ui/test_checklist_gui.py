"""The 核查清单 panel and the year's figures through their widgets: ✓/✗, the lines, tick, waive, 核查完成, print."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from PySide6.QtCore import Qt

from aiddesk.core.batch import Batch
from aiddesk.core.checklist import NATIONAL_SYSTEM, SMS, SPOT_CHECK
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.accounts import add_user
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.checklist import ChecklistService
from aiddesk.services.payments import PaymentService
from aiddesk.ui.verification.checklist_panel import ChecklistPanel, WaiveDialog
from aiddesk.ui.verification.figures_view import FiguresView
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
ROWS = {key: row for row, key in enumerate(("archive_valid", "notice", "separate_people", "payment_method",
                                            "paid_on_time", SMS, SPOT_CHECK, NATIONAL_SYSTEM))}


@pytest.fixture
def batch(db, actor, make_household, receive) -> int:
    """送温暖 to three households, approved 9 September 2026 and paid the next day (dates before any test runs);
    every SMS sent but 李梅's (空号); 张三 reached by phone."""
    receive(db, 2026, "省总工会经费")
    archive = ArchiveService(db, actor)
    for i, n in enumerate(["张三", "李梅", "王五"], 1):
        archive.save(make_household(i, name=n))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        notice_phone="0898-66123456", name="2026年中秋慰问", activity="送温暖", year=2026, unit_code="460000",
        fund_sources=["省总工会经费"], standard=Decimal("800.00"), plan_text="中秋前慰问在档困难职工",
        plan_approval_kind="主席办公会", plan_approved_by="主席办公会（2026年第9次）", plan_approved_on=date(2026, 8, 25)))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 9, 1), ended=date(2026, 9, 8), approved=date(2026, 9, 9))
    db.clock.set(date(2026, 9, 10))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 9, 10))
    with db.transaction() as conn:
        conn.execute("UPDATE aid_records SET sms_status = CASE recipient_name WHEN '李梅' THEN '发送失败' ELSE '已发送' END,"
                     " sms_error = CASE recipient_name WHEN '李梅' THEN '空号' ELSE '' END")
        conn.execute("INSERT INTO phone_calls (aid_record_id, called_on, result, called_by, recorded_at)"
                     " SELECT id, '2026-09-15', '核实一致', 'jingban', '2026-09-15T10:00:00' FROM aid_records"
                     " WHERE recipient_name = '张三'")
    return batch_id


def panel_for(qtbot, db, actor: Actor, batch_id: int) -> ChecklistPanel:
    panel = ChecklistPanel(service=ChecklistService(db, actor), batch_id=batch_id)
    qtbot.addWidget(panel)
    panel.resize(1100, 620)
    panel.show()
    return panel


def results(panel) -> dict[str, str]:
    """✓ / ✗ / 豁免 of each item, as the panel shows it (✓ 符合, ✗ 不符合, 豁免)."""
    return {key: panel.item_rows()[row][1].split(" ")[0] for key, row in ROWS.items()}


def test_the_panel_shows_each_item_and_lists_the_offending_lines(qtbot, db, batch):
    panel = panel_for(qtbot, db, CLERK, batch)
    assert results(panel) == {"archive_valid": "✓", "notice": "✓", "separate_people": "✓", "payment_method": "✓",
                              "paid_on_time": "✓", SMS: "✗", SPOT_CHECK: "✓", NATIONAL_SYSTEM: "✗"}
    assert panel.item_rows()[ROWS[SMS]] == ("6. 短信通知全覆盖", "✗ 不符合", "已发送 2/3 人，发送失败 1 人")
    assert panel.item_rows()[0][:2] == ("1. 帮扶对象审批时档案有效", "✓ 符合")
    assert panel.table.item(ROWS[SMS], 1).foreground().color().name() == "#c0392b"
    assert panel.summary.text() == "共 8 项：6 项符合，2 项不符合。全部符合或经审批人豁免后，才能完成核查。"
    assert not panel.complete_button.isEnabled()
    asked = []
    panel.lines_requested.connect(asked.append)
    assert panel.table.item(ROWS[SMS], 3).text() == "查看（1）" and panel.table.item(0, 3).text() == ""
    rect = panel.table.visualItemRect(panel.table.item(ROWS[SMS], 3))
    qtbot.mouseClick(panel.table.viewport(), Qt.LeftButton, pos=rect.center())
    li_mei = [r.id for r in BatchService(db, CLERK).records(batch) if r.recipient_name == "李梅"]
    assert asked == [li_mei]
    rows = panel.lines_dialog.rows()
    assert len(rows) == 1 and rows[0][1:] == ("李梅", "800.00", "2026-09-10", "发送失败", "未抽查", "发送失败：空号")
    assert panel.lines_dialog.isVisible()


def test_the_national_tick_records_who_and_when(qtbot, db, batch, said):
    panel = panel_for(qtbot, db, CLERK, batch)
    changed = []
    panel.changed.connect(lambda: changed.append(True))
    qtbot.mouseClick(panel.national, Qt.LeftButton)
    mark = ChecklistService(db, CLERK).checklist(batch).national
    assert (mark.by, mark.on) == ("jingban", db.clock.today())
    assert panel.national.isChecked() and panel.national_note.text() == f"jingban确认已于 {db.clock.today()} 录入"
    assert results(panel)[NATIONAL_SYSTEM] == "✓" and changed == [True]
    assert not panel.national_date.isEnabled()
    qtbot.mouseClick(panel.national, Qt.LeftButton)  # take it back: asks first (the test answers yes)
    assert said[-1][0] == "ask" and "撤销" in said[-1][1]
    assert ChecklistService(db, CLERK).checklist(batch).national is None
    assert not panel.national.isChecked() and results(panel)[NATIONAL_SYSTEM] == "✗"


def test_a_clerk_cannot_waive(qtbot, db, batch):
    panel = panel_for(qtbot, db, CLERK, batch)
    panel.select_item(SMS)
    assert not panel.waive_button.isEnabled() and panel.waive_button.toolTip() == "只有审批人可以豁免"
    assert not panel.waive(SMS, "已上门告知本人")
    assert "没有此权限" in panel.error.text() and results(panel)[SMS] == "✗"


def test_an_approver_waives_and_the_clerk_completes(qtbot, db, actor, batch, said, monkeypatch):
    add_user(db, actor, username="shenpi", display_name="陈志强", password="shenpi123", roles=("审批人",))
    ChecklistService(db, CLERK).tick_national(batch)
    approver = panel_for(qtbot, db, APPROVER, batch)
    approver.select_item(SPOT_CHECK)
    assert not approver.waive_button.isEnabled()           # a ✓ item needs no waiver
    approver.select_item(SMS)
    assert approver.waive_button.isEnabled()

    def fill(dialog: WaiveDialog) -> bool:
        dialog.reason.setPlainText("空")
        assert not dialog.try_accept() and "理由" in dialog.error.text()
        dialog.reason.setPlainText("号码为空号，已于9月12日电话联系其配偶转告")
        return dialog.try_accept()

    monkeypatch.setattr(approver, "run_dialog", fill)
    qtbot.mouseClick(approver.waive_button, Qt.LeftButton)
    row = approver.item_rows()[ROWS[SMS]]
    assert row[1] == "豁免"
    assert row[2] == (f"已发送 2/3 人，发送失败 1 人\n审批人陈志强（shenpi）于{approver.service.db.clock.today()}豁免，理由：号码为空号，"
                      "已于9月12日电话联系其配偶转告")
    assert approver.unwaive_button.isEnabled()
    assert not approver.complete_button.isEnabled()         # 核查完成 is the staff's step, not the approver's

    clerk = panel_for(qtbot, db, CLERK, batch)
    assert clerk.complete_button.isEnabled()
    assert clerk.summary.text() == "共 8 项：7 项符合，1 项豁免。可以点“核查完成”。"
    qtbot.mouseClick(clerk.complete_button, Qt.LeftButton)
    assert BatchService(db, CLERK).get(batch).status == "已核查"
    assert said[-1] == ("info", "本批次已完成核查（已核查）。")
    assert not clerk.complete_button.isEnabled() and not clerk.national.isEnabled()
    assert clerk.summary.text().startswith("本批次已完成核查。")


def test_completing_an_incomplete_batch_says_what_is_missing(qtbot, db, admin, batch):
    _, actor = admin
    panel = panel_for(qtbot, db, actor, batch)
    assert not panel.complete()                             # the button is off; the service refuses anyway
    assert panel.error.text().startswith("核查清单还有 2 项不符合")
    assert BatchService(db, CLERK).get(batch).status == "已发放"


def test_the_panel_prints_the_checklist(qtbot, db, batch, tmp_path):
    panel = panel_for(qtbot, db, CLERK, batch)
    out = panel.write_pdf(tmp_path / "核查清单.pdf")
    text = re.sub(r"\s+", "", "".join(p.extract_text() for p in PdfReader(out).pages))
    assert text.startswith("帮扶批次核查清单") and "批次名称2026年中秋慰问" in text
    assert "6短信通知全覆盖✘不符合已发送2/3人，发送失败1人涉及：李梅（发送失败：空号）" in text


def test_the_figures_view_shows_the_year_and_its_batches(qtbot, db, batch):
    view = FiguresView(db=db)
    qtbot.addWidget(view)
    view.year.setValue(2026)
    rows = {r[0]: r[1:] for r in view.year_rows()}
    assert rows["短信通知覆盖率"] == ("66.7%", "已发送短信的人次 / 发放人次：2 / 3")
    assert rows["电话抽查覆盖率"] == ("33.3%", "已电话抽查的人次 / 发放人次：1 / 3")
    assert rows["电话核实问题率"] == ("0.0%", "金额不符、本人未收到的人次 / 电话接通的人次：0 / 1")
    assert rows["满意率"] == ("—", "满意和基本满意的份数 / 收回的意见反馈表：0 / 0")
    code = BatchService(db, CLERK).get(batch).code
    assert view.batch_rows() == [(code, "2026年中秋慰问", "已发放", "3", "66.7%（2/3）", "33.3%（1/3）", "0.0%（0/1）",
                                  "0.0%（0/3）", "—", "0")]
    opened = []
    view.batch_requested.connect(opened.append)
    view.batches.doubleClicked.emit(view.batches.model().index(0, 1))
    assert opened == [batch]
    view.year.setValue(2025)
    assert view.batch_rows() == [] and view.batches_title.text() == "2025年没有已发放的批次"
