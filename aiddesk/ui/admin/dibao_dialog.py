"""低保 lines per area and year: a table, and a row of fields to add, change or delete one."""

from __future__ import annotations


from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QPushButton, QSpinBox, QTableWidgetItem, QVBoxLayout, QWidget)

from ...core.errors import UserError
from ...core.money import format_yuan, parse_yuan
from ...db import Database
from ...db.audit import Actor
from ...db.settings import dibao_lines
from ...services import settings as settings_service
from ..forms import error_label, pick_table, show_error
from ..messages import ask

KEY_ROLE = Qt.UserRole


class DibaoDialog(QDialog):
    """The table of 低保 lines (元/月); picking a row fills the fields below for changing or deleting it."""

    COLUMNS = ["地区代码", "年度", "标准（元/月）"]

    def __init__(self, *, db: Database, actor: Actor, parent: QWidget | None = None):
        super().__init__(parent)
        self.db, self.actor = db, actor
        self.setWindowTitle("低保标准")
        self.resize(560, 480)

        intro = QLabel("按行政区划代码和年度登记每月低保标准。某县没有登记时，使用所属市、再使用所属省的标准；"
                       "某年没有登记时，使用此前最近一年的标准。")
        intro.setWordWrap(True)

        self.table = pick_table(self.COLUMNS, stretch=2, min_width=80)
        self.table.itemSelectionChanged.connect(self._row_chosen)

        self.area_code = QLineEdit()
        self.area_code.setMaxLength(6)
        self.area_code.setPlaceholderText("6位行政区划代码，例如 460100")
        self.year = QSpinBox()
        self.year.setRange(settings_service.YEAR_MIN, settings_service.YEAR_MAX)
        self.year.setValue(self.db.clock.today().year)
        self.year.setSuffix(" 年")
        self.line = QLineEdit()
        self.line.setPlaceholderText("例如 700 或 700.50")
        self.line.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.line.returnPressed.connect(self.save_line)

        form = QFormLayout()
        form.addRow("地区代码", self.area_code)
        form.addRow("年度", self.year)
        form.addRow("标准（元/月）", self.line)
        self.fields = {"area_code": self.area_code, "year": self.year, "line": self.line}

        self.save_button = QPushButton("保存")
        self.delete_button = QPushButton("删除")
        self.close_button = QPushButton("关闭")
        self.save_button.clicked.connect(self.save_line)
        self.delete_button.clicked.connect(self.delete_line)
        self.close_button.clicked.connect(self.reject)
        for button in (self.save_button, self.delete_button, self.close_button):
            button.setAutoDefault(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.delete_button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(form)
        self.error = error_label()
        layout.addWidget(self.error)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setVisible(False)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.reload()

    # -- showing -------------------------------------------------------------

    def reload(self, select: tuple[str, int] | None = None) -> None:
        """Refill the table from the database and select ``(area_code, year)`` if given."""
        lines = dibao_lines(self.db.conn)
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(lines))
        for row, (area, year, line) in enumerate(lines):
            cells = [QTableWidgetItem(area), QTableWidgetItem(str(year)), QTableWidgetItem(format_yuan(line))]
            cells[1].setTextAlignment(Qt.AlignCenter)
            cells[2].setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            for col, cell in enumerate(cells):
                cell.setData(KEY_ROLE, (area, year))
                self.table.setItem(row, col, cell)
            if (area, year) == select:
                self.table.selectRow(row)
        self.table.blockSignals(False)
        self._update_buttons()

    def rows(self) -> list[tuple[str, str, str]]:
        """The table's text, row by row (地区代码, 年度, 标准)."""
        return [tuple(self.table.item(r, c).text() for c in range(3)) for r in range(self.table.rowCount())]

    def selected_key(self) -> tuple[str, int] | None:
        rows = self.table.selectionModel().selectedRows()
        return tuple(self.table.item(rows[0].row(), 0).data(KEY_ROLE)) if rows else None

    def _row_chosen(self) -> None:
        key = self.selected_key()
        if key is not None:
            row = self.table.selectionModel().selectedRows()[0].row()
            self.area_code.setText(key[0])
            self.year.setValue(key[1])
            self.line.setText(self.table.item(row, 2).text())
        self._say(None)
        self._update_buttons()

    def _update_buttons(self) -> None:
        self.delete_button.setEnabled(self.selected_key() is not None)

    def _say(self, text: str | None) -> None:
        self.message.setText(text or "")
        self.message.setVisible(bool(text))

    # -- actions -------------------------------------------------------------

    def confirm(self, text: str) -> bool:
        """Ask before deleting; tests replace this."""
        return ask(self, text, title="删除低保标准", yes_text="删除")

    def save_line(self) -> bool:
        """Save the fields (a line for the same area and year is replaced); True on success."""
        show_error(self.error, None)
        self._say(None)
        try:
            if not self.line.text().strip():
                raise UserError("请填写低保标准（元/月）", field="line")
            try:
                line = parse_yuan(self.line.text())
            except UserError as err:
                raise UserError(err.message, field="line") from None
            settings_service.save_dibao_line(self.db, self.actor, self.area_code.text(), self.year.value(), line)
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        key = (settings_service.normalised_area(self.area_code.text()), self.year.value())
        self.reload(key)
        self.line.setText(format_yuan(line))
        self._say(f"已保存地区 {key[0]} {key[1]}年的低保标准：{format_yuan(line)} 元/月。")
        return True

    def delete_line(self) -> bool:
        """Delete the selected line after confirmation; True if deleted."""
        show_error(self.error, None)
        key = self.selected_key()
        if key is None:
            return False
        if not self.confirm(f"确定要删除地区 {key[0]} {key[1]}年的低保标准吗？"):
            return False
        try:
            settings_service.delete_dibao_line(self.db, self.actor, key[0], key[1])
        except UserError as err:
            show_error(self.error, err, self.fields)
            return False
        self.reload()
        self.line.clear()
        self._say(f"已删除地区 {key[0]} {key[1]}年的低保标准。")
        return True
