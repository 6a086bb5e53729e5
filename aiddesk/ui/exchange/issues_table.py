"""The import check's errors and warnings as one sortable table, with "只看错误" (a model, not a widget per row)."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QSortFilterProxyModel, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QHBoxLayout, QHeaderView, QLabel, QTableView, QVBoxLayout,
                               QWidget)

from ...reports.import_issues_xlsx import ERROR, HEADER, issue_rows

KIND, SHEET, ROW, COLUMN, VALUE, MESSAGE = range(len(HEADER))
SORT_ROLE = Qt.UserRole + 1
_ERROR_COLOUR = QColor("#c0392b")
_WARNING_COLOUR = QColor("#8a5300")


class IssuesModel(QAbstractTableModel):
    """(类别, 工作表, 行, 列, 内容, 说明) per issue, errors first; 10 000 issues are just a list here."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.rows: list[tuple] = []

    def set_issues(self, errors: Sequence, warnings: Sequence) -> None:
        self.beginResetModel()
        self.rows = issue_rows(errors, warnings)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADER)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return HEADER[section]
        return None

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        value = row[index.column()]
        if role == Qt.DisplayRole:
            return "" if value is None else str(value)
        if role == SORT_ROLE:
            # Rows sort as numbers (2 before 10); issues about a whole sheet (no row) come first.
            if index.column() == ROW:
                return -1 if value is None else value
            return "" if value is None else str(value)
        if role == Qt.ToolTipRole and index.column() in (VALUE, MESSAGE) and value:
            return str(value)
        if role == Qt.ForegroundRole and index.column() == KIND:
            return _ERROR_COLOUR if value == ERROR else _WARNING_COLOUR
        if role == Qt.TextAlignmentRole and index.column() == ROW:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None


class _ErrorsFilter(QSortFilterProxyModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.errors_only = False
        self.setSortRole(SORT_ROLE)

    def set_errors_only(self, on: bool) -> None:
        self.beginFilterChange()   # invalidateFilter() is deprecated in Qt 6.10+
        self.errors_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:
        return not self.errors_only or self.sourceModel().rows[source_row][KIND] == ERROR


class IssuesTable(QWidget):
    """The table and its "只看错误" switch; ``view.model()`` is what the user sees, in the order shown."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.model = IssuesModel(self)
        self.proxy = _ErrorsFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTableView()
        self.view.setModel(self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(-1, Qt.AscendingOrder)  # the check's own order until a header is clicked
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setWordWrap(False)
        self.view.verticalHeader().setVisible(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        # Fixed widths: measuring 10 000 rows' contents would stall the window.
        for column, width in ((KIND, 56), (SHEET, 110), (ROW, 56), (COLUMN, 110), (VALUE, 170)):
            header.setSectionResizeMode(column, QHeaderView.Interactive)
            header.resizeSection(column, width)
        header.setStretchLastSection(True)
        self.errors_only = QCheckBox("只看错误")
        self.errors_only.toggled.connect(self.proxy.set_errors_only)
        self.errors_only.toggled.connect(lambda _on: self._count())
        self.count = QLabel()
        bar = QHBoxLayout()
        bar.addWidget(self.count, 1)
        bar.addWidget(self.errors_only)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)

    def set_issues(self, errors: Sequence, warnings: Sequence) -> None:
        self.model.set_issues(errors, warnings)
        self._count()

    def _count(self) -> None:
        shown = self.proxy.rowCount()
        total = self.model.rowCount()
        if not total:
            self.count.setText("没有错误或提醒")
        else:
            self.count.setText(f"共 {total} 条" if shown == total else f"显示 {shown} 条（共 {total} 条）")

    def shown_rows(self) -> list[tuple[str, ...]]:
        """The rows as the user sees them (filtered and sorted), as text."""
        m = self.proxy
        return [tuple(m.index(r, c).data() for c in range(m.columnCount())) for r in range(m.rowCount())]
