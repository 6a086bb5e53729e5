"""The list of aid batches of a year, with their state, head count and total."""

from __future__ import annotations


from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget

from ...core.batch_workflow import PAID
from ...core.money import format_yuan, from_fen
from ...db import Database
from ...db.batches import list_batches
from ..forms import pick_table

COLUMNS = ("批次编号", "批次名称", "活动类型", "年度", "状态", "人数", "金额（元）", "经办人", "审核人", "审批人")


class BatchListView(QWidget):
    """Emits ``open_requested(batch_id)`` on double-click or 打开; ``new_requested`` on 新建批次."""

    open_requested = Signal(int)
    new_requested = Signal()
    verify_requested = Signal(int)  # 核查 of a paid batch

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self._ids: list[int] = []
        self._statuses: list[str] = []
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self._db.clock.today().year)
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self.reload)
        self.new_button = QPushButton("新建批次")
        self.new_button.clicked.connect(self.new_requested)
        self.open_button = QPushButton("打开")
        self.open_button.clicked.connect(lambda: self._open(self.table.currentRow()))
        self.verify_button = QPushButton("核查")
        self.verify_button.setToolTip("已发放批次的短信通知、电话抽查和核查清单")
        self.verify_button.clicked.connect(self._verify)
        self.table = pick_table(COLUMNS, stretch=1)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))
        self.table.itemSelectionChanged.connect(self._update_verify)
        self.summary = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addStretch(1)
        bar.addWidget(self.new_button)
        bar.addWidget(self.open_button)
        bar.addWidget(self.verify_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table)
        layout.addWidget(self.summary)
        self.reload()

    def reload(self) -> None:
        rows = list_batches(self._db.conn, year=self.year.value())
        self._ids = [r["id"] for r in rows]
        self.table.setRowCount(len(rows))
        for i, r in enumerate(rows):
            values = (r["code"], r["name"], r["activity"], r["year"], r["status"], r["recipients"],
                      format_yuan(from_fen(r["total_fen"])), r["clerk"], r["reviewer"] or "", r["approver"] or "")
            for col, value in enumerate(values):
                item = QTableWidgetItem(str(value))
                if col in (5, 6):
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(i, col, item)
        people = sum(r["recipients"] for r in rows)
        total = format_yuan(from_fen(sum(r["total_fen"] for r in rows)))
        self.summary.setText(f"{self.year.value()}年共 {len(rows)} 个批次，{people} 人次，{total} 元")
        self._statuses = [r["status"] for r in rows]
        self._update_verify()

    def _update_verify(self) -> None:
        row = self.table.currentRow()
        paid = 0 <= row < len(self._statuses) and self._statuses[row] in PAID
        self.verify_button.setEnabled(paid)

    def _verify(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._ids):
            self.verify_requested.emit(self._ids[row])

    def _open(self, row: int) -> None:
        if 0 <= row < len(self._ids):
            self.open_requested.emit(self._ids[row])
