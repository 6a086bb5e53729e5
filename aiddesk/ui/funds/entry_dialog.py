"""登记收支: one new ledger entry, checked by the fund service when it is saved."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (QComboBox, QDateEdit, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.fund_ledger import KINDS, TO_SUBUNIT, FundEntry
from ...core.fund_report import RECEIVED
from ...core.money import format_wan, format_yuan, parse_yuan
from ...services.funds import FundService
from ..forms import error_label, ok_cancel, show_error

HINT_STYLE = "color: #666666;"
DOC_NO_EXAMPLE = "如：琼工发〔2015〕29号"


# ---- small pieces the other fund dialogs share ----------------------------------------------

def date_edit(value: date) -> QDateEdit:
    """A date field with a calendar popup, shown as 2026-01-10."""
    edit = QDateEdit(QDate(value.year, value.month, value.day))
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def date_of(edit: QDateEdit) -> date:
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def wan_text(text: str) -> str:
    """What the user typed, in 万元, for the hint beside an amount field ("" while empty)."""
    if not text.strip():
        return ""
    try:
        return f"＝ {format_wan(parse_yuan(text))} 万元"
    except UserError:
        return "（请输入数字，例如 1000 或 1000.50）"


def amount_of(edit: QLineEdit, field: str, *, required: bool = True) -> Decimal | None:
    """The amount typed in ``edit``; a message naming ``field`` when it is missing or not a number."""
    if not edit.text().strip():
        if required:
            raise UserError("请填写金额", field=field)
        return None
    try:
        return parse_yuan(edit.text())
    except UserError as err:
        raise UserError(err.message, field=field) from None


def hint_label() -> QLabel:
    label = QLabel()
    label.setStyleSheet(HINT_STYLE)
    return label


def default_day(year: int | None, today: date) -> date:
    """Today, or the nearest day of ``year`` when the ledger shows another year."""
    if year is None or year == today.year:
        return today
    return date(year, 12, 31) if year < today.year else date(year, 1, 1)


# ---- the dialog ------------------------------------------------------------------------------

class EntryDialog(QDialog):
    """Fill in an entry; 保存 calls ``FundService.add_entry`` and closes only when it was saved."""

    def __init__(self, *, service: FundService, year: int | None = None, fund_source: str | None = None,
                 kind: str | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.entry_id: int | None = None
        self.setWindowTitle("登记收支")
        self.setMinimumWidth(520)

        self.entry_date = date_edit(default_day(year, service.db.clock.today()))
        self.fund_source = QComboBox()
        self.fund_source.addItems(service.sources())
        if fund_source:
            self.fund_source.setCurrentText(fund_source)
        self.kind = QComboBox()
        self.kind.addItems(KINDS)
        self.kind.setCurrentText(kind or RECEIVED)
        self.amount = QLineEdit()
        self.amount.setPlaceholderText("例如 600000 或 1,000.50")
        self.amount.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.amount_wan = hint_label()
        self.amount_wan.setMinimumWidth(150)
        self.counterpart = QComboBox()
        self.counterpart.addItem("（请选择下级单位）", None)
        for unit in service.subunits():
            self.counterpart.addItem(f"{unit.name}（{unit.code}）", unit.code)
        self.doc_no = QLineEdit()
        self.doc_no.setPlaceholderText(DOC_NO_EXAMPLE)
        self.memo = QLineEdit()
        self.memo.setMaxLength(200)
        self.memo.setPlaceholderText("例如：省总工会经费（帮扶）第一期")
        self.balance_hint = hint_label()

        amount_row = QHBoxLayout()
        amount_row.addWidget(self.amount, 1)
        amount_row.addWidget(self.amount_wan)
        form = QFormLayout()
        form.addRow("日期", self.entry_date)
        form.addRow("资金来源", self.fund_source)
        form.addRow("", self.balance_hint)
        form.addRow("类型", self.kind)
        form.addRow("金额（元）*", amount_row)
        form.addRow("对方单位", self.counterpart)
        form.addRow("文号", self.doc_no)
        form.addRow("摘要", self.memo)
        self.fields = {"entry_date": self.entry_date, "fund_source": self.fund_source, "kind": self.kind,
                       "amount": self.amount, "counterpart_code": self.counterpart, "doc_no": self.doc_no,
                       "memo": self.memo}

        note = QLabel("分录保存后不能修改或删除。登记错了，请在台账中选中该分录“冲销”，再重新登记正确的一笔。")
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "保存"))

        self.amount.textChanged.connect(lambda text: self.amount_wan.setText(wan_text(text)))
        self.kind.currentTextChanged.connect(self._kind_changed)
        self.fund_source.currentTextChanged.connect(self._show_balance)
        self.entry_date.dateChanged.connect(self._show_balance)
        self._kind_changed()

    def _kind_changed(self) -> None:
        # Only money that went to a sub-unit names one; the service ignores it for other kinds.
        to_subunit = self.kind.currentText() in TO_SUBUNIT
        self.counterpart.setEnabled(to_subunit)
        if not to_subunit:
            self.counterpart.setCurrentIndex(0)
        self._show_balance()

    def _show_balance(self) -> None:
        """What the chosen source has left in the entry's year, so an allocation can be checked first."""
        year, source = date_of(self.entry_date).year, self.fund_source.currentText()
        try:
            left = {b.fund_source: b.balance for b in self.service.balances(year)}.get(source)
        except UserError:
            left = None
        self.balance_hint.setText(f"{year}年{source}结余：{format_yuan(left or Decimal(0))} 元" if source else "")

    def entry(self) -> FundEntry:
        """The entry as filled in (the service sets the unit, 流水号 and who entered it)."""
        return FundEntry(unit_code="", entry_date=date_of(self.entry_date), fund_source=self.fund_source.currentText(),
                         kind=self.kind.currentText(), amount=amount_of(self.amount, "amount"),
                         counterpart_code=self.counterpart.currentData() if self.counterpart.isEnabled() else None,
                         doc_no=self.doc_no.text(), memo=self.memo.text())

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            self.entry_id = self.service.add_entry(self.entry())
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.accept()
        return True
