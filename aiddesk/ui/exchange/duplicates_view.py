"""跨单位重复 at the centre: one ID number open in two units' archives, or aided by two units in one year."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton, QSpinBox,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...db import Database
from ...services.duplicates import AIDED_TWICE, IN_ARCHIVES, Duplicate, duplicates, write_duplicates_xlsx
from .. import messages

ALL = "全部"
COLUMNS = ("身份证号 / 单位", "类型", "档案编号", "明细编号", "姓名", "关系 / 救助类别", "金额（元）",
           "状态 / 发放日期")
TARGET = Qt.ItemDataRole.UserRole  # ("household", id) or ("batch", id) on an entry's row


class DuplicatesView(QWidget):
    """The year's duplicates grouped by ID number; double-click an entry to open its archive or batch."""

    household_requested = Signal(int)
    batch_requested = Signal(int)

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.found: list[Duplicate] = []
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setSuffix(" 年")
        self.year.setValue(self._db.clock.today().year)
        self.kind = QComboBox()
        self.kind.addItems([ALL, IN_ARCHIVES, AIDED_TWICE])
        self.kind.setToolTip("在档重复：同一身份证号在两个单位的档案中都是在档或临时（户主或家庭成员）\n"
                             "重复救助：同一身份证号同一年度同一救助类别由两个单位发放")
        self.refresh_button = QPushButton("刷新")
        self.export_button = QPushButton("导出Excel…")
        self.status = QLabel()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate((230, 80, 150, 170, 80, 110, 90, 110)):
            self.tree.setColumnWidth(column, width)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addWidget(QLabel("类型"))
        bar.addWidget(self.kind)
        bar.addWidget(self.refresh_button)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.export_button)
        hint = QLabel("双击一行打开该档案（在档重复）或该批次（重复救助）。本表供中心内部核查，身份证号完整显示。")
        hint.setStyleSheet("color: gray")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(hint)
        self.year.valueChanged.connect(self.reload)
        self.kind.currentTextChanged.connect(self._fill)
        self.refresh_button.clicked.connect(self.reload)
        self.export_button.clicked.connect(self._ask_export)
        self.tree.itemDoubleClicked.connect(self._open)
        self.reload()

    # ---- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        try:
            self.found = duplicates(self._db, self.year.value())
        except UserError as err:
            self.found = []
            messages.error(self, err.message)
        self._fill()

    def shown(self) -> list[Duplicate]:
        kind = self.kind.currentText()
        return [d for d in self.found if kind == ALL or d.kind == kind]

    def _fill(self) -> None:
        self.tree.clear()
        items = self.shown()
        for d in items:
            top = QTreeWidgetItem([d.id_number, d.kind, "", "", d.entries[0].name if d.entries else "",
                                   d.category, "", f"{len(d.units)}个单位"])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            for e in d.entries:
                if d.kind == IN_ARCHIVES:
                    cells = [f"{e.unit_name}（{e.unit}）", "", e.archive_no, "", e.name, e.relation, "",
                             e.archive_status]
                    target = ("household", e.household_id)
                else:
                    cells = [f"{e.unit_name}（{e.unit}）", "", e.archive_no, e.record_no, e.name, e.category,
                             f"{e.amount:.2f}", e.paid_on]
                    target = ("batch", e.batch_id)
                child = QTreeWidgetItem(cells)
                child.setTextAlignment(6, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                child.setData(0, TARGET, target)
                child.setToolTip(0, f"{e.batch_name}（{e.batch_code}）" if e.batch_code else e.archive_no)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        n_open = sum(1 for d in self.found if d.kind == IN_ARCHIVES)
        n_aid = sum(1 for d in self.found if d.kind == AIDED_TWICE)
        self.status.setText(f"{self.year.value()}年：在档重复 {n_open} 人，重复救助 {n_aid} 项"
                            if self.found else f"{self.year.value()}年未发现跨单位重复")
        self.export_button.setEnabled(bool(items))

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, TARGET)
        if not target:
            return
        what, ident = target
        (self.household_requested if what == "household" else self.batch_requested).emit(int(ident))

    # ---- export ------------------------------------------------------------------------------

    def export_xlsx(self, path: str | Path) -> int:
        """Write the rows shown (the kind chosen) as a workbook; returns the rows written."""
        return write_duplicates_xlsx(self.shown(), path, year=self.year.value())

    def _ask_export(self) -> None:
        suggested = f"{self.year.value()}年跨单位重复.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        try:
            count = self.export_xlsx(path)
        except UserError as err:
            messages.error(self, err.message)
            return
        except OSError as err:
            messages.error(self, f"无法写入文件：{err.strerror or err}")
            return
        messages.info(self, f"已导出 {count} 行：{path}")
