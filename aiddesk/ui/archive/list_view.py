"""The archive list: search box, filters, quick filters, the table and its counts."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (QAbstractItemView, QCheckBox, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QLineEdit, QTableView, QVBoxLayout, QWidget)

from ...core.codes import code_list
from ...db import Database
from ...db.household_list import HouseholdFilter
from ...db.units import all_units, subtree_codes
from .list_model import HouseholdTableModel

# The archive views: the working archive, and the closed archives kept for 10 years.
VIEWS = (
    ("在档与临时", ("在档", "临时")), ("在档", ("在档",)), ("临时", ("临时",)),
    ("脱困库", ("脱困",)), ("注销库", ("注销",)), ("全部档案", ()),
)
ALL = "全部"


class ArchiveListView(QWidget):
    """Finds households; emits ``open_requested`` with a household id on double-click."""

    open_requested = Signal(int)
    counts_changed = Signal(str)

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.model = HouseholdTableModel(db=db, parent=self)

        self.search = QLineEdit()
        self.search.setPlaceholderText("搜索：姓名、拼音首字母（如 zs）、身份证号（全号或后几位）、电话、档案编号")
        self.search.setClearButtonEnabled(True)
        self.view_box = _combo([name for name, _ in VIEWS])
        self.unit_box = QComboBox()
        self.category_box = _combo([ALL, *code_list("hardship_category")])
        self.cause_box = _combo([ALL, *code_list("hardship_cause")])
        self.migrant_box = _combo([ALL, "农民工", "非农民工"])
        self.stale_check = QCheckBox("一年未更新")
        self.incomplete_check = QCheckBox("资料不全")
        self.reload_units()

        row1 = QHBoxLayout()
        row1.addWidget(self.search, 3)
        row1.addWidget(QLabel("档案库"))
        row1.addWidget(self.view_box)
        row2 = QHBoxLayout()
        for label, box in (("单位", self.unit_box), ("困难类别", self.category_box),
                           ("致困原因", self.cause_box), ("农民工", self.migrant_box)):
            row2.addWidget(QLabel(label))
            row2.addWidget(box)
        row2.addWidget(self.stale_check)
        row2.addWidget(self.incomplete_check)
        row2.addStretch(1)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setDefaultSectionSize(24)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setStretchLastSection(True)
        for i, width in enumerate((135, 60, 40, 150, 135, 80, 60, 110, 115, 60, 100, 85, 120)):
            self.table.setColumnWidth(i, width)
        self.table.doubleClicked.connect(lambda index: self._open(index.row()))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addLayout(row1)
        layout.addLayout(row2)
        layout.addWidget(self.table)

        # Typing waits a moment before searching, so each keystroke does not re-query.
        self._debounce = QTimer(self, singleShot=True, interval=150)
        self._debounce.timeout.connect(self.apply_filter)
        self.search.textChanged.connect(self._debounce.start)
        for box in (self.view_box, self.unit_box, self.category_box, self.cause_box, self.migrant_box):
            box.currentIndexChanged.connect(self.apply_filter)
        for check in (self.stale_check, self.incomplete_check):
            check.toggled.connect(self.apply_filter)
        self.apply_filter()

    def reload_units(self) -> None:
        current = self.unit_box.currentData()
        self.unit_box.blockSignals(True)
        self.unit_box.clear()
        self.unit_box.addItem(ALL, "")
        for unit in all_units(self._db.conn):
            self.unit_box.addItem(f"{unit.name}（{unit.code}）", unit.code)
        index = self.unit_box.findData(current)
        self.unit_box.setCurrentIndex(max(index, 0))
        self.unit_box.blockSignals(False)

    def current_filter(self) -> HouseholdFilter:
        unit = self.unit_box.currentData()
        migrant = {"农民工": True, "非农民工": False}.get(self.migrant_box.currentText())
        return HouseholdFilter(
            statuses=VIEWS[self.view_box.currentIndex()][1],
            unit_codes=tuple(subtree_codes(self._db.conn, unit)) if unit else (),
            category="" if self.category_box.currentText() == ALL else self.category_box.currentText(),
            cause="" if self.cause_box.currentText() == ALL else self.cause_box.currentText(),
            migrant=migrant, text=self.search.text(),
            stale=self.stale_check.isChecked(), incomplete=self.incomplete_check.isChecked(),
            today=self._db.clock.today(),
        )

    def show_filter(self, flt: HouseholdFilter) -> None:
        """Set the filter widgets to ``flt`` and show its list (a figure elsewhere, e.g. the 工作台, links here).

        Statuses no 档案库 view has show as 全部档案; a unit filter shows as the unit whose
        subtree it is (the first code).
        """
        wanted = set(flt.statuses)
        view = next((i for i, (_, statuses) in enumerate(VIEWS) if set(statuses) == wanted), len(VIEWS) - 1)
        migrant = {True: "农民工", False: "非农民工"}.get(flt.migrant, ALL)
        widgets = (self.search, self.view_box, self.unit_box, self.category_box, self.cause_box, self.migrant_box,
                   self.stale_check, self.incomplete_check)
        # One query for the whole filter, not one per widget changed.
        for w in widgets:
            w.blockSignals(True)
        try:
            self.search.setText(flt.text)
            self.view_box.setCurrentIndex(view)
            self.unit_box.setCurrentIndex(max(self.unit_box.findData(flt.unit_codes[0]) if flt.unit_codes else 0, 0))
            self.category_box.setCurrentIndex(max(self.category_box.findText(flt.category or ALL), 0))
            self.cause_box.setCurrentIndex(max(self.cause_box.findText(flt.cause or ALL), 0))
            self.migrant_box.setCurrentIndex(max(self.migrant_box.findText(migrant), 0))
            self.stale_check.setChecked(flt.stale)
            self.incomplete_check.setChecked(flt.incomplete)
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._debounce.stop()
        self.apply_filter()

    def apply_filter(self) -> None:
        flt = self.current_filter()
        self.model.set_filter(flt)
        counts = self.model.counts_by_status
        parts = "，".join(f"{s} {counts.get(s, 0)}" for s in code_list("archive_status"))
        self.counts_text = f"当前列表 {self.model.total} 户（{parts}）"
        self.counts_changed.emit(self.counts_text)

    def refresh(self, select_id: int | None = None) -> None:
        """Re-read after a change, keeping or moving the selection to ``select_id``."""
        keep = select_id if select_id is not None else self.current_id()
        self.apply_filter()
        if keep is not None:
            row = self.model.row_of(keep)
            if row is not None:
                self.table.selectRow(row)

    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.household_id(index.row()) if index.isValid() else None

    def selected_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.model.household_id(r) for r in rows]

    def _open(self, row: int) -> None:
        household_id = self.model.household_id(row)
        if household_id is not None:
            self.open_requested.emit(household_id)


def _combo(items: list[str]) -> QComboBox:
    box = QComboBox()
    box.addItems(items)
    return box
