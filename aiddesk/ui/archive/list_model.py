"""The archive list as a Qt table model, fetched page by page so 100 000 rows scroll lightly."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from ...core.money import format_yuan, from_fen
from ...db import Database
from ...db.household_list import Found, HouseholdFilter, find_households, list_households, page_key

PAGE = 200

# (sort key in the repository, header)
COLUMNS = (
    ("archive_no", "档案编号"), ("name", "姓名"), ("gender", "性别"), ("id_number", "身份证号"),
    ("unit", "所属单位"), ("category", "困难类别"), ("status", "档案状态"), ("cause", "主要致困原因"),
    ("per_capita", "月人均收入（元）"), ("size", "家庭人口"), ("phone", "联系电话"),
    ("updated_at", "最后更新"), ("missing", "缺少材料"),
)


class HouseholdTableModel(QAbstractTableModel):
    """Rows of the current filter and sort; only fetched pages are held in memory."""

    def __init__(self, *, db: Database, parent=None):
        super().__init__(parent)
        self._db = db
        self._filter = HouseholdFilter()
        self._sort, self._descending = "archive_no", False
        self._rows: list = []
        self._found = Found({}, 0, ())

    # ---- what to show -----------------------------------------------------------

    @property
    def total(self) -> int:
        return self._found.total

    @property
    def counts_by_status(self) -> dict[str, int]:
        """Matches of the filter per 档案状态, ignoring the chosen archive view."""
        return self._found.by_status

    @property
    def filter(self) -> HouseholdFilter:
        return self._filter

    def set_filter(self, flt: HouseholdFilter) -> None:
        self._filter = flt
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._found = find_households(self._db.conn, self._filter)
        self._rows = list_households(self._db.conn, self._filter, found=self._found, sort=self._sort,
                                     descending=self._descending, limit=PAGE)
        self.endResetModel()

    def household_id(self, row: int) -> int | None:
        return self._rows[row]["id"] if 0 <= row < len(self._rows) else None

    def row_of(self, household_id: int) -> int | None:
        for i, r in enumerate(self._rows):
            if r["id"] == household_id:
                return i
        return None

    # ---- lazy fetching ------------------------------------------------------------

    def canFetchMore(self, parent=QModelIndex()) -> bool:
        return not parent.isValid() and len(self._rows) < self._found.total

    def fetchMore(self, parent=QModelIndex()) -> None:
        if parent.isValid():
            return
        after = page_key(self._rows[-1]) if self._rows else None
        more = list_households(self._db.conn, self._filter, found=self._found, sort=self._sort,
                               descending=self._descending, after=after, limit=PAGE)
        if not more:  # rows went away since the count (another PC closed some archives)
            self._found = Found(self._found.by_status, len(self._rows), self._found.ids)
            return
        self.beginInsertRows(QModelIndex(), len(self._rows), len(self._rows) + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    # ---- Qt model API -------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return COLUMNS[section][1]
        if orientation == Qt.Vertical and role == Qt.DisplayRole:
            return section + 1
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        key = COLUMNS[index.column()][0]
        if role == Qt.DisplayRole:
            return _display(row, key)
        if role == Qt.TextAlignmentRole and key in ("per_capita", "size"):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == Qt.ForegroundRole and key == "missing" and row["missing_docs"]:
            return QBrush(QColor("#c0392b"))
        if role == Qt.ToolTipRole and key == "status" and row["exit_reason"]:
            return f"{row['archive_status']}：{row['exit_reason']}（{row['exit_date'] or ''}）"
        return None

    def sort(self, column: int, order=Qt.AscendingOrder) -> None:
        self._sort = COLUMNS[column][0]
        self._descending = order == Qt.DescendingOrder
        self.reload()


def _display(row, key: str):
    if key == "unit":
        return row["unit_name"] or row["unit_code"]
    if key == "category":
        return row["hardship_category"]
    if key == "status":
        return row["archive_status"]
    if key == "cause":
        return row["main_cause"]
    if key == "per_capita":
        return format_yuan(from_fen(row["per_capita_income_fen"]))
    if key == "size":
        return row["household_size"]
    if key == "updated_at":
        return (row["updated_at"] or "")[:10]
    if key == "missing":
        return row["missing_docs"]
    return row[key]
