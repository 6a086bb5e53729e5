"""The centre's view of its unit tree: each unit's money and aid for a year, and the cross-unit duplicates to work."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QLabel, QPushButton, QSpinBox, QTableWidgetItem, QTabWidget,
                               QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.money import format_wan, format_yuan
from ...db import Database
from ...db.audit import Actor
from ...services.fund_report import consolidated_report
from ..forms import pick_table
from .duplicates_view import DuplicatesView
from .import_wizard import IMPORTERS, READ_ONLY

COLUMNS = ("单位", "数据来源", "拨付（元）", "收入（元）", "下拨下级（元）", "支出（元）", "人次", "结余（元）",
           "支出（万元）")


class ConsolidatedView(QWidget):
    """One row per unit, parents before children, indented by depth; the total is everything the money reached."""

    def __init__(self, *, db: Database, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setValue(self._db.clock.today().year)
        self.year.setSuffix(" 年")
        self.year.valueChanged.connect(self.reload)
        self.table = pick_table(COLUMNS, stretch=0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addWidget(QLabel("数据来源：本单位＝本单位台账和明细；导入数据＝下级报送的交换表；上报汇总＝下级单位使用情况"))
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.reload()

    def reload(self) -> None:
        try:
            report = consolidated_report(self._db, self.year.value())
        except UserError as err:  # no 本单位 yet
            self.table.setRowCount(0)
            self.summary.setText(err.message)
            return
        self.table.setRowCount(len(report.units))
        for r, u in enumerate(report.units):
            values = ("　" * u.depth + u.name, u.basis, format_yuan(u.allocated) if u.depth else "",
                      format_yuan(u.income) if u.income is not None else "—",
                      format_yuan(u.passed) if u.passed is not None else "—", format_yuan(u.spent.amount),
                      str(u.spent.count), format_yuan(u.balance), format_wan(u.spent.amount))
            for c, value in enumerate(values):
                item = QTableWidgetItem(value)
                if c >= 2:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                self.table.setItem(r, c, item)
        spent = report.spent
        self.summary.setText(f"{self.year.value()}年全系统共支出 {format_wan(spent.amount)} 万元，{spent.count} 人次"
                             "（每个单位只按一种来源计算，不重复）")

    def rows(self) -> list[tuple[str, ...]]:
        return [tuple(self.table.item(r, c).text() for c in range(len(COLUMNS))) for r in range(self.table.rowCount())]


class CentreArea(QWidget):
    """汇总: the consolidated figures and the duplicates (worked as ``actor``); passes on requests to open a household
    or a batch, and to import the units' workbooks."""

    household_requested = Signal(int)
    batch_requested = Signal(int)
    import_requested = Signal()

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.consolidated = ConsolidatedView(db=db)
        self.duplicates = DuplicatesView(db=db, actor=actor)
        self.duplicates.household_requested.connect(self.household_requested)
        self.duplicates.batch_requested.connect(self.batch_requested)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.consolidated, "各单位汇总")
        self.tabs.addTab(self.duplicates, "跨单位重复")
        # Where the centre looks at its units' figures, the way to take in their workbooks (文件 menu too).
        self.import_button = QPushButton("导入多个交换表…")
        self.import_button.setAutoDefault(False)
        self.import_button.clicked.connect(lambda _checked=False: self.import_requested.emit())
        if not actor.may(*IMPORTERS):
            self.import_button.setEnabled(False)
            self.import_button.setToolTip(READ_ONLY)
        self.tabs.setCornerWidget(self.import_button, Qt.TopRightCorner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 0)
        layout.addWidget(self.tabs)

    def reload(self) -> None:
        self.consolidated.reload()
        self.duplicates.reload()
