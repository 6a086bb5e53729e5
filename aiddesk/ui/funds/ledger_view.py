"""资金台账: a year's balances by fund source and its entries, with the actions that write the ledger."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (QComboBox, QDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.fund_ledger import KINDS, FundEntry
from ...core.money import format_wan, format_yuan
from ...services.funds import CarryOverDiffers, FundService, SourceBalance
from .. import messages
from ..forms import pick_table
from .budget_dialog import BudgetDialog
from .entry_dialog import HINT_STYLE, EntryDialog
from .reverse_dialog import ReverseDialog
from .usage_dialog import UsageDialog

ALL = "全部"
ZERO = Decimal("0.00")
READ_ONLY = "您的账号只能查看资金台账；登记、冲销、预算和结转由经办人办理"
BALANCE_COLUMNS = ("资金来源", "收入（元）", "下拨下级（元）", "已发放（元）", "人次", "结余（元）")
ENTRY_COLUMNS = ("流水号", "日期", "资金来源", "类型", "金额（元）", "对方单位", "文号", "摘要", "状态")
AMOUNT_COLUMN, MEMO_COLUMN, STATUS_COLUMN = 4, 7, 8
CANCELLED = QColor("#8a8a8a")  # reversed entries and their reversals: kept, but no longer the live figures
NEGATIVE = QColor("#c0392b")
TOTAL = "合计"
MAX_BALANCE_ROWS = 8  # with more sources than this the strip scrolls rather than squeezing the entries


def entry_status(e: FundEntry, numbers: dict[int, str]) -> str:
    """状态 of an entry: 已被…冲销, 冲销…：reason, or nothing; ``numbers`` maps id → 流水号."""
    if e.is_reversal:
        return f"冲销{numbers.get(e.reverses_id, '')}：{e.reason}"
    if e.reversed_by:
        return f"已被{e.reversed_by}冲销"
    return ""


def _cell(text: str, *, right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if right:
        item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
    return item


class LedgerView(QWidget):
    """The ledger of one year; ``changed`` is emitted after anything was written, for views that show its figures."""

    changed = Signal()

    def __init__(self, *, service: FundService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self._entries: list[FundEntry] = []
        self._unit_names: dict[str, str] = {}

        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(service.db.clock.today().year)
        self.year.setSuffix(" 年")
        self.source_filter = QComboBox()
        self.source_filter.setMinimumContentsLength(8)
        self.source_filter.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.kind_filter = QComboBox()
        self.kind_filter.addItems([ALL, *KINDS])
        self._fill_sources()

        self.add_button = QPushButton("登记收支")
        self.reverse_button = QPushButton("冲销")
        self.budget_button = QPushButton("预算与计划")
        self.usage_button = QPushButton("下级单位使用")
        self.carry_button = QPushButton("年终结转")
        self.add_button.clicked.connect(self.add_entry)
        self.reverse_button.clicked.connect(self.reverse_selected)
        self.budget_button.clicked.connect(self.edit_budgets)
        self.usage_button.clicked.connect(self.edit_usage)
        self.carry_button.clicked.connect(self.carry_over)

        bar = QHBoxLayout()
        for label, widget in (("年度", self.year), ("资金来源", self.source_filter), ("类型", self.kind_filter)):
            bar.addWidget(QLabel(label))
            bar.addWidget(widget)
            bar.addSpacing(8)
        bar.addStretch(1)
        for button in (self.add_button, self.reverse_button, self.budget_button, self.usage_button,
                       self.carry_button):
            bar.addWidget(button)

        self.balances = pick_table(BALANCE_COLUMNS, stretch=0, min_width=110)
        self.balances.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)  # few columns: spread them
        self.balances.verticalHeader().setDefaultSectionSize(self.balances.fontMetrics().height() + 8)
        self.balances.setToolTip("双击某一资金来源，只看该来源的分录")
        self.balances.doubleClicked.connect(lambda index: self._source_clicked(index.row()))
        self.balance_note = QLabel("收入＝上年结转＋到账－调出；结余＝收入－下拨下级－已发放。"
                                   "直拨下级由上级直接拨给下级单位，不经本单位账户，不计入结余。")
        self.balance_note.setWordWrap(True)
        self.balance_note.setStyleSheet(HINT_STYLE)

        self.table = pick_table(ENTRY_COLUMNS, stretch=MEMO_COLUMN, min_width=64)
        # 摘要 and 状态 share the spare width; what does not fit is in the cell's tooltip.
        self.table.horizontalHeader().setSectionResizeMode(STATUS_COLUMN, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.summary = QLabel()
        self.summary.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(bar)
        layout.addWidget(self.balances)
        layout.addWidget(self.balance_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)

        self.year.valueChanged.connect(self.reload)
        self.source_filter.currentIndexChanged.connect(self._show_entries)
        self.kind_filter.currentIndexChanged.connect(self._show_entries)
        self.reload()

    # ---- filters --------------------------------------------------------------------------------

    def _fill_sources(self) -> None:
        """全部 and the current sources (an administrator may have added one), keeping the choice."""
        chosen = self.source_filter.currentText() or ALL
        self.source_filter.blockSignals(True)
        self.source_filter.clear()
        self.source_filter.addItem(ALL)
        self.source_filter.addItems(self.service.sources())
        self.source_filter.setCurrentText(chosen)
        self.source_filter.blockSignals(False)

    def fund_source(self) -> str | None:
        text = self.source_filter.currentText()
        return None if text == ALL else text

    def kind(self) -> str | None:
        text = self.kind_filter.currentText()
        return None if text == ALL else text

    def show_source(self, source: str, year: int | None = None) -> None:
        """Show only ``source``'s entries (of ``year``, if given), e.g. when the home page links here."""
        self._fill_sources()
        if self.source_filter.findText(source) < 0:
            self.source_filter.addItem(source)  # a source in an imported ledger but not in this office's list
        self.source_filter.blockSignals(True)
        self.source_filter.setCurrentText(source)
        self.source_filter.blockSignals(False)
        self.kind_filter.blockSignals(True)
        self.kind_filter.setCurrentText(ALL)
        self.kind_filter.blockSignals(False)
        if year is not None and year != self.year.value():
            self.year.blockSignals(True)
            self.year.setValue(year)
            self.year.blockSignals(False)
        self.reload()

    def _source_clicked(self, row: int) -> None:
        item = self.balances.item(row, 0)
        if item is not None and item.text() != TOTAL:
            self.show_source(item.text())

    # ---- showing -----------------------------------------------------------------------------------

    def reload(self) -> None:
        """Read the year's balances and entries again."""
        self._fill_sources()
        try:
            self._unit_names = {u.code: u.name for u in self.service.subunits()}
            balances = self.service.balances(self.year.value())
        except UserError as err:  # e.g. no 本单位 yet on a new database: say so instead of failing
            self._entries = []
            self.balances.setRowCount(0)
            self.table.setRowCount(0)
            self.summary.setText(err.message)
            self._update_buttons()
            return
        self._show_balances(balances)
        self._show_entries()

    def _show_balances(self, balances: list[SourceBalance]) -> None:
        total = SourceBalance(TOTAL, sum((b.income for b in balances), ZERO), sum((b.passed for b in balances), ZERO),
                              sum((b.spent for b in balances), ZERO), sum(b.count for b in balances))
        rows = [*balances, total] if balances else []
        self.balances.setRowCount(len(rows))
        bold = QFont(self.balances.font())
        bold.setBold(True)
        for r, b in enumerate(rows):
            values = (b.fund_source, format_yuan(b.income), format_yuan(b.passed), format_yuan(b.spent),
                      f"{b.count:,}", format_yuan(b.balance))
            for c, value in enumerate(values):
                item = _cell(value, right=c > 0)
                if b is total:
                    item.setFont(bold)
                self.balances.setItem(r, c, item)
            self.balances.item(r, 5).setToolTip(f"{format_wan(b.balance)} 万元")
            if b.balance < 0:
                self.balances.item(r, 5).setForeground(NEGATIVE)
        # As tall as its rows (up to a limit, then it scrolls), so the entries get the rest of the height.
        header = self.balances.horizontalHeader().sizeHint().height()
        shown = min(max(len(rows), 1), MAX_BALANCE_ROWS)
        self.balances.setFixedHeight(header + shown * self.balances.verticalHeader().defaultSectionSize()
                                     + 2 * self.balances.frameWidth())
        self.balances.setVisible(bool(rows))
        self.balance_note.setVisible(bool(rows))

    def _show_entries(self) -> None:
        year = self.year.value()
        try:
            entries = self.service.entries(year, fund_source=self.fund_source(), kind=self.kind())
        except UserError as err:
            entries = []
            self.summary.setText(err.message)
        self._entries = entries
        numbers = {e.id: e.entry_no for e in entries}
        self.table.clearSelection()
        self.table.setRowCount(len(entries))
        for r, e in enumerate(entries):
            if e.is_reversal and e.reverses_id not in numbers:
                numbers[e.reverses_id] = self._entry_no(e.reverses_id)
            counterpart = self._unit_names.get(e.counterpart_code, e.counterpart_code or "")
            values = (e.entry_no, e.entry_date.isoformat(), e.fund_source, e.kind, format_yuan(e.amount),
                      counterpart, e.doc_no, e.memo, entry_status(e, numbers))
            cancelled = e.is_reversal or bool(e.reversed_by)
            for c, value in enumerate(values):
                item = _cell(value, right=c == AMOUNT_COLUMN)
                if cancelled:
                    item.setForeground(CANCELLED)
                if c in (MEMO_COLUMN, STATUS_COLUMN) and value:
                    item.setToolTip(value)
                self.table.setItem(r, c, item)
        reversals = sum(1 for e in entries if e.is_reversal)
        where = "、".join(x for x in (self.fund_source(), self.kind()) if x)
        text = f"{year}年{where and f'（{where}）'}共 {len(entries)} 条分录"
        if reversals:
            text += f"，其中冲销 {reversals} 条（灰色为已冲销的分录及其冲销分录）"
        if not entries:
            text += "。点“登记收支”登记到账、下拨等资金收支"
        self.summary.setText(text)
        self._update_buttons()

    def _entry_no(self, entry_id: int) -> str:
        try:
            return self.service.entry(entry_id).entry_no
        except UserError:
            return ""

    def entry_rows(self) -> list[tuple[str, ...]]:
        """The entries table's text, row by row."""
        return [tuple(self.table.item(r, c).text() for c in range(len(ENTRY_COLUMNS)))
                for r in range(self.table.rowCount())]

    def balance_rows(self) -> list[tuple[str, ...]]:
        """The balances table's text, row by row (the last row is 合计)."""
        return [tuple(self.balances.item(r, c).text() for c in range(len(BALANCE_COLUMNS)))
                for r in range(self.balances.rowCount())]

    def selected_entry(self) -> FundEntry | None:
        rows = self.table.selectionModel().selectedRows()
        return self._entries[rows[0].row()] if rows and rows[0].row() < len(self._entries) else None

    def select_entry(self, entry_no: str) -> bool:
        for r, e in enumerate(self._entries):
            if e.entry_no == entry_no:
                self.table.selectRow(r)
                return True
        return False

    def _update_buttons(self) -> None:
        may_write = self.service.may_keep_ledger
        for button in (self.add_button, self.budget_button, self.usage_button, self.carry_button):
            button.setEnabled(may_write)
            button.setToolTip("" if may_write else READ_ONLY)
        e = self.selected_entry()
        may_reverse = may_write and e is not None and not e.is_reversal and not e.reversed_by
        self.reverse_button.setEnabled(may_reverse)
        self.reverse_button.setToolTip("" if may_reverse or e is None else READ_ONLY if not may_write else
                                       "冲销分录不能再冲销" if e.is_reversal else f"已被{e.reversed_by}冲销")

    # ---- actions --------------------------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally (freed once control returns to Qt); tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.Accepted
        dialog.deleteLater()  # the caller still reads its fields before control returns to Qt
        return accepted

    def _written(self) -> None:
        self.reload()
        self.changed.emit()

    def add_entry(self) -> None:
        try:
            dialog = EntryDialog(service=self.service, year=self.year.value(), fund_source=self.fund_source(),
                                 kind=self.kind(), parent=self)
        except UserError as err:
            messages.error(self, err.message)
            return
        if self.run_dialog(dialog):
            e = self.service.entry(dialog.entry_id)
            if e.year != self.year.value():
                self.year.blockSignals(True)
                self.year.setValue(e.year)  # show the year the entry went into
                self.year.blockSignals(False)
            self._written()
            self.select_entry(e.entry_no)

    def reverse_selected(self) -> None:
        e = self.selected_entry()
        if e is None:
            messages.info(self, "请先在列表中选中要冲销的分录。")
            return
        if e.is_reversal or e.reversed_by:
            messages.info(self, f"{e.entry_no}是冲销分录，不能再冲销。" if e.is_reversal
                          else f"{e.entry_no}已被{e.reversed_by}冲销，不能重复冲销。")
            return
        dialog = ReverseDialog(service=self.service, entry=e,
                               counterpart_name=self._unit_names.get(e.counterpart_code or "", ""), parent=self)
        if self.run_dialog(dialog):
            self._written()
            self.select_entry(e.entry_no)

    def edit_budgets(self) -> None:
        try:
            dialog = BudgetDialog(service=self.service, year=self.year.value(), parent=self)
        except UserError as err:
            messages.error(self, err.message)
            return
        if self.run_dialog(dialog):
            self.changed.emit()

    def edit_usage(self) -> None:
        try:
            dialog = UsageDialog(service=self.service, year=self.year.value(), parent=self)
        except UserError as err:
            messages.error(self, err.message)
            return
        self.run_dialog(dialog)
        if dialog.changed:
            self.changed.emit()

    def carry_over(self) -> bool:
        """年终结转 after confirmation; offers 重新结转 when next year's carry-over no longer matches."""
        year = self.year.value()
        try:
            left = [(b.fund_source, b.balance) for b in self.service.balances(year) if b.balance]
        except UserError as err:
            messages.error(self, err.message)
            return False
        lines = "\n".join(f"　{s}：{format_yuan(a)} 元" for s, a in left) or "　（没有结余）"
        if not messages.ask(self, f"将{year}年各资金来源的结余结转到{year + 1}年，"
                                  f"记为{year + 1}-01-01的“上年结转”：\n{lines}\n\n确定结转吗？",
                            title="年终结转", yes_text="结转"):
            return False
        try:
            ids = self.service.carry_over(year)
        except CarryOverDiffers as err:
            if not messages.ask(self, err.message + "\n\n确定重新结转吗？", title="重新结转", yes_text="重新结转"):
                return False
            try:
                ids = self.service.carry_over(year, redo=True)
            except UserError as err2:
                messages.error(self, err2.message)
                return False
        except UserError as err:
            messages.error(self, err.message)
            return False
        self._written()
        messages.info(self, f"已将{year}年结余结转到{year + 1}年，共登记 {len(ids)} 笔上年结转。"
                            f"把年度切换到{year + 1}年即可查看。")
        return True
