"""下级单位使用 of one year: what sub-units report they spent, beside what was allocated to them."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QDialog, QGridLayout, QGroupBox, QHBoxLayout,
                               QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
                               QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...core.fund_ledger import TO_SUBUNIT
from ...core.money import format_yuan
from ...db.funds import Usage
from ...services.funds import FundService
from .. import messages
from ..forms import error_label, pick_table, show_error
from .entry_dialog import HINT_STYLE, amount_of, hint_label, wan_text

ZERO = Decimal("0.00")
NEGATIVE = QColor("#c0392b")
SUMMARY_COLUMNS = ("单位", "资金来源", "拨付（元）", "报送使用（元）", "人次", "结余（元）")
USAGE_COLUMNS = ("单位", "资金来源", "救助类别", "金额（元）", "人次", "备注")
KEY_ROLE = Qt.UserRole


def _fill(table: QTableWidget, rows: list[tuple], numeric: tuple[int, ...]) -> None:
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem(str(value))
            if c in numeric:
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            table.setItem(r, c, item)


class UsageDialog(QDialog):
    """The year's 拨付 vs 使用 per sub-unit and source, and the reported rows; a row of fields adds or changes one."""

    def __init__(self, *, service: FundService, year: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.year = service, year
        self.changed = False  # whether anything was saved, so the ledger knows to refresh
        self.setWindowTitle(f"{year}年下级单位使用")
        self.resize(900, 680)
        self.units = {u.code: u.name for u in service.subunits()}
        self.sources = service.sources()

        intro = QLabel("自行记账、只报送汇总数的下级单位，在此登记其使用拨付资金的金额和人次。"
                       "同一单位、资金来源和救助类别只有一行，再次保存即替换。")
        intro.setWordWrap(True)
        intro.setStyleSheet(HINT_STYLE)

        self.summary = pick_table(SUMMARY_COLUMNS, stretch=0, min_width=80)
        self.summary.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.summary.setSelectionMode(QAbstractItemView.NoSelection)  # read-only figures, nothing to pick
        self.summary.setFocusPolicy(Qt.NoFocus)
        summary_box = QGroupBox("拨付与使用（拨付＝下拨下级＋直拨下级）")
        QVBoxLayout(summary_box).addWidget(self.summary)

        self.table = pick_table(USAGE_COLUMNS, stretch=5, min_width=72)
        self.table.itemSelectionChanged.connect(self._row_chosen)
        rows_box = QGroupBox("使用明细")
        rows_layout = QVBoxLayout(rows_box)
        rows_layout.addWidget(self.table, 1)
        rows_layout.addLayout(self._form())

        self.save_button = QPushButton("保存")
        self.delete_button = QPushButton("删除")
        self.close_button = QPushButton("关闭")
        self.save_button.clicked.connect(self.save_usage)
        self.delete_button.clicked.connect(self.delete_usage)
        self.close_button.clicked.connect(self.accept)
        for button in (self.save_button, self.delete_button, self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.error = error_label()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(summary_box, 2)
        layout.addWidget(rows_box, 3)
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def _form(self) -> QGridLayout:
        self.unit = QComboBox()
        for code, name in self.units.items():
            self.unit.addItem(f"{name}（{code}）", code)
        self.fund_source = QComboBox()
        self.fund_source.addItems(self.sources)
        self.category = QComboBox()
        self.category.addItems(code_list("aid_category"))
        self.amount = QLineEdit()
        self.amount.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.amount.setPlaceholderText("例如 74000")
        self.amount_wan = hint_label()
        self.amount_wan.setMinimumWidth(110)
        self.amount.textChanged.connect(lambda text: self.amount_wan.setText(wan_text(text)))
        self.count = QSpinBox()
        self.count.setRange(0, 10_000_000)
        self.count.setSuffix(" 人次")
        self.note = QLineEdit()
        self.note.setMaxLength(200)
        self.note.setPlaceholderText("例如：下级单位报送")
        self.fields = {"unit_code": self.unit, "fund_source": self.fund_source, "aid_category": self.category,
                       "amount": self.amount, "count": self.count, "note": self.note}
        grid = QGridLayout()
        for col, (label, widget) in enumerate((("单位", self.unit), ("资金来源", self.fund_source),
                                               ("救助类别", self.category))):
            grid.addWidget(QLabel(label), 0, col * 2)
            grid.addWidget(widget, 0, col * 2 + 1)
        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.amount_wan)
        grid.addWidget(QLabel("金额（元）"), 1, 0)
        grid.addLayout(amount_row, 1, 1)
        grid.addWidget(QLabel("人次"), 1, 2)
        grid.addWidget(self.count, 1, 3)
        grid.addWidget(QLabel("备注"), 1, 4)
        grid.addWidget(self.note, 1, 5)
        for col in (1, 3, 5):
            grid.setColumnStretch(col, 1)
        return grid

    # ---- showing ---------------------------------------------------------------------------

    def unit_name(self, code: str) -> str:
        return self.units.get(code, code)

    def reload(self, select: tuple[str, str, str] | None = None) -> None:
        """Refill both tables; select the row keyed (unit, source, category) if given."""
        try:
            entries = self.service.entries(self.year)
            self.rows = self.service.usage(self.year)
        except UserError as err:
            show_error(self.error, err)
            return
        self._fill_summary(entries)
        self.table.blockSignals(True)
        self.table.clearSelection()
        _fill(self.table, [(self.unit_name(u.unit_code), u.fund_source, u.aid_category, format_yuan(u.amount),
                            u.count, u.note) for u in self.rows], numeric=(3, 4))
        for r, u in enumerate(self.rows):
            self.table.item(r, 0).setData(KEY_ROLE, (u.unit_code, u.fund_source, u.aid_category))
            if (u.unit_code, u.fund_source, u.aid_category) == select:
                self.table.selectRow(r)
        self.table.blockSignals(False)
        self._update_buttons()

    def _fill_summary(self, entries) -> None:
        # Reversals carry negated amounts, so plain sums already leave out what was reversed.
        allocated: dict[tuple[str, str], Decimal] = {}
        for e in entries:
            if e.kind in TO_SUBUNIT and e.counterpart_code:
                key = (e.counterpart_code, e.fund_source)
                allocated[key] = allocated.get(key, ZERO) + e.amount
        used: dict[tuple[str, str], list] = {}
        for u in self.rows:
            cell = used.setdefault((u.unit_code, u.fund_source), [ZERO, 0])
            cell[0] += u.amount
            cell[1] += u.count
        order = {s: i for i, s in enumerate(self.sources)}
        keys = sorted({k for k, v in allocated.items() if v} | set(used),
                      key=lambda k: (k[0], order.get(k[1], len(order)), k[1]))
        rows = []
        for key in keys:
            given, (spent, count) = allocated.get(key, ZERO), used.get(key, (ZERO, 0))
            rows.append((self.unit_name(key[0]), key[1], format_yuan(given), format_yuan(spent), count,
                         format_yuan(given - spent)))
        _fill(self.summary, rows, numeric=(2, 3, 4, 5))
        for r, key in enumerate(keys):
            if allocated.get(key, ZERO) - used.get(key, (ZERO, 0))[0] < 0:
                item = self.summary.item(r, 5)
                item.setForeground(NEGATIVE)
                item.setToolTip("报送的使用金额超过了拨付金额，请核对")

    def table_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(len(USAGE_COLUMNS)))
                for r in range(self.table.rowCount())]

    def summary_rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.summary.item(r, c).text() for c in range(len(SUMMARY_COLUMNS)))
                for r in range(self.summary.rowCount())]

    def selected_key(self) -> tuple[str, str, str] | None:
        rows = self.table.selectionModel().selectedRows()
        return tuple(self.table.item(rows[0].row(), 0).data(KEY_ROLE)) if rows else None

    def _row_chosen(self) -> None:
        key = self.selected_key()
        if key is not None:
            u = next(u for u in self.rows if (u.unit_code, u.fund_source, u.aid_category) == key)
            index = self.unit.findData(u.unit_code)
            if index < 0:  # a unit outside this office's tree (an imported row) is still shown
                self.unit.addItem(f"{self.unit_name(u.unit_code)}（{u.unit_code}）", u.unit_code)
                index = self.unit.count() - 1
            self.unit.setCurrentIndex(index)
            self.fund_source.setCurrentText(u.fund_source)
            self.category.setCurrentText(u.aid_category)
            self.amount.setText(format_yuan(u.amount))
            self.count.setValue(u.count)
            self.note.setText(u.note)
        self._say(None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.selected_key() is not None)
        self.save_button.setEnabled(self.unit.count() > 0)
        if self.unit.count() == 0:
            self._say("本单位还没有下级单位，请先在“管理 → 单位管理”中添加。")

    def _say(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    # ---- actions ----------------------------------------------------------------------------------

    def usage(self) -> Usage:
        """The row as filled in."""
        return Usage(unit_code=self.unit.currentData() or "", year=self.year,
                     fund_source=self.fund_source.currentText(), aid_category=self.category.currentText(),
                     amount=amount_of(self.amount, "amount"), count=self.count.value(), note=self.note.text())

    def save_usage(self) -> bool:
        """Save the fields (the row for the same unit, source and category is replaced); True on success."""
        show_error(self.error, None)
        self._say(None)
        try:
            u = self.usage()
            self.service.set_usage(u)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.changed = True
        self.reload((u.unit_code, u.fund_source, u.aid_category))
        self._say(f"已保存：{self.unit_name(u.unit_code)} {u.fund_source} {u.aid_category} "
                  f"{format_yuan(u.amount)} 元，{u.count} 人次。")
        return True

    def delete_usage(self) -> bool:
        """Delete the selected row after confirmation; True if deleted."""
        show_error(self.error, None)
        key = self.selected_key()
        if key is None:
            return False
        unit, source, category = key
        if not messages.ask(self, f"确定要删除{self.unit_name(unit)} {self.year}年{source}{category}的使用记录吗？",
                            title="删除下级单位使用", yes_text="删除"):
            return False
        try:
            self.service.delete_usage(unit, self.year, source, category)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.changed = True
        self.reload()
        self._say(f"已删除{self.unit_name(unit)}{source}{category}的使用记录。")
        return True
