"""The main window's areas: the 工作台 first, its figures leading to the archive, the ledger and the report."""

from __future__ import annotations

from aiddesk.db.household_list import HouseholdFilter
from aiddesk.ui.main_window import CENTRE, EVALUATE, LEDGER, REPORT, VERIFY


def titles(window) -> list[str]:
    return [window.areas.tabText(i) for i in range(window.areas.count())]


def test_the_home_page_comes_first_and_the_money_tabs_are_built_when_opened(window, db, receive):
    receive(db, 2026, "中央财政", "250000.00")
    assert titles(window) == ["工作台", "困难职工档案", "帮扶批次", VERIFY, LEDGER, REPORT, EVALUATE, CENTRE]
    assert window.areas.currentWidget() is window.home
    assert window._lazy == {VERIFY: None, LEDGER: None, REPORT: None, EVALUATE: None, CENTRE: None}
    window.areas.setCurrentIndex(titles(window).index(LEDGER))
    ledger = window.areas.currentWidget()
    assert type(ledger).__name__ == "LedgerView" and window._lazy[LEDGER] is ledger
    assert any("250,000.00" in cell for row in ledger.entry_rows() for cell in row)
    window.areas.setCurrentIndex(titles(window).index(REPORT))
    assert type(window.areas.currentWidget()).__name__ == "FundReportPage"
    window.areas.setCurrentIndex(titles(window).index(EVALUATE))
    assert type(window.areas.currentWidget()).__name__ == "EvaluationPage"
    window.areas.setCurrentIndex(titles(window).index(CENTRE))
    centre = window.areas.currentWidget()
    assert type(centre).__name__ == "CentreArea"
    centre.consolidated.year.setValue(2026)
    assert centre.consolidated.rows()[0][:2] == ("海南省职工服务中心", "本单位")
    assert titles(window) == ["工作台", "困难职工档案", "帮扶批次", VERIFY, LEDGER, REPORT, EVALUATE, CENTRE]


def test_a_balance_on_the_home_page_opens_the_ledger_of_that_source(window, db, receive):
    receive(db, 2026, "省财政", "1000.00")
    receive(db, 2026, "中央财政", "2000.00")
    window.home.reload()
    window.home.ledger_requested.emit("省财政")
    ledger = window.areas.currentWidget()
    assert ledger is window._lazy[LEDGER] and ledger.fund_source() == "省财政"
    assert [row[2] for row in ledger.entry_rows()] == ["省财政"]


def test_an_archive_figure_opens_the_archive_list_filtered(window, actor, make_household):
    from aiddesk.services.archive import ArchiveService

    ArchiveService(actor=actor, db=window.db).save(make_household(1, name="张三"))
    ArchiveService(actor=actor, db=window.db).save(make_household(2, name="李梅", hardship_category="低保边缘户"))
    assert not window.archive_toolbar.isVisible()  # the archive's tools belong to the archive
    window.home.archive_requested.emit(HouseholdFilter(category="低保边缘户"))
    assert window.areas.currentWidget() is window.list_view
    assert window.archive_toolbar.isVisible() and "当前列表 1 户" in window.count_label.text()
    assert window.list_view.current_filter().category == "低保边缘户"
    assert window.list_view.model.rowCount() == 1
