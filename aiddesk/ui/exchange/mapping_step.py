"""对应列 step of the import wizard: how each sheet of an old ledger was read, changed through ColumnMappingDialog."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QHBoxLayout, QHeaderView, QLabel,
                               QPushButton, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout,
                               QWidget)

from ...db.column_mappings import MappingField
from ...exchange import format as fmt
from ...exchange.validate import SheetLayout
from ..verification.column_mapping_dialog import ColumnMappingDialog

UNMAPPED = "（未对应）"
_MISSING_COLOUR = QColor("#c0392b")
_HINT_STYLE = "color: #666666;"


def mapping_dialog(layout: SheetLayout, parent: QWidget | None = None) -> ColumnMappingDialog:
    """The shared column-mapping dialog for one sheet: every column of the format's sheet, the file's headers."""
    sheet = fmt.BY_NAME[layout.sheet]
    dialog = ColumnMappingDialog(
        headers=[h for h in layout.headers if h],
        fields=[MappingField(key=c.header, label=c.header, required=c.required) for c in sheet.columns],
        mapping=layout.columns, sample_rows=layout.sample, title=f"对应列 — {layout.sheet}",
        intro=f"请为“{layout.sheet}”的每一列选择旧台账工作表“{layout.file_sheet}”中对应的列（带 * 的必须选择，"
              "没有的选“（不导入）”）。下方是文件的前几行，供对照。", parent=parent)
    # Imports always remember the confirmed mapping (the service does it when writing): no choice to offer.
    dialog.remember_box.setVisible(False)
    return dialog


class MappingStep(QWidget):
    """One tab per sheet of the ledger: format column ← file column; 修改对应… opens the mapping dialog.

    ``edited(sheet, mapping)`` carries the format sheet and {format header: file header} the user confirmed.
    """

    edited = Signal(str, dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.layouts: list[SheetLayout] = []
        self.dialog: ColumnMappingDialog | None = None  # the open mapping dialog, if any
        intro = QLabel("这是一份旧台账。请核对下面每张表的列：左边是《帮扶数据交换表》格式中的列，右边是从您的文件中"
                       "读取它的列。表头与格式不同的（如“身份证号码”“困难类型”）已尽量自动对应；不对或缺少的，请点"
                       "“修改对应…”选择。导入后会记住这些对应关系，下次导入同样格式的台账时自动选好。")
        intro.setWordWrap(True)
        intro.setStyleSheet(_HINT_STYLE)
        self.tabs = QTabWidget()
        self.missing_label = QLabel()
        self.missing_label.setWordWrap(True)
        self.missing_label.setStyleSheet("color: #c0392b;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.missing_label)

    def show_layouts(self, layouts: Sequence[SheetLayout]) -> None:
        current = self.tabs.currentIndex()
        self.layouts = list(layouts)
        self.tabs.clear()
        for layout in self.layouts:
            title = layout.sheet + (f"（缺{len(layout.missing)}列）" if layout.missing else "")
            self.tabs.addTab(self._page(layout), title)
        if self.layouts:
            self.tabs.setCurrentIndex(min(max(current, 0), len(self.layouts) - 1))
        problem = self.problem()
        self.missing_label.setText(problem or "")
        self.missing_label.setVisible(bool(problem))

    def problem(self) -> str | None:
        """Why the user cannot go on yet: required columns with no file column, or no sheet recognised."""
        if not self.layouts:
            return "文件中没有认出任何一张台账表，无法导入。请检查文件是否选对。"
        missing = [f"“{layout.sheet}”缺少{'、'.join(layout.missing)}" for layout in self.layouts if layout.missing]
        if missing:
            return "；".join(missing) + "。请点“修改对应…”为这些必填列选择文件中对应的列。"
        return None

    def _page(self, layout: SheetLayout) -> QWidget:
        sheet = fmt.BY_NAME[layout.sheet]
        page = QWidget()
        where = QLabel(f"文件中的工作表“{layout.file_sheet}”，按“{layout.sheet}”读取。")
        table = QTableWidget(len(sheet.columns), 2)
        table.setHorizontalHeaderLabels(["格式中的列（* 必填）", "文件中的列"])
        table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        table.setSelectionMode(QAbstractItemView.NoSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(0, QHeaderView.Interactive)
        table.horizontalHeader().resizeSection(0, 220)
        table.horizontalHeader().setStretchLastSection(True)
        # Columns read from the file first: those are the ones to check; the rest are simply not in the ledger.
        order = sorted(sheet.columns, key=lambda c: c.header not in layout.columns and c.header not in layout.missing)
        for row, column in enumerate(order):
            target = QTableWidgetItem(column.header + (" *" if column.required else ""))
            source = QTableWidgetItem(layout.columns.get(column.header, UNMAPPED if column.required else "—"))
            if column.header in layout.missing:
                for item in (target, source):
                    item.setForeground(_MISSING_COLOUR)
            table.setItem(row, 0, target)
            table.setItem(row, 1, source)
        unused = [h for h in layout.headers if h and h not in layout.columns.values()]
        rest = QLabel(f"文件中未导入的列：{'、'.join(unused)}" if unused else "文件中的列都已对应。")
        rest.setWordWrap(True)
        rest.setStyleSheet(_HINT_STYLE)
        button = QPushButton("修改对应…")
        button.clicked.connect(lambda _checked=False, s=layout.sheet: self.edit(s))
        bar = QHBoxLayout()
        bar.addWidget(where, 1)
        bar.addWidget(button)
        box = QVBoxLayout(page)
        box.addLayout(bar)
        box.addWidget(table, 1)
        box.addWidget(rest)
        return page

    def edit(self, sheet: str) -> ColumnMappingDialog:
        """Open the mapping dialog for ``sheet`` (window-modal, not blocking); its 确定 emits ``edited``."""
        layout = next(lay for lay in self.layouts if lay.sheet == sheet)
        dialog = mapping_dialog(layout, self)
        dialog.finished.connect(lambda result: self._closed(dialog, sheet, result))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _closed(self, dialog: ColumnMappingDialog, sheet: str, result: int) -> None:
        self.dialog = None
        dialog.deleteLater()
        if result == QDialog.Accepted:
            self.edited.emit(sheet, dialog.mapping())
