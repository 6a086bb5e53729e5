"""资金来源: the default list, and the sources an office adds (and may remove while nothing uses them)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QTableWidgetItem, QVBoxLayout,
                               QWidget)

from ...core.codes import code_list
from ...core.errors import UserError
from ...services.funds import FundService
from .. import messages
from ..forms import error_label, pick_table, show_error

DEFAULT, ADDED = "默认", "本单位添加"
COLUMNS = ("资金来源", "类别")
DEFAULT_COLOUR = QColor("#666666")


class FundSourcesDialog(QDialog):
    """The list of 资金来源; 添加 takes the name typed below it, 删除 removes the selected added source."""

    def __init__(self, *, service: FundService, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.defaults = code_list("fund_source")
        self.setWindowTitle("资金来源")
        self.resize(460, 520)

        intro = QLabel("默认资金来源不能删除。其他来源可在此添加；添加的来源在台账、预算、批次或帮扶明细中"
                       "用到之前可以删除。")
        intro.setWordWrap(True)
        self.table = pick_table(COLUMNS, stretch=0, min_width=96)
        self.table.itemSelectionChanged.connect(self._update_buttons)

        self.name = QLineEdit()
        self.name.setMaxLength(20)
        self.name.setPlaceholderText("新资金来源名称，例如 慈善总会捐赠")
        self.name.returnPressed.connect(self.add_source)
        self.add_button = QPushButton("添加")
        self.remove_button = QPushButton("删除")
        self.close_button = QPushButton("关闭")
        self.add_button.clicked.connect(self.add_source)
        self.remove_button.clicked.connect(self.remove_source)
        self.close_button.clicked.connect(self.accept)
        for button in (self.add_button, self.remove_button, self.close_button):
            button.setAutoDefault(False)
        add_row = QHBoxLayout()
        add_row.addWidget(self.name, 1)
        add_row.addWidget(self.add_button)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        self.error = error_label()
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(add_row)
        layout.addWidget(self.error)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    def reload(self, select: str | None = None) -> None:
        sources = self.service.sources()
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(sources))
        for row, source in enumerate(sources):
            is_default = source in self.defaults
            cells = [QTableWidgetItem(source), QTableWidgetItem(DEFAULT if is_default else ADDED)]
            for col, cell in enumerate(cells):
                if is_default:
                    cell.setForeground(DEFAULT_COLOUR)
                    cell.setToolTip("默认资金来源，不能删除")
                self.table.setItem(row, col, cell)
            cells[1].setTextAlignment(Qt.AlignCenter)
            if source == select:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._update_buttons()

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(r, 0).text(), self.table.item(r, 1).text()) for r in range(self.table.rowCount())]

    def selected_source(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table.item(rows[0].row(), 0).text() if rows else None

    def _update_buttons(self) -> None:
        source = self.selected_source()
        # Defaults are refused by the service anyway; the button says so before the user tries.
        self.remove_button.setEnabled(source is not None and source not in self.defaults)

    def _say(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    def add_source(self) -> bool:
        show_error(self.error, None)
        self._say(None)
        before = set(self.service.sources())
        try:
            self.service.add_source(self.name.text())
        except UserError as err:
            show_error(self.error, err, {"name": self.name})
            return False
        # The service tidies the name (full-width letters, spaces), so select what it stored.
        name = next((s for s in self.service.sources() if s not in before), self.name.text().strip())
        self.name.clear()
        self.reload(name)
        self._say(f"已添加资金来源“{name}”。")
        return True

    def remove_source(self) -> bool:
        show_error(self.error, None)
        self._say(None)
        source = self.selected_source()
        if source is None:
            return False
        if not messages.ask(self, f"确定要删除资金来源“{source}”吗？", title="删除资金来源", yes_text="删除"):
            return False
        try:
            self.service.remove_source(source)
        except UserError as err:
            show_error(self.error, err)
            return False
        self.reload()
        self._say(f"已删除资金来源“{source}”。")
        return True
