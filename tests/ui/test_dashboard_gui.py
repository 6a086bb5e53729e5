"""The 工作台 through its widgets: the balances it shows, and where each figure leads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from aiddesk.core.batch import Batch
from aiddesk.db.audit import Actor
from aiddesk.db.household_list import HouseholdFilter
from aiddesk.services.archive import ArchiveService
from aiddesk.services.batches import BatchService
from aiddesk.services.payments import PaymentService
from aiddesk.ui.archive.list_view import ArchiveListView
from aiddesk.ui.dashboard.home_page import HomePage
from workflow_steps import approve_batch

CLERK = Actor("jingban", "界面", ("经办人",))
REVIEWER = Actor("shenhe", "界面", ("审核人",))
APPROVER = Actor("shenpi", "界面", ("审批人",))
TODAY = date(2026, 12, 10)


def draft(db, name: str, flt: HouseholdFilter, activity: str = "送温暖") -> int:
    clerk = BatchService(db, CLERK)
    batch_id = clerk.save_draft(Batch(
        name=name, activity=activity, year=2026, unit_code="460000", fund_sources=["省总工会经费"],
        standard=Decimal("1000.00"), plan_text="两节前慰问", plan_approval_kind="主席办公会", plan_approved_by="主席办公会",
        plan_approved_on=date(2026, 11, 20), notice_phone="0898-66123456"))
    clerk.add_from_filter(batch_id, flt)
    return batch_id


@pytest.fixture
def office(db, actor, make_household, receive):
    """1 000 000 元 received; three 低保户 paid 1 000 元 each on 8 December; a 低保边缘户's batch in its 公示."""
    receive(db, 2026, "省总工会经费", "1000000.00")
    service = ArchiveService(db, actor)
    for i, name in enumerate(["张三", "李梅", "王五"], 1):
        service.save(make_household(i, name=name))
    service.save(make_household(4, name="赵六", hardship_category="低保边缘户"))
    paid = draft(db, "2026年两节送温暖", HouseholdFilter(category="低保户"))
    approve_batch(db, paid, clerk=CLERK, reviewer=REVIEWER, approver=APPROVER,
                  noticed=date(2026, 11, 26), ended=date(2026, 12, 3), approved=date(2026, 12, 4))
    db.clock.set(date(2026, 12, 8))
    PaymentService(db, CLERK).mark_paid(paid, paid_on=date(2026, 12, 8))
    noticed = draft(db, "2026年生活救助（第二批）", HouseholdFilter(category="低保边缘户"), activity="生活救助")
    db.clock.set(date(2026, 12, 9))
    BatchService(db, CLERK).transition(noticed, "审核中")
    BatchService(db, REVIEWER).transition(noticed, "公示中")
    return {"paid": paid, "noticed": noticed}


@pytest.fixture
def page(qtbot, db, admin, office):
    _, actor = admin
    db.clock.set(TODAY)
    home = HomePage(db=db, actor=actor)
    qtbot.addWidget(home)
    home.resize(1280, 760)
    home.show()
    return home


def texts(widget) -> set[str]:
    return {label.text() for label in widget.findChildren(QLabel)}


def test_the_page_shows_the_balances(page):
    links = page.balance_links
    assert links[("省总工会经费", "income")].text() == "1,000,000.00"
    assert links[("省总工会经费", "spent")].text() == "3,000.00"
    assert links[("省总工会经费", "balance")].text() == "997,000.00"
    assert links[("合计", "balance")].text() == "997,000.00"
    assert ("省总工会经费", "passed") not in links  # no 下拨下级 column without allocations
    shown = texts(page)
    assert {"2026年资金结余（元）", "省总工会经费", "合计", "结余"} <= shown
    assert "工作台　海南省职工服务中心 · 2026年12月10日 星期四" == page.title.text()
    # all of it visible at once: inside the page, nothing pushed beyond its width
    assert links[("合计", "balance")].isVisible() and links[("合计", "balance")].visibleRegion().boundingRect().width() > 0


def test_clicking_a_balance_asks_for_its_ledger(page, qtbot):
    with qtbot.waitSignal(page.ledger_requested, timeout=1000) as signal:
        qtbot.mouseClick(page.balance_links[("省总工会经费", "balance")], Qt.LeftButton)
    assert signal.args == ["省总工会经费"]
    with qtbot.waitSignal(page.ledger_requested, timeout=1000) as signal:
        qtbot.mouseClick(page.balance_links[("合计", "income")], Qt.LeftButton)
    assert signal.args == [""]  # the total: every source


def test_clicking_an_archive_count_asks_for_that_list(page, qtbot, db):
    link = page.archive_links[("低保户", "在档")]
    assert link.text() == "3"
    assert page.archive_links[("低保边缘户", "在档")].text() == "1"
    assert page.archive_links[("", "")].text() == "4"
    with qtbot.waitSignal(page.archive_requested, timeout=1000) as signal:
        qtbot.mouseClick(link, Qt.LeftButton)
    [flt] = signal.args
    assert (flt.statuses, flt.category, flt.stale, flt.incomplete) == (("在档",), "低保户", False, False)

    # the archive list shows exactly those households
    archive = ArchiveListView(db=db)
    qtbot.addWidget(archive)
    archive.show_filter(flt)
    assert (archive.view_box.currentText(), archive.category_box.currentText()) == ("在档", "低保户")
    assert archive.model.total == 3
    names = {archive.model.index(r, 1).data() for r in range(archive.model.rowCount())}
    assert names == {"张三", "李梅", "王五"}

    # the 合计 of a category: every status, shown as 全部档案
    with qtbot.waitSignal(page.archive_requested, timeout=1000) as signal:
        qtbot.mouseClick(page.archive_links[("低保边缘户", "")], Qt.LeftButton)
    archive.show_filter(signal.args[0])
    assert (archive.view_box.currentText(), archive.model.total) == ("全部档案", 1)


def test_clicking_a_batch_asks_to_open_it(page, qtbot, office):
    assert set(page.batch_links) == {office["noticed"]}  # the paid one is done
    link = page.batch_links[office["noticed"]]
    assert link.text() == "2026年生活救助（第二批）"
    assert {"公示中", "公示结束 12月15日", "还有3个工作日"} <= texts(page)
    with qtbot.waitSignal(page.batch_requested, timeout=1000) as signal:
        qtbot.mouseClick(link, Qt.LeftButton)
    assert signal.args == [office["noticed"]]


def test_to_dos_lead_to_their_list(page, qtbot):
    [(todo, link)] = page.todo_links
    assert link.text() == "4户档案缺少证明材料，请补齐"
    with qtbot.waitSignal(page.archive_requested, timeout=1000) as signal:
        qtbot.mouseClick(link, Qt.LeftButton)
    assert signal.args[0].incomplete and signal.args[0].statuses == ("在档", "临时")


def test_clicking_a_spending_figure_lists_the_paid_lines(page, qtbot, office):
    assert page.chart is not None  # the chart is drawn
    link = page.spending_links[("生活救助", "amount")]
    assert link.text() == "3,000.00"
    assert page.spending_links[("生活救助", "count")].text() == "3"
    qtbot.mouseClick(link, Qt.LeftButton)
    dialog = page.records_dialog
    assert dialog is not None and dialog.isVisible()
    model = dialog.model
    assert model.rowCount() == 3
    rows = [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(3)]
    assert sorted(row[1] for row in rows) == ["张三", "李梅", "王五"]
    assert {tuple(row[2:7]) for row in rows} == {("生活救助", "省总工会经费", "1,000.00", "2026-12-08", "2026年两节送温暖")}
    assert all(row[0].endswith(("-00001", "-00002", "-00003")) for row in rows)
    assert dialog.summary.text() == "2026年生活救助：共 3 人次，合计 3,000.00 元"

    # double-clicking a line closes the list and asks for its batch
    with qtbot.waitSignal(page.batch_requested, timeout=1000) as signal:
        dialog.table.doubleClicked.emit(model.index(0, 1))
    assert signal.args == [office["paid"]] and not dialog.isVisible()


def test_a_long_list_is_read_a_page_at_a_time(page, monkeypatch):
    from aiddesk.ui.dashboard.aid_records_dialog import PaidLinesModel

    monkeypatch.setattr(PaidLinesModel, "PAGE", 2)
    model = page.show_records(aid_category="生活救助").model
    assert (model.rowCount(), model.total, model.canFetchMore()) == (2, 3, True)
    model.fetchMore()
    assert (model.rowCount(), model.canFetchMore()) == (3, False)
    assert len({model.index(r, 0).data() for r in range(3)}) == 3


def test_the_paid_figure_of_a_source_lists_its_lines(page, qtbot):
    qtbot.mouseClick(page.balance_links[("省总工会经费", "spent")], Qt.LeftButton)
    assert page.records_dialog.model.rowCount() == 3
    assert page.records_dialog.windowTitle() == "2026年发放明细 — 省总工会经费"


def test_reload_shows_new_money(page, receive, db):
    receive(db, 2026, "中央财政", "50000.00")
    page.reload()
    assert page.balance_links[("中央财政", "balance")].text() == "50,000.00"
    assert page.balance_links[("合计", "balance")].text() == "1,047,000.00"


def test_a_broken_rules_file_is_reported_on_the_page_not_raised(qtbot, db, admin, monkeypatch):
    from aiddesk.core.errors import UserError
    from aiddesk.services import dashboard as dashboard_module

    def broken():
        raise UserError("公示规则文件 resources/rules/notice.json 有误：应发放天数（payment_due_days）应为正整数，请改正后重启程序")

    monkeypatch.setattr(dashboard_module, "load_deadline_rules", broken)
    db.clock.set(TODAY)
    home = HomePage(db=db, actor=admin[1])
    qtbot.addWidget(home)
    assert home.data is None
    assert "payment_due_days" in home.problem_label.text()
    assert home.show_records() is None


def test_the_page_loads_no_chart_library_until_it_draws():
    """The window may import the 工作台 at start-up: QtCharts (and the slow libraries) load with the first chart."""
    import subprocess
    import sys

    code = ("import sys, aiddesk.ui.dashboard.home_page; "
            "print(sorted(m for m in ('PySide6.QtCharts', 'reportlab', 'pypinyin', 'openpyxl') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": ""}).stdout.strip()
    assert out == "[]"
