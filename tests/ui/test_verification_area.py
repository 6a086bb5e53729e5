"""The 核查 area and a batch's 核查 window: built from their parts, opened from the main window and the batch list."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.ui.main_window import VERIFY
from aiddesk.ui.verification.batch_verification import BatchVerificationDialog
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))


@pytest.fixture
def paid(db, actor, make_household, receive) -> int:
    receive(db, 2026, "省总工会经费")
    for i, name in enumerate(["张三", "李梅", "王五"], start=1):
        ArchiveService(db, actor).save(make_household(i, name=name, phone=f"1390898{i:04d}"))
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(notice_phone="0898-66123456", name="2026年国庆生活救助", activity="生活救助",
                                      year=2026, unit_code="460000", fund_sources=["省总工会经费"],
                                      standard=Decimal("800.00")))
    clerk.add_from_filter(batch_id, HouseholdFilter(statuses=()))
    approve_batch(db, batch_id, clerk=clerk.actor, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 10, 12), ended=date(2026, 10, 19), approved=date(2026, 10, 20))
    db.clock.set(date(2026, 10, 22))
    PaymentService(db, CLERK).mark_paid(batch_id, paid_on=date(2026, 10, 22))
    return batch_id


def test_a_batchs_verification_window_has_its_three_parts_and_the_checklist_follows_them(qtbot, db, paid):
    dialog = BatchVerificationDialog(db=db, actor=CLERK, batch_id=paid)
    qtbot.addWidget(dialog)
    assert [dialog.tabs.tabText(i) for i in range(dialog.tabs.count())] == ["短信通知", "电话抽查", "核查清单"]
    before = dialog.checklist.service.checklist(paid)
    assert not before.complete
    sms_item = next(i for i in before.items if "短信" in i.title)
    assert sms_item.status != "✓"
    # Delivery confirmed for everyone (as a platform's report would): the checklist reloads with it.
    with db.transaction() as conn:
        conn.execute("UPDATE aid_records SET sms_status = '已发送' WHERE batch_id = ?", (paid,))
    with qtbot.waitSignal(dialog.sms.changed, timeout=1000):
        dialog.sms.changed.emit()
    after = next(i for i in dialog.checklist.service.checklist(paid).items if "短信" in i.title)
    assert after.status == "✓"


def test_the_batch_list_offers_verification_for_paid_batches_only(window, db, paid, receive):
    batches = window.batch_list
    batches.year.setValue(2026)
    batches.reload()
    batches.table.selectRow(0)
    assert batches.verify_button.isEnabled()
    opened = []
    batches.verify_requested.disconnect()  # the window's own slot opens the modal 核查 window
    batches.verify_requested.connect(opened.append)
    batches.verify_button.click()
    assert opened == [paid]
    clerk = BatchService(db, CLERK)
    draft = clerk.save_draft(Batch(notice_phone="0898-66123456", name="2026年临时救助", activity="临时救助", year=2026,
                                   unit_code="460000", fund_sources=["省总工会经费"]))
    batches.reload()
    row = next(r for r in range(batches.table.rowCount()) if batches._ids[r] == draft)
    batches.table.selectRow(row)
    assert not batches.verify_button.isEnabled()


def test_the_verification_area_is_a_tab_of_the_main_window(window, db, paid):
    titles = [window.areas.tabText(i) for i in range(window.areas.count())]
    window.areas.setCurrentIndex(titles.index(VERIFY))
    area = window.areas.currentWidget()
    assert type(area).__name__ == "VerificationArea"
    assert [area.tabs.tabText(i) for i in range(area.tabs.count())] == ["问题跟踪", "入户走访", "满意度", "年度核查指标"]
    # Asking for a household there opens its archive form in the main window.
    shown = []
    window.edit_household = shown.append
    area.household_requested.disconnect()
    area.household_requested.connect(window.edit_household)
    area.visits.household_requested.emit(7)
    assert shown == [7]


def test_the_main_window_opens_a_batchs_verification_window(window, paid, monkeypatch):
    shown = []
    monkeypatch.setattr(BatchVerificationDialog, "exec", lambda self: shown.append(self.windowTitle()) or 0)
    window.batch_list.verify_requested.emit(paid)
    assert shown == ["核查 — 2026年国庆生活救助"]
