"""冲销: correct a ledger entry by a new one with the opposite amount, with the reason written down."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from ...core.errors import UserError
from ...core.fund_ledger import FundEntry
from ...core.money import format_wan, format_yuan
from ...services.funds import FundService
from ..forms import error_label, ok_cancel, show_error
from .entry_dialog import HINT_STYLE, date_edit, date_of


class ReverseDialog(QDialog):
    """Shows the entry; 冲销 calls ``FundService.reverse_entry`` with the reason and the date chosen."""

    def __init__(self, *, service: FundService, entry: FundEntry, counterpart_name: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.service, self.original = service, entry
        self.reversal_id: int | None = None
        self.setWindowTitle(f"冲销分录 {entry.entry_no}")
        self.setMinimumWidth(500)

        shown = QFormLayout()
        for label, value in (("流水号", entry.entry_no), ("日期", entry.entry_date.isoformat()),
                             ("资金来源", entry.fund_source), ("类型", entry.kind),
                             ("金额（元）", f"{format_yuan(entry.amount)}（{format_wan(entry.amount)} 万元）"),
                             ("对方单位", counterpart_name or entry.counterpart_code or ""),
                             ("文号", entry.doc_no), ("摘要", entry.memo)):
            if value:
                text = QLabel(value)
                text.setWordWrap(True)
                shown.addRow(label, text)

        # A reversal stays in the original's year, so the year's sums stay right.
        self.entry_date = date_edit(entry.entry_date)
        self.entry_date.setDateRange(QDate(entry.year, 1, 1), QDate(entry.year, 12, 31))
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("例如：金额登错，文件下达60万元，误录为50万元")
        form = QFormLayout()
        form.addRow("冲销日期", self.entry_date)
        form.addRow("冲销原因*", self.reason)
        self.fields = {"reason": self.reason, "entry_date": self.entry_date}

        note = QLabel(f"将登记一笔 {format_yuan(-entry.amount)} 元的冲销分录，原分录保留并标明“已冲销”。"
                      "如原分录金额或内容有误，冲销后请重新登记正确的一笔。")
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        self.error = error_label()
        layout = QVBoxLayout(self)
        layout.addLayout(shown)
        layout.addSpacing(6)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(ok_cancel(self, "冲销"))

    @property
    def reversal_date(self) -> date:
        return date_of(self.entry_date)

    def try_accept(self) -> bool:
        show_error(self.error, None)
        try:
            self.reversal_id = self.service.reverse_entry(self.original.id, self.reason.text(), on=self.reversal_date)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.accept()
        return True
