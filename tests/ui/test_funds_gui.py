"""The fund ledger (资金台账) through its widgets: entries, reversals, budgets and plans, sub-units' use,
carry-over, and the administrator's list of fund sources."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import QDate, Qt

from aiddesk.core.fund_ledger import FundEntry
from aiddesk.db import open_database
from aiddesk.db.funds import Plan, Usage
from aiddesk.services.funds import FundService
from aiddesk.ui import messages
from aiddesk.ui.admin.fund_sources_dialog import FundSourcesDialog
from aiddesk.ui.funds.budget_dialog import BudgetDialog
from aiddesk.ui.funds.entry_dialog import EntryDialog
from aiddesk.ui.funds.ledger_view import CANCELLED, LedgerView
from aiddesk.ui.funds.reverse_dialog import ReverseDialog
from aiddesk.ui.funds.usage_dialog import UsageDialog

YEAR = 2026


@pytest.fixture
def service(db, actor) -> FundService:
    return FundService(db, actor)


@pytest.fixture
def view(qtbot, service) -> LedgerView:
    v = LedgerView(service=service)
    qtbot.addWidget(v)
    v.year.setValue(YEAR)
    return v


def answer_dialogs(monkeypatch, view, fill) -> list:
    """The view's next dialogs are filled by ``fill(dialog)`` instead of being shown; returns those opened."""
    opened = []

    def run(dialog):
        opened.append(dialog)
        return fill(dialog)

    monkeypatch.setattr(view, "run_dialog", run)
    return opened


def passed(service, amount: str, to: str = "460001", kind: str = "下拨下级", source: str = "省总工会经费") -> int:
    return service.add_entry(FundEntry(unit_code="", entry_date=date(YEAR, 3, 25), fund_source=source, kind=kind,
                                       amount=Decimal(amount), counterpart_code=to, doc_no="琼工帮〔2026〕12号"))


def column(view, col: int) -> list[str]:
    return [row[col] for row in view.entry_rows()]


# ---- 登记收支 -------------------------------------------------------------------------------

def test_a_receipt_entered_in_the_dialog_shows_in_the_entries_and_the_balances(qtbot, view, service, monkeypatch):
    seen = []
    view.changed.connect(lambda: seen.append("changed"))

    def fill(d: EntryDialog) -> bool:
        d.entry_date.setDate(QDate(2026, 3, 20))
        d.fund_source.setCurrentText("省财政")
        d.kind.setCurrentText("到账")
        assert not d.counterpart.isEnabled()  # only money that goes to a sub-unit names one
        d.amount.setText("1,250,000.50")
        assert d.amount_wan.text() == "＝ 125.00005 万元"
        d.doc_no.setText("琼财社〔2026〕41号")
        d.memo.setText("省财政专项帮扶资金")
        return d.try_accept()

    opened = answer_dialogs(monkeypatch, view, fill)
    qtbot.mouseClick(view.add_button, Qt.LeftButton)

    assert isinstance(opened[0], EntryDialog)
    assert view.entry_rows() == [("460000-ZJ2026-0001", "2026-03-20", "省财政", "到账", "1,250,000.50", "",
                                  "琼财社〔2026〕41号", "省财政专项帮扶资金", "")]
    assert view.balance_rows() == [("省财政", "1,250,000.50", "0.00", "0.00", "0", "1,250,000.50"),
                                   ("合计", "1,250,000.50", "0.00", "0.00", "0", "1,250,000.50")]
    assert view.selected_entry().entry_no == "460000-ZJ2026-0001"
    [saved] = service.entries(YEAR)
    assert (saved.amount, saved.kind, saved.fund_source, saved.created_by) == (
        Decimal("1250000.50"), "到账", "省财政", "测试员")
    assert seen == ["changed"]
    assert "2026年共 1 条分录" in view.summary.text()


def test_the_dialog_starts_from_the_ledgers_filters_and_year(qtbot, view, service):
    view.source_filter.setCurrentText("中央财政")
    view.kind_filter.setCurrentText("直拨下级")
    view.year.setValue(2025)
    d = EntryDialog(service=service, year=view.year.value(), fund_source=view.fund_source(), kind=view.kind())
    qtbot.addWidget(d)
    assert (d.fund_source.currentText(), d.kind.currentText()) == ("中央财政", "直拨下级")
    assert d.entry_date.date().year() == 2025
    assert d.counterpart.isEnabled()
    assert [d.counterpart.itemData(i) for i in range(d.counterpart.count())] == [None, "460001", "460002"]
    assert d.doc_no.placeholderText() == "如：琼工发〔2015〕29号"
    assert d.entry_date.displayFormat() == "yyyy-MM-dd" and d.entry_date.calendarPopup()


def test_a_bad_doc_no_keeps_the_dialog_open_with_the_message_at_the_field(qtbot, service):
    d = EntryDialog(service=service, year=YEAR)
    qtbot.addWidget(d)
    d.show()
    d.amount.setText("1000")
    d.doc_no.setText("琼工发2015-29")

    assert d.try_accept() is False
    assert d.isVisible() and d.result() != EntryDialog.Accepted
    assert d.error.isVisible()
    assert "文号“琼工发2015-29”格式不对，应如“琼工发〔2015〕29号”" in d.error.text()
    assert d.focusWidget() is d.doc_no
    assert service.entries(YEAR) == []

    d.amount.setText("12.345")
    assert d.try_accept() is False
    assert d.error.text() == "金额“12.345”超过两位小数，请精确到分"
    assert d.focusWidget() is d.amount

    d.amount.setText("1000")
    d.doc_no.setText("琼工发〔2015〕29号")
    assert d.try_accept() is True
    assert [e.doc_no for e in service.entries(YEAR)] == ["琼工发〔2015〕29号"]


def test_a_direct_allocation_needs_its_sub_unit(qtbot, view, service, monkeypatch):
    def fill(d: EntryDialog) -> bool:
        d.show()
        d.entry_date.setDate(QDate(2026, 1, 8))
        d.fund_source.setCurrentText("省总工会经费")
        d.kind.setCurrentText("直拨下级")
        d.amount.setText("80000")
        assert d.try_accept() is False
        assert d.isVisible()
        assert d.error.text() == "直拨下级须选择对方单位（收到这笔资金的下级单位）"
        assert d.focusWidget() is d.counterpart
        assert service.entries(YEAR) == []
        d.counterpart.setCurrentIndex(d.counterpart.findData("460001"))
        return d.try_accept()

    answer_dialogs(monkeypatch, view, fill)
    view.add_entry()
    assert view.entry_rows() == [("460000-ZJ2026-0001", "2026-01-08", "省总工会经费", "直拨下级", "80,000.00",
                                  "省财贸工会", "", "", "")]
    assert service.entries(YEAR)[0].counterpart_code == "460001"
    # 直拨 never passes through this unit's account, so it has no balance of its own here.
    assert view.balance_rows() == []


def test_passing_on_more_than_the_balance_is_refused_in_the_dialog(qtbot, db, service, receive):
    receive(db, YEAR, "省总工会经费", "30000.00")
    d = EntryDialog(service=service, year=YEAR)
    qtbot.addWidget(d)
    d.fund_source.setCurrentText("省总工会经费")
    d.kind.setCurrentText("下拨下级")
    assert d.balance_hint.text() == "2026年省总工会经费结余：30,000.00 元"
    d.counterpart.setCurrentIndex(d.counterpart.findData("460002"))
    d.amount.setText("50000")
    assert d.try_accept() is False
    assert "省总工会经费可用余额不足，缺口2万元" in d.error.text()
    assert len(service.entries(YEAR)) == 1


# ---- 冲销 -------------------------------------------------------------------------------------

def test_reversing_an_entry_shows_both_rows_greyed_and_puts_the_balance_back(qtbot, db, view, service, receive,
                                                                              monkeypatch, said):
    receive(db, YEAR, "省总工会经费", "1000000.00", on=date(YEAR, 1, 3))
    wrong = receive(db, YEAR, "省总工会经费", "500000.00", on=date(YEAR, 1, 6))
    view.reload()
    assert view.balance_rows()[0][5] == "1,500,000.00"

    qtbot.mouseClick(view.reverse_button, Qt.LeftButton)  # nothing selected yet
    assert not view.reverse_button.isEnabled()

    assert view.select_entry("460000-ZJ2026-0002")
    assert view.reverse_button.isEnabled()

    def fill(d: ReverseDialog) -> bool:
        assert d.original.id == wrong
        assert d.reversal_date == date(YEAR, 1, 6)
        assert d.try_accept() is False  # the reason is required
        assert "请写明冲销原因" in d.error.text()
        d.reason.setText("金额登错：文件下达60万元")
        return d.try_accept()

    answer_dialogs(monkeypatch, view, fill)
    qtbot.mouseClick(view.reverse_button, Qt.LeftButton)

    rows = view.entry_rows()
    assert [(r[0], r[4], r[8]) for r in rows] == [
        ("460000-ZJ2026-0001", "1,000,000.00", ""),
        ("460000-ZJ2026-0002", "500,000.00", "已被460000-ZJ2026-0003冲销"),
        ("460000-ZJ2026-0003", "-500,000.00", "冲销460000-ZJ2026-0002：金额登错：文件下达60万元")]
    assert view.table.item(0, 0).foreground().color() != CANCELLED
    for row in (1, 2):
        assert all(view.table.item(row, c).foreground().color() == CANCELLED for c in range(9))
    assert view.balance_rows()[0] == ("省总工会经费", "1,000,000.00", "0.00", "0.00", "0", "1,000,000.00")
    # The reversed entry stays selected and may not be reversed twice.
    assert view.selected_entry().id == wrong
    assert not view.reverse_button.isEnabled()
    assert service.entry(wrong).reversed_by == "460000-ZJ2026-0003"
    assert "其中冲销 1 条" in view.summary.text()


def test_an_entry_already_reversed_is_not_offered_again(qtbot, db, view, service, receive, said):
    first = receive(db, YEAR, "省总工会经费", "1000.00")
    service.reverse_entry(first, "登记重复")
    view.reload()
    view.table.selectRow(0)
    view.reverse_selected()
    assert said[-1] == ("info", "460000-ZJ2026-0001已被460000-ZJ2026-0002冲销，不能重复冲销。")
    view.table.selectRow(1)
    view.reverse_selected()
    assert said[-1] == ("info", "460000-ZJ2026-0002是冲销分录，不能再冲销。")


# ---- 预算与计划 ------------------------------------------------------------------------------------

def test_budget_and_plan_are_saved_and_shown_again(qtbot, view, service, monkeypatch):
    def fill(d: BudgetDialog) -> bool:
        assert d.windowTitle() == "2026年预算与计划"
        d.budget_edits["中央财政"].setText("300000")
        d.budget_edits["省总工会经费"].setText("700,000.00")
        d.plan_counts["生活救助"].setValue(300)
        d.plan_amounts["生活救助"].setText("300000")
        d.plan_counts["医疗救助"].setValue(20)
        assert d.budget_total.text() == "预算合计：1,000,000.00 元（100 万元）"
        assert d.plan_total.text() == "计划合计：320 人次，300,000.00 元（30 万元）"
        return d.try_accept()

    answer_dialogs(monkeypatch, view, fill)
    qtbot.mouseClick(view.budget_button, Qt.LeftButton)

    assert service.budgets(YEAR) == {"中央财政": Decimal("300000.00"), "省总工会经费": Decimal("700000.00")}
    assert service.plans(YEAR) == {"生活救助": Plan("生活救助", 300, Decimal("300000.00")),
                                   "医疗救助": Plan("医疗救助", 20, None)}

    again = BudgetDialog(service=service, year=YEAR)
    qtbot.addWidget(again)
    assert again.budget_edits["中央财政"].text() == "300,000.00"
    assert again.budget_edits["省总工会经费"].text() == "700,000.00"
    assert again.budget_edits["省财政"].text() == ""
    assert (again.plan_counts["生活救助"].value(), again.plan_amounts["生活救助"].text()) == (300, "300,000.00")
    assert (again.plan_counts["医疗救助"].value(), again.plan_amounts["医疗救助"].text()) == (20, "")
    assert again.plan_counts["助学救助"].value() == 0
    assert again.budget_total.text() == "预算合计：1,000,000.00 元（100 万元）"

    # Clearing a field removes that budget; the plans are saved in the same click.
    again.budget_edits["中央财政"].clear()
    again.plan_counts["医疗救助"].setValue(0)
    assert again.try_accept() is True
    assert service.budgets(YEAR) == {"省总工会经费": Decimal("700000.00")}
    assert set(service.plans(YEAR)) == {"生活救助"}
    other_year = BudgetDialog(service=service, year=2025)
    qtbot.addWidget(other_year)
    assert other_year.budget_edits["省总工会经费"].text() == ""


def test_a_wrong_budget_or_plan_amount_saves_neither(qtbot, service):
    d = BudgetDialog(service=service, year=YEAR)
    qtbot.addWidget(d)
    d.show()
    d.budget_edits["省财政"].setText("十万")
    d.budget_edits["中央财政"].setText("100000")
    d.plan_amounts["助学救助"].setText("-5")
    assert d.budget_total.text() == "预算合计：（有金额无法识别）"
    assert d.try_accept() is False
    assert "省财政的预算：“十万”不是金额" in d.error.text()
    assert "助学救助的计划金额不能为负数" in d.error.text()
    assert d.focusWidget() is d.budget_edits["省财政"]
    assert service.budgets(YEAR) == {} and service.plans(YEAR) == {}


# ---- 下级单位使用 --------------------------------------------------------------------------------------

def test_a_sub_units_use_is_added_beside_what_it_was_given(qtbot, db, view, service, receive, monkeypatch, said):
    receive(db, YEAR, "省总工会经费", "1000000.00")
    passed(service, "50000.00", to="460001")
    passed(service, "15000.00", to="460002", kind="直拨下级")
    seen = []
    view.changed.connect(lambda: seen.append("changed"))

    def fill(d: UsageDialog) -> bool:
        assert d.summary_rows() == [("省财贸工会", "省总工会经费", "50,000.00", "0.00", "0", "50,000.00"),
                                    ("省旅游工会", "省总工会经费", "15,000.00", "0.00", "0", "15,000.00")]
        d.unit.setCurrentIndex(d.unit.findData("460001"))
        d.fund_source.setCurrentText("省总工会经费")
        d.category.setCurrentText("生活救助")
        d.amount.setText("30000")
        assert d.save_usage() is False  # an amount without 人次
        assert d.error.text() == "有支出金额时请填写帮扶人次"
        d.count.setValue(40)
        d.note.setText("下级单位报送")
        assert d.save_usage() is True
        assert d.table_rows() == [("省财贸工会", "省总工会经费", "生活救助", "30,000.00", "40", "下级单位报送")]
        assert d.summary_rows()[0] == ("省财贸工会", "省总工会经费", "50,000.00", "30,000.00", "40", "20,000.00")
        assert d.selected_key() == ("460001", "省总工会经费", "生活救助")
        return True

    answer_dialogs(monkeypatch, view, fill)
    qtbot.mouseClick(view.usage_button, Qt.LeftButton)
    assert service.usage(YEAR) == [Usage("460001", YEAR, "省总工会经费", "生活救助", Decimal("30000.00"), 40,
                                         "下级单位报送")]
    assert seen == ["changed"]


def test_a_sub_units_use_is_changed_and_deleted(qtbot, db, service, receive, said):
    receive(db, YEAR, "省总工会经费", "1000000.00")
    passed(service, "15000.00", to="460002")
    service.set_usage(Usage("460002", YEAR, "省总工会经费", "医疗救助", Decimal(5000), 1, "报送"))
    d = UsageDialog(service=service, year=YEAR)
    qtbot.addWidget(d)
    d.table.selectRow(0)
    assert (d.unit.currentData(), d.category.currentText(), d.amount.text(), d.count.value()) == (
        "460002", "医疗救助", "5,000.00", 1)
    d.amount.setText("16000")
    d.count.setValue(2)
    assert d.save_usage() is True  # the same unit, source and category: replaced, not added
    assert d.table_rows() == [("省旅游工会", "省总工会经费", "医疗救助", "16,000.00", "2", "报送")]
    assert d.summary_rows() == [("省旅游工会", "省总工会经费", "15,000.00", "16,000.00", "2", "-1,000.00")]

    assert d.delete_usage() is True
    assert said[-1][0] == "ask" and "省旅游工会 2026年省总工会经费医疗救助" in said[-1][1]
    assert d.table_rows() == [] and service.usage(YEAR) == []
    assert not d.delete_button.isEnabled()


# ---- 年终结转 ---------------------------------------------------------------------------------------------

def test_carry_over_creates_next_years_brought_forward_entries(qtbot, db, view, service, receive, said):
    receive(db, YEAR, "省总工会经费", "1000000.00")
    receive(db, YEAR, "中央财政", "200000.00")
    passed(service, "50000.00")
    view.reload()

    qtbot.mouseClick(view.carry_button, Qt.LeftButton)
    kinds = [k for k, _ in said]
    assert kinds == ["ask", "info"]
    assert "将2026年各资金来源的结余结转到2027年" in said[0][1]
    assert "省总工会经费：950,000.00 元" in said[0][1] and "中央财政：200,000.00 元" in said[0][1]

    view.year.setValue(2027)
    assert [(r[1], r[2], r[3], r[4], r[7]) for r in view.entry_rows()] == [
        ("2027-01-01", "中央财政", "上年结转", "200,000.00", "2026年结余结转"),
        ("2027-01-01", "省总工会经费", "上年结转", "950,000.00", "2026年结余结转")]
    assert [r[5] for r in view.balance_rows()] == ["200,000.00", "950,000.00", "1,150,000.00"]

    # Money that came late: carrying over again offers 重新结转, which reverses the old entries.
    receive(db, YEAR, "中央财政", "10000.00", on=date(YEAR, 12, 20))
    view.year.setValue(YEAR)
    said.clear()
    qtbot.mouseClick(view.carry_button, Qt.LeftButton)
    assert [k for k, _ in said] == ["ask", "ask", "info"]
    assert "请选择“重新结转”" in said[1][1]
    view.year.setValue(2027)
    live = [(r[2], r[4]) for r in view.entry_rows() if not r[8]]
    assert live == [("中央财政", "210,000.00"), ("省总工会经费", "950,000.00")]
    assert sum(1 for r in view.entry_rows() if r[8].startswith("已被")) == 2
    assert sum(1 for r in view.entry_rows() if r[8].startswith("冲销")) == 2
    assert [r[5] for r in view.balance_rows()] == ["210,000.00", "950,000.00", "1,160,000.00"]

    # Carrying over the same balances again is refused with the service's message; nothing to redo.
    view.year.setValue(YEAR)
    said.clear()
    assert view.carry_over() is False
    assert said == [said[0], ("error", "2026年结余已结转到2027年，金额一致，无需重复结转")]


def test_carry_over_does_nothing_when_not_confirmed(qtbot, db, view, service, receive, monkeypatch):
    receive(db, YEAR, "省总工会经费", "1000.00")
    monkeypatch.setattr(messages, "ask", lambda parent, text, **kw: False)
    assert view.carry_over() is False
    assert service.entries(YEAR + 1) == []


# ---- 资金来源 and the links into the ledger --------------------------------------------------------------

def test_fund_sources_are_added_and_removed_in_the_dialog(qtbot, db, service, receive, view, said):
    d = FundSourcesDialog(service=service)
    qtbot.addWidget(d)
    assert d.rows()[:2] == [("中央财政", "默认"), ("省财政", "默认")]
    assert {kind for _, kind in d.rows()} == {"默认"}
    d.table.selectRow(0)
    assert not d.remove_button.isEnabled()  # defaults stay

    d.name.setText(" 慈善总会捐赠 ")
    assert d.add_source() is True
    assert d.rows()[-1] == ("慈善总会捐赠", "本单位添加")
    assert d.selected_source() == "慈善总会捐赠" and d.remove_button.isEnabled()
    assert service.sources()[-1] == "慈善总会捐赠"
    view.reload()
    assert view.source_filter.findText("慈善总会捐赠") > 0

    d.name.setText("慈善总会捐赠")
    assert d.add_source() is False
    assert d.error.text() == "资金来源“慈善总会捐赠”已在列表中"

    d.name.setText("企业捐赠")
    assert d.add_source() is True
    receive(db, YEAR, "企业捐赠", "5000.00")
    d.reload("企业捐赠")
    assert d.remove_source() is False
    assert d.error.text() == "资金来源“企业捐赠”已在台账、预算、批次或帮扶明细中使用，不能删除"
    assert "企业捐赠" in service.sources()

    d.reload("慈善总会捐赠")
    assert d.remove_source() is True
    assert said[-1][0] == "ask"
    assert "慈善总会捐赠" not in [name for name, _ in d.rows()]
    assert "慈善总会捐赠" not in service.sources()


def test_show_source_filters_the_ledger(qtbot, db, view, receive):
    receive(db, YEAR, "省总工会经费", "1000.00")
    receive(db, YEAR, "中央财政", "2000.00")
    receive(db, 2025, "中央财政", "3000.00")
    view.year.setValue(2024)
    view.show_source("中央财政", YEAR)
    assert (view.year.value(), view.source_filter.currentText()) == (YEAR, "中央财政")
    assert column(view, 4) == ["2,000.00"]
    assert "（中央财政）共 1 条分录" in view.summary.text()
    view.show_source("中央财政", 2025)
    assert column(view, 4) == ["3,000.00"]
    view.year.setValue(YEAR)
    view.source_filter.setCurrentText("全部")
    assert column(view, 2) == ["省总工会经费", "中央财政"]
    view.kind_filter.setCurrentText("下拨下级")
    assert view.entry_rows() == []


def test_a_database_without_its_own_unit_says_so(qtbot, tmp_path, actor):
    empty = open_database(tmp_path / "empty.sqlite")
    try:
        v = LedgerView(service=FundService(empty, actor))
        qtbot.addWidget(v)
        assert v.summary.text() == "还没有设置本单位，请先在“单位”中设置本单位"
        assert v.entry_rows() == [] and v.balance_rows() == []
    finally:
        empty.close()


def test_a_reviewer_reads_the_ledger_but_cannot_write_to_it(qtbot, db, receive):
    from aiddesk.db.audit import Actor

    receive(db, 2026, "省财政", "1000.00")
    view = LedgerView(service=FundService(db, Actor("shenhe", "界面", ("审核人",))))
    qtbot.addWidget(view)
    view.year.setValue(2026)
    view.reload()
    assert [row[2] for row in view.entry_rows()] == ["省财政"]
    view.table.selectRow(0)
    buttons = (view.add_button, view.reverse_button, view.budget_button, view.usage_button, view.carry_button)
    assert not any(b.isEnabled() for b in buttons)
    assert "只能查看" in view.add_button.toolTip()
