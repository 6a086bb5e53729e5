"""跨单位重复 at the centre: one ID number open in two units' archives, or aided by two units in one year — each
case with both sides, worked to a conclusion; the to-do list shows those still 未处理."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QComboBox, QDialog, QFileDialog, QHBoxLayout, QHeaderView, QLabel, QPushButton,
                               QSpinBox, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...db import Database
from ...db.audit import Actor
from ...services.duplicate_workbooks import write_duplicates_xlsx, write_unit_workbooks
from ...services.duplicates import AIDED_TWICE, IN_ARCHIVES, STAFF, Duplicate, DuplicateService
from .. import messages
from .conclusion_dialog import ConclusionDialog

ALL = "全部"
OPEN, DONE = "未处理", "已处理"
COLUMNS = ("身份证号 / 单位", "类型", "档案编号", "明细编号", "姓名", "关系 / 救助类别", "金额（元）",
           "发放 / 建档日期", "档案状态", "处理结论")
CONCLUSION_COLUMN = 9
TARGET = Qt.ItemDataRole.UserRole        # ("household", id) or ("batch", id) on an entry's row
CASE = Qt.ItemDataRole.UserRole + 1      # the case's place in ``shown()``, on its own row and its entries'
OPEN_COLOR = QColor("#c0392b")
DONE_COLOR = QColor("#1e7e34")
READ_ONLY = "您的账号只能查看；处理由经办人、审核人或管理员办理"


class DuplicatesView(QWidget):
    """The year's duplicates grouped by ID number; select one and 处理… to record its conclusion; double-click an
    entry to open its archive or batch."""

    household_requested = Signal(int)
    batch_requested = Signal(int)
    changed = Signal()   # a conclusion was recorded, changed or withdrawn

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self._db = db
        self.service = DuplicateService(db, actor)
        self.found: list[Duplicate] = []
        self._shown: list[Duplicate] = []
        self.year = QSpinBox()
        self.year.setRange(2000, 2100)
        self.year.setSuffix(" 年")
        self.year.setValue(self._db.clock.today().year)
        self.kind = QComboBox()
        self.kind.addItems([ALL, IN_ARCHIVES, AIDED_TWICE])
        self.kind.setToolTip("在档重复：同一身份证号在两个单位的档案中都是在档或临时（户主或家庭成员）\n"
                             "重复救助：同一身份证号同一年度同一救助类别由两个单位发放")
        self.state = QComboBox()
        self.state.addItems([OPEN, DONE, ALL])
        self.state.setToolTip("未处理：还没有处理结论的重复（待办）；已处理：已记下结论的")
        self.refresh_button = QPushButton("刷新")
        self.conclude_button = QPushButton("处理…")
        self.conclude_button.setToolTip("记下选中重复的处理结论（可修改、撤销）")
        self.export_button = QPushButton("导出Excel…")
        self.export_button.setToolTip("把列表中显示的重复导出为一个工作簿")
        self.per_unit_button = QPushButton("按单位导出…")
        self.per_unit_button.setToolTip("每个单位一个工作簿，含该单位涉及的重复及双方情况，供发给各单位核实")
        self.status = QLabel()
        self.tree = QTreeWidget()
        self.tree.setColumnCount(len(COLUMNS))
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The conclusion as wide as its text (the tree scrolls sideways rather than cut it off).
        header.setSectionResizeMode(CONCLUSION_COLUMN, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        for column, width in enumerate((200, 70, 135, 165, 60, 95, 80, 100, 64)):
            self.tree.setColumnWidth(column, width)
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.detail.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("年度"))
        bar.addWidget(self.year)
        bar.addWidget(QLabel("类型"))
        bar.addWidget(self.kind)
        bar.addWidget(QLabel("显示"))
        bar.addWidget(self.state)
        bar.addWidget(self.refresh_button)
        bar.addSpacing(12)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.conclude_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.per_unit_button)
        hint = QLabel("选中一项后点“处理…”记下结论，处理过的离开“未处理”列表；双击一行打开该档案（在档重复）或该批次"
                      "（重复救助）。本表供中心内部核查，身份证号完整显示。")
        hint.setStyleSheet("color: gray")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(bar)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.detail)
        layout.addWidget(hint)
        self.year.valueChanged.connect(self.reload)
        self.kind.currentTextChanged.connect(self._fill)
        self.state.currentTextChanged.connect(self._fill)
        self.refresh_button.clicked.connect(self.reload)
        self.conclude_button.clicked.connect(self.conclude_selected)
        self.export_button.clicked.connect(self._ask_export)
        self.per_unit_button.clicked.connect(self._ask_export_per_unit)
        self.tree.itemDoubleClicked.connect(self._open)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self.reload()

    @property
    def may_conclude(self) -> bool:
        return self.service.actor.may(*STAFF)

    # ---- data -----------------------------------------------------------------------------

    def reload(self) -> None:
        chosen = self.selected_case()
        try:
            self.found = self.service.cases(self.year.value())
        except UserError as err:
            self.found = []
            messages.error(self, err.message)
        self._fill()
        if chosen is not None:
            self.select_case(chosen.key)

    def shown(self) -> list[Duplicate]:
        kind, state = self.kind.currentText(), self.state.currentText()
        return [d for d in self.found if (kind == ALL or d.kind == kind)
                and (state == ALL or (d.conclusion is None) == (state == OPEN))]

    def _fill(self) -> None:
        self.tree.clear()
        items = self._shown = self.shown()
        for index, d in enumerate(items):
            top = QTreeWidgetItem([d.id_number, d.kind, "", "", d.entries[0].name if d.entries else "",
                                   d.category, "", f"{len(d.units)}个单位", "", self._conclusion_cell(d)])
            font = top.font(0)
            font.setBold(True)
            top.setFont(0, font)
            top.setData(0, CASE, index)
            top.setForeground(CONCLUSION_COLUMN, DONE_COLOR if d.conclusion else OPEN_COLOR)
            if d.conclusion:
                top.setToolTip(CONCLUSION_COLUMN, self._detail(d))
            for e in d.entries:
                if d.kind == IN_ARCHIVES:
                    cells = [f"{e.unit_name}（{e.unit}）", "", e.archive_no, "", e.name, e.relation, "",
                             e.created_on, e.archive_status, ""]
                    target = ("household", e.household_id)
                else:
                    cells = [f"{e.unit_name}（{e.unit}）", "", e.archive_no, e.record_no, e.name, e.category,
                             f"{e.amount:.2f}", e.paid_on, "", ""]
                    target = ("batch", e.batch_id)
                child = QTreeWidgetItem(cells)
                child.setTextAlignment(6, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                child.setData(0, TARGET, target)
                child.setData(0, CASE, index)
                child.setToolTip(0, f"{e.batch_name}（{e.batch_code}）" if e.batch_code else e.archive_no)
                top.addChild(child)
            self.tree.addTopLevelItem(top)
        self.tree.expandAll()
        self.status.setText(self._summary())
        self.export_button.setEnabled(bool(items))
        self.per_unit_button.setEnabled(bool(items))
        self._update_buttons()

    @staticmethod
    def _conclusion_cell(d: Duplicate) -> str:
        # Who and when: in the tooltip and the line under the tree, so that the column stays narrow.
        return d.conclusion_text() if d.conclusion else OPEN

    def _summary(self) -> str:
        year = self.year.value()
        if not self.found:
            return f"{year}年未发现跨单位重复"
        parts = []
        for kind, unit in ((IN_ARCHIVES, "人"), (AIDED_TWICE, "项")):
            cases = [d for d in self.found if d.kind == kind]
            left = sum(1 for d in cases if d.conclusion is None)
            parts.append(f"{kind} {len(cases)} {unit}" + (f"（未处理 {left}）" if cases else ""))
        return f"{year}年：" + "，".join(parts)

    def selected_case(self) -> Duplicate | None:
        items = self.tree.selectedItems()
        index = items[0].data(0, CASE) if items else None
        return self._shown[index] if index is not None and index < len(self._shown) else None

    def select_case(self, key) -> bool:
        """Select the case whose key is ``key`` (kept across a reload), if shown."""
        for index, d in enumerate(self._shown):
            if d.key == key:
                self.tree.setCurrentItem(self.tree.topLevelItem(index))
                return True
        return False

    def _update_buttons(self) -> None:
        case = self.selected_case()
        self.detail.setText(self._detail(case))
        self.conclude_button.setEnabled(self.may_conclude and case is not None)
        self.conclude_button.setToolTip(READ_ONLY if not self.may_conclude else
                                        "请先在列表中选中一项重复" if case is None else
                                        "修改或撤销这一项的处理结论" if case.conclusion else "记下这一项的处理结论")

    @staticmethod
    def _detail(case: Duplicate | None) -> str:
        """The selected case's conclusion in full, with who, when and the note (the column may be narrow)."""
        if case is None:
            return ""
        c = case.conclusion
        if c is None:
            return f"{case.kind} {case.id_number}：未处理"
        note = f"；说明：{c.note}" if c.note and c.note not in case.conclusion_text() else ""
        return f"{case.kind} {case.id_number}：{case.conclusion_text()}（{c.by}，{c.at.replace('T', ' ')}）{note}"

    def _open(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        target = item.data(0, TARGET)
        if not target:
            return
        what, ident = target
        (self.household_requested if what == "household" else self.batch_requested).emit(int(ident))

    # ---- working a case --------------------------------------------------------------------

    def run_dialog(self, dialog: QDialog) -> bool:
        """Show a dialog modally; tests replace this to fill the form."""
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        return accepted

    def conclude_selected(self) -> bool:
        """处理… the selected case; True when its conclusion was recorded, changed or withdrawn."""
        case = self.selected_case()
        if case is None:
            messages.info(self, "请先在列表中选中要处理的重复。")
            return False
        if not self.run_dialog(ConclusionDialog(service=self.service, case=case, parent=self)):
            return False
        self.reload()
        self.changed.emit()
        return True

    # ---- export ------------------------------------------------------------------------------

    def export_xlsx(self, path: str | Path) -> int:
        """Write the rows shown (the kind and state chosen) as a workbook; returns the rows written."""
        return write_duplicates_xlsx(self.shown(), path, year=self.year.value())

    def export_per_unit(self, folder: str | Path) -> list[tuple[str, Path, int]]:
        """One workbook per unit of the cases shown, in ``folder``: (单位代码, file, cases) per unit."""
        return write_unit_workbooks(self.shown(), folder, year=self.year.value())

    def _written(self, write):
        """What ``write()`` returned, or None after saying in Chinese why the file could not be written."""
        try:
            return write()
        except UserError as err:
            messages.error(self, err.message)
        except OSError as err:
            messages.error(self, f"无法写入文件：{err.strerror or err}")
        return None

    def _ask_export(self) -> None:
        suggested = f"{self.year.value()}年跨单位重复.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, "导出Excel", suggested, "Excel 工作簿 (*.xlsx)")
        if not path:
            return
        count = self._written(lambda: self.export_xlsx(path))
        if count is not None:
            messages.info(self, f"已导出 {count} 行：{path}")

    def _ask_export_per_unit(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "按单位导出到文件夹")
        if not folder:
            return
        written = self._written(lambda: self.export_per_unit(folder))
        if written is None:
            return
        lines = "\n".join(f"{path.name}（{cases} 项）" for _unit, path, cases in written)
        messages.info(self, f"已导出 {len(written)} 个单位的工作簿到 {folder}：\n{lines}")
