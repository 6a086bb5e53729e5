"""A read-only list of the paid aid records behind a spending figure (工作台, fund report)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHeaderView, QLabel, QTableView,
                               QVBoxLayout, QWidget)

from ...core.money import format_yuan
from ...db import Database
from ...db.aid_record_list import PaidLine, line_key, paid_lines, paid_total
from ..forms import close_buttons

COLUMNS = ("明细编号", "姓名", "救助类别", "资金来源", "金额（元）", "发放日期", "批次")
_AMOUNT = 4


class PaidLinesModel(QAbstractTableModel):
    """Paid lines as a table, read a page at a time as the view scrolls: a 送温暖 year can be 100 000 lines."""

    PAGE = 1000

    def __init__(self, *, fetch, total: int, parent=None):
        super().__init__(parent)
        self._fetch = fetch  # (after key, limit) → the next lines
        self.total = total
        self.lines: list[PaidLine] = fetch(None, self.PAGE)

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.lines)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and len(self.lines) < self.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        if not self.canFetchMore(parent):
            return
        more = self._fetch(line_key(self.lines[-1]), self.PAGE) if self.lines else []
        if not more:  # the lines changed under us: stop asking
            self.total = len(self.lines)
            return
        self.beginInsertRows(QModelIndex(), len(self.lines), len(self.lines) + len(more) - 1)
        self.lines.extend(more)
        self.endInsertRows()

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return COLUMNS[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        line = self.lines[index.row()]
        if role == Qt.DisplayRole:
            return (line.record_no, line.recipient_name, line.aid_category, line.fund_source,
                    format_yuan(line.amount), line.paid_on.isoformat(), line.batch_name)[index.column()]
        if role == Qt.ToolTipRole and index.column() == len(COLUMNS) - 1:
            return f"{line.batch_code}（双击打开批次）"
        if role == Qt.TextAlignmentRole and index.column() == _AMOUNT:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None


class AidRecordsDialog(QDialog):
    """The lines one figure adds up; double-clicking a line emits ``batch_requested`` with its batch and closes."""

    batch_requested = Signal(int)

    def __init__(self, *, db: Database, year: int, unit_code: str, aid_category: str = "", fund_source: str = "",
                 parent: QWidget | None = None):
        super().__init__(parent)
        what = "、".join(x for x in (fund_source, aid_category) if x) or "全部"
        self.setWindowTitle(f"{year}年发放明细 — {what}")
        self.resize(960, 560)
        where = dict(year=year, unit_code=unit_code, aid_category=aid_category, fund_source=fund_source)
        count, total = paid_total(db.conn, **where)
        self.model = PaidLinesModel(fetch=lambda after, limit: paid_lines(db.conn, **where, after=after, limit=limit),
                                    total=count, parent=self)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((190, 80, 80, 110, 110, 100)):
            self.table.setColumnWidth(column, width)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))

        self.summary = QLabel(f"{year}年{what}：共 {count} 人次，合计 {format_yuan(total)} 元"
                              if count else f"{year}年{what}：还没有发放记录")
        buttons = close_buttons(self)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(buttons)

    def _open(self, row: int) -> None:
        lines = self.model.lines
        if 0 <= row < len(lines):
            # Closed first: the batch opens in a dialog of its own, which should not sit over this one.
            self.accept()
            self.batch_requested.emit(lines[row].batch_id)
